// Package validator compares a payments database before and after its
// migration: required tables, row counts, orphaned rows, invalid amounts,
// NULL created_at, and a full data diff.
//
// The data diff splits each table by primary-key range into segments and
// asks both databases, in SQL, for each segment's row count and the sum of a
// 64-bit hash of every row. Equal segments are done; a differing one is cut
// into BisectionFactor children whose counts and sums come back from one
// grouped statement per side, and only segments small enough are
// downloaded, as (key, row hash) pairs, to name the differing rows. Values
// never leave the databases; keys leave them only to be digested with
// HMAC-SHA256.
//
// A run stops before the invocation's deadline (or on an error) and returns a
// sealed resume token; invoked again with it, it continues where it stopped.
// It reports success only when every check ran over all the data.
package validator

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/acme-payments/xpaymentplatform/lambda/validation/backend"
)

// Validator runs validations against one source and one target.
type Validator struct {
	cfg Config
	be  [2]backend.Backend
}

// New returns a Validator. src is the on-premises database, tgt the
// migrated one.
func New(cfg Config, src, tgt backend.Backend) (*Validator, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	if src == nil || tgt == nil {
		return nil, errors.New("validator: both backends are required")
	}
	return &Validator{cfg: cfg, be: [2]backend.Backend{src, tgt}}, nil
}

// Metrics describe one invocation, for the EMF record.
type Metrics struct {
	RowsCompared int64
	Mismatches   int64
	Failed       bool
	Duration     time.Duration
}

type task struct {
	Kind, Table string
}

type run struct {
	*Validator
	log          *slog.Logger
	state        *runState
	cur          *diffState
	meta         [2]map[string]*tableMeta
	described    [2]map[string]bool
	metaMu       sync.Mutex
	rowsThisCall int64
	deadline     time.Time
	margin       time.Duration
	steps        int
	stopped      bool
}

// errInterrupted marks work cut short by the invocation's own deadline or
// step budget: not a failure, the run resumes from a token.
var errInterrupted = errors.New("interrupted")

// Run validates. A malformed request is an error wrapping ErrBadRequest;
// database failures are reported in the Response (Success false, Error set,
// a ResumeToken to retry from where it failed).
func (v *Validator) Run(ctx context.Context, req Request) (*Response, Metrics, error) {
	start := v.cfg.Now()
	r := &run{Validator: v, log: v.cfg.Logger}
	for side := range 2 {
		r.meta[side] = map[string]*tableMeta{}
		r.described[side] = map[string]bool{}
	}
	state, err := v.prepare(req, start)
	if err != nil {
		return nil, Metrics{Failed: true}, err
	}
	r.state = state
	r.state.Invocations++
	mismatchesBefore := state.Mismatches

	if dl, ok := ctx.Deadline(); ok {
		r.deadline = dl
		r.margin = min(v.cfg.DeadlineMargin, dl.Sub(start)/4)
	}
	tasks := v.plan(state)
	r.log.Info("validation started", "checkType", state.CheckType, "tables", strings.Join(state.Tables, ","),
		"resumedAt", state.Next, "tasks", len(tasks), "invocation", state.Invocations)

	var runErr error
	for state.Next < len(tasks) {
		if r.shouldStop() {
			break
		}
		t := tasks[state.Next]
		done, err := r.exec(ctx, t)
		if err != nil {
			if errors.Is(err, errInterrupted) {
				break
			}
			runErr = fmt.Errorf("%s %s: %w", t.Kind, t.Table, err)
			break
		}
		if done {
			state.Next++
			r.cur = nil
		}
	}
	if runErr == nil && state.Next < len(tasks) && r.steps == 0 && r.cfg.StepBudget == 0 {
		// Nothing fitted in this invocation: resuming would loop forever.
		runErr = fmt.Errorf("no progress: the next step (%s %s) does not fit in the time this invocation had; "+
			"raise the Lambda timeout or lower VALIDATION_CHUNK_ROWS", tasks[state.Next].Kind, tasks[state.Next].Table)
	}

	elapsed := v.cfg.Now().Sub(start)
	state.ElapsedMs += elapsed.Milliseconds()
	resp := &Response{
		CheckType:    state.CheckType,
		Checks:       slices.Clone(state.Checks),
		RowsCompared: state.Rows,
		Mismatches:   state.Mismatches,
		Differences:  slices.Clone(state.Differences),
		Complete:     state.Next >= len(tasks),
		Invocations:  state.Invocations,
		DurationMs:   state.ElapsedMs,
	}
	if resp.Checks == nil {
		resp.Checks = []Check{}
	}
	if runErr != nil {
		resp.Error = runErr.Error()
		r.log.Error("validation stopped by an error", "error", resp.Error, "task", state.Next)
	}
	if resp.Complete {
		resp.Success = runErr == nil
		for _, c := range resp.Checks {
			if c.Status == StatusFail || c.Status == StatusError {
				resp.Success = false
			}
		}
	} else {
		tok, err := sealState(v.cfg.Keyer, state)
		if err != nil {
			return nil, Metrics{Failed: true}, fmt.Errorf("seal resume token: %w", err)
		}
		resp.ResumeToken = tok
	}
	m := Metrics{
		RowsCompared: r.rowsThisCall,
		Mismatches:   state.Mismatches - mismatchesBefore,
		Failed:       runErr != nil || (resp.Complete && !resp.Success),
		Duration:     elapsed,
	}
	r.log.Info("validation finished", "complete", resp.Complete, "success", resp.Success,
		"rowsCompared", resp.RowsCompared, "mismatches", resp.Mismatches, "durationMs", elapsed.Milliseconds())
	return resp, m, nil
}

