// Command validation is the payment migration's validation Lambda
// (provided.al2023, built as "bootstrap").
//
// Input: {"action":"validate","checkType":"pre_migration|post_migration|continuous","step":10,"tables":[...]}
// (step, optional, is echoed in the result)
// (or the runbook's {"check_type": ...}), and {"resumeToken": "..."} to
// continue a run that stopped before its deadline. See package validator.
//
// Environment:
//
//	SOURCE_DSN | SOURCE_SECRET_ARN       on-premises PostgreSQL (pgx); the secret is RDS-style JSON
//	TARGET_BACKEND                       data-api (default) or pgx
//	TARGET_CLUSTER_ARN, TARGET_SECRET_ARN, TARGET_DATABASE   for data-api
//	TARGET_DSN | TARGET_SECRET_ARN       for pgx
//	VALIDATION_HMAC_KEY | VALIDATION_HMAC_SECRET_ARN         secret of the key digests
//	VALIDATION_*                         tunables, see validator.ConfigFromEnv
//	LOG_LEVEL                            debug, info (default), warn, error
//
// Metrics go to stdout in CloudWatch Embedded Metric Format (namespace
// PaymentMigration: RowsCompared, Mismatches, ValidationFailed, DurationMs);
// logs go to stderr as JSON. Neither ever carries row values or keys.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/acme-payments/xpaymentplatform/internal/contract"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/rdsdata"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/acme-payments/xpaymentplatform/lambda/internal/awsenv"
	"github.com/acme-payments/xpaymentplatform/lambda/internal/emf"
	"github.com/acme-payments/xpaymentplatform/lambda/internal/privacy"
	"github.com/acme-payments/xpaymentplatform/lambda/validation/backend"
	"github.com/acme-payments/xpaymentplatform/lambda/validation/validator"
)

func main() {
	a, err := newApp(os.Getenv, newLogger(os.Getenv("LOG_LEVEL")), emf.NewWriter(os.Stdout))
	if err != nil {
		// Answer every invocation with the configuration error rather than
		// crash-looping the runtime.
		lambda.Start(func(context.Context, json.RawMessage) (*validator.Response, error) { return nil, err })
		return
	}
	lambda.Start(a.handle)
}

func newLogger(level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.TrimSpace(level))); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}

type app struct {
	getenv  func(string) string
	log     *slog.Logger
	metrics *emf.Writer
	vcfg    validator.Config

	mu        sync.Mutex
	ready     bool
	keyer     *privacy.Keyer
	sourceDSN string
	targetDSN string
	rds       *rdsdata.Client
}

// newApp reads and checks the environment; it makes no network call.
func newApp(getenv func(string) string, log *slog.Logger, metrics *emf.Writer) (*app, error) {
	vcfg, err := validator.ConfigFromEnv(getenv)
	if err != nil {
		return nil, fmt.Errorf("configuration: %w", err)
	}
	var problems []string
	if getenv(contract.EnvSourceDSN) == "" && getenv(contract.EnvSourceSecretARN) == "" {
		problems = append(problems, "SOURCE_DSN or SOURCE_SECRET_ARN is required")
	}
	if getenv(contract.EnvValidationHMACKey) == "" && getenv(contract.EnvValidationHMACSecretARN) == "" {
		problems = append(problems, "VALIDATION_HMAC_KEY or VALIDATION_HMAC_SECRET_ARN is required")
	}
	switch targetKind(getenv) {
	case "data-api":
		for _, k := range []string{contract.EnvTargetClusterARN, contract.EnvTargetSecretARN, contract.EnvTargetDatabase} {
			if getenv(k) == "" {
				problems = append(problems, k+" is required with TARGET_BACKEND=data-api")
			}
		}
	case "pgx":
		if getenv(contract.EnvTargetDSN) == "" && getenv(contract.EnvTargetSecretARN) == "" {
			problems = append(problems, "TARGET_DSN or TARGET_SECRET_ARN is required with TARGET_BACKEND=pgx")
		}
	default:
		problems = append(problems, "TARGET_BACKEND must be data-api or pgx")
	}
	if len(problems) > 0 {
		return nil, errors.New("configuration: " + strings.Join(problems, "; "))
	}
	vcfg.Logger = log
	return &app{getenv: getenv, log: log, metrics: metrics, vcfg: vcfg}, nil
}

func targetKind(getenv func(string) string) string {
	k := strings.ToLower(strings.TrimSpace(getenv(contract.EnvTargetBackend)))
	if k == "" {
		return "data-api"
	}
	return k
}

// load fetches secrets and builds clients on first use; a failure is
// retried by the next invocation.
func (a *app) load(ctx context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.ready {
		return nil
	}
	needAWS := a.getenv(contract.EnvSourceDSN) == "" || a.getenv(contract.EnvValidationHMACKey) == "" || targetKind(a.getenv) == "data-api" ||
		a.getenv(contract.EnvTargetDSN) == ""
	var sm *secretsmanager.Client
	if needAWS {
		cfg, err := awsenv.Load(ctx, 60*time.Second)
		if err != nil {
			return err
		}
		sm = secretsmanager.NewFromConfig(cfg)
		if targetKind(a.getenv) == "data-api" {
			a.rds = rdsdata.NewFromConfig(cfg)
		}
	}
	secret := func(direct, arnVar string) (string, error) {
		if v := a.getenv(direct); v != "" {
			return v, nil
		}
		return awsenv.SecretString(ctx, sm, a.getenv(arnVar), 10*time.Second)
	}
	hmacSecret, err := secret(contract.EnvValidationHMACKey, contract.EnvValidationHMACSecretARN)
	if err != nil {
		return err
	}
	raw, err := privacy.ParseSecret(hmacSecret)
	if err != nil {
		return err
	}
	if a.keyer, err = privacy.NewKeyer(raw); err != nil {
		return err
	}
	dsn := func(direct, arnVar string) (string, error) {
		if v := a.getenv(direct); v != "" {
			return v, nil
		}
		s, err := awsenv.SecretString(ctx, sm, a.getenv(arnVar), 10*time.Second)
		if err != nil {
			return "", err
		}
		return awsenv.PostgresDSN(s)
	}
	if a.sourceDSN, err = dsn(contract.EnvSourceDSN, contract.EnvSourceSecretARN); err != nil {
		return fmt.Errorf("source credentials: %w", err)
	}
	if targetKind(a.getenv) == "pgx" {
		if a.targetDSN, err = dsn(contract.EnvTargetDSN, contract.EnvTargetSecretARN); err != nil {
			return fmt.Errorf("target credentials: %w", err)
		}
	}
	a.vcfg.Keyer = a.keyer
	a.ready = true
	return nil
}

