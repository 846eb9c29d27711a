# XPaymentPlatform — see README.md. Everything is built from this repo's own
# files and Go modules (tools/ pins the crossplane CLI and controller-gen).
SHELL := /usr/bin/env bash
GO ?= go
BIN ?= $(CURDIR)/bin
CROSSPLANE_VERSION := v2.2.0
EXAMPLE ?= claim
export CROSSPLANE := $(BIN)/crossplane

.DEFAULT_GOAL := help
.PHONY: help render render-ready test test-go e2e controlplane fixtures check-generate generate golden validate bench fuzz load tools crossplane function clean

help: ## Show the targets.
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

# --- the two commands of the README -----------------------------------------
render: $(BIN)/crossplane $(BIN)/function ## Render the example claim (EXAMPLE=claim|claim-prod) with the real crossplane CLI.
	@hack/render.sh examples/xr/$(EXAMPLE).yaml

render-ready: $(BIN)/crossplane $(BIN)/function ## Render the prod claim in a world where everything is observed Ready.
	@hack/render.sh examples/xr/claim-prod.yaml --observed-resources=examples/observed/claim-prod.yaml

test: check-generate scan test-go test-lambda e2e ## Run every test: XRD in sync, the trivy scan of every golden render, unit, function, render goldens + validate, policy, packages, Lambdas on PostgreSQL and the runtime emulator, the end-to-end suite.

# Every Go test outside lambda/ (test-lambda, from lambda/lambda.mk, runs
# those with PostgreSQL and the Lambda Runtime Interface Emulator), with the
# crossplane CLI the render, validate and package tests run. The fuzz
# targets run their seed corpus; longer fuzzing is make fuzz. The package
# round trip builds the linux/amd64 image (XPKG_TEST_ARCHES=amd64,arm64 for
# both; make xpkg always builds both).
test-go: $(BIN)/crossplane
	$(GO) vet ./...
	XPKG_TEST_ARCHES=$${XPKG_TEST_ARCHES:-amd64} $(GO) test -count=1 -timeout 25m $$($(GO) list ./... | grep -v -e /lambda/ -e /cmd/lambda-publish)

FUZZTIME ?= 1m
fuzz: ## Fuzz RunFunction and the validator's key-range/segment logic, FUZZTIME each (default 1m; e.g. FUZZTIME=10m).
	$(GO) test -run '^$$' -fuzz '^FuzzRunFunction$$' -fuzztime $(FUZZTIME) ./functions/payment-platform/fn
	$(GO) test -run '^$$' -fuzz '^FuzzPrepare$$' -fuzztime $(FUZZTIME) ./lambda/validation/validator

LOAD_CLIENTS ?= 8
LOAD_CALLS ?= 10000
load: ## The real gRPC server under mTLS, LOAD_CLIENTS x LOAD_CALLS RunFunction calls: the production build (errors, memory growth, peak RSS, startup), then the -race build (errors, races, Go-heap growth); bad peers refused by both.
	@mkdir -p _output
	$(GO) build -o _output/function ./functions/payment-platform
	$(GO) build -race -o _output/function-race ./functions/payment-platform
	LOAD_SERVER_BIN=$(abspath _output/function) LOAD_CLIENTS=$(LOAD_CLIENTS) LOAD_CALLS=$(LOAD_CALLS) \
		$(GO) test -count=1 -timeout 0 -v -run 'TestGRPCLoad|TestBadPeers' ./functions/payment-platform
	LOAD_SERVER_BIN=$(abspath _output/function-race) LOAD_CLIENTS=$(LOAD_CLIENTS) LOAD_CALLS=$(LOAD_CALLS) \
		$(GO) test -count=1 -timeout 0 -v -run 'TestGRPCLoad|TestBadPeers' ./functions/payment-platform

# --- generation -------------------------------------------------------------
generate: $(BIN)/controller-gen ## Regenerate the XRD from apis/v1alpha1, and the catalog template from the XRD.
	@rm -rf .cache/crd && mkdir -p .cache/crd
	$(BIN)/controller-gen crd:allowDangerousTypes=true paths=./apis/v1alpha1/... output:crd:dir=.cache/crd
	$(GO) run ./hack/xrdgen -crd .cache/crd/platform.payments.io_xpaymentplatforms.yaml -out apis/xpaymentplatforms/definition.yaml
	$(GO) run ./cmd/catalog -xrd apis/xpaymentplatforms/definition.yaml -out examples/catalog