func (v *Validator) configFingerprint() string {
	h := sha256.New()
	c := v.cfg
	fmt.Fprintf(h, "%s|%d|%d|%d|%s|%v|%s|%s|%d|%v", c.Schema, c.ChunkRows, c.BisectionFactor, c.DownloadThreshold,
		c.HashMode, c.OrphanRules, c.AmountColumn, c.CreatedAtColumn, c.ContinuousTolerance, c.Checks)
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// prepare validates the request and returns the state to run from.
func (v *Validator) prepare(req Request, now time.Time) (*runState, error) {
	if a := strings.ToLower(strings.TrimSpace(req.Action)); a != "" && a != "validate" {
		return nil, badRequest("unknown action %q (want \"validate\")", truncate(req.Action, 40))
	}
	ct, err := normalizeCheckType(req.CheckType)
	if err != nil {
		return nil, err
	}
	legacy, err := normalizeCheckType(req.LegacyCheckType)
	if err != nil {
		return nil, err
	}
	if ct != "" && legacy != "" && ct != legacy {
		return nil, badRequest("checkType %q and check_type %q disagree", ct, legacy)
	}
	if ct == "" {
		ct = legacy
	}
	if len(req.Tables) > 100 {
		return nil, badRequest("at most 100 tables")
	}
	var tables []string
	for _, t := range req.Tables {
		t = strings.TrimSpace(t)
		if !identRE.MatchString(t) {
			return nil, badRequest("invalid table name %q", truncate(t, 64))
		}
		if !slices.Contains(tables, t) {
			tables = append(tables, t)
		}
	}
	if req.ResumeToken != "" {
		s, err := openState(v.cfg.Keyer, req.ResumeToken, now, v.cfg.TokenTTL)
		if err != nil {
			return nil, err
		}
		if s.ConfigFP != v.configFingerprint() {
			return nil, badRequest("the validator's configuration changed since this resume token was issued; start a new run")
		}
		if ct != "" && ct != s.CheckType {
			return nil, badRequest("resume token is for checkType %s, not %s", s.CheckType, ct)
		}
		if len(tables) > 0 && !slices.Equal(tables, s.Tables) {
			return nil, badRequest("resume token is for tables %s", strings.Join(s.Tables, ","))
		}
		return s, nil
	}
	if ct == "" {
		return nil, badRequest("checkType is required (pre_migration, post_migration or continuous)")
	}
	if len(tables) == 0 {
		tables = slices.Clone(v.cfg.Tables)
		for _, t := range tables {
			if !identRE.MatchString(t) {
				return nil, fmt.Errorf("validator: invalid configured table name %q", truncate(t, 64))
			}
		}
	}
	return &runState{
		Version:     stateVersion,
		CheckType:   ct,
		Tables:      tables,
		ConfigFP:    v.configFingerprint(),
		CreatedUnix: now.Unix(),
		Missing:     map[string]bool{},
		Counts:      map[string][2]int64{},
	}, nil
}

// plan lists the tasks of a run; it depends only on the state's check type
// and tables and on the configuration, so it is the same in every
// invocation.
func (v *Validator) plan(s *runState) []task {
	var ts []task
	add := func(group, kind string, tables ...string) {
		if !v.cfg.enabled(group) {
			return
		}
		for _, t := range tables {
			ts = append(ts, task{Kind: kind, Table: t})
		}
	}
	add("table_present", "present", "")
	add("schema", "schema", s.Tables...)
	if s.CheckType != PreMigration {
		add("row_count", "rowcount", s.Tables...)
	}
	var children []string
	for _, rule := range v.cfg.OrphanRules {
		if slices.Contains(s.Tables, rule.Child) && !slices.Contains(children, rule.Child) {
			children = append(children, rule.Child)
		}
	}
	add("orphans", "orphans", children...)
	add("invalid_amounts", "amounts", s.Tables...)
	add("null_created_at", "nullcreated", s.Tables...)
	if s.CheckType != PreMigration {
		add("data_diff", "diff", s.Tables...)
	}
	return ts
}

func (r *run) shouldStop() bool {
	if r.stopped {
		return true
	}
	if r.cfg.StepBudget > 0 && r.steps >= r.cfg.StepBudget {
		r.stopped = true
	}
	if !r.deadline.IsZero() && time.Until(r.deadline) < r.margin {
		r.stopped = true
	}
	if r.stopped {
		r.log.Info("stopping early to return a resume token", "steps", r.steps)
	}
	return r.stopped
}

// queryContext bounds statements so that they end before the margin runs
// out, leaving time to answer.
func (r *run) queryContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if r.deadline.IsZero() {
		return context.WithCancel(ctx)
	}
	return context.WithDeadline(ctx, r.deadline.Add(-r.margin/2))
}

