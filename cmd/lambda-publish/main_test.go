package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acme-payments/xpaymentplatform/lambda/lambdazip"
	"github.com/acme-payments/xpaymentplatform/lambda/testsupport/awsfake"
)

func setup(t *testing.T) (*awsfake.S3, string) {
	s3 := awsfake.NewS3()
	t.Cleanup(s3.Close)
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test-secret-key")
	t.Setenv("AWS_ENDPOINT_URL_S3", s3.URL)
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	dir := t.TempDir()
	for _, n := range []string{"validation", "rollback"} {
		z, err := lambdazip.Zip([]byte("bootstrap of " + n))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, n+".zip"), z, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return s3, dir
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return base64.StdEncoding.EncodeToString(s[:])
}

func TestPublish(t *testing.T) {
	s3, dir := setup(t)
	var out bytes.Buffer
	args := []string{"-bucket", "acme-artifacts", "-version", "v1.4.2", "-dir", dir, "-path-style"}
	if err := run(context.Background(), args, &out); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"validation", "rollback"} {
		want, _ := os.ReadFile(filepath.Join(dir, n+".zip"))
		got, ok := s3.Object("acme-artifacts", "payment-platform/v1.4.2/"+n+".zip")
		if !ok || !bytes.Equal(got, want) {
			t.Fatalf("%s not uploaded intact", n)
		}
		line := "uploaded\ts3://acme-artifacts/payment-platform/v1.4.2/" + n + ".zip\tsourceCodeHash " + sha(want)
		if !strings.Contains(out.String(), line) {
			t.Errorf("output lacks %q:\n%s", line, out.String())
		}
	}
	for _, c := range s3.Calls() {
		if c.Operation == "PutObject" && (c.Params["ChecksumSHA256"] == "" || c.Params["ContentType"] != "application/zip") {
			t.Errorf("PutObject without checksum or content type: %+v", c.Params)
		}
	}

	// Publishing the same version again changes nothing.
	out.Reset()
	if err := run(context.Background(), args, &out); err != nil {
		t.Fatal(err)
	}
	if strings.Count(out.String(), "unchanged") != 2 {
		t.Fatalf("second publish: %s", out.String())
	}

	// Other content under the same version is refused, unless forced.
	z, _ := lambdazip.Zip([]byte("new code"))
	_ = os.WriteFile(filepath.Join(dir, "rollback.zip"), z, 0o644)
	err := run(context.Background(), append(args, "rollback"), &out)
	if err == nil || !strings.Contains(err.Error(), "already exists with other content") {
		t.Fatalf("overwrite not refused: %v", err)
	}
	if err := run(context.Background(), append(append([]string{}, args...), "-force", "rollback"), &out); err != nil {
		t.Fatal(err)
	}
	if got, _ := s3.Object("acme-artifacts", "payment-platform/v1.4.2/rollback.zip"); !bytes.Equal(got, z) {
		t.Fatal("-force did not overwrite")
	}
}

func TestPublishErrors(t *testing.T) {
	s3, dir := setup(t)
	tests := []struct {
		name  string
		args  []string
		fault *awsfake.Fault
		want  string
	}{
		{"no bucket", []string{"-version", "v1"}, nil, "-bucket"},
		{"bad version", []string{"-bucket", "acme-artifacts", "-version", "../x"}, nil, "-version"},
		{"bad prefix", []string{"-bucket", "acme-artifacts", "-version", "v1", "-prefix", "a/../b"}, nil, "-prefix"},
		{"unknown flag", []string{"-bucket", "acme-artifacts", "-nope"}, nil, "usage"},
		{"missing zip", []string{"-bucket", "acme-artifacts", "-version", "v1", "-dir", dir, "-path-style", "missing"}, nil, "read "},
		{"empty dir", []string{"-bucket", "acme-artifacts", "-version", "v1", "-dir", t.TempDir()}, nil, "run `make lambdas` first"},
		{"access denied", []string{"-bucket", "acme-artifacts", "-version", "v2", "-dir", dir, "-path-style"},
			&awsfake.Fault{Status: 403, Code: "AccessDenied", Message: "Access Denied"}, "s3 PutObject s3://acme-artifacts/payment-platform/v2/"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s3.Fail("PutObject", tc.fault)
			defer s3.Fail("PutObject", nil)
			err := run(context.Background(), tc.args, &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want %q", err, tc.want)
			}
		})
	}
}
