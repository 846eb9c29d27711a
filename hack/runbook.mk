# The migration runbook of one claim (cmd/runbook), included by the Makefile.
#
#   make runbook                                  # examples/claim-prod.yaml, to stdout
#   make runbook CLAIM=examples/claim.yaml OUT=runbook.md
#
# The golden runbooks in examples/runbook are checked by go test ./cmd/runbook
# (go test ./cmd/runbook -update rewrites them).
CLAIM ?= examples/claim-prod.yaml
OUT ?=

.PHONY: runbook
runbook: ## Write the Markdown runbook of CLAIM (default examples/claim-prod.yaml) to stdout, or to OUT.
	@$(GO) run ./cmd/runbook $(if $(OUT),-o $(OUT)) $(CLAIM)
