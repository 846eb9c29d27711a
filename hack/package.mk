# Packaging and the Backstage catalog. Included by the root Makefile
# (include hack/package.mk), which provides GO, BIN and the rule for
# $(BIN)/crossplane; the defaults below only matter when this file is used
# alone (make -f hack/package.mk catalog).
#
#   make xpkg VERSION=v0.1.0        runtime images (no Docker) + Function xpkg per arch + Configuration xpkg, in _output/
#   make xpkg-push REGISTRY=ghcr.io/acme-payments VERSION=v0.1.0
#   make catalog                    regenerate examples/catalog from the XRD (run after make generate)
#
# See docs/publishing.md.
GO ?= go
BIN ?= $(CURDIR)/bin
VERSION ?= v0.1.0
# Where packages are pushed: REGISTRY/function-payment-platform:VERSION and
# REGISTRY/configuration-payment-platform:VERSION.
REGISTRY ?= xpkg.crossplane.io/acme-payments
# Architectures of the Function package (static cross-compiled binaries).
ARCHES ?= amd64,arm64
XPKG_OUT ?= _output

.PHONY: xpkg xpkg-push image catalog

xpkg: $(BIN)/crossplane ## Build the Function (per arch) and Configuration packages into _output/xpkg (VERSION=v0.1.0).
	$(GO) run ./cmd/xpkg -crossplane $(BIN)/crossplane -go $(GO) -version $(VERSION) -arch $(ARCHES) -out $(XPKG_OUT)

xpkg-push: $(BIN)/crossplane ## Build and crossplane xpkg push both packages to REGISTRY (log in first; see docs/publishing.md).
	$(GO) run ./cmd/xpkg -crossplane $(BIN)/crossplane -go $(GO) -version $(VERSION) -arch $(ARCHES) -out $(XPKG_OUT) -push $(REGISTRY)

image: ## Build only the function's runtime image tarballs into _output/image.
	$(GO) run ./cmd/fnimage -go $(GO) -version $(VERSION) -arch $(ARCHES) -out $(XPKG_OUT)/image

catalog: ## Regenerate the Backstage template and catalog-info.yaml in examples/catalog from the XRD.
	$(GO) run ./cmd/catalog -xrd apis/xpaymentplatforms/definition.yaml -out examples/catalog