check-generate: generate ## Fail if the XRD (or the catalog template made from it) differs from what the Go types generate.
	@git diff --exit-code -- apis/xpaymentplatforms/definition.yaml examples/catalog || { echo "the XRD or examples/catalog is out of date: run make generate and commit them"; exit 1; }

golden: $(BIN)/crossplane ## Regenerate example XRs and golden renders (in the observed worlds make fixtures captured).
	$(GO) test -count=1 ./examples -run TestRender -update

fixtures: $(BIN)/crossplane $(CONTROLPLANE_BINS) ## Capture the observed worlds of the example renders (examples/observed) from the end-to-end control plane, then make golden.
	E2E_UPDATE=1 $(GO) test -tags e2e -count=1 -timeout 30m -v -run 'TestE2E/(Install|ExampleClaimsReady|CutoverWalk)$$' ./e2e
	$(MAKE) golden

validate: $(BIN)/crossplane ## crossplane beta validate every render, XR and claim (offline).
	$(GO) test -count=1 ./examples -run 'TestValidate' -v

bench: ## The benchmark report: RunFunction and end to end against the protobuf floor, interleaved, BENCH_ROUNDS rounds (medians and spread) for the dev, prod and network-only workloads; BENCH_OUT=file writes it.
	BENCH_REPORT=1 $(GO) test -count=1 -run '^TestBenchReport$$' -v ./functions/payment-platform/fn

# --- the real control plane --------------------------------------------------
# kube-apiserver, kube-controller-manager (v1.35.4) and etcd (v3.6.5, embed)
# from tools/controlplane; Crossplane core v2.2.0 from tools/. Cold: 7-9
# minutes on 2 cores; then seconds.
K8S_VERSION := v1.35.4
K8S_LDFLAGS := -s -w -X k8s.io/component-base/version.gitVersion=$(K8S_VERSION) -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=35
CONTROLPLANE_BINS := $(BIN)/etcd $(BIN)/kube-apiserver $(BIN)/kube-controller-manager $(BIN)/crossplane-core
E2E_RUN ?= .

controlplane: $(CONTROLPLANE_BINS) ## Build the control plane the end-to-end tests run (etcd, kube-apiserver, kube-controller-manager, Crossplane core).

e2e: $(BIN)/crossplane $(CONTROLPLANE_BINS) ## End-to-end: install the packages on a real kube-apiserver + Crossplane core on loopback, with the provider simulator (E2E_RUN=regexp, E2E_KEEP=1 keeps logs).
	$(GO) test -tags e2e -count=1 -timeout 30m -v -run '$(E2E_RUN)' ./e2e

$(BIN)/kube-apiserver $(BIN)/kube-controller-manager: $(BIN)/%: tools/controlplane/go.mod tools/controlplane/go.sum
	@echo "building $@ (k8s.io/kubernetes $(K8S_VERSION) from tools/controlplane)" >&2
	@cd tools/controlplane && $(GO) build -trimpath -ldflags "$(K8S_LDFLAGS)" -o $@ k8s.io/kubernetes/cmd/$*

$(BIN)/etcd: tools/controlplane/go.mod tools/controlplane/go.sum tools/controlplane/etcd/main.go
	@echo "building $@ (go.etcd.io/etcd/server/v3 embed from tools/controlplane)" >&2
	@cd tools/controlplane && $(GO) build -trimpath -o $@ ./etcd

$(BIN)/crossplane-core: tools/go.mod tools/go.sum
	@echo "building $@ (crossplane core $(CROSSPLANE_VERSION) from tools/go.mod)" >&2
	@cd tools && $(GO) build -trimpath -o $@ -ldflags "-X github.com/crossplane/crossplane/v2/internal/version.version=$(CROSSPLANE_VERSION)" github.com/crossplane/crossplane/v2/cmd/crossplane

