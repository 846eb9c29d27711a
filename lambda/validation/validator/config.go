package validator

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/acme-payments/xpaymentplatform/lambda/internal/privacy"
)

// DefaultTables are validated when a request names none.
var DefaultTables = []string{"payments", "transactions", "customers", "audit_log"}

// Hash modes.
const (
	// HashAuto uses HashColumns when both servers are PostgreSQL 11 or
	// newer, HashMD5 otherwise.
	HashAuto = "auto"
	// HashColumns XORs PostgreSQL's 64-bit hash functions of every column,
	// each with its own seed. Fast, and independent of session settings such
	// as TimeZone or DateStyle.
	HashColumns = "columns"
	// HashMD5 takes 64 bits of md5 over the columns' text forms, as
	// data-diff does. Slower; works on any PostgreSQL version.
	HashMD5 = "md5"
)

// OrphanRule says that every non-NULL Child.ChildColumn must match a
// Parent.ParentColumn.
type OrphanRule struct {
	Child, ChildColumn, Parent, ParentColumn string
}

func (r OrphanRule) String() string {
	return r.Child + "." + r.ChildColumn + "=" + r.Parent + "." + r.ParentColumn
}

// DefaultOrphanRules: transactions must reference a payment and a customer.
var DefaultOrphanRules = []OrphanRule{
	{Child: "transactions", ChildColumn: "payment_id", Parent: "payments", ParentColumn: "id"},
	{Child: "transactions", ChildColumn: "customer_id", Parent: "customers", ParentColumn: "id"},
}

// Config tunes a Validator. The zero value of each field means its default.
type Config struct {
	// Schema holds the tables (default "public").
	Schema string
	// Tables validated when the request names none (default DefaultTables).
	Tables []string
	// ChunkRows is the target number of rows per top-level segment; each
	// segment is one aggregate statement per side (default 1,000,000).
	ChunkRows int64
	// BisectionFactor is how many children a differing segment is split
	// into (default 16).
	BisectionFactor int
	// DownloadThreshold: a differing segment with at most this many rows on
	// each side is resolved by downloading (key, row hash) pairs (default
	// 256).
	DownloadThreshold int64
	// PageRows is the page size of downloads (default 5,000); halved when a
	// page exceeds the backend's response size limit.
	PageRows int
	// HashMode is HashAuto, HashColumns or HashMD5.
	HashMode string
	// MaxReportedDifferences caps the differences listed per table
	// (default 100); counts are always exact.
	MaxReportedDifferences int
	// DeadlineMargin is kept free before the invocation's deadline to
	// build the response (default 5s, and at most a quarter of the time
	// the invocation had when it started).
	DeadlineMargin time.Duration
	// OrphanRules (default DefaultOrphanRules).
	OrphanRules []OrphanRule
	// AmountColumn is checked for NULL or non-positive values (default
	// "amount"); CreatedAtColumn for NULL (default "created_at").
	AmountColumn    string
	CreatedAtColumn string
	// ContinuousTolerance: in continuous mode, up to this many differing
	// rows (replication lag) give a warning instead of a failure.
	ContinuousTolerance int64
	// TokenTTL bounds how long a resume token stays valid (default 24h).
	TokenTTL time.Duration
	// Keyer digests keys and seals resume tokens. Required.
	Keyer *privacy.Keyer
	// Logger receives progress logs; it never gets row data.
	Logger *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Checks restricts the run to these check groups (default all):
	// table_present, schema, row_count, orphans, invalid_amounts,
	// null_created_at, data_diff.
	Checks []string
	// StepBudget, when positive, stops an invocation after that many steps
	// (tests use it to exercise resume tokens deterministically).
	StepBudget int
	// AfterStep, when set, is called after each completed step.
	AfterStep func(step string)
}

var validGroups = map[string]bool{"table_present": true, "schema": true, "row_count": true, "orphans": true,
	"invalid_amounts": true, "null_created_at": true, "data_diff": true}

