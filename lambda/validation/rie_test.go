package main

import (
	"encoding/json"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/acme-payments/xpaymentplatform/lambda/internal/dataapitest"
	"github.com/acme-payments/xpaymentplatform/lambda/internal/paymentsdb"
	"github.com/acme-payments/xpaymentplatform/lambda/internal/pgtest"
	"github.com/acme-payments/xpaymentplatform/lambda/internal/privacy"
	"github.com/acme-payments/xpaymentplatform/lambda/internal/rietest"
	"github.com/acme-payments/xpaymentplatform/lambda/testsupport/awsfake"
	"github.com/acme-payments/xpaymentplatform/lambda/validation/validator"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Cleanup()
	os.Exit(code)
}

const (
	clusterArn = "arn:aws:rds:us-east-1:123456789012:cluster:payments-target"
	tgtSecret  = "arn:aws:secretsmanager:us-east-1:123456789012:secret:target-db"
	srcSecret  = "arn:aws:secretsmanager:us-east-1:123456789012:secret:source-db"
	hmacSecret = "arn:aws:secretsmanager:us-east-1:123456789012:secret:validation-hmac"
	hmacKey    = "rie-test-hmac-key-0123456789abcdef"
)

// validationEnv wires the bootstrap to the test PostgreSQL (source, read with
// credentials from the Secrets Manager fake) and to the Data API endpoint
// (target), both through the SDK's endpoint-override variables.
func validationEnv(t *testing.T, srcDSN, tgtDSN string) map[string]string {
	t.Helper()
	su, _ := url.Parse(srcDSN)
	pass, _ := su.User.Password()
	srcJSON, _ := json.Marshal(map[string]any{
		"username": su.User.Username(), "password": pass, "host": su.Hostname(), "port": su.Port(),
		"dbname": strings.TrimPrefix(su.Path, "/"), "sslmode": "disable",
	})
	sm := awsfake.NewSecretsManager(map[string]string{
		srcSecret:  string(srcJSON),
		hmacSecret: `{"hmacKey":"` + hmacKey + `"}`,
	})
	t.Cleanup(sm.Close)
	api, err := dataapitest.Start(dataapitest.Config{BaseDSN: pgtest.Require(t), ClusterArn: clusterArn, SecretArn: tgtSecret})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(api.Close)
	tu, _ := url.Parse(tgtDSN)
	return map[string]string{
		"AWS_REGION":                       "us-east-1",
		"AWS_ACCESS_KEY_ID":                "AKIDTEST",
		"AWS_SECRET_ACCESS_KEY":            "test-secret-key",
		"AWS_ENDPOINT_URL_SECRETS_MANAGER": sm.URL,
		"AWS_ENDPOINT_URL_RDS_DATA":        api.URL,
		"SOURCE_SECRET_ARN":                srcSecret,
		"VALIDATION_HMAC_SECRET_ARN":       hmacSecret,
		"TARGET_CLUSTER_ARN":               clusterArn,
		"TARGET_SECRET_ARN":                tgtSecret,
		"TARGET_DATABASE":                  strings.TrimPrefix(tu.Path, "/"),
		"VALIDATION_CHUNK_ROWS":            "8000",
		"VALIDATION_DOWNLOAD_THRESHOLD":    "500",
		"LOG_LEVEL":                        "debug",
	}
}

func expectedDifferences(t *testing.T) []validator.Difference {
	k, err := privacy.NewKeyer([]byte(hmacKey))
	if err != nil {
		t.Fatal(err)
	}
	var out []validator.Difference
	for _, f := range paymentsdb.StandardFaults() {
		out = append(out, validator.Difference{Table: f.Table, KeyMAC: k.RowKey(f.Table, f.Key), Kind: f.Kind})
	}
	validator.SortDifferences(out)
	return out
}

func seededWithFaults(t *testing.T) (string, string) {
	srcDSN, tgtDSN := pgtest.SeededPair(t, paymentsdb.StandardSizes)
	var stmts []string
	for _, f := range paymentsdb.StandardFaults() {
		stmts = append(stmts, f.SQL)
	}
	pgtest.Exec(t, tgtDSN, stmts...)
	return srcDSN, tgtDSN
}

func decodeResponse(t *testing.T, status int, body []byte) *validator.Response {
	t.Helper()
	if status != 200 {
		t.Fatalf("status %d: %s", status, body)
	}
	if fe, ok := rietest.AsError(body); ok {
		t.Fatalf("function error: %s", fe)
	}
	var r validator.Response
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatalf("answer is not a Response: %v: %s", err, body)
	}
	return &r
}