func (r *run) stepDone(name string) {
	r.steps++
	if r.cfg.AfterStep != nil {
		r.cfg.AfterStep(name)
	}
}

// exec runs one task, or part of a diff task. done reports whether the task
// is finished.
func (r *run) exec(ctx context.Context, t task) (done bool, err error) {
	qctx, cancel := r.queryContext(ctx)
	defer cancel()
	defer func() {
		// A statement cut by the invocation's deadline (ours, or the
		// Lambda's) is an interruption, not a database failure.
		if err != nil && qctx.Err() != nil {
			r.log.Info("statement interrupted by the deadline", "task", t.Kind, "table", t.Table)
			err = errInterrupted
			r.stopped = true
		}
	}()
	if t.Kind == "diff" {
		return r.execDiff(qctx, t.Table)
	}
	var checks []Check
	switch t.Kind {
	case "present":
		checks, err = r.checkPresent(qctx)
	case "schema":
		checks, err = r.checkSchema(qctx, t.Table)
	case "rowcount":
		checks, err = r.checkRowCount(qctx, t.Table)
	case "orphans":
		checks, err = r.checkOrphans(qctx, t.Table)
	case "amounts":
		checks, err = r.checkAmounts(qctx, t.Table)
	case "nullcreated":
		checks, err = r.checkNullCreatedAt(qctx, t.Table)
	default:
		return false, fmt.Errorf("unknown task %q", t.Kind)
	}
	if err != nil {
		return false, err
	}
	for _, c := range checks {
		r.log.Info("check", "name", c.Name, "table", c.Table, "status", c.Status)
	}
	r.state.Checks = append(r.state.Checks, checks...)
	r.stepDone(t.Kind)
	return true, nil
}

