// Package pgtest gives tests throw-away PostgreSQL databases on the server
// started by `make pg-start` (hack/postgres/pg.sh), found through the
// PAYMENT_TEST_PG_DSN environment variable.
//
// When the variable is unset, tests that need PostgreSQL fail under CI=true
// and are skipped otherwise.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/acme-payments/xpaymentplatform/lambda/internal/paymentsdb"
)

// EnvDSN names the variable holding the admin DSN of the test server.
const EnvDSN = "PAYMENT_TEST_PG_DSN"

// Require returns the admin DSN, or fails (CI) or skips the test.
func Require(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(EnvDSN)
	if dsn == "" {
		msg := EnvDSN + " is not set: start the test PostgreSQL with `make pg-start` and run `make test-lambda` " +
			"(or export " + EnvDSN + "=$(hack/postgres/pg.sh dsn))"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return dsn
}

// WithDatabase returns dsn pointing at database name.
func WithDatabase(dsn, name string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme == "" {
		return "", fmt.Errorf("pgtest: %s must be a postgres:// URL", EnvDSN)
	}
	u.Path = "/" + name
	return u.String(), nil
}

// Connect opens a connection closed at the end of the test.
func Connect(t testing.TB, dsn string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c
}

func randomName(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return prefix + "_" + hex.EncodeToString(b)
}

func admin(ctx context.Context, dsn string, stmts ...string) error {
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer c.Close(context.Background())
	for _, s := range stmts {
		if _, err := c.Exec(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

// NewDatabase creates an empty database (or a copy of template) dropped at
// the end of the test, and returns its DSN.
func NewDatabase(t testing.TB, prefix, template string) string {
	t.Helper()
	base := Require(t)
	name := randomName(prefix)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	stmt := "CREATE DATABASE " + name
	if template != "" {
		stmt += " TEMPLATE " + template
	}
	createMu.Lock()
	err := admin(ctx, base, stmt)
	createMu.Unlock()
	if err != nil {
		t.Fatalf("pgtest: %s: %v", stmt, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := admin(ctx, base, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Logf("pgtest: drop %s: %v", name, err)
		}
	})
	dsn, err := WithDatabase(base, name)
	if err != nil {
		t.Fatal(err)
	}
	return dsn
}

var (
	createMu  sync.Mutex
	templMu   sync.Mutex
	templates = map[paymentsdb.Sizes]string{}
)

// SeededPair returns the DSNs of two new, identical databases holding the
// payments schema at the given sizes: a source and a target.
func SeededPair(t testing.TB, s paymentsdb.Sizes) (src, tgt string) {
	t.Helper()
	tmpl := template(t, s)
	return NewDatabase(t, "src", tmpl), NewDatabase(t, "tgt", tmpl)
}

// template seeds, once per process and size, a template database.
func template(t testing.TB, s paymentsdb.Sizes) string {
	t.Helper()
	base := Require(t)
	templMu.Lock()
	defer templMu.Unlock()
	if name, ok := templates[s]; ok {
		return name
	}
	name := randomName("tmpl")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := admin(ctx, base, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("pgtest: create template: %v", err)
	}
	dsn, _ := WithDatabase(base, name)
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("pgtest: connect template: %v", err)
	}
	err = paymentsdb.Seed(ctx, c, s)
	_ = c.Close(context.Background())
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	templates[s] = name
	return name
}

// Cleanup drops the template databases; call it from TestMain after m.Run.
func Cleanup() {
	base := os.Getenv(EnvDSN)
	if base == "" {
		return
	}
	templMu.Lock()
	defer templMu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for s, name := range templates {
		_ = admin(ctx, base, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		delete(templates, s)
	}
}

// Exec runs statements on dsn, failing the test on error.
func Exec(t testing.TB, dsn string, stmts ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := admin(ctx, dsn, stmts...); err != nil {
		t.Fatalf("pgtest: exec %q: %v", strings.Join(stmts, "; "), err)
	}
}
