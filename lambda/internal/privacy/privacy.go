// Package privacy turns row keys into values that can be reported without
// disclosing them: HMAC-SHA256 under a secret that never leaves the Lambda.
// Two runs with the same secret give the same digest for the same key, so an
// operator holding the secret can find a reported row, and nobody else can.
package privacy

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
)

// MinKeyBytes is the shortest accepted HMAC secret.
const MinKeyBytes = 16

// Keyer computes keyed digests.
type Keyer struct {
	key []byte
}

// NewKeyer returns a Keyer for secret, which must be at least MinKeyBytes long.
func NewKeyer(secret []byte) (*Keyer, error) {
	if len(secret) < MinKeyBytes {
		return nil, errors.New("HMAC secret is too short: at least 16 bytes are required")
	}
	k := make([]byte, len(secret))
	copy(k, secret)
	return &Keyer{key: k}, nil
}

// ParseSecret extracts the HMAC secret from a Secrets Manager SecretString:
// either the raw secret, or a JSON object with an "hmacKey" (or "key")
// member. A value prefixed with "base64:" is decoded.
func ParseSecret(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "{") {
		var m map[string]any
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			return nil, errors.New("HMAC secret looks like JSON but does not parse")
		}
		v, ok := m["hmacKey"].(string)
		if !ok {
			v, ok = m["key"].(string)
		}
		if !ok || v == "" {
			return nil, errors.New(`HMAC secret JSON has no "hmacKey" string member`)
		}
		s = v
	}
	if rest, ok := strings.CutPrefix(s, "base64:"); ok {
		b, err := base64.StdEncoding.DecodeString(rest)
		if err != nil {
			return nil, errors.New("HMAC secret has a base64: prefix but is not valid base64")
		}
		return b, nil
	}
	return []byte(s), nil
}

// RowKey is the digest of a row's primary key in a table. The key columns'
// text forms are joined with a unit separator so that ("ab","c") and
// ("a","bc") differ.
func (k *Keyer) RowKey(table string, key []string) string {
	m := hmac.New(sha256.New, k.key)
	m.Write([]byte("row-key/v1\x00"))
	m.Write([]byte(table))
	m.Write([]byte{0})
	for i, part := range key {
		if i > 0 {
			m.Write([]byte{0x1f})
		}
		m.Write([]byte(part))
	}
	return hex.EncodeToString(m.Sum(nil))
}

// Derive returns a 32-byte key for purpose, independent of the row-key
// digests (used to seal resume tokens).
func (k *Keyer) Derive(purpose string) []byte {
	m := hmac.New(sha256.New, k.key)
	m.Write([]byte("derive/v1\x00"))
	m.Write([]byte(purpose))
	return m.Sum(nil)
}
