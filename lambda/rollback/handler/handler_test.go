package handler

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	dms "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/acme-payments/xpaymentplatform/lambda/internal/awstest"
	"github.com/acme-payments/xpaymentplatform/lambda/testsupport/awsfake"
)

const (
	taskArn  = "arn:aws:dms:us-east-1:123456789012:task:payments-cdc"
	topicArn = "arn:aws:sns:us-east-1:123456789012:payment-migration"
)

type fakes struct {
	cw  *awsfake.CloudWatch
	dms *awsfake.DMS
	sns *awsfake.SNS
}

func newFakes(t *testing.T, taskStatus string) *fakes {
	f := &fakes{cw: awsfake.NewCloudWatch(), dms: awsfake.NewDMS(map[string]string{taskArn: taskStatus}), sns: awsfake.NewSNS()}
	t.Cleanup(func() { f.cw.Close(); f.dms.Close(); f.sns.Close() })
	return f
}

func (f *fakes) handler(t *testing.T, mod func(*Config)) *Handler {
	cfg := awstest.Config()
	c := Config{
		CloudWatch:         cloudwatch.NewFromConfig(cfg, func(o *cloudwatch.Options) { o.BaseEndpoint = aws.String(f.cw.URL) }),
		DMS:                dms.NewFromConfig(cfg, func(o *dms.Options) { o.BaseEndpoint = aws.String(f.dms.URL) }),
		SNS:                sns.NewFromConfig(cfg, func(o *sns.Options) { o.BaseEndpoint = aws.String(f.sns.URL) }),
		ReplicationTaskArn: taskArn,
		TopicArn:           topicArn,
		CallTimeout:        2 * time.Second,
		Logger:             slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if mod != nil {
		mod(&c)
	}
	h, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func ops(calls []awsfake.Call) []string {
	var out []string
	for _, c := range calls {
		out = append(out, c.Operation)
	}
	return out
}

func TestRollback(t *testing.T) {
	tests := []struct {
		name       string
		taskStatus string
		req        Request
		mod        func(*Config)
		setup      func(*fakes)
		wantErr    string
		wantBadReq bool
		check      func(t *testing.T, f *fakes, res *Result)
	}{
		{
			name: "metric and notification", taskStatus: "running",
			req: Request{Reason: "error rate above 2% after cutover"},
			check: func(t *testing.T, f *fakes, res *Result) {
				d := f.cw.Datums()
				if len(d) != 1 || d[0].Namespace != "PaymentMigration" || d[0].Name != "RollbackRequested" || d[0].Value != 1 || d[0].Unit != "Count" || len(d[0].Dimensions) != 0 {
					t.Errorf("metric = %+v", d)
				}
				if res.Replication != ReplicationNotRequested || len(f.dms.Calls()) != 0 || f.dms.Status(taskArn) != "running" {
					t.Errorf("replication touched: %+v %v", res, ops(f.dms.Calls()))
				}
				calls := f.sns.Calls()
				if len(calls) != 1 || calls[0].Params["TopicArn"] != topicArn || !strings.Contains(calls[0].Params["Message"].(string), "error rate above 2% after cutover") {
					t.Errorf("sns = %+v", calls)
				}
				if !res.Notified || res.NotificationMessageID == "" || !res.MetricPublished || !res.RollbackRequested {
					t.Errorf("result = %+v", res)
				}
			},
		},
		{
			name: "stops a running task", taskStatus: "running",
			req: Request{Reason: "rollback", StopReplication: true},
			check: func(t *testing.T, f *fakes, res *Result) {
				if res.Replication != ReplicationStopped || res.ReplicationTaskStatus != "stopping" || f.dms.Status(taskArn) != "stopping" {
					t.Errorf("result = %+v, task %s", res, f.dms.Status(taskArn))
				}
				if got := strings.Join(ops(f.dms.Calls()), ","); got != "DescribeReplicationTasks,StopReplicationTask" {
					t.Errorf("dms calls = %s", got)
				}
			},
		},
		{
			name: "already stopped task is left alone", taskStatus: "stopped",
			req: Request{Reason: "rollback", StopReplication: true},
			check: func(t *testing.T, f *fakes, res *Result) {
				if res.Replication != ReplicationAlreadyStopped || res.ReplicationTaskStatus != "stopped" {
					t.Errorf("result = %+v", res)
				}
				if got := strings.Join(ops(f.dms.Calls()), ","); got != "DescribeReplicationTasks" {
					t.Errorf("dms calls = %s", got)
				}
			},
		},
		{
			name: "a task stopped in between counts as stopped", taskStatus: "running",
			req: Request{Reason: "rollback", StopReplication: true},
			setup: func(f *fakes) {
				f.dms.Fail("StopReplicationTask", &awsfake.Fault{Status: 400, Code: "InvalidResourceStateFault", Message: "not running"})
			},
			// The fake's task stays "running" for Describe, so the race
			// cannot be confirmed: the call must fail clearly.
			wantErr: "dms StopReplicationTask: InvalidResourceStateFault: not running",
		},
		{name: "empty reason", taskStatus: "running", req: Request{Reason: " \n\t"}, wantBadReq: true, wantErr: "reason is required"},
		{name: "reason too long", taskStatus: "running", req: Request{Reason: strings.Repeat("x", MaxReasonLength+1)}, wantBadReq: true, wantErr: "longer than"},
		{
			name: "stop without a configured task", taskStatus: "running", req: Request{Reason: "r", StopReplication: true},
			mod: func(c *Config) { c.ReplicationTaskArn = "" }, wantBadReq: true, wantErr: "no DMS task is configured",
		},
		{
			name: "metric failure is an error but humans are told", taskStatus: "running",
			req: Request{Reason: "rollback"},
			setup: func(f *fakes) {
				f.cw.Fail("PutMetricData", &awsfake.Fault{Status: 500, Code: "InternalServiceError", Message: "boom"})
			},
			wantErr: "cloudwatch PutMetricData PaymentMigration/RollbackRequested: InternalServiceError: boom",
			check: func(t *testing.T, f *fakes, res *Result) {
				calls := f.sns.Calls()
				if len(calls) != 1 || !strings.Contains(calls[0].Params["Subject"].(string), "FAILED") {
					t.Errorf("sns = %+v", calls)
				}
				if res.MetricPublished || res.RollbackRequested {
					t.Errorf("result = %+v", res)
				}
			},
		},
		{
			name: "a hanging CloudWatch times out", taskStatus: "running",
			req:     Request{Reason: "rollback"},
			mod:     func(c *Config) { c.CallTimeout = 300 * time.Millisecond },
			setup:   func(f *fakes) { f.cw.Fail("PutMetricData", &awsfake.Fault{Delay: 2 * time.Second}) },
			wantErr: "cloudwatch PutMetricData PaymentMigration/RollbackRequested: no answer within 300ms",
		},
		{
			name: "unknown task", taskStatus: "running", req: Request{Reason: "r", StopReplication: true},
			mod:     func(c *Config) { c.ReplicationTaskArn = taskArn + "-other" },
			wantErr: "dms DescribeReplicationTasks: ResourceNotFoundFault",
		},
		{
			name: "sns failure", taskStatus: "running", req: Request{Reason: "r"},
			setup: func(f *fakes) {
				f.sns.Fail("Publish", &awsfake.Fault{Status: 404, Code: "NotFound", Message: "Topic does not exist"})
			},
			wantErr: "sns Publish: NotFound: Topic does not exist",
			check: func(t *testing.T, f *fakes, res *Result) {
				if !res.MetricPublished || res.Notified {
					t.Errorf("result = %+v", res)
				}
			},
		},
		{
			name: "dimensions are passed", taskStatus: "running", req: Request{Reason: "r"},
			mod: func(c *Config) { c.Dimensions = map[string]string{"Platform": "payments-prod"}; c.TopicArn = "" },
			check: func(t *testing.T, f *fakes, res *Result) {
				d := f.cw.Datums()
				if len(d) != 1 || d[0].Dimensions["Platform"] != "payments-prod" || len(f.sns.Calls()) != 0 {
					t.Errorf("metric = %+v, sns %v", d, f.sns.Calls())
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakes(t, tc.taskStatus)
			if tc.setup != nil {
				tc.setup(f)
			}
			h := f.handler(t, tc.mod)
			res, err := h.Handle(context.Background(), tc.req)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				if errors.Is(err, ErrBadRequest) != tc.wantBadReq {
					t.Fatalf("ErrBadRequest = %v, want %v", errors.Is(err, ErrBadRequest), tc.wantBadReq)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if tc.check != nil {
				tc.check(t, f, res)
			}
		})
	}
}

func TestRollbackIsIdempotent(t *testing.T) {
	f := newFakes(t, "running")
	h := f.handler(t, nil)
	for i := 0; i < 3; i++ {
		res, err := h.Handle(context.Background(), Request{Reason: "rollback", StopReplication: true})
		if err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
		want := ReplicationStopped
		if i > 0 {
			want = ReplicationAlreadyStopped
		}
		if res.Replication != want || !res.MetricPublished {
			t.Fatalf("call %d: %+v", i+1, res)
		}
	}
	if n := len(f.cw.Datums()); n != 3 {
		t.Fatalf("metric published %d times, want 3", n)
	}
	if got := strings.Count(strings.Join(ops(f.dms.Calls()), ","), "StopReplicationTask"); got != 1 {
		t.Fatalf("StopReplicationTask called %d times, want 1", got)
	}
}

func TestNewRejectsIncompleteConfig(t *testing.T) {
	cw := cloudwatch.NewFromConfig(awstest.Config())
	tests := []struct {
		name string
		cfg  Config
	}{
		{"no cloudwatch", Config{}},
		{"task without dms client", Config{CloudWatch: cw, ReplicationTaskArn: taskArn}},
		{"topic without sns client", Config{CloudWatch: cw, TopicArn: topicArn}},
	}
	for _, tc := range tests {
		if _, err := New(tc.cfg); err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
}
