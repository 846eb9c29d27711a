package rotation

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rdsdata"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/acme-payments/xpaymentplatform/lambda/internal/awstest"
	"github.com/acme-payments/xpaymentplatform/lambda/testsupport/awsfake"
)

func TestQuoteIdent(t *testing.T) {
	for in, want := range map[string]string{
		"dms_migration": `"dms_migration"`,
		`a"b`:           `"a""b"`,
		"Payments":      `"Payments"`,
	} {
		if got, err := quoteIdent(in); err != nil || got != want {
			t.Errorf("quoteIdent(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "a\x00b", strings.Repeat("x", 64), "\xff"} {
		if _, err := quoteIdent(bad); err == nil {
			t.Errorf("quoteIdent(%q) accepted it", bad)
		}
	}
}

func TestQuoteLiteral(t *testing.T) {
	for in, want := range map[string]string{
		"abc":           `'abc'`,
		"it's":          `'it''s'`,
		"''":            `''''''`,
		`a\b`:           `E'a\\b'`,
		"a:b":           `E'a\x3ab'`,
		`x'\:`:          `E'x''\\\x3a'`,
		"SCRAM$1:s$k:k": `E'SCRAM$1\x3as$k\x3ak'`,
	} {
		got, err := quoteLiteral(in)
		if err != nil || got != want {
			t.Errorf("quoteLiteral(%q) = %q, %v; want %q", in, got, err, want)
		}
		if strings.Contains(got, ":") {
			t.Errorf("quoteLiteral(%q) = %q holds a colon (a Data API parameter marker)", in, got)
		}
	}
	if _, err := quoteLiteral("a\x00"); err == nil {
		t.Error("NUL accepted")
	}
}

// TestScramVerifier recomputes the verifier by RFC 5802's definitions with
// an independent PBKDF2 (one HMAC chain written out here); the
// integration tests log in with it against PostgreSQL.
func TestScramVerifier(t *testing.T) {
	salt := []byte("0123456789abcdef")
	pw := "Correct-Horse-Battery-Staple-0123"
	got, err := scramVerifier(pw, salt, 4096)
	if err != nil {
		t.Fatal(err)
	}
	mac := func(key, msg []byte) []byte { h := hmac.New(sha256.New, key); h.Write(msg); return h.Sum(nil) }
	u := mac([]byte(pw), append(append([]byte{}, salt...), 0, 0, 0, 1))
	salted := append([]byte{}, u...)
	for i := 1; i < 4096; i++ {
		u = mac([]byte(pw), u)
		for j := range salted {
			salted[j] ^= u[j]
		}
	}
	stored := sha256.Sum256(mac(salted, []byte("Client Key")))
	server := mac(salted, []byte("Server Key"))
	enc := base64.StdEncoding.EncodeToString
	want := "SCRAM-SHA-256$4096:" + enc(salt) + "$" + enc(stored[:]) + ":" + enc(server)
	if got != want {
		t.Errorf("verifier\n got %s\nwant %s", got, want)
	}
	a, _ := scramVerifier(pw, nil, 4096)
	b, _ := scramVerifier(pw, nil, 4096)
	if a == b {
		t.Error("two verifiers share a salt")
	}
	if _, err := scramVerifier("pass word é", nil, 4096); err == nil {
		t.Error("a password with a space or non-ASCII character was accepted")
	}
}

func TestRoleAndGrantStatements(t *testing.T) {
	pw := "Pending-Password-0123456789abcdef"
	for _, create := range []bool{true, false} {
		s, err := roleStatement(create, "dms_migration", pw)
		if err != nil {
			t.Fatal(err)
		}
		prefix := map[bool]string{true: `CREATE ROLE "dms_migration" LOGIN PASSWORD E'SCRAM-SHA-256$4096\x3a`,
			false: `ALTER ROLE "dms_migration" WITH LOGIN PASSWORD E'SCRAM-SHA-256$4096\x3a`}[create]
		if !strings.HasPrefix(s, prefix) || strings.Contains(s, pw) || strings.Contains(s, ":") {
			t.Errorf("statement %q", s)
		}
	}
	if _, err := roleStatement(true, `x"; DROP ROLE postgres; --`, pw); err == nil {
		t.Error("injected user name accepted")
	}
	g, err := grantStatements("dms_migration", `pay"ments`)
	if err != nil {
		t.Fatal(err)
	}
	if g[0] != `GRANT CONNECT, CREATE ON DATABASE "pay""ments" TO "dms_migration"` || g[1] != `GRANT rds_superuser TO "dms_migration"` {
		t.Errorf("grants %q", g)
	}
}

func TestCheckPassword(t *testing.T) {
	for _, c := range ExcludedCharacters + " \t\n\x7fé" {
		pw := "Abcdefgh012345678" + string(c) + "Xyz"
		if err := CheckPassword(pw, 0); err == nil {
			t.Errorf("a password holding %q accepted", c)
		} else if strings.Contains(err.Error(), pw) {
			t.Errorf("the error quotes the password: %v", err)
		}
	}
	if err := CheckPassword("Abcdefgh0123456789()*-._[]<>|^~,", 0); err != nil {
		t.Errorf("a valid password refused: %v", err)
	}
	if err := CheckPassword("Abcdefgh01234567", 32); err == nil {
		t.Error("wrong length accepted")
	}
	for _, c := range `'"\/@;:{}%+` {
		if !strings.ContainsRune(ExcludedCharacters, c) {
			t.Errorf("%q is not excluded", c)
		}
	}
}

func passwordRotator(t *testing.T, length int) (*Rotator, *awsfake.RotatingSecret) {
	sm := awsfake.NewRotatingSecret("arn:aws:secretsmanager:us-east-1:123456789012:secret:s-AbCdEf")
	t.Cleanup(sm.Close)
	r, err := New(Config{
		Secrets:         secretsmanager.NewFromConfig(awstest.Config(), func(o *secretsmanager.Options) { o.BaseEndpoint = aws.String(sm.URL) }),
		DataAPI:         rdsdata.NewFromConfig(awstest.Config()),
		ClusterARN:      "arn:aws:rds:us-east-1:123456789012:cluster:c",
		MasterSecretARN: "arn:aws:secretsmanager:us-east-1:123456789012:secret:m",
		Database:        "payments", Host: "c.cluster-x.us-east-1.rds.amazonaws.com", Username: "dms_migration",
		PasswordLength: length, CallTimeout: 5 * time.Second,
		Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	return r, sm
}

// TestGeneratedPasswords draws many passwords from the fake, which honours
// ExcludeCharacters like the service: a character missing from the request
// shows up in some of them.
func TestGeneratedPasswords(t *testing.T) {
	r, sm := passwordRotator(t, 32)
	seen := map[byte]bool{}
	for range 300 {
		pw, err := r.newPassword(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(pw) != 32 {
			t.Fatalf("length %d", len(pw))
		}
		for i := 0; i < len(pw); i++ {
			seen[pw[i]] = true
			if strings.IndexByte(`'"\/@;:{}%+ `+"`$!?#&=", pw[i]) >= 0 || pw[i] < 0x21 || pw[i] > 0x7e {
				t.Fatalf("generated password holds %q", pw[i])
			}
		}
	}
	if !seen['-'] || !seen['*'] {
		t.Error("punctuation is not excluded altogether")
	}
	calls := sm.Calls()
	if len(calls) != 300 {
		t.Fatalf("%d calls", len(calls))
	}
	p := calls[0].Params
	if p["ExcludeCharacters"] != ExcludedCharacters || p["IncludeSpace"] != false || p["PasswordLength"] != float64(32) {
		t.Errorf("GetRandomPassword params %v", p)
	}
}

func TestAServicePasswordWithExcludedCharactersIsRefused(t *testing.T) {
	r, sm := passwordRotator(t, 32)
	for _, bad := range []string{"Abcdefgh0123456789Abcdefgh0123@x", "Abcdefgh0123456789Abcdefgh0123{x", "short"} {
		sm.OverrideRandomPasswords(bad)
		_, err := r.newPassword(context.Background())
		if err == nil || !strings.Contains(err.Error(), "refusing the generated password") || strings.Contains(err.Error(), bad) {
			t.Errorf("%s: error = %v", bad, err)
		}
	}
}
