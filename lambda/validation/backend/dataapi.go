package backend

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rdsdata"
	"github.com/aws/aws-sdk-go-v2/service/rdsdata/types"
	"github.com/aws/smithy-go"
)

// DataAPIClient is the part of the rdsdata client the backend uses.
type DataAPIClient interface {
	ExecuteStatement(ctx context.Context, in *rdsdata.ExecuteStatementInput, optFns ...func(*rdsdata.Options)) (*rdsdata.ExecuteStatementOutput, error)
}

// DataAPI is a Backend over the RDS Data API (ExecuteStatement).
type DataAPI struct {
	client      DataAPIClient
	resourceArn string
	secretArn   string
	database    string
	callTimeout time.Duration
	// resumeWait is the first wait when an auto-paused cluster is resuming.
	resumeWait time.Duration
}

// DataAPIOptions configure NewDataAPI.
type DataAPIOptions struct {
	ClusterArn string
	SecretArn  string
	Database   string
	// CallTimeout bounds one ExecuteStatement call. Zero means 50s: the Data
	// API itself gives up on a statement after 45s.
	CallTimeout time.Duration
}

// NewDataAPI returns a Backend that sends statements through client.
func NewDataAPI(client DataAPIClient, o DataAPIOptions) (*DataAPI, error) {
	switch {
	case client == nil:
		return nil, errors.New("rds data api: no client")
	case o.ClusterArn == "":
		return nil, errors.New("rds data api: cluster ARN is required")
	case o.SecretArn == "":
		return nil, errors.New("rds data api: secret ARN is required")
	case o.Database == "":
		return nil, errors.New("rds data api: database name is required")
	}
	if o.CallTimeout <= 0 {
		o.CallTimeout = 50 * time.Second
	}
	return &DataAPI{
		client:      client,
		resourceArn: o.ClusterArn,
		secretArn:   o.SecretArn,
		database:    o.Database,
		callTimeout: o.CallTimeout,
		resumeWait:  2 * time.Second,
	}, nil
}

// Kind implements Backend.
func (d *DataAPI) Kind() string { return "rds-data-api" }

// Close implements Backend. The Data API is connectionless.
func (d *DataAPI) Close(context.Context) error { return nil }

var positional = regexp.MustCompile(`\$([0-9]+)`)

// ToNamedParameters rewrites PostgreSQL positional placeholders ($1) to the
// Data API's named form (:p1). The validator's SQL never contains a '$'
// anywhere else: identifiers are checked against [A-Za-z0-9_].
func ToNamedParameters(sql string) string {
	return positional.ReplaceAllString(sql, ":p$1")
}

// Query implements Backend.
func (d *DataAPI) Query(ctx context.Context, sql string, args ...any) ([][]any, error) {
	params := make([]types.SqlParameter, 0, len(args))
	for i, a := range args {
		p := types.SqlParameter{Name: aws.String("p" + strconv.Itoa(i+1))}
		switch v := a.(type) {
		case nil:
			p.Value = &types.FieldMemberIsNull{Value: true}
		case string:
			p.Value = &types.FieldMemberStringValue{Value: v}
		case int64:
			p.Value = &types.FieldMemberLongValue{Value: v}
		case int:
			p.Value = &types.FieldMemberLongValue{Value: int64(v)}
		case bool:
			p.Value = &types.FieldMemberBooleanValue{Value: v}
		case float64:
			p.Value = &types.FieldMemberDoubleValue{Value: v}
		default:
			return nil, fmt.Errorf("rds data api: unsupported argument type %T", a)
		}
		params = append(params, p)
	}
	in := &rdsdata.ExecuteStatementInput{
		ResourceArn: aws.String(d.resourceArn),
		SecretArn:   aws.String(d.secretArn),
		Database:    aws.String(d.database),
		Sql:         aws.String(ToNamedParameters(sql)),
		Parameters:  params,
	}
	wait := d.resumeWait
	for attempt := 0; ; attempt++ {
		out, err := d.execute(ctx, in)
		if err == nil {
			return convertRecords(out.Records)
		}
		var resuming *types.DatabaseResumingException
		if errors.As(err, &resuming) && attempt < 8 {
			// An auto-paused Aurora cluster is waking up: wait and retry.
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil, fmt.Errorf("rds data api: waiting for the database to resume: %w", ctx.Err())
			case <-t.C:
			}
			wait *= 2
			continue
		}
		return nil, d.mapError(ctx, err)
	}
}

func (d *DataAPI) execute(ctx context.Context, in *rdsdata.ExecuteStatementInput) (*rdsdata.ExecuteStatementOutput, error) {
	cctx, cancel := context.WithTimeout(ctx, d.callTimeout)
	defer cancel()
	return d.client.ExecuteStatement(cctx, in)
}

func (d *DataAPI) mapError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("rds data api: query interrupted: %w", ctx.Err())
	}
	var (
		bad       *types.BadRequestException
		timeout   *types.StatementTimeoutException
		unavail   *types.DatabaseUnavailableException
		notFound  *types.DatabaseNotFoundException
		forbidden *types.ForbiddenException
		apiErr    smithy.APIError
	)
	switch {
	case errors.As(err, &timeout):
		return fmt.Errorf("rds data api: %w: %s", ErrStatementTimeout, timeout.ErrorMessage())
	case errors.As(err, &bad):
		msg := bad.ErrorMessage()
		if strings.Contains(strings.ToLower(msg), "response size") {
			return fmt.Errorf("rds data api: %w: %s", ErrResponseTooLarge, msg)
		}
		return fmt.Errorf("rds data api: bad request: %s", msg)
	case errors.As(err, &unavail):
		return fmt.Errorf("rds data api: %w: database unavailable: %s", ErrConnection, unavail.ErrorMessage())
	case errors.As(err, &notFound):
		return fmt.Errorf("rds data api: database not found: %s", notFound.ErrorMessage())
	case errors.As(err, &forbidden):
		return fmt.Errorf("rds data api: access denied: %s", forbidden.ErrorMessage())
	case errors.As(err, &apiErr):
		return fmt.Errorf("rds data api: %s: %s", apiErr.ErrorCode(), apiErr.ErrorMessage())
	}
	var deadline interface{ Timeout() bool }
	if errors.As(err, &deadline) && deadline.Timeout() {
		return fmt.Errorf("rds data api: %w: call timed out after %s", ErrConnection, d.callTimeout)
	}
	return fmt.Errorf("rds data api: %w: %v", ErrConnection, err)
}

func convertRecords(records [][]types.Field) ([][]any, error) {
	out := make([][]any, len(records))
	for i, rec := range records {
		row := make([]any, len(rec))
		for j, f := range rec {
			switch v := f.(type) {
			case *types.FieldMemberIsNull:
				row[j] = nil
			case *types.FieldMemberLongValue:
				row[j] = v.Value
			case *types.FieldMemberStringValue:
				row[j] = v.Value
			case *types.FieldMemberDoubleValue:
				row[j] = v.Value
			case *types.FieldMemberBooleanValue:
				row[j] = v.Value
			case *types.FieldMemberBlobValue:
				row[j] = v.Value
			default:
				return nil, fmt.Errorf("rds data api: unsupported field type %T in row %d column %d", f, i, j)
			}
		}
		out[i] = row
	}
	return out, nil
}
