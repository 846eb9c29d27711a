// Command dmsuser is the rotation function of the DMS user's Secrets
// Manager secret (provided.al2023, built as "bootstrap"): the first rotation
// of the empty secret creates AWS DMS's own Aurora PostgreSQL user and the
// secret's first value, every later one changes the password. See package
// rotation.
//
// Input: Secrets Manager's {"SecretId", "ClientRequestToken", "Step"}.
//
// Environment:
//
//	MASTER_SECRET_ARN    the cluster's RDS-managed master secret (the Data API runs as it)
//	TARGET_CLUSTER_ARN   the Aurora cluster (Data API resourceArn)
//	TARGET_DATABASE      the database: the secret's dbname, granted to the user
//	DB_HOST              the cluster endpoint: the secret's host
//	DB_PORT              the secret's port (default 5432)
//	DMS_USERNAME         the user created (default dms_migration)
//	DB_SSLMODE           sslmode of testSecret's login (default require)
//	PASSWORD_LENGTH      length of generated passwords (default 32, 16 to 128)
//	AWS_CALL_TIMEOUT     per-call timeout (Go duration, default 20s)
//	LOG_LEVEL            debug, info (default), warn, error
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/rdsdata"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/acme-payments/xpaymentplatform/internal/contract"
	"github.com/acme-payments/xpaymentplatform/lambda/dmsuser/rotation"
	"github.com/acme-payments/xpaymentplatform/lambda/internal/awsenv"
)

func main() {
	r, err := build(context.Background(), os.Getenv)
	if err != nil {
		// Every invocation fails with the configuration error, which the
		// rotation's failure then shows.
		lambda.Start(func(context.Context, json.RawMessage) error { return err })
		return
	}
	lambda.Start(func(ctx context.Context, raw json.RawMessage) error {
		ev, err := decode(raw)
		if err != nil {
			return err
		}
		return r.Handle(ctx, ev)
	})
}

func decode(raw json.RawMessage) (rotation.Event, error) {
	var ev rotation.Event
	if err := json.Unmarshal(raw, &ev); err != nil || len(raw) == 0 || raw[0] != '{' {
		return ev, fmt.Errorf("%w: the input is not a rotation event {\"SecretId\",\"ClientRequestToken\",\"Step\"}", rotation.ErrRefused)
	}
	return ev, nil
}

// config reads the environment (no AWS clients).
func config(getenv func(string) string) (rotation.Config, error) {
	env := func(k string) string { return strings.TrimSpace(getenv(k)) }
	var level slog.Level
	if err := level.UnmarshalText([]byte(env("LOG_LEVEL"))); err != nil {
		level = slog.LevelInfo
	}
	cfg := rotation.Config{
		ClusterARN:      env(contract.EnvTargetClusterARN),
		MasterSecretARN: env(contract.EnvMasterSecretARN),
		Database:        env(contract.EnvTargetDatabase),
		Host:            env(contract.EnvDBHost),
		Username:        env(contract.EnvDMSUsername),
		SSLMode:         env(contract.EnvDBSSLMode),
		Logger:          slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level})),
	}
	if cfg.Username == "" {
		cfg.Username = contract.DMSUsernameDefault
	}
	var errs []error
	intEnv := func(k string, dst *int) {
		if v := env(k); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s must be a number", k))
				return
			}
			*dst = n
		}
	}
	intEnv(contract.EnvDBPort, &cfg.Port)
	intEnv(contract.EnvPasswordLength, &cfg.PasswordLength)
	if v := env("AWS_CALL_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			errs = append(errs, errors.New("AWS_CALL_TIMEOUT must be a positive duration such as 20s"))
		}
		cfg.CallTimeout = d
	}
	return cfg, errors.Join(errs...)
}

func build(ctx context.Context, getenv func(string) string) (*rotation.Rotator, error) {
	cfg, err := config(getenv)
	if err != nil {
		return nil, fmt.Errorf("dmsuser: %w", err)
	}
	timeout := cfg.CallTimeout
	if timeout <= 0 {
		timeout = 20 * time.Second
	}
	awsCfg, err := awsenv.Load(ctx, timeout+time.Second)
	if err != nil {
		return nil, err
	}
	cfg.Secrets = secretsmanager.NewFromConfig(awsCfg)
	cfg.DataAPI = rdsdata.NewFromConfig(awsCfg)
	return rotation.New(cfg)
}
