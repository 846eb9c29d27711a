package validator_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rdsdata"

	"github.com/acme-payments/xpaymentplatform/internal/syncbuf"
	"github.com/acme-payments/xpaymentplatform/lambda/internal/awstest"
	"github.com/acme-payments/xpaymentplatform/lambda/internal/dataapitest"
	"github.com/acme-payments/xpaymentplatform/lambda/internal/paymentsdb"
	"github.com/acme-payments/xpaymentplatform/lambda/internal/pgtest"
	"github.com/acme-payments/xpaymentplatform/lambda/internal/privacy"
	"github.com/acme-payments/xpaymentplatform/lambda/validation/backend"
	"github.com/acme-payments/xpaymentplatform/lambda/validation/validator"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Cleanup()
	os.Exit(code)
}

var sizes = paymentsdb.StandardSizes

const totalRows = paymentsdb.StandardRows

const (
	clusterArn = "arn:aws:rds:us-east-1:123456789012:cluster:payments-target"
	secretArn  = "arn:aws:secretsmanager:us-east-1:123456789012:secret:payments-target-AbCdEf"
)

var testSecret = []byte("test-hmac-secret-0123456789abcdef")

func keyer(t testing.TB) *privacy.Keyer {
	k, err := privacy.NewKeyer(testSecret)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func dbName(t testing.TB, dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(u.Path, "/")
}

func openPGX(t testing.TB, dsn string) backend.Backend {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := backend.OpenPGX(ctx, dsn, backend.PGXOptions{ApplicationName: "validator-test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close(context.Background()) })
	return b
}

// startDataAPI serves the RDS Data API over the test PostgreSQL.
func startDataAPI(t testing.TB, hook func(string) *dataapitest.Fault) *dataapitest.Server {
	t.Helper()
	srv, err := dataapitest.Start(dataapitest.Config{
		BaseDSN: pgtest.Require(t), ClusterArn: clusterArn, SecretArn: secretArn, Hook: hook,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

func openDataAPI(t testing.TB, srv *dataapitest.Server, database string) backend.Backend {
	t.Helper()
	client := rdsdata.NewFromConfig(awstest.Config(), func(o *rdsdata.Options) {
		o.BaseEndpoint = aws.String(srv.URL)
	})
	b, err := backend.NewDataAPI(client, backend.DataAPIOptions{ClusterArn: clusterArn, SecretArn: secretArn, Database: database})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func baseConfig(t testing.TB, logs io.Writer) validator.Config {
	if logs == nil {
		logs = io.Discard
	}
	return validator.Config{
		Keyer:             keyer(t),
		ChunkRows:         8000,
		DownloadThreshold: 500,
		BisectionFactor:   8,
		Logger:            slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
}

func mustNew(t testing.TB, cfg validator.Config, src, tgt backend.Backend) *validator.Validator {
	t.Helper()
	v, err := validator.New(cfg, src, tgt)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// runToEnd invokes the validator, following resume tokens, up to max calls.
func runToEnd(t testing.TB, v *validator.Validator, req validator.Request, maxCalls int, ctxFn func() (context.Context, context.CancelFunc)) (*validator.Response, []*validator.Response) {
	t.Helper()
	var all []*validator.Response
	for i := 0; i < maxCalls; i++ {
		ctx, cancel := context.Background(), context.CancelFunc(func() {})
		if ctxFn != nil {
			ctx, cancel = ctxFn()
		}
		resp, _, err := v.Run(ctx, req)
		cancel()
		if err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
		all = append(all, resp)
		if resp.Complete {
			return resp, all
		}
		if resp.Success {
			t.Fatalf("call %d: success reported on an incomplete run", i+1)
		}
		if resp.ResumeToken == "" {
			t.Fatalf("call %d: incomplete run without a resume token: %+v", i+1, resp)
		}
		if resp.Error != "" {
			t.Fatalf("call %d: unexpected error: %s", i+1, resp.Error)
		}
		req = validator.Request{Action: "validate", ResumeToken: resp.ResumeToken}
	}
	t.Fatalf("not complete after %d calls", maxCalls)
	return nil, nil
}

func checkMap(r *validator.Response) map[string]validator.Check {
	m := map[string]validator.Check{}
	for _, c := range r.Checks {
		m[c.Name+"/"+c.Table] = c
	}
	return m
}

func TestIdenticalDatabasesPass(t *testing.T) {
	for _, kind := range []string{"pgx", "rds-data-api"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			srcDSN, tgtDSN := pgtest.SeededPair(t, sizes)
			src := openPGX(t, srcDSN)
			var tgt backend.Backend
			if kind == "pgx" {
				tgt = openPGX(t, tgtDSN)
			} else {
				tgt = openDataAPI(t, startDataAPI(t, nil), dbName(t, tgtDSN))
			}
			v := mustNew(t, baseConfig(t, nil), src, tgt)
			resp, _ := runToEnd(t, v, validator.Request{Action: "validate", CheckType: "post_migration"}, 1, nil)
			if !resp.Success || !resp.Complete || resp.Mismatches != 0 || resp.ResumeToken != "" {
				t.Fatalf("want success: %+v", resp)
			}
			if resp.RowsCompared != totalRows {
				t.Fatalf("rowsCompared = %d, want %d", resp.RowsCompared, totalRows)
			}
			for _, c := range resp.Checks {
				if c.Status != validator.StatusPass {
					t.Errorf("check %s/%s = %s: %s", c.Name, c.Table, c.Status, c.Details)
				}
			}
			want := []string{"table_present", "schema", "row_count", "orphaned_transactions", "invalid_amounts", "null_created_at", "data_diff"}
			got := map[string]bool{}
			for _, c := range resp.Checks {
				got[c.Name] = true
			}
			for _, w := range want {
				if !got[w] {
					t.Errorf("check %s missing", w)
				}
			}
			if n := len(checkMap(resp)); n != 4+4+4+1+2+4+4 {
				t.Errorf("got %d distinct checks: %v", n, resp.Checks)
			}
		})
	}
}

type fault = paymentsdb.Fault

func faults() []fault { return paymentsdb.StandardFaults() }

func applyFaults(t testing.TB, dsn string) []fault {
	fs := faults()
	var stmts []string
	for _, f := range fs {
		stmts = append(stmts, f.SQL)
	}
	pgtest.Exec(t, dsn, stmts...)
	return fs
}

func expectedDiffs(t testing.TB, fs []fault) []validator.Difference {
	k := keyer(t)
	var out []validator.Difference
	for _, f := range fs {
		out = append(out, validator.Difference{Table: f.Table, KeyMAC: k.RowKey(f.Table, f.Key), Kind: f.Kind})
	}
	validator.SortDifferences(out)
	return out
}

// assertFaultsFound checks the exact verdicts the faults must produce.
func assertFaultsFound(t *testing.T, resp *validator.Response, fs []fault) {
	t.Helper()
	if resp.Success || !resp.Complete {
		t.Fatalf("want a complete failed run, got success=%v complete=%v error=%q", resp.Success, resp.Complete, resp.Error)
	}
	got := slices.Clone(resp.Differences)
	validator.SortDifferences(got)
	want := expectedDiffs(t, fs)
	if !slices.Equal(got, want) {
		t.Errorf("differences:\n got %v\nwant %v", got, want)
	}
	if resp.Mismatches != int64(len(fs)) {
		t.Errorf("mismatches = %d, want %d", resp.Mismatches, len(fs))
	}
	if resp.RowsCompared != totalRows+2 { // two extra rows in the target
		t.Errorf("rowsCompared = %d, want %d", resp.RowsCompared, totalRows+2)
	}
	cm := checkMap(resp)
	expect := []struct {
		key, status, details string
	}{
		{"row_count/payments", validator.StatusFail, "source 20000, target 19999"},
		{"row_count/transactions", validator.StatusPass, "source 40000, target 40000"},
		{"row_count/customers", validator.StatusFail, "source 5000, target 5001"},
		{"row_count/audit_log", validator.StatusPass, "source 30000, target 30000"},
		{"orphaned_transactions/transactions", validator.StatusFail, "target: 3 orphaned rows (source: 0) [transactions.payment_id=payments.id: 3; transactions.customer_id=customers.id: 1]"},
		{"invalid_amounts/transactions", validator.StatusFail, "target: 1 rows"},
		{"invalid_amounts/payments", validator.StatusPass, "target: 0 rows"},
		{"null_created_at/audit_log", validator.StatusFail, "target: 1 rows"},
		{"null_created_at/payments", validator.StatusPass, "target: 0 rows"},
		{"data_diff/payments", validator.StatusFail, "missing in target 1, extra in target 0, changed 1"},
		{"data_diff/transactions", validator.StatusFail, "missing in target 1, extra in target 1, changed 1"},
		{"data_diff/customers", validator.StatusFail, "missing in target 0, extra in target 1, changed 1"},
		{"data_diff/audit_log", validator.StatusFail, "missing in target 0, extra in target 0, changed 1"},
		{"table_present/payments", validator.StatusPass, "present in source and target"},
		{"schema/transactions", validator.StatusPass, "primary key (payment_id, seq)"},
	}
	for _, e := range expect {
		c, ok := cm[e.key]
		if !ok {
			t.Errorf("no check %s", e.key)
			continue
		}
		if c.Status != e.status || !strings.Contains(c.Details, e.details) {
			t.Errorf("%s = %s %q, want %s containing %q", e.key, c.Status, c.Details, e.status, e.details)
		}
	}
}

func assertNoSensitive(t *testing.T, where string, text string) {
	t.Helper()
	if leaks := paymentsdb.Leaks(text); len(leaks) > 0 {
		t.Errorf("%s contains the sensitive values %q", where, leaks)
	}
}

func TestFaultsAreFoundExactly(t *testing.T) {
	for _, kind := range []string{"pgx", "rds-data-api"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			srcDSN, tgtDSN := pgtest.SeededPair(t, sizes)
			fs := applyFaults(t, tgtDSN)
			logs := &syncbuf.Buffer{}
			src := openPGX(t, srcDSN)
			var tgt backend.Backend
			if kind == "pgx" {
				tgt = openPGX(t, tgtDSN)
			} else {
				tgt = openDataAPI(t, startDataAPI(t, nil), dbName(t, tgtDSN))
			}
			v := mustNew(t, baseConfig(t, logs), src, tgt)
			resp, _ := runToEnd(t, v, validator.Request{CheckType: "post_migration"}, 1, nil)
			assertFaultsFound(t, resp, fs)
			out, _ := json.Marshal(resp)
			assertNoSensitive(t, "output", string(out))
			assertNoSensitive(t, "logs", logs.String())
			if !strings.Contains(logs.String(), "segments differ") {
				t.Errorf("logs do not show the bisection at work")
			}
		})
	}
}

func TestMD5HashModeFindsTheSameFaults(t *testing.T) {
	t.Parallel()
	srcDSN, tgtDSN := pgtest.SeededPair(t, sizes)
	fs := applyFaults(t, tgtDSN)
	cfg := baseConfig(t, nil)
	cfg.HashMode = validator.HashMD5
	v := mustNew(t, cfg, openPGX(t, srcDSN), openPGX(t, tgtDSN))
	resp, _ := runToEnd(t, v, validator.Request{CheckType: "post_migration"}, 1, nil)
	assertFaultsFound(t, resp, fs)
}

func TestResumeTokenContinuesWhereItStopped(t *testing.T) {
	t.Parallel()
	srcDSN, tgtDSN := pgtest.SeededPair(t, sizes)
	fs := applyFaults(t, tgtDSN)
	cfg := baseConfig(t, nil)
	cfg.StepBudget = 4
	v := mustNew(t, cfg, openPGX(t, srcDSN), openPGX(t, tgtDSN))
	resp, all := runToEnd(t, v, validator.Request{Action: "validate", CheckType: "post_migration"}, 200, nil)
	if len(all) < 5 {
		t.Fatalf("expected many invocations with a budget of 4 steps, got %d", len(all))
	}
	assertFaultsFound(t, resp, fs)
	if resp.Invocations != len(all) {
		t.Errorf("invocations = %d, want %d", resp.Invocations, len(all))
	}
	var prev int64
	for i, r := range all {
		if r.RowsCompared < prev {
			t.Fatalf("call %d: rowsCompared went back from %d to %d", i+1, prev, r.RowsCompared)
		}
		prev = r.RowsCompared
	}
}

func TestDeadlineStopsAndResumes(t *testing.T) {
	t.Parallel()
	srcDSN, tgtDSN := pgtest.SeededPair(t, sizes)
	fs := applyFaults(t, tgtDSN)
	cfg := baseConfig(t, nil)
	cfg.ChunkRows = 2000
	cfg.DeadlineMargin = 100 * time.Millisecond
	v := mustNew(t, cfg, openPGX(t, srcDSN), openPGX(t, tgtDSN))
	// Time a whole (warm) run, then give each invocation half of it plus
	// the margin, so that the test holds on fast and on loaded machines.
	var took time.Duration
	for i := 0; i < 2; i++ {
		start := time.Now()
		runToEnd(t, v, validator.Request{CheckType: "post_migration"}, 1, nil)
		took = time.Since(start)
	}
	// A run's time varies with the machine's load (the tests run in
	// parallel): halve the budget until a deadline stops a run, a few
	// times at most, and check the resumed run still finds every fault.
	work := min(max(took/2, 60*time.Millisecond), 3*time.Second)
	for try := 0; ; try++ {
		budget := work + cfg.DeadlineMargin
		resp, all := runToEnd(t, v, validator.Request{CheckType: "post_migration"}, 500, func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), budget)
		})
		if len(all) >= 2 {
			assertFaultsFound(t, resp, fs)
			t.Logf("a %s deadline took %d invocations (try %d)", budget, len(all), try+1)
			return
		}
		if try == 4 || work < 5*time.Millisecond {
			t.Fatalf("a %s deadline should need several invocations, got %d", budget, len(all))
		}
		work /= 2
	}
}

// proxy forwards TCP to PostgreSQL and can cut every connection.
type proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  []net.Conn
}

func startProxy(t testing.TB, target string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			u, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, u)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(u, c); u.Close() }()
			go func() { _, _ = io.Copy(c, u); c.Close() }()
		}
	}()
	t.Cleanup(func() { ln.Close(); p.cut() })
	return p
}

