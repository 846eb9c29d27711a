// Command benchvalidator measures the validator's data diff on the local
// test PostgreSQL (make pg-start) and writes lambda/BENCHMARKS.md:
//
//   - rows/s on identical tables of each size (default 1M and 10M rows),
//   - time to find 100 scattered differences,
//   - a naive row-by-row streaming compare (both tables read in key order
//     over the wire and compared value by value) measured in the same run.
//
// Source and target are two databases of the same server, so both sides
// share this machine's cores. Seeded databases are kept (bench_src_<n>,
// bench_tgt_<n>) and reused by later runs; -drop removes them.
//
//	go run ./lambda/internal/cmd/benchvalidator [-rows 1000000,10000000] [-out lambda/BENCHMARKS.md]
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rdsdata"
	"github.com/jackc/pgx/v5"

	"github.com/acme-payments/xpaymentplatform/lambda/internal/awstest"
	"github.com/acme-payments/xpaymentplatform/lambda/internal/dataapitest"
	"github.com/acme-payments/xpaymentplatform/lambda/internal/pgtest"
	"github.com/acme-payments/xpaymentplatform/lambda/internal/privacy"
	"github.com/acme-payments/xpaymentplatform/lambda/validation/backend"
	"github.com/acme-payments/xpaymentplatform/lambda/validation/validator"
)

const table = "payments_bench"

const notes = `
What is measured: the validator's wall time for one table (catalog queries, the segment aggregates,
the bisection down to the differing rows, their download and their HMAC digests), source and target
compared concurrently, best of the runs. "vs naive" is the naive compare's time divided by the
validator's, with the same 100 differences. The naive compare streams every row of both tables in key
order (every column as text) and compares them value by value in Go: with pgx, one query per side; with
the RDS Data API, the target is read the way a Lambda has to read it, page by page (keyset pagination,
2,000 rows a page to stay under the API's 1 MiB per response) while the source streams over pgx.

Configurations:

- "pgx": both sides read directly with pgx over loopback. This is the validator's worst case against
  the naive compare: the naive compare moves ~100 bytes a row over loopback for free.
- "RDS Data API": the Lambda's production path. The source (on-premises PostgreSQL) is read with pgx,
  the target (Aurora) through the real aws-sdk-go-v2 rdsdata client against the local ExecuteStatement
  endpoint (lambda/internal/dataapitest) over the same PostgreSQL. The real service adds TLS and a
  network round trip per call, so the naive compare would be slower against it than here.
- "one side's work": the validator with the target answering each statement with the source's answer
  (cmd/benchvalidator/mirror.go), so that one side's statements run alone on the machine, with
  PostgreSQL's parallel query on both cores. That is the rate of a deployment where each side has these
  two cores to itself, as the on-premises server and the Aurora cluster do.

## Against the aims

The aims are ≥ 5M rows/s on identical tables and ≥ 20× the naive compare with 100 differences.

- Rows/s on identical tables: every row is read and hashed once per side, and here both sides share the
  same 2 cores (which also run the validator). One 1M-row aggregate measured with psql on one core costs
  about 80 ns a row to scan and 230 ns a row to hash (seven seeded hash*extended calls, the timestamptz
  and numeric ones the dearest; summing per-column hashes is the cheapest row hash PostgreSQL offers
  without an extension: hash_record_extended and md5 of the row text are slower). Two sides on two
  cores therefore top out near 2.5–3M rows/s on this machine, whatever the algorithm; the "one side's
  work" row shows the rate when each side has the cores to itself.
  Tables above one chunk (1M rows) are read chunk by chunk with index range scans (so that a
  difference costs a second pass over one chunk, not the table, and each statement stays far below the
  Data API's 45 s), which costs about 1.4× a sequential scan: the 10M rows/s are below the 1M ones.
  That is a trade, and VALIDATION_CHUNK_ROWS moves it: with -chunk-rows 16000000 a 10M-row table is one
  segment read by a (parallel) sequential scan, and measured on this machine the identical tables took
  3.35 s (2.99M rows/s; one side's work 1.70 s, 5.88M rows/s) — but 100 scattered differences then cost
  a whole pass plus a pass of index range scans, 12.1–12.5 s (18.4× the naive compare through the Data
  API instead of 41×). The default stays at 1M rows; a post-migration check of tables expected identical
  can raise it.
- Against the naive compare: with both sides on loopback pgx the naive compare costs little more than
  the validator's own reading of every row, so no algorithm can be 20× faster there. Through the Data
  API, the Lambda's production path, the naive compare has to page every target row through the API,
  and the validator's advantage shows.
`

