package rotation_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rdsdata"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/acme-payments/xpaymentplatform/lambda/dmsuser/rotation"
	"github.com/acme-payments/xpaymentplatform/lambda/internal/awstest"
	"github.com/acme-payments/xpaymentplatform/lambda/internal/dataapitest"
	"github.com/acme-payments/xpaymentplatform/lambda/internal/pgtest"
	"github.com/acme-payments/xpaymentplatform/lambda/testsupport/awsfake"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Cleanup()
	os.Exit(code)
}

const (
	clusterARN = "arn:aws:rds:us-east-1:123456789012:cluster:payments-target"
	masterARN  = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!cluster-0123-abcdef"
	secretARN  = "arn:aws:secretsmanager:us-east-1:123456789012:secret:payments-dms-user-AbCdEf"
)

var steps = []string{rotation.StepCreate, rotation.StepSet, rotation.StepTest, rotation.StepFinish}

// harness is a rotation wired to a Secrets Manager fake holding the DMS
// user's secret and, through the Data API fake, to a throw-away database
// of the test PostgreSQL; the DMS user's name is random per test (roles are
// server-wide).
type harness struct {
	t     *testing.T
	sm    *awsfake.RotatingSecret
	api   *dataapitest.Server
	r     *rotation.Rotator
	cfg   rotation.Config
	base  string // admin DSN of the server
	admin string // admin DSN of the test database
	db    string
	user  string
	host  string
	port  int

	mu     sync.Mutex
	sqls   []string
	faults map[string]*dataapitest.Fault // statement prefix -> fault
}

// randomRole returns a role name unique to this test, dropped at its end
// (after the test database, whose privileges name it).
func randomRole(t *testing.T, base, prefix string) string {
	t.Helper()
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	name := prefix + hex.EncodeToString(b)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Logf("drop role %s: %v", name, err)
			return
		}
		defer c.Close(ctx)
		// Privileges on databases still alive (a role created after the
		// test database is dropped before it) would keep the role.
		rows, _ := c.Query(ctx, "SELECT datname FROM pg_database WHERE datacl::text LIKE '%' || $1 || '=%'", name)
		dbs, _ := pgx.CollectRows(rows, pgx.RowTo[string])
		for _, db := range dbs {
			_, _ = c.Exec(ctx, `REVOKE ALL ON DATABASE "`+db+`" FROM `+name)
		}
		if _, err := c.Exec(ctx, "DROP ROLE IF EXISTS "+name); err != nil {
			t.Logf("drop role %s: %v", name, err)
		}
	})
	return name
}

// ensureRDSSuperuser gives the plain test PostgreSQL the role Aurora has:
// the code grants rds_superuser and checks membership, unconditionally.
func ensureRDSSuperuser(t *testing.T, base string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	_, err = c.Exec(ctx, `DO $$ BEGIN
		IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'rds_superuser') THEN
			CREATE ROLE rds_superuser NOLOGIN;
		END IF; END $$`)
	var pgErr *pgconn.PgError
	if err != nil && !(errors.As(err, &pgErr) && (pgErr.Code == "42710" || pgErr.Code == "23505")) {
		t.Fatalf("create rds_superuser: %v", err)
	}
}

