package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/acme-payments/xpaymentplatform/lambda/dmsuser/rotation"
	"github.com/acme-payments/xpaymentplatform/lambda/internal/dataapitest"
	"github.com/acme-payments/xpaymentplatform/lambda/internal/pgtest"
	"github.com/acme-payments/xpaymentplatform/lambda/internal/rietest"
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

func baseEnv() map[string]string {
	return map[string]string{
		"MASTER_SECRET_ARN":  masterARN,
		"TARGET_CLUSTER_ARN": clusterARN,
		"TARGET_DATABASE":    "payments",
		"DB_HOST":            "payments.cluster-abc.us-east-1.rds.amazonaws.com",
		"DB_PORT":            "5432",
	}
}

// check runs config and rotation.New (the AWS clients aside) on env.
func check(env map[string]string) error {
	cfg, err := config(func(k string) string { return env[k] })
	if err != nil {
		return err
	}
	cfg.Secrets, cfg.DataAPI = nopSecrets{}, nopData{}
	_, err = rotation.New(cfg)
	return err
}

type nopSecrets struct{ rotation.SecretsAPI }
type nopData struct{ rotation.DataAPI }

func TestConfig(t *testing.T) {
	cfg, err := config(func(k string) string { return baseEnv()[k] })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Username != "dms_migration" || cfg.Port != 5432 || cfg.Host != baseEnv()["DB_HOST"] || cfg.Database != "payments" {
		t.Errorf("config %+v", cfg)
	}
	if err := check(baseEnv()); err != nil {
		t.Errorf("valid environment refused: %v", err)
	}
	for _, tc := range []struct {
		key, value, want string
	}{
		{"DMS_USERNAME", `dms"; DROP ROLE postgres; --`, "DMS_USERNAME"},
		{"DMS_USERNAME", `x' OR '1'='1`, "DMS_USERNAME"},
		{"DMS_USERNAME", "Robert", "DMS_USERNAME"},
		{"DMS_USERNAME", "rds_superuser", "reserved"},
		{"DMS_USERNAME", "postgres", "reserved"},
		{"TARGET_DATABASE", "", "TARGET_DATABASE"},
		{"TARGET_CLUSTER_ARN", "payments", "TARGET_CLUSTER_ARN"},
		{"MASTER_SECRET_ARN", "", "MASTER_SECRET_ARN"},
		{"DB_HOST", "", "DB_HOST"},
		{"DB_HOST", "host name", "DB_HOST"},
		{"DB_PORT", "54x", "DB_PORT"},
		{"DB_PORT", "70000", "DB_PORT"},
		{"DB_SSLMODE", "sometimes", "DB_SSLMODE"},
		{"PASSWORD_LENGTH", "8", "PASSWORD_LENGTH"},
		{"PASSWORD_LENGTH", "many", "PASSWORD_LENGTH"},
		{"AWS_CALL_TIMEOUT", "soon", "AWS_CALL_TIMEOUT"},
	} {
		env := baseEnv()
		env[tc.key] = tc.value
		if err := check(env); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s=%q: error = %v, want %q", tc.key, tc.value, err, tc.want)
		}
	}
	env := baseEnv()
	env["DB_SSLMODE"], env["PASSWORD_LENGTH"], env["DMS_USERNAME"] = "verify-full", "64", "dms_payments"
	if err := check(env); err != nil {
		t.Errorf("overrides refused: %v", err)
	}
}

func TestDecode(t *testing.T) {
	ev, err := decode(json.RawMessage(`{"SecretId":"s","ClientRequestToken":"t","Step":"createSecret","RotationToken":"r"}`))
	if err != nil || ev.SecretID != "s" || ev.ClientRequestToken != "t" || ev.Step != "createSecret" {
		t.Errorf("decode = %+v, %v", ev, err)
	}
	for _, bad := range []string{``, `null`, `[]`, `"x"`, `{"Step":5}`} {
		if _, err := decode(json.RawMessage(bad)); !errors.Is(err, rotation.ErrRefused) {
			t.Errorf("%s: error = %v", bad, err)
		}
	}
}

