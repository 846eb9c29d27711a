package awsenv

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/acme-payments/xpaymentplatform/lambda/internal/awstest"
	"github.com/acme-payments/xpaymentplatform/lambda/testsupport/awsfake"
)

func TestPostgresDSN(t *testing.T) {
	tests := []struct {
		name    string
		secret  string
		want    string
		wantErr string
	}{
		{"rds secret", `{"username":"app","password":"p@ss/word","host":"db.local","port":5432,"dbname":"payments"}`,
			"postgres://app:p%40ss%2Fword@db.local:5432/payments?sslmode=require", ""},
		{"database alias and sslmode", `{"username":"u","password":"x","host":"10.0.0.1","port":"6432","database":"d","sslmode":"disable"}`,
			"postgres://u:x@10.0.0.1:6432/d?sslmode=disable", ""},
		{"defaults", `{"username":"u","host":"h"}`, "postgres://u:@h:5432/postgres?sslmode=require", ""},
		{"not json", `user=x`, "", "not a JSON object"},
		{"no host", `{"username":"u"}`, "", "username and host"},
		{"bad port", `{"username":"u","host":"h","port":"x"}`, "", "non-numeric port"},
		{"bad sslmode", `{"username":"u","host":"h","sslmode":"maybe"}`, "", "unknown sslmode"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := PostgresDSN(tc.secret)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				if err != nil && strings.Contains(err.Error(), "p@ss") {
					t.Fatal("error leaks the password")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
			if _, err := url.Parse(got); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestSecretString(t *testing.T) {
	sm := awsfake.NewSecretsManager(map[string]string{"arn:s1": "value-1"})
	defer sm.Close()
	c := secretsmanager.NewFromConfig(awstest.Config(), func(o *secretsmanager.Options) { o.BaseEndpoint = aws.String(sm.URL) })
	got, err := SecretString(context.Background(), c, "arn:s1", time.Second)
	if err != nil || got != "value-1" {
		t.Fatalf("got %q, %v", got, err)
	}
	if _, err := SecretString(context.Background(), c, "arn:missing", time.Second); err == nil || !strings.Contains(err.Error(), "ResourceNotFoundException") {
		t.Fatalf("missing secret: %v", err)
	}
	sm.Fail("GetSecretValue", &awsfake.Fault{Delay: time.Second})
	if _, err := SecretString(context.Background(), c, "arn:s1", 200*time.Millisecond); err == nil || !strings.Contains(err.Error(), "no answer within 200ms") {
		t.Fatalf("hanging secret: %v", err)
	}
}