var (
	verbose   bool
	chunkRows int64
)

func main() {
	dsn := flag.String("dsn", os.Getenv(pgtest.EnvDSN), "admin DSN of the benchmark server")
	rowsFlag := flag.String("rows", "1000000,10000000", "table sizes")
	diffs := flag.Int("diffs", 100, "scattered differences")
	out := flag.String("out", "lambda/BENCHMARKS.md", "report file (- for stdout only)")
	drop := flag.Bool("drop", false, "drop the benchmark databases at the end")
	repeat := flag.Int("repeat", 3, "runs of each measurement (the best is kept)")
	targetsFlag := flag.String("targets", "pgx,dataapi", "how the target is read: pgx (both sides direct) and/or dataapi (the Lambda's production path: the RDS Data API client against the local ExecuteStatement endpoint)")
	flag.BoolVar(&verbose, "v", false, "log the validator's steps")
	flag.Int64Var(&chunkRows, "chunk-rows", 0, "the validator's ChunkRows (VALIDATION_CHUNK_ROWS); 0 keeps its default")
	flag.Parse()
	if *dsn == "" {
		fail(fmt.Errorf("no DSN: run `make pg-start` and set %s (make bench-validator does)", pgtest.EnvDSN))
	}
	ctx := context.Background()
	var sizes []int64
	for _, s := range strings.Split(*rowsFlag, ",") {
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil || n < 1000 {
			fail(fmt.Errorf("bad -rows %q", s))
		}
		sizes = append(sizes, n)
	}
	var targets []string
	for _, t := range strings.Split(*targetsFlag, ",") {
		switch t = strings.TrimSpace(t); t {
		case "pgx", "dataapi":
			targets = append(targets, t)
		default:
			fail(fmt.Errorf("bad -targets %q: pgx or dataapi", t))
		}
	}
	var api *dataapitest.Server
	if slices.Contains(targets, "dataapi") {
		var err error
		api, err = dataapitest.Start(dataapitest.Config{BaseDSN: *dsn, ClusterArn: benchClusterArn, SecretArn: benchSecretArn})
		must(err)
		defer api.Close()
	}
	var report bytes.Buffer
	header(ctx, &report, *dsn)
	fmt.Fprintf(&report, "| rows | target read with | run | wall time | rows/s | statements | vs naive |\n|---:|---|---|---:|---:|---:|---:|\n")
	for _, n := range sizes {
		src, tgt := fmt.Sprintf("bench_src_%d", n), fmt.Sprintf("bench_tgt_%d", n)
		for _, db := range []string{src, tgt} {
			must(ensureSeeded(ctx, *dsn, db, n))
		}
		srcDSN, _ := pgtest.WithDatabase(*dsn, src)
		tgtDSN, _ := pgtest.WithDatabase(*dsn, tgt)
		for _, target := range targets {
			via, label := (*dataapitest.Server)(nil), "pgx"
			if target == "dataapi" {
				via, label = api, "RDS Data API"
			}
			tb := targetBackend(ctx, via, tgtDSN, tgt)
			must(setDifferences(ctx, tgtDSN, n, 0))
			same, stmts := best(*repeat, func() (time.Duration, int64) { return diffRun(ctx, srcDSN, tb, n, 0) })
			line(&report, n, label, "validator, identical tables", same, n, stmts, 0)
			if target == targets[0] {
				one, stmts := best(*repeat, func() (time.Duration, int64) { return diffRun(ctx, srcDSN, nil, n, 0) })
				line(&report, n, "—", "one side's work: the source alone, target answers mirrored", one, n, stmts, 0)
			}

			must(setDifferences(ctx, tgtDSN, n, *diffs))
			withDiffs, stmts := best(*repeat, func() (time.Duration, int64) { return diffRun(ctx, srcDSN, tb, n, *diffs) })
			var naiveTarget backend.Backend
			if via != nil {
				naiveTarget = tb
			}
			naive, _ := best(1, func() (time.Duration, int64) { return naiveRun(ctx, srcDSN, tgtDSN, naiveTarget, n, *diffs) })
			line(&report, n, label, fmt.Sprintf("validator, %d scattered differences", *diffs), withDiffs, n, stmts, naive)
			line(&report, n, label, "naive row-by-row streaming compare", naive, n, 0, 0)
			must(setDifferences(ctx, tgtDSN, n, 0))
			_ = tb.Close(ctx)
			fmt.Fprint(os.Stderr, report.String())
		}
		if *drop {
			for _, db := range []string{src, tgt} {
				must(exec(ctx, *dsn, "DROP DATABASE IF EXISTS "+db+" WITH (FORCE)"))
			}
		}
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		fmt.Fprintf(&report, "\nLoad average at the end of the run: %s (the benchmark's own work included).\n",
			strings.Join(strings.Fields(string(b))[:3], " "))
	}
	report.WriteString(notes)
	fmt.Println(report.String())
	if *out != "-" {
		must(os.WriteFile(*out, report.Bytes(), 0o644))
		fmt.Fprintln(os.Stderr, "wrote", *out)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "benchvalidator:", err)
	os.Exit(1)
}

