// Package handler is the rollback Lambda: it asks for traffic to go back to
// the on-premises payment system without touching any Crossplane-managed
// resource.
//
// It publishes RollbackRequested=1 (namespace PaymentMigration) with
// PutMetricData: the cutover guard alarm watches that metric, and its
// Route53 health check fails over to the old system. Optionally it stops the
// DMS replication task, and it notifies an SNS topic of what it did. It is
// idempotent: a second call publishes the same metric, finds the task
// already stopped, and notifies again.
package handler

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode"

	"github.com/acme-payments/xpaymentplatform/internal/contract"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	dms "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	dmstypes "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/smithy-go"
)

// Metric published to request the rollback.
const (
	Namespace  = contract.MetricNamespace
	MetricName = contract.MetricRollbackRequested
)

// Replication outcomes.
const (
	ReplicationNotRequested   = "not_requested"
	ReplicationStopped        = "stop_requested"
	ReplicationAlreadyStopped = "already_stopped"
)

// Request is the Lambda's input.
type Request struct {
	Reason          string `json:"reason"`
	StopReplication bool   `json:"stopReplication"`
}

// Result is what the Lambda did.
type Result struct {
	RollbackRequested     bool     `json:"rollbackRequested"`
	MetricPublished       bool     `json:"metricPublished"`
	Replication           string   `json:"replication"`
	ReplicationTaskStatus string   `json:"replicationTaskStatus,omitempty"`
	Notified              bool     `json:"notified"`
	NotificationMessageID string   `json:"notificationMessageId,omitempty"`
	Actions               []string `json:"actions"`
	Errors                []string `json:"errors,omitempty"`
}

// CloudWatchAPI, DMSAPI and SNSAPI are the client methods used.
type CloudWatchAPI interface {
	PutMetricData(ctx context.Context, in *cloudwatch.PutMetricDataInput, optFns ...func(*cloudwatch.Options)) (*cloudwatch.PutMetricDataOutput, error)
}

type DMSAPI interface {
	DescribeReplicationTasks(ctx context.Context, in *dms.DescribeReplicationTasksInput, optFns ...func(*dms.Options)) (*dms.DescribeReplicationTasksOutput, error)
	StopReplicationTask(ctx context.Context, in *dms.StopReplicationTaskInput, optFns ...func(*dms.Options)) (*dms.StopReplicationTaskOutput, error)
}

type SNSAPI interface {
	Publish(ctx context.Context, in *sns.PublishInput, optFns ...func(*sns.Options)) (*sns.PublishOutput, error)
}

// Config configures a Handler.
type Config struct {
	CloudWatch CloudWatchAPI
	DMS        DMSAPI
	SNS        SNSAPI
	// ReplicationTaskArn is the DMS task stopped on request.
	ReplicationTaskArn string
	// TopicArn receives the notification; empty disables it.
	TopicArn string
	// Dimensions of the metric; empty publishes it without dimensions,
	// which is what the cutover guard alarm watches by default.
	Dimensions map[string]string
	// CallTimeout bounds every AWS call (default 5s).
	CallTimeout time.Duration
	Logger      *slog.Logger
	Now         func() time.Time
}

// Handler runs rollbacks.
type Handler struct{ cfg Config }

// New checks cfg.
func New(cfg Config) (*Handler, error) {
	if cfg.CloudWatch == nil {
		return nil, errors.New("rollback: a CloudWatch client is required")
	}
	if cfg.ReplicationTaskArn != "" && cfg.DMS == nil {
		return nil, errors.New("rollback: a DMS client is required with a replication task")
	}
	if cfg.TopicArn != "" && cfg.SNS == nil {
		return nil, errors.New("rollback: an SNS client is required with a topic")
	}
	if len(cfg.Dimensions) > 30 {
		return nil, errors.New("rollback: at most 30 metric dimensions")
	}
	if cfg.CallTimeout <= 0 {
		cfg.CallTimeout = 5 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Handler{cfg: cfg}, nil
}

// ErrBadRequest wraps input errors.
var ErrBadRequest = errors.New("bad request")

// MaxReasonLength bounds the reason.
const MaxReasonLength = 1000

func cleanReason(s string) (string, error) {
	s = strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s))
	if s == "" {
		return "", fmt.Errorf("%w: reason is required", ErrBadRequest)
	}
	if len(s) > MaxReasonLength {
		return "", fmt.Errorf("%w: reason is longer than %d bytes", ErrBadRequest, MaxReasonLength)
	}
	return s, nil
}

