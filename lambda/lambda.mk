# Lambda targets, included from the root Makefile (`include lambda/lambda.mk`).
# Paths are relative to the repository root.
#
#   make lambdas          reproducible provided.al2023 arm64 zips in _output/lambda, with their sourceCodeHash
#   make pg-start         start the test PostgreSQL (installs Debian's postgresql if missing; idempotent)
#   make pg-stop          stop it (idempotent)
#   make test-lambda      all Lambda tests (starts PostgreSQL, builds the Runtime Interface Emulator)
#   make bench-validator  data-diff benchmark on 1M and 10M rows; writes lambda/BENCHMARKS.md
#   make lambda-publish   upload the zips: LAMBDA_BUCKET=... LAMBDA_VERSION=... (real AWS credentials)

GO ?= go
BIN ?= $(CURDIR)/bin
LAMBDA_OUT ?= _output/lambda
LAMBDA_FUNCTIONS ?= validation=./lambda/validation rollback=./lambda/rollback dmsuser=./lambda/dmsuser
PGPORT ?= 55432
LAMBDA_TEST_TIMEOUT ?= 20m
BENCH_ROWS ?= 1000000,10000000
export PGPORT

LAMBDA_RIE := $(abspath $(BIN))/aws-lambda-rie
PG_SH := hack/postgres/pg.sh

.PHONY: lambdas pg-start pg-stop test-lambda bench-validator lambda-publish lambda-rie

lambdas:
	@mkdir -p $(LAMBDA_OUT)
	GO=$(GO) $(GO) run ./lambda/internal/cmd/lambdazip -out $(LAMBDA_OUT) $(LAMBDA_FUNCTIONS)

# The emulator is a tool of the tools module (tools/go.mod).
$(LAMBDA_RIE): tools/go.mod tools/go.sum
	@mkdir -p $(dir $@)
	cd tools && $(GO) build -o $@ github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie

lambda-rie: $(LAMBDA_RIE)

pg-start:
	$(PG_SH) start

pg-stop:
	$(PG_SH) stop

# Tests are built like the bootstraps they start (CGO_ENABLED=0, -trimpath,
# -tags lambda.norpc) so that both share compiled packages; the
# reproducibility test rebuilds the zips of `make lambdas` and compares.
test-lambda: $(LAMBDA_RIE) pg-start lambdas
	PAYMENT_TEST_PG_DSN="$$($(PG_SH) dsn)" AWS_LAMBDA_RIE="$(LAMBDA_RIE)" LAMBDA_ZIP_DIR="$(abspath $(LAMBDA_OUT))" GO="$(GO)" \
		CGO_ENABLED=0 $(GO) test -count=1 -trimpath -tags lambda.norpc -timeout $(LAMBDA_TEST_TIMEOUT) ./lambda/... ./cmd/lambda-publish/...

bench-validator: pg-start
	PAYMENT_TEST_PG_DSN="$$($(PG_SH) dsn)" $(GO) run ./lambda/internal/cmd/benchvalidator -rows $(BENCH_ROWS) -out lambda/BENCHMARKS.md

lambda-publish:
	@test -n "$(LAMBDA_BUCKET)" -a -n "$(LAMBDA_VERSION)" || { echo "set LAMBDA_BUCKET and LAMBDA_VERSION"; exit 2; }
	$(GO) run ./cmd/lambda-publish -bucket "$(LAMBDA_BUCKET)" -version "$(LAMBDA_VERSION)" -dir $(LAMBDA_OUT)