func must(err error) {
	if err != nil {
		fail(err)
	}
}

func exec(ctx context.Context, dsn string, stmts ...string) error {
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	for _, s := range stmts {
		if _, err := c.Exec(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}

func header(ctx context.Context, w io.Writer, dsn string) {
	var version string
	if c, err := pgx.Connect(ctx, dsn); err == nil {
		_ = c.QueryRow(ctx, "SHOW server_version").Scan(&version)
		c.Close(ctx)
	}
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "model name") {
				cpu = strings.TrimSpace(strings.SplitN(l, ":", 2)[1])
				break
			}
		}
	}
	fmt.Fprintf(w, "# Validator benchmark\n\n`make bench-validator`, %s. PostgreSQL %s (hack/postgres/pg.sh settings), %s, %d cores (%s); "+
		"source and target are two databases of the same server, so the two sides share these cores.\n\n"+
		"Table `%s`: 7 columns (bigint key, bigint, numeric(12,2), char(3), 16-digit text, text, timestamptz), "+
		"about 100 bytes a row. Best of the runs.\n\n",
		time.Now().UTC().Format("2006-01-02"), version, runtime.Version(), runtime.NumCPU(), cpu, table)
}

func ensureSeeded(ctx context.Context, admin, db string, n int64) error {
	c, err := pgx.Connect(ctx, admin)
	if err != nil {
		return err
	}
	var exists bool
	_ = c.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", db).Scan(&exists)
	c.Close(ctx)
	dsn, _ := pgtest.WithDatabase(admin, db)
	if exists {
		if c, err := pgx.Connect(ctx, dsn); err == nil {
			var got int64
			err := c.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&got)
			c.Close(ctx)
			if err == nil && got == n {
				return nil
			}
		}
		if err := exec(ctx, admin, "DROP DATABASE "+db+" WITH (FORCE)"); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "seeding %s with %d rows\n", db, n)
	start := time.Now()
	if err := exec(ctx, admin, "CREATE DATABASE "+db); err != nil {
		return err
	}
	err = exec(ctx, dsn,
		`CREATE TABLE `+table+` (id bigint NOT NULL, customer_id bigint NOT NULL, amount numeric(12,2), currency char(3) NOT NULL,
		   card_number text NOT NULL, status text NOT NULL, created_at timestamptz)`,
		fmt.Sprintf(`INSERT INTO `+table+` SELECT i, 1 + (i * 7919) %% 100000, round(1 + ((i * 37) %% 99999) / 100.0, 2), 'EUR',
		   '4' || lpad(((i * 104729) %% 1000000000000000)::text, 15, '0'),
		   CASE i %% 10 WHEN 0 THEN 'refunded' WHEN 1 THEN 'pending' ELSE 'settled' END,
		   timestamptz '2024-01-01 00:00:00+00' + i * interval '1 second'
		 FROM generate_series(1::bigint, %d) i`, n),
		`ALTER TABLE `+table+` ADD PRIMARY KEY (id)`,
		`VACUUM (FREEZE, ANALYZE) `+table)
	fmt.Fprintf(os.Stderr, "seeded %s in %s\n", db, time.Since(start).Round(time.Second))
	return err
}

// diffKeys are the ids changed by setDifferences: spread over the table.
func diffKeys(n int64, k int) []int64 {
	var out []int64
	for i := 0; i < k; i++ {
		out = append(out, 1+int64(i)*(n/int64(k))+7)
	}
	return out
}