func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func TestDroppedConnectionIsAFailure(t *testing.T) {
	t.Parallel()
	srcDSN, tgtDSN := pgtest.SeededPair(t, sizes)
	fs := applyFaults(t, tgtDSN)
	u, _ := url.Parse(tgtDSN)
	px := startProxy(t, u.Host)
	viaProxy := *u
	viaProxy.Host = px.ln.Addr().String()

	cfg := baseConfig(t, nil)
	diffSteps := 0
	cfg.AfterStep = func(step string) {
		if step == "diff-step" {
			diffSteps++
			if diffSteps == 3 {
				px.cut()
			}
		}
	}
	v := mustNew(t, cfg, openPGX(t, srcDSN), openPGX(t, viaProxy.String()))
	resp, _, err := v.Run(context.Background(), validator.Request{CheckType: "post_migration"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Success || resp.Complete {
		t.Fatalf("a dropped connection must not give success: %+v", resp)
	}
	if resp.Error == "" || !strings.Contains(resp.Error, "target") {
		t.Fatalf("want an error naming the target, got %q", resp.Error)
	}
	if resp.ResumeToken == "" {
		t.Fatal("want a resume token to retry from the failed segment")
	}
	// A new invocation with a working connection resumes and finds exactly
	// the faults: the interrupted segment was not lost.
	v2 := mustNew(t, baseConfig(t, nil), openPGX(t, srcDSN), openPGX(t, tgtDSN))
	final, _ := runToEnd(t, v2, validator.Request{ResumeToken: resp.ResumeToken}, 1, nil)
	assertFaultsFound(t, final, fs)
}

func TestDataAPIResponseLimitIsHonoured(t *testing.T) {
	t.Parallel()
	srcDSN, tgtDSN := pgtest.SeededPair(t, sizes)
	fs := applyFaults(t, tgtDSN)
	srv := startDataAPI(t, nil)
	cfg := baseConfig(t, nil)
	// Download whole segments of up to 40,000 rows, in pages of 40,000:
	// such a page is about 3.5 MiB as Data API JSON, so the backend must
	// shrink its pages until they fit in 1 MiB.
	cfg.ChunkRows = 100_000
	cfg.DownloadThreshold = 40_000
	cfg.PageRows = 40_000
	v := mustNew(t, cfg, openPGX(t, srcDSN), openDataAPI(t, srv, dbName(t, tgtDSN)))
	resp, _ := runToEnd(t, v, validator.Request{CheckType: "post_migration"}, 1, nil)
	assertFaultsFound(t, resp, fs)
	if srv.TooLarge() == 0 {
		t.Error("no response hit the 1 MiB limit; the test does not test it")
	}
	if srv.MaxResponse() > dataapitest.MaxResponseBytes {
		t.Errorf("a response of %d bytes exceeded the limit", srv.MaxResponse())
	}
}

func TestDataAPIErrorIsReported(t *testing.T) {
	t.Parallel()
	srcDSN, tgtDSN := pgtest.SeededPair(t, sizes)
	var mu sync.Mutex
	calls := 0
	srv := startDataAPI(t, func(sql string) *dataapitest.Fault {
		mu.Lock()
		defer mu.Unlock()
		calls++
		if calls > 12 {
			return &dataapitest.Fault{Status: 503, Type: "DatabaseUnavailableException", Message: "Communications link failure"}
		}
		return nil
	})
	v := mustNew(t, baseConfig(t, nil), openPGX(t, srcDSN), openDataAPI(t, srv, dbName(t, tgtDSN)))
	resp, _, err := v.Run(context.Background(), validator.Request{CheckType: "post_migration"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Success || resp.Complete || resp.ResumeToken == "" || !strings.Contains(resp.Error, "unavailable") {
		t.Fatalf("want an incomplete, failed run naming the outage: %+v", resp)
	}
}

func TestPreMigrationChecksTheSource(t *testing.T) {
	t.Parallel()
	srcDSN, tgtDSN := pgtest.SeededPair(t, sizes)
	pgtest.Exec(t, srcDSN,
		"UPDATE payments SET amount = -1 WHERE customer_id = 1",
		"UPDATE customers SET created_at = NULL WHERE id <= 3",
		"TRUNCATE transactions")
	pgtest.Exec(t, tgtDSN, "TRUNCATE payments, transactions, customers, audit_log")
	var want int
	{
		ctx := context.Background()
		c := pgtest.Connect(t, srcDSN)
		if err := c.QueryRow(ctx, "SELECT count(*) FROM payments WHERE customer_id = 1").Scan(&want); err != nil {
			t.Fatal(err)
		}
	}
	v := mustNew(t, baseConfig(t, nil), openPGX(t, srcDSN), openPGX(t, tgtDSN))
	resp, _ := runToEnd(t, v, validator.Request{CheckType: "pre-migration"}, 1, nil)
	cm := checkMap(resp)
	if resp.Success {
		t.Fatal("bad source data must fail the pre-migration check")
	}
	if c := cm["invalid_amounts/payments"]; c.Status != validator.StatusFail || !strings.HasPrefix(c.Details, fmt.Sprintf("source: %d rows", want)) {
		t.Errorf("invalid_amounts/payments = %+v (want %d)", c, want)
	}
	if c := cm["null_created_at/customers"]; c.Status != validator.StatusFail || !strings.HasPrefix(c.Details, "source: 3 rows") {
		t.Errorf("null_created_at/customers = %+v", c)
	}
	if c := cm["orphaned_transactions/transactions"]; c.Status != validator.StatusPass {
		t.Errorf("orphaned_transactions = %+v", c)
	}
	for _, c := range resp.Checks {
		if c.Name == "data_diff" || c.Name == "row_count" {
			t.Errorf("pre_migration must not run %s", c.Name)
		}
	}
	if resp.RowsCompared != 0 {
		t.Errorf("rowsCompared = %d", resp.RowsCompared)
	}
}

func TestContinuousToleratesReplicationLag(t *testing.T) {
	t.Parallel()
	srcDSN, tgtDSN := pgtest.SeededPair(t, sizes)
	pgtest.Exec(t, srcDSN, "INSERT INTO audit_log VALUES (30001, 'svc-1', 'create', '{}', now()), (30002, 'svc-1', 'create', '{}', now())")
	for _, tc := range []struct {
		tolerance int64
		success   bool
		status    string
	}{{0, false, validator.StatusFail}, {2, true, validator.StatusWarn}} {
		cfg := baseConfig(t, nil)
		cfg.ContinuousTolerance = tc.tolerance
		v := mustNew(t, cfg, openPGX(t, srcDSN), openPGX(t, tgtDSN))
		resp, _ := runToEnd(t, v, validator.Request{CheckType: "continuous", Tables: []string{"audit_log"}}, 1, nil)
		cm := checkMap(resp)
		if resp.Success != tc.success || cm["data_diff/audit_log"].Status != tc.status || cm["row_count/audit_log"].Status != tc.status {
			t.Errorf("tolerance %d: success=%v checks=%v", tc.tolerance, resp.Success, resp.Checks)
		}
	}
}

func TestMissingTableFails(t *testing.T) {
	t.Parallel()
	srcDSN, tgtDSN := pgtest.SeededPair(t, sizes)
	pgtest.Exec(t, tgtDSN, "DROP TABLE audit_log")
	v := mustNew(t, baseConfig(t, nil), openPGX(t, srcDSN), openPGX(t, tgtDSN))
	resp, _ := runToEnd(t, v, validator.Request{CheckType: "post_migration"}, 1, nil)
	cm := checkMap(resp)
	if resp.Success {
		t.Fatal("a missing table must fail")
	}
	if c := cm["table_present/audit_log"]; c.Status != validator.StatusFail || c.Details != "missing in target" {
		t.Errorf("table_present/audit_log = %+v", c)
	}
	for _, k := range []string{"schema/audit_log", "row_count/audit_log", "data_diff/audit_log"} {
		if cm[k].Status != validator.StatusSkipped {
			t.Errorf("%s = %+v, want skipped", k, cm[k])
		}
	}
	if cm["data_diff/payments"].Status != validator.StatusPass {
		t.Errorf("other tables must still be compared: %+v", cm["data_diff/payments"])
	}
}

func TestTextAndCompositeKeys(t *testing.T) {
	t.Parallel()
	srcDSN, tgtDSN := pgtest.SeededPair(t, sizes)
	ddl := []string{
		`CREATE TABLE merchants (code text PRIMARY KEY, name text, created_at timestamptz, amount numeric)`,
		`INSERT INTO merchants SELECT 'M' || lpad(i::text, 6, '0') || CASE WHEN i % 3 = 0 THEN 'a' ELSE 'B' END,
		   'merchant ' || i, timestamptz '2024-03-01 10:00:00+00' + i * interval '1 minute', i FROM generate_series(1, 30000) i`,
		`CREATE TABLE ledger (day date, account int, line int, amount numeric, created_at timestamptz, PRIMARY KEY (day, account, line))`,
		`INSERT INTO ledger SELECT date '2024-01-01' + (i / 1000), i % 1000, 1, i, timestamptz '2024-03-01 10:00:00+00' FROM generate_series(1, 20000) i`,
		`ANALYZE`,
	}
	pgtest.Exec(t, srcDSN, ddl...)
	pgtest.Exec(t, tgtDSN, ddl...)
	pgtest.Exec(t, tgtDSN,
		`DELETE FROM merchants WHERE code = 'M012345a'`,
		`UPDATE merchants SET name = 'x' WHERE code = 'M029999B'`,
		`INSERT INTO merchants VALUES ('zz-extra', 'n', now(), 1)`,
		`UPDATE ledger SET amount = amount + 1 WHERE day = date '2024-01-08' AND account = 500`,
		`DELETE FROM ledger WHERE day = date '2024-01-20' AND account = 1`)
	for _, kind := range []string{"pgx", "rds-data-api"} {
		t.Run(kind, func(t *testing.T) {
			var tgt backend.Backend
			if kind == "pgx" {
				tgt = openPGX(t, tgtDSN)
			} else {
				tgt = openDataAPI(t, startDataAPI(t, nil), dbName(t, tgtDSN))
			}
			cfg := baseConfig(t, nil)
			cfg.ChunkRows = 3000
			cfg.DownloadThreshold = 100
			v := mustNew(t, cfg, openPGX(t, srcDSN), tgt)
			resp, _ := runToEnd(t, v, validator.Request{CheckType: "post_migration", Tables: []string{"merchants", "ledger"}}, 1, nil)
			k := keyer(t)
			want := []validator.Difference{
				{Table: "merchants", KeyMAC: k.RowKey("merchants", []string{"M012345a"}), Kind: validator.MissingInTarget},
				{Table: "merchants", KeyMAC: k.RowKey("merchants", []string{"M029999B"}), Kind: validator.Changed},
				{Table: "merchants", KeyMAC: k.RowKey("merchants", []string{"zz-extra"}), Kind: validator.ExtraInTarget},
				{Table: "ledger", KeyMAC: k.RowKey("ledger", []string{"2024-01-08", "500", "1"}), Kind: validator.Changed},
				{Table: "ledger", KeyMAC: k.RowKey("ledger", []string{"2024-01-20", "1", "1"}), Kind: validator.MissingInTarget},
			}
			validator.SortDifferences(want)
			got := slices.Clone(resp.Differences)
			validator.SortDifferences(got)
			if !slices.Equal(got, want) {
				t.Errorf("differences:\n got %v\nwant %v", got, want)
			}
			if resp.RowsCompared != 30000+1+20000 {
				t.Errorf("rowsCompared = %d", resp.RowsCompared)
			}
		})
	}
}

func TestBadRequests(t *testing.T) {
	srcDSN, tgtDSN := pgtest.SeededPair(t, sizes)
	v := mustNew(t, baseConfig(t, nil), openPGX(t, srcDSN), openPGX(t, tgtDSN))
	// A real token, for tampering.
	cfg := baseConfig(t, nil)
	cfg.StepBudget = 1
	short := mustNew(t, cfg, openPGX(t, srcDSN), openPGX(t, tgtDSN))
	first, _, err := short.Run(context.Background(), validator.Request{CheckType: "post_migration"})
	if err != nil || first.ResumeToken == "" {
		t.Fatalf("want a token: %v %+v", err, first)
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(first.ResumeToken, "v1."))
	if err != nil {
		t.Fatal(err)
	}
	raw[len(raw)/2] ^= 1
	tampered := "v1." + base64.RawURLEncoding.EncodeToString(raw)
	otherKey, _ := privacy.NewKeyer([]byte("another-secret-0123456789abcdef"))
	cfgOther := baseConfig(t, nil)
	cfgOther.Keyer = otherKey
	foreign := mustNew(t, cfgOther, openPGX(t, srcDSN), openPGX(t, tgtDSN))

	tests := []struct {
		name string
		v    *validator.Validator
		req  validator.Request
		want string
	}{
		{"no check type", v, validator.Request{Action: "validate"}, "checkType is required"},
		{"unknown check type", v, validator.Request{CheckType: "sideways"}, "unknown checkType"},
		{"unknown action", v, validator.Request{Action: "drop", CheckType: "post_migration"}, "unknown action"},
		{"disagreeing spellings", v, validator.Request{CheckType: "pre_migration", LegacyCheckType: "post_migration"}, "disagree"},
		{"injection in table name", v, validator.Request{CheckType: "post_migration", Tables: []string{"payments; DROP TABLE x"}}, "invalid table name"},
		{"quoted table name", v, validator.Request{CheckType: "post_migration", Tables: []string{`pay"ments`}}, "invalid table name"},
		{"garbage token", v, validator.Request{ResumeToken: "v1.!!!"}, "base64url"},
		{"unknown token format", v, validator.Request{ResumeToken: "hello"}, "unknown format"},
		{"tampered token", v, validator.Request{ResumeToken: tampered}, "not issued by this validator"},
		{"token from another key", foreign, validator.Request{ResumeToken: first.ResumeToken}, "not issued by this validator"},
		{"token for another check type", v, validator.Request{CheckType: "continuous", ResumeToken: first.ResumeToken}, "resume token is for checkType"},
		{"token for other tables", v, validator.Request{Tables: []string{"payments"}, ResumeToken: first.ResumeToken}, "resume token is for tables"},
		{"too many tables", v, validator.Request{CheckType: "post_migration", Tables: make([]string, 101)}, "at most 100"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, _, err := tc.v.Run(context.Background(), tc.req)
			if err == nil || !errors.Is(err, validator.ErrBadRequest) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v (resp %+v), want ErrBadRequest containing %q", err, resp, tc.want)
			}
		})
	}
	t.Run("legacy spelling works", func(t *testing.T) {
		resp, _, err := v.Run(context.Background(), validator.Request{LegacyCheckType: "post_migration", Tables: []string{"customers"}})
		if err != nil || !resp.Success || resp.CheckType != validator.PostMigration {
			t.Fatalf("err=%v resp=%+v", err, resp)
		}
	})
	t.Run("token after config change", func(t *testing.T) {
		cfg := baseConfig(t, nil)
		cfg.ChunkRows = 1234
		changed := mustNew(t, cfg, openPGX(t, srcDSN), openPGX(t, tgtDSN))
		_, _, err := changed.Run(context.Background(), validator.Request{ResumeToken: first.ResumeToken})
		if err == nil || !strings.Contains(err.Error(), "configuration changed") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestStatementTimeoutSplitsTheSegment(t *testing.T) {
	t.Parallel()
	srcDSN, tgtDSN := pgtest.SeededPair(t, sizes)
	fs := applyFaults(t, tgtDSN)
	var mu sync.Mutex
	timeouts := 0
	srv := startDataAPI(t, func(sql string) *dataapitest.Fault {
		mu.Lock()
		defer mu.Unlock()
		// The first whole-table aggregates of audit_log "run too long".
		if strings.HasPrefix(sql, "SELECT count(*)::int8, coalesce(sum(") && strings.Contains(sql, `"audit_log"`) && timeouts < 2 {
			timeouts++
			return &dataapitest.Fault{Status: 400, Type: "StatementTimeoutException", Message: "The statement timed out"}
		}
		return nil
	})
	logs := &syncbuf.Buffer{}
	cfg := baseConfig(t, logs)
	cfg.ChunkRows = 100_000
	v := mustNew(t, cfg, openPGX(t, srcDSN), openDataAPI(t, srv, dbName(t, tgtDSN)))
	resp, _ := runToEnd(t, v, validator.Request{CheckType: "post_migration"}, 1, nil)
	assertFaultsFound(t, resp, fs)
	if timeouts == 0 || strings.Count(logs.String(), "segment too large for one statement") != timeouts {
		t.Fatalf("timeouts injected %d; logs:\n%s", timeouts, logs.String())
	}
}