func (c *Config) enabled(group string) bool {
	if len(c.Checks) == 0 {
		return true
	}
	for _, g := range c.Checks {
		if g == group {
			return true
		}
	}
	return false
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}$`)

func (c *Config) setDefaults() error {
	if c.Keyer == nil {
		return errors.New("validator: an HMAC keyer is required")
	}
	if c.Schema == "" {
		c.Schema = "public"
	}
	if !identRE.MatchString(c.Schema) {
		return fmt.Errorf("validator: invalid schema name %q", truncate(c.Schema, 40))
	}
	if len(c.Tables) == 0 {
		c.Tables = DefaultTables
	}
	if c.ChunkRows <= 0 {
		c.ChunkRows = 1_000_000
	}
	if c.BisectionFactor < 2 {
		c.BisectionFactor = 16
	}
	if c.BisectionFactor > 256 {
		c.BisectionFactor = 256
	}
	if c.DownloadThreshold <= 0 {
		c.DownloadThreshold = 256
	}
	if c.PageRows <= 0 {
		c.PageRows = 5_000
	}
	switch c.HashMode {
	case "":
		c.HashMode = HashAuto
	case HashAuto, HashColumns, HashMD5:
	default:
		return fmt.Errorf("validator: unknown hash mode %q", c.HashMode)
	}
	if c.MaxReportedDifferences <= 0 {
		c.MaxReportedDifferences = 100
	}
	if c.DeadlineMargin <= 0 {
		c.DeadlineMargin = 5 * time.Second
	}
	if c.OrphanRules == nil {
		c.OrphanRules = DefaultOrphanRules
	}
	for _, r := range c.OrphanRules {
		for _, id := range []string{r.Child, r.ChildColumn, r.Parent, r.ParentColumn} {
			if !identRE.MatchString(id) {
				return fmt.Errorf("validator: invalid identifier %q in orphan rule", truncate(id, 40))
			}
		}
	}
	if c.AmountColumn == "" {
		c.AmountColumn = "amount"
	}
	if c.CreatedAtColumn == "" {
		c.CreatedAtColumn = "created_at"
	}
	if !identRE.MatchString(c.AmountColumn) || !identRE.MatchString(c.CreatedAtColumn) {
		return errors.New("validator: invalid amount or created_at column name")
	}
	for _, g := range c.Checks {
		if !validGroups[g] {
			return fmt.Errorf("validator: unknown check group %q", truncate(g, 40))
		}
	}
	if c.TokenTTL <= 0 {
		c.TokenTTL = 24 * time.Hour
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return nil
}

// ConfigFromEnv reads the tunables from environment variables (getenv is
// os.Getenv in the Lambda). Unset variables keep their defaults.
//
//	VALIDATION_SCHEMA, VALIDATION_TABLES (comma-separated),
//	VALIDATION_CHUNK_ROWS, VALIDATION_BISECTION_FACTOR,
//	VALIDATION_DOWNLOAD_THRESHOLD, VALIDATION_PAGE_ROWS,
//	VALIDATION_HASH_MODE (auto|columns|md5), VALIDATION_MAX_REPORTED_DIFFS,
//	VALIDATION_DEADLINE_MARGIN (Go duration), VALIDATION_ORPHAN_RULES
//	("child.col=parent.col,..."; "none" disables), VALIDATION_AMOUNT_COLUMN,
//	VALIDATION_CREATED_AT_COLUMN, VALIDATION_CONTINUOUS_TOLERANCE,
//	VALIDATION_TOKEN_TTL, VALIDATION_CHECKS (comma-separated check groups).
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	var c Config
	var errs []error
	intVar := func(name string, dst *int64) {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				errs = append(errs, fmt.Errorf("%s: want a non-negative integer", name))
				return
			}
			*dst = n
		}
	}
	durVar := func(name string, dst *time.Duration) {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 {
				errs = append(errs, fmt.Errorf("%s: want a duration such as 5s", name))
				return
			}
			*dst = d
		}
	}
	c.Schema = strings.TrimSpace(getenv("VALIDATION_SCHEMA"))
	if v := getenv("VALIDATION_TABLES"); strings.TrimSpace(v) != "" {
		for _, t := range strings.Split(v, ",") {
			if t = strings.TrimSpace(t); t != "" {
				c.Tables = append(c.Tables, t)
			}
		}
	}
	var factor, pageRows, maxDiffs int64
	intVar("VALIDATION_CHUNK_ROWS", &c.ChunkRows)
	intVar("VALIDATION_BISECTION_FACTOR", &factor)
	intVar("VALIDATION_DOWNLOAD_THRESHOLD", &c.DownloadThreshold)
	intVar("VALIDATION_PAGE_ROWS", &pageRows)
	intVar("VALIDATION_MAX_REPORTED_DIFFS", &maxDiffs)
	intVar("VALIDATION_CONTINUOUS_TOLERANCE", &c.ContinuousTolerance)
	if factor > 256 || pageRows > 1_000_000 || maxDiffs > 100_000 {
		errs = append(errs, errors.New("VALIDATION_BISECTION_FACTOR, VALIDATION_PAGE_ROWS or VALIDATION_MAX_REPORTED_DIFFS out of range"))
	}
	c.BisectionFactor, c.PageRows, c.MaxReportedDifferences = int(factor), int(pageRows), int(maxDiffs)
	c.HashMode = strings.TrimSpace(getenv("VALIDATION_HASH_MODE"))
	if v := getenv("VALIDATION_CHECKS"); strings.TrimSpace(v) != "" {
		for _, g := range strings.Split(v, ",") {
			if g = strings.TrimSpace(g); g != "" {
				if !validGroups[g] {
					errs = append(errs, fmt.Errorf("VALIDATION_CHECKS: unknown check group %q", truncate(g, 40)))
				}
				c.Checks = append(c.Checks, g)
			}
		}
	}
	durVar("VALIDATION_DEADLINE_MARGIN", &c.DeadlineMargin)
	durVar("VALIDATION_TOKEN_TTL", &c.TokenTTL)
	c.AmountColumn = strings.TrimSpace(getenv("VALIDATION_AMOUNT_COLUMN"))
	c.CreatedAtColumn = strings.TrimSpace(getenv("VALIDATION_CREATED_AT_COLUMN"))
	if v := strings.TrimSpace(getenv("VALIDATION_ORPHAN_RULES")); v != "" {
		rules, err := ParseOrphanRules(v)
		if err != nil {
			errs = append(errs, err)
		}
		c.OrphanRules = rules
	}
	return c, errors.Join(errs...)
}

// ParseOrphanRules parses "child.col=parent.col,...". "none" gives an empty,
// non-nil list (no orphan checks).
func ParseOrphanRules(s string) ([]OrphanRule, error) {
	if strings.EqualFold(strings.TrimSpace(s), "none") {
		return []OrphanRule{}, nil
	}
	var out []OrphanRule
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		l, r, ok := strings.Cut(part, "=")
		lc, lcol, ok1 := strings.Cut(strings.TrimSpace(l), ".")
		rp, rcol, ok2 := strings.Cut(strings.TrimSpace(r), ".")
		if !ok || !ok1 || !ok2 {
			return nil, fmt.Errorf("VALIDATION_ORPHAN_RULES: %q is not child.column=parent.column", truncate(part, 60))
		}
		rule := OrphanRule{Child: lc, ChildColumn: lcol, Parent: rp, ParentColumn: rcol}
		for _, id := range []string{lc, lcol, rp, rcol} {
			if !identRE.MatchString(id) {
				return nil, fmt.Errorf("VALIDATION_ORPHAN_RULES: invalid identifier %q", truncate(id, 40))
			}
		}
		out = append(out, rule)
	}
	if len(out) == 0 {
		return nil, errors.New("VALIDATION_ORPHAN_RULES: no rule given (use \"none\" to disable)")
	}
	return out, nil
}