// setDifferences makes the target differ from the source in k rows
// (k = 0 restores it).
func setDifferences(ctx context.Context, tgtDSN string, n int64, k int) error {
	restore := fmt.Sprintf(`UPDATE %s SET amount = round(1 + ((id * 37) %% 99999) / 100.0, 2)
	  WHERE amount IS DISTINCT FROM round(1 + ((id * 37) %% 99999) / 100.0, 2)`, table)
	stmts := []string{restore}
	if k > 0 {
		var ids []string
		for _, id := range diffKeys(n, k) {
			ids = append(ids, strconv.FormatInt(id, 10))
		}
		stmts = append(stmts, fmt.Sprintf("UPDATE %s SET amount = amount + 1 WHERE id IN (%s)", table, strings.Join(ids, ",")))
	}
	stmts = append(stmts, "VACUUM "+table)
	return exec(ctx, tgtDSN, stmts...)
}

func best(n int, f func() (time.Duration, int64)) (time.Duration, int64) {
	var bd time.Duration
	var bs int64
	for i := 0; i < n; i++ {
		d, s := f()
		if i == 0 || d < bd {
			bd, bs = d, s
		}
	}
	return bd, bs
}

func line(w io.Writer, n int64, via, what string, d time.Duration, rows int64, stmts int64, naive time.Duration) {
	vs := ""
	if naive > 0 {
		vs = fmt.Sprintf("%.1f×", naive.Seconds()/d.Seconds())
	}
	st := ""
	if stmts > 0 {
		st = strconv.FormatInt(stmts, 10)
	}
	fmt.Fprintf(w, "| %s | %s | %s | %.2f s | %.2fM | %s | %s |\n", human(n), via, what, d.Seconds(), float64(rows)/d.Seconds()/1e6, st, vs)
}

func human(n int64) string {
	if n%1_000_000 == 0 {
		return fmt.Sprintf("%dM", n/1_000_000)
	}
	return strconv.FormatInt(n, 10)
}

// targetBackend opens the target side: pgx on tgtDSN, or the RDS Data API
// client on the local ExecuteStatement endpoint (api non-nil).
func targetBackend(ctx context.Context, api *dataapitest.Server, tgtDSN, tgtDB string) backend.Backend {
	if api == nil {
		b, err := backend.OpenPGX(ctx, tgtDSN, backend.PGXOptions{})
		must(err)
		return b
	}
	client := rdsdata.NewFromConfig(awstest.Config(), func(o *rdsdata.Options) { o.BaseEndpoint = aws.String(api.URL) })
	b, err := backend.NewDataAPI(client, backend.DataAPIOptions{ClusterArn: benchClusterArn, SecretArn: benchSecretArn, Database: tgtDB})
	must(err)
	return b
}

const (
	benchClusterArn = "arn:aws:rds:eu-west-1:123456789012:cluster:bench"
	benchSecretArn  = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:bench-target"
)

// diffRun times the validator on the table; tgt nil mirrors the source
// (one side's work, see mirror).
func diffRun(ctx context.Context, srcDSN string, tgt backend.Backend, n int64, k int) (time.Duration, int64) {
	keyer, _ := privacy.NewKeyer([]byte("benchmark-hmac-secret-0123456789"))
	var src backend.Backend
	src, err := backend.OpenPGX(ctx, srcDSN, backend.PGXOptions{})
	must(err)
	defer src.Close(ctx)
	if tgt == nil {
		src, tgt = newMirror(src)
	}
	v, err := validator.New(validator.Config{
		Keyer: keyer, Tables: []string{table}, Checks: []string{"table_present", "schema", "data_diff"},
		Logger: logger(), ChunkRows: chunkRows,
	}, src, tgt)
	must(err)
	start := time.Now()
	resp, _, err := v.Run(ctx, validator.Request{CheckType: validator.PostMigration})
	d := time.Since(start)
	must(err)
	if !resp.Complete || resp.Error != "" || resp.RowsCompared != n || resp.Mismatches != int64(k) || (k == 0) != resp.Success {
		fail(fmt.Errorf("validator run is wrong: %+v", resp))
	}
	var stmts int64
	for _, c := range resp.Checks {
		if c.Name == "data_diff" {
			fmt.Sscanf(c.Details[strings.Index(c.Details, " in ")+4:], "%d", &stmts)
		}
	}
	return d, stmts
}

