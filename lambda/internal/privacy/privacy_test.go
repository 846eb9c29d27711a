package privacy

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
)

func TestNewKeyer(t *testing.T) {
	tests := []struct {
		name    string
		secret  string
		wantErr bool
	}{
		{"empty", "", true},
		{"short", "0123456789abcde", true},
		{"minimum", "0123456789abcdef", false},
		{"long", strings.Repeat("x", 64), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewKeyer([]byte(tc.secret))
			if (err != nil) != tc.wantErr {
				t.Fatalf("NewKeyer(%q) error = %v, wantErr %v", tc.secret, err, tc.wantErr)
			}
		})
	}
}

func TestParseSecret(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []byte
		wantErr bool
	}{
		{"raw", "a-very-secret-key-123", []byte("a-very-secret-key-123"), false},
		{"raw trimmed", "  a-very-secret-key-123\n", []byte("a-very-secret-key-123"), false},
		{"json hmacKey", `{"hmacKey":"k1k1k1k1k1k1k1k1"}`, []byte("k1k1k1k1k1k1k1k1"), false},
		{"json key", `{"key":"k2k2k2k2k2k2k2k2"}`, []byte("k2k2k2k2k2k2k2k2"), false},
		{"json missing", `{"other":"x"}`, nil, true},
		{"json broken", `{"hmacKey":`, nil, true},
		{"base64", "base64:AAECAwQFBgcICQoLDA0ODw==", []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, false},
		{"base64 broken", "base64:!!!", nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseSecret(tc.in)
			if (err != nil) != tc.wantErr {
				t.Fatalf("error = %v, wantErr %v", err, tc.wantErr)
			}
			if !bytes.Equal(got, tc.want) {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestRowKey(t *testing.T) {
	k, err := NewKeyer([]byte("0123456789abcdef0123"))
	if err != nil {
		t.Fatal(err)
	}
	other, _ := NewKeyer([]byte("fedcba9876543210fedc"))
	a := k.RowKey("payments", []string{"42"})
	tests := []struct {
		name string
		got  string
		same bool
	}{
		{"deterministic", k.RowKey("payments", []string{"42"}), true},
		{"other table", k.RowKey("customers", []string{"42"}), false},
		{"other key", k.RowKey("payments", []string{"43"}), false},
		{"other secret", other.RowKey("payments", []string{"42"}), false},
		{"composite split differs", k.RowKey("payments", []string{"4", "2"}), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if (tc.got == a) != tc.same {
				t.Fatalf("digest equality = %v, want %v", tc.got == a, tc.same)
			}
		})
	}
	if _, err := hex.DecodeString(a); err != nil || len(a) != 64 {
		t.Fatalf("digest %q is not 64 hex digits", a)
	}
	if k.RowKey("t", []string{"ab", "c"}) == k.RowKey("t", []string{"a", "bc"}) {
		t.Fatal("key parts are not separated")
	}
	if bytes.Equal(k.Derive("a"), k.Derive("b")) || len(k.Derive("a")) != 32 {
		t.Fatal("Derive must give distinct 32-byte keys per purpose")
	}
}
