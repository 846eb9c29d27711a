package validator

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/acme-payments/xpaymentplatform/internal/contract"
)

// Check types.
const (
	PreMigration  = contract.CheckPreMigration
	PostMigration = contract.CheckPostMigration
	Continuous    = contract.CheckContinuous
)

// Check statuses.
const (
	StatusPass    = "pass"
	StatusFail    = "fail"
	StatusWarn    = "warn"
	StatusError   = "error"
	StatusSkipped = "skipped"
)

// Difference kinds.
const (
	MissingInTarget = "missing_in_target"
	ExtraInTarget   = "extra_in_target"
	Changed         = "changed"
)

// Request is the Lambda's input, Response its output, Check one verdict
// and Difference one differing row: the contract the function reads the
// result by (internal/contract).
type (
	Request    = contract.ValidationRequest
	Response   = contract.ValidationResult
	Check      = contract.Check
	Difference = contract.Difference
)

// ErrBadRequest wraps input validation errors.
var ErrBadRequest = errors.New("bad request")

func badRequest(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrBadRequest, fmt.Sprintf(format, args...))
}

// normalizeCheckType accepts "post_migration", "post-migration" and
// "POST_MIGRATION".
func normalizeCheckType(s string) (string, error) {
	n := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), "-", "_")
	switch n {
	case PreMigration, PostMigration, Continuous:
		return n, nil
	case "":
		return "", nil
	}
	return "", badRequest("unknown checkType %q (want pre_migration, post_migration or continuous)", truncate(s, 40))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// SortDifferences orders differences by table, then by key digest: the
// order reports use, so two runs over the same data report the same way.
func SortDifferences(d []Difference) {
	sort.Slice(d, func(i, j int) bool {
		if d[i].Table != d[j].Table {
			return d[i].Table < d[j].Table
		}
		return d[i].KeyMAC < d[j].KeyMAC
	})
}