func (r *run) execDiff(ctx context.Context, table string) (bool, error) {
	if r.state.Missing[table] {
		r.state.Checks = append(r.state.Checks, Check{Name: "data_diff", Table: table, Status: StatusSkipped, Details: "table is missing"})
		return true, nil
	}
	if r.state.HashMode == "" {
		mode, err := r.resolveHashMode(ctx)
		if err != nil {
			return false, err
		}
		r.state.HashMode = mode
	}
	p, fp, problem, err := r.planTable(ctx, table)
	if err != nil {
		return false, err
	}
	if problem != "" {
		r.state.Checks = append(r.state.Checks, Check{Name: "data_diff", Table: table, Status: StatusError, Details: problem})
		return true, nil
	}
	if r.state.Current == nil || r.state.Current.Table != table {
		r.state.Current = &diffState{Table: table, Fingerprint: fp}
	}
	r.cur = r.state.Current
	if r.cur.Fingerprint != fp {
		return false, errors.New("the table's columns or keys changed since this run started; start a new run")
	}
	if !r.cur.Started {
		if err := r.initDiff(ctx, p); err != nil {
			return false, err
		}
		r.stepDone("diff-init")
	}
	for len(r.cur.Stack) > 0 {
		if r.shouldStop() {
			return false, nil
		}
		t0 := time.Now()
		if err := r.diffStep(ctx, p); err != nil {
			return false, err
		}
		r.log.Debug("diff step", "table", table, "ms", time.Since(t0).Milliseconds(), "stack", len(r.cur.Stack))
		r.stepDone("diff-step")
	}
	c := r.diffCheck(r.cur)
	r.log.Info("check", "name", c.Name, "table", c.Table, "status", c.Status, "rowsCompared", r.cur.RowsCompared,
		"statements", r.cur.Statements)
	r.state.Checks = append(r.state.Checks, c)
	r.state.Current = nil
	return true, nil
}

func (r *run) resolveHashMode(ctx context.Context) (string, error) {
	if r.cfg.HashMode != HashAuto {
		return r.cfg.HashMode, nil
	}
	var versions [2]int64
	if err := r.both(ctx, func(ctx context.Context, side int) error {
		rows, err := r.be[side].Query(ctx, "SELECT current_setting('server_version_num')::int8")
		if err != nil {
			return err
		}
		if len(rows) == 1 && len(rows[0]) == 1 {
			versions[side], _ = asInt64(rows[0][0])
		}
		return nil
	}); err != nil {
		return "", err
	}
	if versions[0] >= 110000 && versions[1] >= 110000 {
		return HashColumns, nil
	}
	return HashMD5, nil
}

// both runs fn for the source and the target concurrently.
func (r *run) both(ctx context.Context, fn func(ctx context.Context, side int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	var errs [2]error
	for side := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(ctx, side); err != nil {
				errs[side] = fmt.Errorf("%s (%s): %w", sideNames[side], r.be[side].Kind(), err)
				cancel()
			}
		}()
	}
	wg.Wait()
	// Prefer the error that caused the other side's cancellation.
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
	}
	return errors.Join(errs[0], errs[1])
}

func (r *run) describe(ctx context.Context, side int, table string) (*tableMeta, error) {
	r.metaMu.Lock()
	if r.described[side][table] {
		m := r.meta[side][table]
		r.metaMu.Unlock()
		return m, nil
	}
	r.metaMu.Unlock()
	m, err := describe(ctx, r.be[side], r.cfg.Schema, table)
	if err != nil {
		return nil, err
	}
	r.metaMu.Lock()
	r.meta[side][table] = m
	r.described[side][table] = true
	r.metaMu.Unlock()
	return m, nil
}