// call runs fn with the per-call timeout and turns its failure into a clear
// error naming the call.
func (h *Handler) call(ctx context.Context, what string, fn func(ctx context.Context) error) error {
	cctx, cancel := context.WithTimeout(ctx, h.cfg.CallTimeout)
	defer cancel()
	err := fn(cctx)
	if err == nil {
		return nil
	}
	if errors.Is(cctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
		return fmt.Errorf("%s: no answer within %s", what, h.cfg.CallTimeout)
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return fmt.Errorf("%s: %s: %s", what, apiErr.ErrorCode(), apiErr.ErrorMessage())
	}
	return fmt.Errorf("%s: %w", what, err)
}

// Handle performs the rollback. It returns an error (with the Result of
// what was done) when any requested action failed.
func (h *Handler) Handle(ctx context.Context, req Request) (*Result, error) {
	reason, err := cleanReason(req.Reason)
	if err != nil {
		return nil, err
	}
	if req.StopReplication && h.cfg.ReplicationTaskArn == "" {
		return nil, fmt.Errorf("%w: stopReplication requested but no DMS task is configured (DMS_REPLICATION_TASK_ARN)", ErrBadRequest)
	}
	res := &Result{Replication: ReplicationNotRequested, Actions: []string{}}
	now := h.cfg.Now().UTC()
	log := h.cfg.Logger

	// 1. The metric the cutover guard alarm watches.
	var dims []cwtypes.Dimension
	for k, v := range h.cfg.Dimensions {
		dims = append(dims, cwtypes.Dimension{Name: aws.String(k), Value: aws.String(v)})
	}
	err = h.call(ctx, "cloudwatch PutMetricData "+Namespace+"/"+MetricName, func(ctx context.Context) error {
		_, err := h.cfg.CloudWatch.PutMetricData(ctx, &cloudwatch.PutMetricDataInput{
			Namespace: aws.String(Namespace),
			MetricData: []cwtypes.MetricDatum{{
				MetricName: aws.String(MetricName),
				Value:      aws.Float64(1),
				Unit:       cwtypes.StandardUnitCount,
				Timestamp:  aws.Time(now),
				Dimensions: dims,
			}},
		})
		return err
	})
	if err != nil {
		res.Errors = append(res.Errors, err.Error())
		log.Error("rollback metric not published", "error", err.Error())
	} else {
		res.MetricPublished, res.RollbackRequested = true, true
		res.Actions = append(res.Actions, "published "+Namespace+"/"+MetricName+"=1")
		log.Info("rollback metric published")
	}

	// 2. Replication.
	if req.StopReplication {
		status, outcome, err := h.stopReplication(ctx)
		res.ReplicationTaskStatus = status
		if err != nil {
			res.Replication = "error"
			res.Errors = append(res.Errors, err.Error())
			log.Error("replication not stopped", "error", err.Error())
		} else {
			res.Replication = outcome
			res.Actions = append(res.Actions, "replication task "+outcome+" (status "+status+")")
			log.Info("replication", "outcome", outcome, "status", status)
		}
	}

	// 3. Notification, including what failed.
	if h.cfg.TopicArn != "" {
		id, err := h.notify(ctx, reason, now, res)
		if err != nil {
			res.Errors = append(res.Errors, err.Error())
			log.Error("notification not sent", "error", err.Error())
		} else {
			res.Notified, res.NotificationMessageID = true, id
			res.Actions = append(res.Actions, "notified "+h.cfg.TopicArn)
		}
	}
	if len(res.Errors) > 0 {
		return res, fmt.Errorf("rollback incomplete: %s (done: %s)", strings.Join(res.Errors, "; "), strings.Join(res.Actions, "; "))
	}
	return res, nil
}