.PHONY: forcenew
forcenew: ## Regenerate internal/forcenew/table.json (ForceNew fields of every composed provider-aws kind) from the Terraform schemas behind provider-aws; ~35 min on a cold build cache.
	$(GO) run ./hack/forcenew

# --- tools, built from Go modules -------------------------------------------
tools: $(BIN)/crossplane $(BIN)/controller-gen ## Build the pinned CLIs.

crossplane: $(BIN)/crossplane
$(BIN)/crossplane: tools/go.mod tools/go.sum
	@echo "building $@ (crossplane $(CROSSPLANE_VERSION) from tools/go.mod)" >&2
	@cd tools && $(GO) build -o $@ -ldflags "-X github.com/crossplane/crossplane/v2/internal/version.version=$(CROSSPLANE_VERSION)" github.com/crossplane/crossplane/v2/cmd/crank

$(BIN)/controller-gen: tools/codegen/go.mod tools/codegen/go.sum
	@echo "building $@ (controller-gen from tools/codegen/go.mod)" >&2
	@cd tools/codegen && $(GO) build -o $@ sigs.k8s.io/controller-tools/cmd/controller-gen

function: $(BIN)/function
$(BIN)/function: FORCE
	@$(GO) build -o $@ ./functions/payment-platform
FORCE:

clean: ## Remove build outputs.
	rm -rf $(BIN) _output .cache

include lambda/lambda.mk
include hack/package.mk
include hack/runbook.mk

# --- security scan ----------------------------------------------------------
# trivy $(TRIVY_VERSION), built from tools/scan (GOEXPERIMENT=jsonv2
# CGO_ENABLED=0 and the version ldflag of trivy's goreleaser.yml; ~6 min
# cold on 2 cores), over every golden render converted to Terraform by
# hack/tf (internal/tfconv): trivy's checks on the HCL (main.tf), the custom
# checks of security/checks on its JSON rendition (terraform.json), the
# accepted findings of security/trivyignore.yaml; then the tests of
# security/ (one deliberately insecure change per check). Offline:
# --skip-check-update, with the checks bundle trivy embeds
# (github.com/aquasecurity/trivy-checks) seeded into its cache from that
# module's own files. Every step runs; the target fails if any did.
TRIVY_VERSION := v0.74.0
TRIVY := $(BIN)/trivy
SCAN_DIR := _output/tf
TRIVY_CACHE := $(CURDIR)/.cache/trivy
TRIVY_CHECKS := $(TRIVY_CACHE)/policy/content
.PHONY: scan
scan: $(TRIVY) $(TRIVY_CHECKS) ## Security scan of every golden render (converted to Terraform) with trivy and the custom checks; then the insecure-change tests.
	@rm -rf $(SCAN_DIR); rc=0; \
	$(GO) run ./hack/tf -out $(SCAN_DIR) examples/golden/*.yaml || rc=1; \
	$(TRIVY) config --skip-check-update --skip-version-check --disable-telemetry --cache-dir $(TRIVY_CACHE) \
		--misconfig-scanners terraform,json --config-check security/checks --check-namespaces user \
		--ignorefile security/trivyignore.yaml --severity HIGH,CRITICAL --exit-code 1 $(SCAN_DIR) || rc=1; \
	SCAN_REQUIRED=1 $(GO) test -count=1 ./internal/tfconv ./security || rc=1; \
	exit $$rc

$(TRIVY): tools/scan/go.mod tools/scan/go.sum
	@echo "building $@ (trivy $(TRIVY_VERSION) from tools/scan/go.mod; ~6 min cold)" >&2
	@cd tools/scan && GOEXPERIMENT=jsonv2 CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w -X github.com/aquasecurity/trivy/pkg/version/app.ver=$(TRIVY_VERSION:v%=%)" -o $@ github.com/aquasecurity/trivy/cmd/trivy

$(TRIVY_CHECKS): tools/scan/go.mod tools/scan/go.sum
	@rm -rf $@ && mkdir -p $@ && dir=$$(cd tools/scan && $(GO) list -m -f '{{.Dir}}' github.com/aquasecurity/trivy-checks) && \
		cp -R $$dir/checks $$dir/lib $@/ && chmod -R u+w $@