func logger() *slog.Logger {
	if verbose {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// row is one row of the naive compare: its key and every value as text.
type row struct {
	id   int64
	vals []string
}

// naiveColumns is what the naive compare reads: every column as text, so
// that both transports return the same strings.
const naiveColumns = "id, customer_id::text, amount::text, currency::text, card_number, status, created_at::text"

// streamPGX sends the table in key order, read with one pgx query.
func streamPGX(ctx context.Context, dsn string, out chan<- []row) {
	defer close(out)
	c, err := pgx.Connect(ctx, dsn)
	must(err)
	defer c.Close(ctx)
	rows, err := c.Query(ctx, "SELECT "+naiveColumns+" FROM "+table+" ORDER BY id", pgx.QueryExecModeSimpleProtocol)
	must(err)
	batch := make([]row, 0, 1024)
	for rows.Next() {
		raw := rows.RawValues()
		id, _ := strconv.ParseInt(string(raw[0]), 10, 64)
		vals := make([]string, len(raw))
		for i, v := range raw {
			vals[i] = string(v)
		}
		batch = append(batch, row{id, vals})
		if len(batch) == cap(batch) {
			out <- batch
			batch = make([]row, 0, 1024)
		}
	}
	must(rows.Err())
	out <- batch
}

// naivePageRows keeps a page of the naive compare under the Data API's 1 MiB.
const naivePageRows = 2000

// streamBackend sends the table in key order, read page by page (keyset
// pagination) through b: how a Lambda reads the target through the Data API.
func streamBackend(ctx context.Context, b backend.Backend, out chan<- []row) {
	defer close(out)
	after := int64(-1 << 63)
	for {
		recs, err := b.Query(ctx, "SELECT "+strings.Replace(naiveColumns, "id, ", "id::text AS k, ", 1)+" FROM "+table+
			" WHERE id > $1::text::int8 ORDER BY id LIMIT "+strconv.Itoa(naivePageRows), strconv.FormatInt(after, 10))
		must(err)
		batch := make([]row, 0, len(recs))
		for _, rec := range recs {
			vals := make([]string, len(rec))
			for i, v := range rec {
				if v != nil {
					vals[i] = fmt.Sprint(v)
				}
			}
			id, _ := strconv.ParseInt(vals[0], 10, 64)
			batch = append(batch, row{id, vals})
		}
		if len(batch) > 0 {
			out <- batch
			after = batch[len(batch)-1].id
		}
		if len(recs) < naivePageRows {
			return
		}
	}
}

// naiveRun streams both tables in key order and compares every value:
// the source over pgx, the target over pgx (tgtDSN) or through the Data
// API (tgt non-nil).
func naiveRun(ctx context.Context, srcDSN, tgtDSN string, tgt backend.Backend, n int64, k int) (time.Duration, int64) {
	start := time.Now()
	a, b := make(chan []row, 64), make(chan []row, 64)
	go streamPGX(ctx, srcDSN, a)
	if tgt != nil {
		go streamBackend(ctx, tgt, b)
	} else {
		go streamPGX(ctx, tgtDSN, b)
	}
	next := func(ch chan []row, buf *[]row) (row, bool) {
		for len(*buf) == 0 {
			batch, ok := <-ch
			if !ok {
				return row{}, false
			}
			*buf = batch
		}
		r := (*buf)[0]
		*buf = (*buf)[1:]
		return r, true
	}
	var ba, bb []row
	ra, oka := next(a, &ba)
	rb, okb := next(b, &bb)
	var compared, differ int64
	for oka || okb {
		switch {
		case okb && (!oka || rb.id < ra.id):
			differ++
			rb, okb = next(b, &bb)
		case oka && (!okb || ra.id < rb.id):
			differ++
			ra, oka = next(a, &ba)
		default:
			for i := range ra.vals {
				if ra.vals[i] != rb.vals[i] {
					differ++
					break
				}
			}
			compared++
			ra, oka = next(a, &ba)
			rb, okb = next(b, &bb)
		}
	}
	d := time.Since(start)
	if compared != n || differ != int64(k) {
		fail(fmt.Errorf("naive compare is wrong: compared %d, differ %d", compared, differ))
	}
	return d, 0
}
