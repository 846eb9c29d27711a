// Package awsenv loads the AWS configuration of the Lambdas and reads
// secrets, with bounded timeouts and errors that say what failed.
//
// Endpoints can be overridden with the SDK's standard variables
// (AWS_ENDPOINT_URL, or per service AWS_ENDPOINT_URL_RDS_DATA,
// AWS_ENDPOINT_URL_SECRETS_MANAGER, AWS_ENDPOINT_URL_CLOUDWATCH,
// AWS_ENDPOINT_URL_SNS, AWS_ENDPOINT_URL_DATABASE_MIGRATION_SERVICE,
// AWS_ENDPOINT_URL_S3); the tests point them at local fakes.
package awsenv

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"
)

// Load returns the default configuration (region and credentials from the
// Lambda environment) with at most 3 attempts per call and an HTTP timeout.
func Load(ctx context.Context, httpTimeout time.Duration) (aws.Config, error) {
	if httpTimeout <= 0 {
		httpTimeout = 60 * time.Second
	}
	cfg, err := config.LoadDefaultConfig(ctx,
		config.WithRetryMaxAttempts(3),
		config.WithHTTPClient(awshttp.NewBuildableClient().WithTimeout(httpTimeout)),
	)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS configuration: %w", err)
	}
	return cfg, nil
}

// SecretsAPI is the Secrets Manager call used.
type SecretsAPI interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// SecretString fetches a secret's string value within timeout.
func SecretString(ctx context.Context, c SecretsAPI, id string, timeout time.Duration) (string, error) {
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	out, err := c.GetSecretValue(cctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(id)})
	if err != nil {
		if errors.Is(cctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
			return "", fmt.Errorf("secretsmanager GetSecretValue %s: no answer within %s", id, timeout)
		}
		var apiErr smithy.APIError
		if errors.As(err, &apiErr) {
			return "", fmt.Errorf("secretsmanager GetSecretValue %s: %s: %s", id, apiErr.ErrorCode(), apiErr.ErrorMessage())
		}
		return "", fmt.Errorf("secretsmanager GetSecretValue %s: %w", id, err)
	}
	if out.SecretString == nil {
		return "", fmt.Errorf("secretsmanager GetSecretValue %s: the secret has no string value", id)
	}
	return *out.SecretString, nil
}

// PostgresDSN builds a connection URL from an RDS-style secret:
// {"username", "password", "host", "port", "dbname"} ("database" is
// accepted for dbname, and "sslmode" defaults to "require").
func PostgresDSN(secret string) (string, error) {
	var s map[string]any
	if err := json.Unmarshal([]byte(secret), &s); err != nil {
		return "", errors.New("database secret is not a JSON object")
	}
	str := func(k string) string {
		switch v := s[k].(type) {
		case string:
			return v
		case float64:
			return strconv.FormatFloat(v, 'f', -1, 64)
		}
		return ""
	}
	user, pass, host := str("username"), str("password"), str("host")
	if user == "" || host == "" {
		return "", errors.New("database secret needs at least username and host")
	}
	port := str("port")
	if port == "" {
		port = "5432"
	}
	if _, err := strconv.Atoi(port); err != nil {
		return "", errors.New("database secret has a non-numeric port")
	}
	db := str("dbname")
	if db == "" {
		db = str("database")
	}
	if db == "" {
		db = "postgres"
	}
	sslmode := str("sslmode")
	if sslmode == "" {
		sslmode = "require"
	}
	switch sslmode {
	case "disable", "allow", "prefer", "require", "verify-ca", "verify-full":
	default:
		return "", errors.New("database secret has an unknown sslmode")
	}
	u := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(user, pass),
		Host:     net.JoinHostPort(strings.Trim(host, "[]"), port),
		Path:     "/" + db,
		RawQuery: url.Values{"sslmode": {sslmode}}.Encode(),
	}
	return u.String(), nil
}
