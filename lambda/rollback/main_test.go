package main

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/acme-payments/xpaymentplatform/lambda/internal/rietest"
	"github.com/acme-payments/xpaymentplatform/lambda/rollback/handler"
	"github.com/acme-payments/xpaymentplatform/lambda/testsupport/awsfake"
)

func TestParseDimensions(t *testing.T) {
	tests := []struct {
		in      string
		want    map[string]string
		wantErr bool
	}{
		{"", map[string]string{}, false},
		{"Platform=prod", map[string]string{"Platform": "prod"}, false},
		{" A = 1 , B=2,", map[string]string{"A": "1", "B": "2"}, false},
		{"A", nil, true},
		{"=x", nil, true},
		{"A=", nil, true},
	}
	for _, tc := range tests {
		got, err := parseDimensions(tc.in)
		if (err != nil) != tc.wantErr {
			t.Errorf("%q: error %v", tc.in, err)
			continue
		}
		if len(got) != len(tc.want) {
			t.Errorf("%q: got %v", tc.in, got)
		}
		for k, v := range tc.want {
			if got[k] != v {
				t.Errorf("%q: got %v", tc.in, got)
			}
		}
	}
}

func TestDecode(t *testing.T) {
	for _, tc := range []struct {
		in      string
		wantErr string
	}{
		{`{"reason":"r","stopReplication":true}`, ""},
		{`{"reason":5}`, `field "reason" must be string`},
		{`{"stopReplication":"yes"}`, `field "stopReplication" must be bool`},
		{`nope`, "not a JSON object"},
		{``, "empty input"},
	} {
		_, err := decode(json.RawMessage(tc.in))
		if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr) || !errors.Is(err, handler.ErrBadRequest)) {
			t.Errorf("%s: error = %v, want %q", tc.in, err, tc.wantErr)
		}
	}
}

const (
	taskArn  = "arn:aws:dms:us-east-1:123456789012:task:payments-cdc"
	topicArn = "arn:aws:sns:us-east-1:123456789012:payment-migration"
)

func TestRollbackLambdaUnderRIE(t *testing.T) {
	rietest.Require(t)
	bootstrap := rietest.BuildBootstrap(t, "github.com/acme-payments/xpaymentplatform/lambda/rollback")
	cw, dms, sns := awsfake.NewCloudWatch(), awsfake.NewDMS(map[string]string{taskArn: "running"}), awsfake.NewSNS()
	defer cw.Close()
	defer dms.Close()
	defer sns.Close()
	env := map[string]string{
		"AWS_REGION":                                  "us-east-1",
		"AWS_ACCESS_KEY_ID":                           "AKIDTEST",
		"AWS_SECRET_ACCESS_KEY":                       "test-secret-key",
		"AWS_ENDPOINT_URL_CLOUDWATCH":                 cw.URL,
		"AWS_ENDPOINT_URL_DATABASE_MIGRATION_SERVICE": dms.URL,
		"AWS_ENDPOINT_URL_SNS":                        sns.URL,
		"DMS_REPLICATION_TASK_ARN":                    taskArn,
		"SNS_TOPIC_ARN":                               topicArn,
		"AWS_CALL_TIMEOUT":                            "2s",
	}
	emu := rietest.Start(t, bootstrap, env)

	invoke := func(payload string) (*handler.Result, *rietest.FunctionError) {
		status, body := emu.Invoke(t, payload, time.Minute)
		if status != 200 {
			t.Fatalf("status %d: %s", status, body)
		}
		if fe, ok := rietest.AsError(body); ok {
			return nil, &fe
		}
		var r handler.Result
		if err := json.Unmarshal(body, &r); err != nil {
			t.Fatalf("answer: %v: %s", err, body)
		}
		return &r, nil
	}

	res, fe := invoke(`{"reason":"p99 latency breach after cutover","stopReplication":true}`)
	if fe != nil {
		t.Fatalf("function error: %s", fe)
	}
	if !res.RollbackRequested || res.Replication != handler.ReplicationStopped || !res.Notified || dms.Status(taskArn) != "stopping" {
		t.Fatalf("first call: %+v", res)
	}
	d := cw.Datums()
	if len(d) != 1 || d[0].Namespace != "PaymentMigration" || d[0].Name != "RollbackRequested" || d[0].Value != 1 {
		t.Fatalf("metrics: %+v", d)
	}
	if c := sns.Calls(); len(c) != 1 || !strings.Contains(c[0].Params["Message"].(string), "p99 latency breach after cutover") {
		t.Fatalf("sns: %+v", c)
	}

	res, fe = invoke(`{"reason":"p99 latency breach after cutover","stopReplication":true}`)
	if fe != nil || res.Replication != handler.ReplicationAlreadyStopped || len(cw.Datums()) != 2 {
		t.Fatalf("second call must be a harmless repeat: %+v %v", res, fe)
	}

	for _, bad := range []string{`{"reason":""}`, `{"reason":5}`, `[]`} {
		if _, fe := invoke(bad); fe == nil || !strings.Contains(fe.Message, "bad request") {
			t.Errorf("%s: want a bad request error, got %v", bad, fe)
		}
	}

	cw.Fail("PutMetricData", &awsfake.Fault{Status: 500, Code: "InternalServiceError", Message: "unavailable"})
	if _, fe := invoke(`{"reason":"again"}`); fe == nil || !strings.Contains(fe.Message, "cloudwatch PutMetricData PaymentMigration/RollbackRequested: InternalServiceError") {
		t.Errorf("a CloudWatch outage must fail the invocation clearly, got %v", fe)
	}
}