var runningStates = map[string]bool{"running": true, "starting": true, "resuming": true}

func (h *Handler) describeTask(ctx context.Context) (string, error) {
	var status string
	err := h.call(ctx, "dms DescribeReplicationTasks", func(ctx context.Context) error {
		out, err := h.cfg.DMS.DescribeReplicationTasks(ctx, &dms.DescribeReplicationTasksInput{
			Filters:         []dmstypes.Filter{{Name: aws.String("replication-task-arn"), Values: []string{h.cfg.ReplicationTaskArn}}},
			WithoutSettings: aws.Bool(true),
		})
		if err != nil {
			return err
		}
		if len(out.ReplicationTasks) != 1 || out.ReplicationTasks[0].Status == nil {
			return fmt.Errorf("task %s not found", h.cfg.ReplicationTaskArn)
		}
		status = aws.ToString(out.ReplicationTasks[0].Status)
		return nil
	})
	return status, err
}

func (h *Handler) stopReplication(ctx context.Context) (status, outcome string, err error) {
	status, err = h.describeTask(ctx)
	if err != nil {
		return "", "", err
	}
	if !runningStates[status] {
		return status, ReplicationAlreadyStopped, nil
	}
	err = h.call(ctx, "dms StopReplicationTask", func(ctx context.Context) error {
		out, err := h.cfg.DMS.StopReplicationTask(ctx, &dms.StopReplicationTaskInput{ReplicationTaskArn: aws.String(h.cfg.ReplicationTaskArn)})
		if err == nil && out.ReplicationTask != nil {
			status = aws.ToString(out.ReplicationTask.Status)
		}
		return err
	})
	var invalid *dmstypes.InvalidResourceStateFault
	if errors.As(err, &invalid) || (err != nil && strings.Contains(err.Error(), "InvalidResourceStateFault")) {
		// Stopped by someone else in between: the goal is reached.
		if st, derr := h.describeTask(ctx); derr == nil && !runningStates[st] {
			return st, ReplicationAlreadyStopped, nil
		}
	}
	if err != nil {
		return status, "", err
	}
	return status, ReplicationStopped, nil
}

type notification struct {
	Event       string   `json:"event"`
	Reason      string   `json:"reason"`
	RequestedAt string   `json:"requestedAt"`
	Actions     []string `json:"actions"`
	Errors      []string `json:"errors,omitempty"`
}

func (h *Handler) notify(ctx context.Context, reason string, now time.Time, res *Result) (string, error) {
	body, _ := json.MarshalIndent(notification{
		Event: "PaymentPlatformRollbackRequested", Reason: reason, RequestedAt: now.Format(time.RFC3339),
		Actions: res.Actions, Errors: res.Errors,
	}, "", "  ")
	subject := "Payment platform rollback requested"
	if !res.MetricPublished {
		subject = "Payment platform rollback FAILED to publish its metric"
	}
	in := &sns.PublishInput{TopicArn: aws.String(h.cfg.TopicArn), Subject: aws.String(subject), Message: aws.String(string(body))}
	if strings.HasSuffix(h.cfg.TopicArn, ".fifo") {
		// Retries of the same rollback within the hour collapse into one.
		sum := sha256.Sum256([]byte(reason + "|" + now.Truncate(time.Hour).Format(time.RFC3339)))
		in.MessageGroupId = aws.String("rollback")
		in.MessageDeduplicationId = aws.String(hex.EncodeToString(sum[:16]))
	}
	var id string
	err := h.call(ctx, "sns Publish", func(ctx context.Context) error {
		out, err := h.cfg.SNS.Publish(ctx, in)
		if err == nil {
			id = aws.ToString(out.MessageId)
		}
		return err
	})
	return id, err
}