func TestValidationLambdaUnderRIE(t *testing.T) {
	pgtest.Require(t)
	rietest.Require(t)
	bootstrap := rietest.BuildBootstrap(t, "github.com/acme-payments/xpaymentplatform/lambda/validation")
	srcDSN, tgtDSN := seededWithFaults(t)

	t.Run("finds the faults, privately", func(t *testing.T) {
		env := validationEnv(t, srcDSN, tgtDSN)
		emu := rietest.Start(t, bootstrap, env)
		for _, payload := range []string{
			`{"action":"validate","checkType":"post_migration","step":50,"tables":["payments","transactions","customers","audit_log"]}`,
			`{"check_type":"post_migration"}`,
		} {
			status, body := emu.Invoke(t, payload, 2*time.Minute)
			resp := decodeResponse(t, status, body)
			if strings.Contains(payload, `"step"`) && (resp.Step == nil || *resp.Step != 50) {
				t.Fatalf("%s: the step is not echoed: %+v", payload, resp.Step)
			}
			if resp.Success || !resp.Complete || resp.Mismatches != 8 || resp.RowsCompared != paymentsdb.StandardRows+2 {
				t.Fatalf("%s: %+v", payload, resp)
			}
			got := slices.Clone(resp.Differences)
			validator.SortDifferences(got)
			if want := expectedDifferences(t); !slices.Equal(got, want) {
				t.Fatalf("differences:\n got %v\nwant %v", got, want)
			}
			if leaks := paymentsdb.Leaks(string(body)); len(leaks) > 0 {
				t.Errorf("answer contains %q", leaks)
			}
		}
		out := emu.Output()
		if leaks := paymentsdb.Leaks(out, hmacKey, "postgres:postgres"); len(leaks) > 0 {
			t.Errorf("logs contain %q", leaks)
		}
		recs := rietest.EMFRecords(out)
		if len(recs) != 2 {
			t.Fatalf("want 2 EMF records, got %d:\n%s", len(recs), out)
		}
		for _, r := range recs {
			cw := r["_aws"].(map[string]any)["CloudWatchMetrics"].([]any)[0].(map[string]any)
			if cw["Namespace"] != "PaymentMigration" || r["Mismatches"].(float64) != 8 || r["ValidationFailed"].(float64) != 1 ||
				r["RowsCompared"].(float64) != paymentsdb.StandardRows+2 || r["DurationMs"] == nil || r["CheckType"] != "post_migration" {
				t.Errorf("EMF record = %v", r)
			}
		}
	})

	t.Run("resumes across invocations before the deadline", func(t *testing.T) {
		env := validationEnv(t, srcDSN, tgtDSN)
		env["AWS_LAMBDA_FUNCTION_TIMEOUT"] = "1"
		env["VALIDATION_CHUNK_ROWS"] = "50"
		emu := rietest.Start(t, bootstrap, env)
		payload := map[string]any{"action": "validate", "checkType": "post_migration"}
		var resp *validator.Response
		calls := 0
		for calls < 100 {
			calls++
			status, body := emu.Invoke(t, payload, time.Minute)
			resp = decodeResponse(t, status, body)
			if resp.Complete {
				break
			}
			if resp.Success || resp.ResumeToken == "" || resp.Error != "" {
				t.Fatalf("call %d: incomplete run must carry a token and no success: %+v", calls, resp)
			}
			payload = map[string]any{"action": "validate", "resumeToken": resp.ResumeToken}
		}
		if calls < 2 {
			t.Fatalf("a 1s timeout should need several invocations, got %d", calls)
		}
		t.Logf("%d invocations", calls)
		got := slices.Clone(resp.Differences)
		validator.SortDifferences(got)
		if want := expectedDifferences(t); !slices.Equal(got, want) || resp.Success || resp.Invocations != calls {
			t.Fatalf("after %d calls: %+v", calls, resp)
		}
		var rows, mism float64
		for _, r := range rietest.EMFRecords(emu.Output()) {
			rows += r["RowsCompared"].(float64)
			mism += r["Mismatches"].(float64)
		}
		if rows != paymentsdb.StandardRows+2 || mism != 8 {
			t.Errorf("EMF sums: RowsCompared %v, Mismatches %v", rows, mism)
		}
	})

	t.Run("bad input is a function error", func(t *testing.T) {
		emu := rietest.Start(t, bootstrap, validationEnv(t, srcDSN, tgtDSN))
		for _, payload := range []string{`{"checkType":"sideways"}`, `{"tables":"payments"}`, `{"checkType":"post_migration","tables":["x;drop"]}`} {
			status, body := emu.Invoke(t, payload, time.Minute)
			fe, ok := rietest.AsError(body)
			if status != 200 || !ok || !strings.Contains(fe.Message, "bad request") {
				t.Errorf("%s: status %d, answer %s", payload, status, body)
			}
		}
	})
}