// TestRotationUnderRIE runs the bootstrap under the Runtime Interface
// Emulator through two rotations, as Secrets Manager invokes it: Secrets
// Manager and the Data API are local fakes, the database is the test
// PostgreSQL.
func TestRotationUnderRIE(t *testing.T) {
	base := pgtest.Require(t)
	rietest.Require(t)
	bootstrap := rietest.BuildBootstrap(t, "github.com/acme-payments/xpaymentplatform/lambda/dmsuser")

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	// Aurora's rds_superuser, which plain PostgreSQL lacks.
	if _, err := admin.Exec(ctx, `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'rds_superuser')
		THEN CREATE ROLE rds_superuser NOLOGIN; END IF; END $$`); err != nil {
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "42710" && pgErr.Code != "23505" {
			t.Fatal(err)
		}
	}
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	user := "dms_rie_" + hex.EncodeToString(b)
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), base)
		if err == nil {
			_, _ = c.Exec(context.Background(), "DROP ROLE IF EXISTS "+user)
			_ = c.Close(context.Background())
		}
	})
	dsn := pgtest.NewDatabase(t, "dmsrie", "")
	u, _ := url.Parse(dsn)

	sm := awsfake.NewRotatingSecret(secretARN)
	defer sm.Close()
	api, err := dataapitest.Start(dataapitest.Config{BaseDSN: base, ClusterArn: clusterARN, SecretArn: masterARN})
	if err != nil {
		t.Fatal(err)
	}
	defer api.Close()
	env := map[string]string{
		"AWS_REGION":                       "us-east-1",
		"AWS_ACCESS_KEY_ID":                "AKIDTEST",
		"AWS_SECRET_ACCESS_KEY":            "test-secret-key",
		"AWS_ENDPOINT_URL_SECRETS_MANAGER": sm.URL,
		"AWS_ENDPOINT_URL_RDS_DATA":        api.URL,
		"MASTER_SECRET_ARN":                masterARN,
		"TARGET_CLUSTER_ARN":               clusterARN,
		"TARGET_DATABASE":                  strings.TrimPrefix(u.Path, "/"),
		"DB_HOST":                          u.Hostname(),
		"DB_PORT":                          u.Port(),
		"DMS_USERNAME":                     user,
		"DB_SSLMODE":                       "disable",
		"AWS_CALL_TIMEOUT":                 "5s",
		"LOG_LEVEL":                        "debug",
	}
	emu := rietest.Start(t, bootstrap, env)
	invoke := func(e *rietest.Emulator, step, token string) *rietest.FunctionError {
		t.Helper()
		status, body := e.Invoke(t, map[string]string{"SecretId": secretARN, "ClientRequestToken": token, "Step": step}, time.Minute)
		if status != 200 {
			t.Fatalf("status %d: %s", status, body)
		}
		if fe, ok := rietest.AsError(body); ok {
			return &fe
		}
		if strings.TrimSpace(string(body)) != "null" {
			t.Fatalf("answer %s", body)
		}
		return nil
	}
	var passwords []string
	for i, tok := range []string{"11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"} {
		if err := sm.StartRotation(tok); err != nil {
			t.Fatal(err)
		}
		for _, step := range []string{"createSecret", "setSecret", "testSecret", "finishSecret"} {
			if fe := invoke(emu, step, tok); fe != nil {
				t.Fatalf("rotation %d %s: %s", i+1, step, fe)
			}
		}
		raw, id, _ := sm.Value("AWSCURRENT")
		var v map[string]any
		if err := json.Unmarshal([]byte(raw), &v); err != nil || id != tok || v["username"] != user {
			t.Fatalf("rotation %d: current %s %v", i+1, id, err)
		}
		passwords = append(passwords, v["password"].(string))
	}
	login := func(pw string) error {
		lu := *u
		lu.User = url.UserPassword(user, pw)
		c, err := pgx.Connect(ctx, lu.String())
		if err == nil {
			_ = c.Close(ctx)
		}
		return err
	}
	if err := login(passwords[1]); err != nil {
		t.Errorf("the current password does not log in: %v", err)
	}
	if err := login(passwords[0]); err == nil {
		t.Error("the first password still logs in")
	}
	out := emu.Output()
	for _, pw := range passwords {
		if strings.Contains(out, pw) {
			t.Error("the function's output holds a password")
		}
	}
	if !strings.Contains(out, `"msg":"setSecret: role created"`) || !strings.Contains(out, `"msg":"setSecret: password changed"`) {
		t.Errorf("logs do not tell what happened:\n%s", out)
	}

	// A bad configuration fails every invocation, before any call.
	env["DMS_USERNAME"] = `dms"; DROP ROLE postgres; --`
	bad := rietest.Start(t, bootstrap, env)
	calls := len(sm.Calls())
	if fe := invoke(bad, "createSecret", "33333333-3333-4333-8333-333333333333"); fe == nil || !strings.Contains(fe.Message, "DMS_USERNAME") {
		t.Errorf("bad DMS_USERNAME: %v", fe)
	}
	if len(sm.Calls()) != calls {
		t.Errorf("a misconfigured function called Secrets Manager (%d calls)", len(sm.Calls())-calls)
	}
}
