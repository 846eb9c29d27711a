package validator

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Check types.
const (
	PreMigration  = "pre_migration"
	PostMigration = "post_migration"
	Continuous    = "continuous"
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

// Request is the Lambda's input.
type Request struct {
	Action    string `json:"action,omitempty"`
	CheckType string `json:"checkType,omitempty"`
	// LegacyCheckType is the runbook's older spelling, {"check_type": ...}.
	LegacyCheckType string   `json:"check_type,omitempty"`
	Tables          []string `json:"tables,omitempty"`
	ResumeToken     string   `json:"resumeToken,omitempty"`
}

// Check is one verdict.
type Check struct {
	Name    string `json:"name"`
	Table   string `json:"table,omitempty"`
	Status  string `json:"status"`
	Details string `json:"details"`
}

// Difference is one row that differs between source and target. The key is
// an HMAC-SHA256 digest; values are never reported.
type Difference struct {
	Table  string `json:"table"`
	KeyMAC string `json:"keyHmac"`
	Kind   string `json:"kind"`
}

// Response is the Lambda's output.
type Response struct {
	// Success is true only when every check ran to the end and passed.
	Success   bool    `json:"success"`
	CheckType string  `json:"checkType"`
	Checks    []Check `json:"checks"`
	// RowsCompared counts the rows covered by the data diff so far.
	RowsCompared int64 `json:"rowsCompared"`
	// Mismatches counts rows that differ (missing, extra or changed).
	Mismatches int64 `json:"mismatches"`
	// ResumeToken is set when the run stopped early (deadline, budget or an
	// error); invoke again with it to continue where this call stopped.
	ResumeToken string `json:"resumeToken,omitempty"`
	// Complete is true when every planned check has run.
	Complete bool `json:"complete"`
	// Differences lists differing rows by key digest, capped per table.
	Differences []Difference `json:"differences,omitempty"`
	// Error explains why the run stopped before completing, if it did
	// because of a failure rather than the deadline.
	Error       string `json:"error,omitempty"`
	Invocations int    `json:"invocations"`
	DurationMs  int64  `json:"durationMs"`
}

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
