// Command rollback is the payment migration's rollback Lambda
// (provided.al2023, built as "bootstrap"). See package handler.
//
// Input: {"reason": "...", "stopReplication": bool}.
//
// Environment:
//
//	DMS_REPLICATION_TASK_ARN   task stopped when stopReplication is true
//	SNS_TOPIC_ARN              topic notified (optional)
//	METRIC_DIMENSIONS          optional "Name=Value,..." dimensions of RollbackRequested
//	AWS_CALL_TIMEOUT           per-call timeout (Go duration, default 5s)
//	LOG_LEVEL                  debug, info (default), warn, error
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/acme-payments/xpaymentplatform/internal/contract"
	"github.com/acme-payments/xpaymentplatform/lambda/internal/emf"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	dms "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/acme-payments/xpaymentplatform/lambda/internal/awsenv"
	"github.com/acme-payments/xpaymentplatform/lambda/rollback/handler"
)

func main() {
	h, err := build(context.Background(), os.Getenv)
	if err != nil {
		lambda.Start(func(context.Context, json.RawMessage) (*handler.Result, error) { return nil, err })
		return
	}
	lambda.Start(func(ctx context.Context, raw json.RawMessage) (*handler.Result, error) {
		req, err := decode(raw)
		if err != nil {
			return nil, err
		}
		return h.Handle(ctx, req)
	})
}

func decode(raw json.RawMessage) (handler.Request, error) {
	var req handler.Request
	if len(raw) == 0 || string(raw) == "null" {
		return req, fmt.Errorf("%w: empty input", handler.ErrBadRequest)
	}
	if err := json.Unmarshal(raw, &req); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return req, fmt.Errorf("%w: field %q must be %s", handler.ErrBadRequest, te.Field, te.Type.String())
		}
		return req, fmt.Errorf("%w: input is not a JSON object", handler.ErrBadRequest)
	}
	return req, nil
}

// parseDimensions reads METRIC_DIMENSIONS, "Name=Value,Name2=Value2".
func parseDimensions(s string) (map[string]string, error) { return emf.ParseDimensions(s) }

func build(ctx context.Context, getenv func(string) string) (*handler.Handler, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(strings.TrimSpace(getenv("LOG_LEVEL")))); err != nil {
		level = slog.LevelInfo
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	timeout := 5 * time.Second
	if v := strings.TrimSpace(getenv("AWS_CALL_TIMEOUT")); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return nil, errors.New("AWS_CALL_TIMEOUT must be a positive duration such as 5s")
		}
		timeout = d
	}
	dims, err := parseDimensions(getenv(contract.EnvMetricDimensions))
	if err != nil {
		return nil, err
	}
	cfg, err := awsenv.Load(ctx, timeout+time.Second)
	if err != nil {
		return nil, err
	}
	return handler.New(handler.Config{
		CloudWatch:         cloudwatch.NewFromConfig(cfg),
		DMS:                dms.NewFromConfig(cfg),
		SNS:                sns.NewFromConfig(cfg),
		ReplicationTaskArn: strings.TrimSpace(getenv(contract.EnvDMSReplicationTaskARN)),
		TopicArn:           strings.TrimSpace(getenv(contract.EnvSNSTopicARN)),
		Dimensions:         dims,
		CallTimeout:        timeout,
		Logger:             log,
	})
}