func newHarness(t *testing.T, mutate ...func(*rotation.Config)) *harness {
	t.Helper()
	base := pgtest.Require(t)
	ensureRDSSuperuser(t, base)
	h := &harness{t: t, base: base, faults: map[string]*dataapitest.Fault{}}
	h.user = randomRole(t, base, "dms_t_")
	h.admin = pgtest.NewDatabase(t, "dmsuser", "")
	u, _ := url.Parse(h.admin)
	h.db = strings.TrimPrefix(u.Path, "/")
	h.host = u.Hostname()
	h.port, _ = strconv.Atoi(u.Port())

	h.sm = awsfake.NewRotatingSecret(secretARN)
	t.Cleanup(h.sm.Close)
	api, err := dataapitest.Start(dataapitest.Config{BaseDSN: base, ClusterArn: clusterARN, SecretArn: masterARN, Hook: h.hook})
	if err != nil {
		t.Fatal(err)
	}
	h.api = api
	t.Cleanup(api.Close)

	awsCfg := awstest.Config()
	h.cfg = rotation.Config{
		Secrets:         secretsmanager.NewFromConfig(awsCfg, func(o *secretsmanager.Options) { o.BaseEndpoint = aws.String(h.sm.URL) }),
		DataAPI:         rdsdata.NewFromConfig(awsCfg, func(o *rdsdata.Options) { o.BaseEndpoint = aws.String(api.URL) }),
		ClusterARN:      clusterARN,
		MasterSecretARN: masterARN,
		Database:        h.db,
		Host:            h.host,
		Port:            h.port,
		Username:        h.user,
		SSLMode:         "disable", // the test server has no TLS
		CallTimeout:     10 * time.Second,
		ResumeWait:      10 * time.Millisecond,
		Logger:          slog.New(slog.NewJSONHandler(io.Discard, nil)),
	}
	for _, m := range mutate {
		m(&h.cfg)
	}
	h.r, err = rotation.New(h.cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func (h *harness) hook(sql string) *dataapitest.Fault {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.sqls = append(h.sqls, sql)
	for prefix, f := range h.faults {
		if strings.HasPrefix(sql, prefix) {
			return f
		}
	}
	return nil
}

// failOn makes statements starting with prefix fail (nil clears).
func (h *harness) failOn(prefix string, f *dataapitest.Fault) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if f == nil {
		delete(h.faults, prefix)
		return
	}
	h.faults[prefix] = f
}

// statements returns the statements the Data API received so far.
func (h *harness) statements() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.sqls...)
}

func countPrefix(stmts []string, prefix string) int {
	n := 0
	for _, s := range stmts {
		if strings.HasPrefix(s, prefix) {
			n++
		}
	}
	return n
}

func (h *harness) step(step, token string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return h.r.Handle(ctx, rotation.Event{SecretID: secretARN, ClientRequestToken: token, Step: step})
}

// rotate does what Secrets Manager does for one rotation: RotateSecret
// stages the new version AWSPENDING, then invokes the four steps.
func (h *harness) rotate(token string) error {
	h.t.Helper()
	if err := h.sm.StartRotation(token); err != nil {
		h.t.Fatal(err)
	}
	for _, s := range steps {
		if err := h.step(s, token); err != nil {
			return err
		}
	}
	return nil
}

// secret returns the decoded value holding stage.
func (h *harness) secret(stage string) (map[string]any, string) {
	h.t.Helper()
	raw, id, ok := h.sm.Value(stage)
	if !ok {
		h.t.Fatalf("no %s value; stages %v", stage, h.sm.Stages())
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		h.t.Fatalf("%s value is not JSON: %v", stage, err)
	}
	return m, id
}

// login connects to the test database as user with password.
func (h *harness) login(user, password string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	u := url.URL{Scheme: "postgres", User: url.UserPassword(user, password), Host: h.host + ":" + strconv.Itoa(h.port),
		Path: "/" + h.db, RawQuery: "sslmode=disable"}
	c, err := pgx.Connect(ctx, u.String())
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	var one int
	return c.QueryRow(ctx, "SELECT 1").Scan(&one)
}

// query runs an admin query on the test database returning one row.
func (h *harness) query(sql string, args []any, dst ...any) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := pgtest.Connect(h.t, h.admin)
	if err := c.QueryRow(ctx, sql, args...).Scan(dst...); err != nil {
		h.t.Fatalf("%s: %v", sql, err)
	}
}

func isAuthFailure(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "28P01"
}

func token(n int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", n) }

func (h *harness) adminConn(t *testing.T) *pgx.Conn { return pgtest.Connect(t, h.admin) }

func dataAPIClient(endpoint string) *rdsdata.Client {
	return rdsdata.NewFromConfig(awstest.Config(), func(o *rdsdata.Options) { o.BaseEndpoint = aws.String(endpoint) })
}