func (a *app) open(ctx context.Context) (src, tgt backend.Backend, err error) {
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	opts := backend.PGXOptions{ApplicationName: "payment-validation", ConnectTimeout: 10 * time.Second}
	s, err := backend.OpenPGX(cctx, a.sourceDSN, opts)
	if err != nil {
		return nil, nil, fmt.Errorf("source: %w", err)
	}
	if targetKind(a.getenv) == "pgx" {
		t, err := backend.OpenPGX(cctx, a.targetDSN, opts)
		if err != nil {
			_ = s.Close(ctx)
			return nil, nil, fmt.Errorf("target: %w", err)
		}
		return s, t, nil
	}
	t, err := backend.NewDataAPI(a.rds, backend.DataAPIOptions{
		ClusterArn: a.getenv(contract.EnvTargetClusterARN), SecretArn: a.getenv(contract.EnvTargetSecretARN), Database: a.getenv(contract.EnvTargetDatabase),
	})
	if err != nil {
		_ = s.Close(ctx)
		return nil, nil, err
	}
	return s, t, nil
}

func decodeRequest(raw json.RawMessage) (validator.Request, error) {
	var req validator.Request
	if len(raw) == 0 || string(raw) == "null" {
		return req, fmt.Errorf("%w: empty input", validator.ErrBadRequest)
	}
	if err := json.Unmarshal(raw, &req); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return req, fmt.Errorf("%w: field %q must be %s", validator.ErrBadRequest, te.Field, te.Type.String())
		}
		return req, fmt.Errorf("%w: input is not a JSON object", validator.ErrBadRequest)
	}
	return req, nil
}

func (a *app) handle(ctx context.Context, raw json.RawMessage) (*validator.Response, error) {
	start := time.Now()
	req, err := decodeRequest(raw)
	if err != nil {
		a.emit("invalid", validator.Metrics{Failed: true, Duration: time.Since(start)}, false)
		return nil, err
	}
	fail := func(ct string, err error) (*validator.Response, error) {
		a.log.Error("validation could not run", "error", err.Error())
		a.emit(ct, validator.Metrics{Failed: true, Duration: time.Since(start)}, false)
		return &validator.Response{CheckType: ct, Step: req.Step, Checks: []validator.Check{}, Error: err.Error(), ResumeToken: req.ResumeToken}, nil
	}
	ct := req.CheckType
	if ct == "" {
		ct = req.LegacyCheckType
	}
	if err := a.load(ctx); err != nil {
		return fail(ct, err)
	}
	src, tgt, err := a.open(ctx)
	if err != nil {
		return fail(ct, err)
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = src.Close(cctx)
		_ = tgt.Close(cctx)
	}()
	v, err := validator.New(a.vcfg, src, tgt)
	if err != nil {
		return fail(ct, err)
	}
	resp, m, err := v.Run(ctx, req)
	if err != nil {
		a.emit(ct, m, false)
		return nil, err
	}
	a.emit(resp.CheckType, m, resp.Complete)
	// The step the caller asked about goes back with the verdict: the
	// function accepts a result only for the step it gates.
	resp.Step = req.Step
	return resp, nil
}

func (a *app) emit(checkType string, m validator.Metrics, complete bool) {
	failed := 0.0
	if m.Failed {
		failed = 1
	}
	if checkType == "" {
		checkType = "unknown"
	}
	metrics := []emf.Metric{
		{Name: "RowsCompared", Unit: emf.UnitCount, Value: float64(m.RowsCompared)},
		{Name: "Mismatches", Unit: emf.UnitCount, Value: float64(m.Mismatches)},
		{Name: "ValidationFailed", Unit: emf.UnitCount, Value: failed},
		{Name: "DurationMs", Unit: emf.UnitMilliseconds, Value: float64(m.Duration.Milliseconds())},
	}
	records := []emf.Record{{
		Namespace:  emf.Namespace,
		Dimensions: map[string]string{"CheckType": checkType},
		Metrics:    metrics,
		Properties: map[string]any{"function": "validation", "complete": complete},
	}}
	// The platform's alarms and dashboard watch its own dimension set
	// (METRIC_DIMENSIONS, e.g. EnvironmentSuffix=prod).
	if dims, err := emf.ParseDimensions(a.getenv(contract.EnvMetricDimensions)); err != nil {
		a.log.Error("metric dimensions ignored", "error", err.Error())
	} else if len(dims) > 0 {
		records = append(records, emf.Record{Namespace: emf.Namespace, Dimensions: dims, Metrics: metrics, DimensionedOnly: true,
			Properties: map[string]any{"function": "validation", "complete": complete}})
	}
	for _, r := range records {
		if err := a.metrics.Write(r); err != nil {
			a.log.Error("metrics not written", "error", err.Error())
		}
	}
}
