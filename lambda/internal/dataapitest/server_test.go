package dataapitest

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rdsdata"
	"github.com/aws/aws-sdk-go-v2/service/rdsdata/types"

	"github.com/acme-payments/xpaymentplatform/lambda/internal/awstest"
	"github.com/acme-payments/xpaymentplatform/lambda/internal/pgtest"
	"github.com/acme-payments/xpaymentplatform/lambda/validation/backend"
)

const (
	cluster = "arn:aws:rds:us-east-1:123456789012:cluster:c"
	secret  = "arn:aws:secretsmanager:us-east-1:123456789012:secret:s"
)

func TestBindParameters(t *testing.T) {
	tests := []struct {
		sql     string
		params  []sqlParameter
		want    string
		nargs   int
		wantErr string
	}{
		{"SELECT :a::int8, :b, :a", []sqlParameter{{Name: "a", Value: []byte(`{"longValue":1}`)}, {Name: "b", Value: []byte(`{"stringValue":"x"}`)}},
			"SELECT $1::int8, $2, $1", 2, ""},
		{"SELECT 1::text", nil, "SELECT 1::text", 0, ""},
		{"SELECT :missing", nil, "", 0, "no value for parameter :missing"},
		{"SELECT :a", []sqlParameter{{Name: "a", Value: []byte(`{"stringValue":"x","longValue":1}`)}}, "", 0, "exactly one member"},
		{"SELECT :a", []sqlParameter{{Name: "a", Value: []byte(`{"structValue":{}}`)}}, "", 0, "unsupported Field member"},
	}
	for _, tc := range tests {
		got, args, err := bindParameters(tc.sql, tc.params)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: error = %v, want %q", tc.sql, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want || len(args) != tc.nargs {
			t.Errorf("%s: got %q %v %v", tc.sql, got, args, err)
		}
	}
}

func start(t *testing.T, maxBytes int) (*Server, *rdsdata.Client, string) {
	dsn := pgtest.NewDatabase(t, "dapi", "")
	srv, err := Start(Config{BaseDSN: pgtest.Require(t), ClusterArn: cluster, SecretArn: secret, MaxResponseBytes: maxBytes})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	c := rdsdata.NewFromConfig(awstest.Config(), func(o *rdsdata.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	return srv, c, dsn[strings.LastIndex(dsn, "/")+1 : strings.Index(dsn, "?")]
}

func TestExecuteStatementProtocol(t *testing.T) {
	srv, c, db := start(t, 0)
	ctx := context.Background()
	out, err := c.ExecuteStatement(ctx, &rdsdata.ExecuteStatementInput{
		ResourceArn: aws.String(cluster), SecretArn: aws.String(secret), Database: aws.String(db),
		Sql: aws.String(`SELECT 7::int2, :n::int8, 1.5::float8, true, NULL::text, :s::text, '\x0102'::bytea, 12.30::numeric, :z::text IS NULL`),
		Parameters: []types.SqlParameter{
			{Name: aws.String("n"), Value: &types.FieldMemberLongValue{Value: 9007199254740993}},
			{Name: aws.String("s"), Value: &types.FieldMemberStringValue{Value: "héllo"}},
			{Name: aws.String("z"), Value: &types.FieldMemberIsNull{Value: true}},
		},
		IncludeResultMetadata: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Records) != 1 || len(out.ColumnMetadata) != 9 {
		t.Fatalf("records %v, metadata %v", out.Records, out.ColumnMetadata)
	}
	r := out.Records[0]
	checks := []bool{
		r[0].(*types.FieldMemberLongValue).Value == 7,
		r[1].(*types.FieldMemberLongValue).Value == 9007199254740993, // beyond float64 precision
		r[2].(*types.FieldMemberDoubleValue).Value == 1.5,
		r[3].(*types.FieldMemberBooleanValue).Value,
		r[4].(*types.FieldMemberIsNull).Value,
		r[5].(*types.FieldMemberStringValue).Value == "héllo",
		string(r[6].(*types.FieldMemberBlobValue).Value) == "\x01\x02",
		r[7].(*types.FieldMemberStringValue).Value == "12.30",
		r[8].(*types.FieldMemberBooleanValue).Value,
	}
	for i, ok := range checks {
		if !ok {
			t.Errorf("column %d = %#v", i, r[i])
		}
	}
	js, err := c.ExecuteStatement(ctx, &rdsdata.ExecuteStatementInput{
		ResourceArn: aws.String(cluster), SecretArn: aws.String(secret), Database: aws.String(db),
		Sql: aws.String("SELECT 1::int4 AS a, 'x'::text AS b"), FormatRecordsAs: types.RecordsFormatTypeJson,
	})
	if err != nil || aws.ToString(js.FormattedRecords) != `[{"a":1,"b":"x"}]` {
		t.Fatalf("JSON records: %v %v", aws.ToString(js.FormattedRecords), err)
	}
	if srv.Calls() != 2 {
		t.Errorf("calls = %d", srv.Calls())
	}
}

func TestExecuteStatementErrors(t *testing.T) {
	_, c, db := start(t, 2000)
	ctx := context.Background()
	in := func(sql, sec string) *rdsdata.ExecuteStatementInput {
		return &rdsdata.ExecuteStatementInput{ResourceArn: aws.String(cluster), SecretArn: aws.String(sec), Database: aws.String(db), Sql: aws.String(sql)}
	}
	var bad *types.BadRequestException
	if _, err := c.ExecuteStatement(ctx, in("SELEC 1", secret)); !errors.As(err, &bad) || !strings.Contains(bad.ErrorMessage(), "syntax error") {
		t.Errorf("bad SQL: %v", err)
	}
	var forbidden *types.ForbiddenException
	if _, err := c.ExecuteStatement(ctx, in("SELECT 1", secret+"x")); !errors.As(err, &forbidden) {
		t.Errorf("wrong secret: %v", err)
	}
	if _, err := c.ExecuteStatement(ctx, in("SELECT repeat('x', 100) FROM generate_series(1, 100)", secret)); !errors.As(err, &bad) ||
		!strings.Contains(bad.ErrorMessage(), "response size limit") {
		t.Errorf("oversized response: %v", err)
	}
	// The backend turns that into ErrResponseTooLarge.
	be, err := backend.NewDataAPI(c, backend.DataAPIOptions{ClusterArn: cluster, SecretArn: secret, Database: db})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := be.Query(ctx, "SELECT repeat('x', 100) FROM generate_series(1, $1::text::int8)", "100"); !errors.Is(err, backend.ErrResponseTooLarge) {
		t.Errorf("backend error = %v", err)
	}
	rows, err := be.Query(ctx, "SELECT $1::text || 'b', $2::text::int8 + 1, NULL", "a", int64(41))
	if err != nil || len(rows) != 1 || rows[0][0] != "ab" || rows[0][1] != int64(42) || rows[0][2] != nil {
		t.Errorf("backend rows = %v, %v", rows, err)
	}
	if _, err := backend.NewDataAPI(c, backend.DataAPIOptions{ClusterArn: cluster}); err == nil {
		t.Error("incomplete options accepted")
	}
}
