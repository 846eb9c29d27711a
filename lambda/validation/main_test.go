package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/acme-payments/xpaymentplatform/lambda/internal/emf"
	"github.com/acme-payments/xpaymentplatform/lambda/validation/validator"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestNewAppChecksTheEnvironment(t *testing.T) {
	full := map[string]string{
		"SOURCE_SECRET_ARN": "arn:src", "VALIDATION_HMAC_SECRET_ARN": "arn:hmac",
		"TARGET_CLUSTER_ARN": "arn:cluster", "TARGET_SECRET_ARN": "arn:tgt", "TARGET_DATABASE": "payments",
	}
	without := func(k string) map[string]string {
		m := map[string]string{}
		for kk, v := range full {
			if kk != k {
				m[kk] = v
			}
		}
		return m
	}
	with := func(kv ...string) map[string]string {
		m := without("")
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name    string
		env     map[string]string
		wantErr string
	}{
		{"complete data-api", full, ""},
		{"no source", without("SOURCE_SECRET_ARN"), "SOURCE_DSN or SOURCE_SECRET_ARN"},
		{"no hmac", without("VALIDATION_HMAC_SECRET_ARN"), "VALIDATION_HMAC_KEY"},
		{"no cluster", without("TARGET_CLUSTER_ARN"), "TARGET_CLUSTER_ARN is required"},
		{"pgx target", with("TARGET_BACKEND", "pgx"), ""},
		{"pgx without credentials", func() map[string]string {
			m := with("TARGET_BACKEND", "pgx")
			delete(m, "TARGET_SECRET_ARN")
			return m
		}(), "TARGET_DSN or TARGET_SECRET_ARN"},
		{"unknown backend", with("TARGET_BACKEND", "mysql"), "TARGET_BACKEND must be"},
		{"bad tunable", with("VALIDATION_CHUNK_ROWS", "many"), "VALIDATION_CHUNK_ROWS"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := newApp(envOf(tc.env), slog.New(slog.NewTextHandler(io.Discard, nil)), emf.NewWriter(io.Discard))
			if tc.wantErr == "" && err != nil {
				t.Fatal(err)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("error = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

func TestDecodeRequest(t *testing.T) {
	tests := []struct {
		in      string
		wantErr string
		want    validator.Request
	}{
		{`{"action":"validate","checkType":"post_migration","tables":["payments"]}`, "",
			validator.Request{Action: "validate", CheckType: "post_migration", Tables: []string{"payments"}}},
		{`{"check_type":"post_migration"}`, "", validator.Request{LegacyCheckType: "post_migration"}},
		{`{"checkType":"continuous","unknown":1}`, "", validator.Request{CheckType: "continuous"}},
		{``, "empty input", validator.Request{}},
		{`null`, "empty input", validator.Request{}},
		{`[1,2]`, "must be", validator.Request{}},
		{`{"tables":"payments"}`, `field "tables" must be`, validator.Request{}},
		{`{"checkType":`, "not a JSON object", validator.Request{}},
	}
	for _, tc := range tests {
		got, err := decodeRequest(json.RawMessage(tc.in))
		if tc.wantErr != "" {
			if err == nil || !errors.Is(err, validator.ErrBadRequest) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: error = %v, want %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got.CheckType != tc.want.CheckType || got.LegacyCheckType != tc.want.LegacyCheckType || len(got.Tables) != len(tc.want.Tables) {
			t.Errorf("%s: got %+v, %v", tc.in, got, err)
		}
	}
}

func TestHandleReportsUnreachableDatabases(t *testing.T) {
	var metrics bytes.Buffer
	a, err := newApp(envOf(map[string]string{
		"SOURCE_DSN":          "postgres://u:secret-password@127.0.0.1:1/db?sslmode=disable&connect_timeout=2",
		"VALIDATION_HMAC_KEY": "0123456789abcdef0123",
		"TARGET_BACKEND":      "pgx",
		"TARGET_DSN":          "postgres://u:p@127.0.0.1:1/db?sslmode=disable",
		"METRIC_DIMENSIONS":   "EnvironmentSuffix=prod",
	}), slog.New(slog.NewTextHandler(io.Discard, nil)), emf.NewWriter(&metrics))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := a.handle(context.Background(), json.RawMessage(`{"checkType":"post_migration","step":50,"resumeToken":""}`))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Success || resp.Error == "" || !strings.Contains(resp.Error, "source") || strings.Contains(resp.Error, "secret-password") {
		t.Fatalf("resp = %+v", resp)
	}
	// The step asked about goes back with the verdict, failed or not: the
	// function takes a result only for the step it gates.
	if resp.Step == nil || *resp.Step != 50 || resp.CheckType != "post_migration" {
		t.Fatalf("resp echoes step %v, check %q; want 50, post_migration", resp.Step, resp.CheckType)
	}
	if !strings.Contains(metrics.String(), `"ValidationFailed":1`) {
		t.Fatalf("no ValidationFailed metric: %s", metrics.String())
	}
	// The platform's alarm watches {EnvironmentSuffix}: that set is published.
	if !strings.Contains(metrics.String(), `"Dimensions":[["EnvironmentSuffix"]]`) || !strings.Contains(metrics.String(), `"EnvironmentSuffix":"prod"`) ||
		strings.Count(metrics.String(), `[[],`) != 1 {
		t.Fatalf("no EnvironmentSuffix dimension set: %s", metrics.String())
	}
	if _, err := a.handle(context.Background(), json.RawMessage(`{"checkType":"sideways"}`)); err != nil {
		t.Fatalf("an unreachable database gives a failed response, not a function error; got %v", err)
	}
}
