package validator

import (
	"bytes"
	"compress/gzip"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/acme-payments/xpaymentplatform/lambda/internal/privacy"
)

const stateVersion = 1

// segment is a range of primary keys [Lo, Hi) waiting to be compared. When
// Known is set, its counts are known (from the parent's grouped aggregate)
// and differ, so it goes straight to splitting or downloading.
type segment struct {
	Lo    bound `json:"l,omitempty"`
	Hi    bound `json:"h,omitempty"`
	Depth int   `json:"d,omitempty"`
	Known bool  `json:"k,omitempty"`
	CS    int64 `json:"s,omitempty"`
	CT    int64 `json:"t,omitempty"`
}

// diffState is the progress of one table's data diff.
type diffState struct {
	Table   string `json:"table"`
	Started bool   `json:"started"`
	// MinKey/MaxKey: first key column range over both sides, for integer keys.
	MinKey string `json:"min,omitempty"`
	MaxKey string `json:"max,omitempty"`
	// Fine is set once a chunk differed: the next chunks are compared
	// child by child directly.
	Fine bool `json:"fine,omitempty"`
	// Stack of pending segments; the last one is processed next.
	Stack        []segment `json:"stack,omitempty"`
	RowsCompared int64     `json:"rows"`
	Missing      int64     `json:"missing"`
	Extra        int64     `json:"extra"`
	Changed      int64     `json:"changed"`
	Statements   int64     `json:"stmts"`
	Downloaded   int64     `json:"downloaded"`
	// Fingerprint of the hashed columns and keys, so a schema change between
	// invocations is noticed.
	Fingerprint string `json:"fp"`
}

// runState is everything a resume token carries.
type runState struct {
	Version     int      `json:"v"`
	CheckType   string   `json:"checkType"`
	Tables      []string `json:"tables"`
	ConfigFP    string   `json:"cfg"`
	CreatedUnix int64    `json:"created"`
	HashMode    string   `json:"hashMode,omitempty"`
	// Next is the index of the next task of the plan.
	Next        int                 `json:"next"`
	Checks      []Check             `json:"checks,omitempty"`
	Differences []Difference        `json:"diffs,omitempty"`
	Missing     map[string]bool     `json:"missingTables,omitempty"`
	Counts      map[string][2]int64 `json:"counts,omitempty"`
	Current     *diffState          `json:"current,omitempty"`
	Rows        int64               `json:"rowsCompared"`
	Mismatches  int64               `json:"mismatches"`
	Invocations int                 `json:"invocations"`
	ElapsedMs   int64               `json:"elapsedMs"`
}

func (s *runState) reportedFor(table string) int {
	n := 0
	for _, d := range s.Differences {
		if d.Table == table {
			n++
		}
	}
	return n
}

// Resume tokens are the JSON state, gzip-compressed and sealed with
// AES-256-GCM under a key derived from the HMAC secret: the caller can
// neither read (segment bounds are key values) nor alter them.
const tokenPrefix = "v1."

func sealState(k *privacy.Keyer, s *runState) (string, error) {
	plain, err := json.Marshal(s)
	if err != nil {
		return "", err
	}
	var z bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
	if _, err := zw.Write(plain); err != nil {
		return "", err
	}
	if err := zw.Close(); err != nil {
		return "", err
	}
	aead, err := tokenAEAD(k)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	sealed := aead.Seal(nonce, nonce, z.Bytes(), []byte(tokenPrefix))
	return tokenPrefix + base64.RawURLEncoding.EncodeToString(sealed), nil
}

// maxTokenBytes bounds what openState accepts (Step Functions payloads are
// at most 256 KiB anyway).
const maxTokenBytes = 1 << 20

func openState(k *privacy.Keyer, token string, now time.Time, ttl time.Duration) (*runState, error) {
	if len(token) > maxTokenBytes {
		return nil, badRequest("resume token is too large")
	}
	body, ok := cutPrefix(token, tokenPrefix)
	if !ok {
		return nil, badRequest("resume token has an unknown format")
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		return nil, badRequest("resume token is not valid base64url")
	}
	aead, err := tokenAEAD(k)
	if err != nil {
		return nil, err
	}
	if len(raw) < aead.NonceSize()+aead.Overhead() {
		return nil, badRequest("resume token is truncated")
	}
	z, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], []byte(tokenPrefix))
	if err != nil {
		return nil, badRequest("resume token was not issued by this validator (or was altered)")
	}
	zr, err := gzip.NewReader(bytes.NewReader(z))
	if err != nil {
		return nil, badRequest("resume token payload is corrupt")
	}
	plain, err := io.ReadAll(io.LimitReader(zr, 64<<20))
	if err != nil {
		return nil, badRequest("resume token payload is corrupt")
	}
	var s runState
	if err := json.Unmarshal(plain, &s); err != nil {
		return nil, badRequest("resume token payload is corrupt")
	}
	if s.Version != stateVersion {
		return nil, badRequest("resume token version %d is not supported", s.Version)
	}
	if s.Missing == nil {
		s.Missing = map[string]bool{}
	}
	if s.Counts == nil {
		s.Counts = map[string][2]int64{}
	}
	created := time.Unix(s.CreatedUnix, 0)
	if now.Sub(created) > ttl {
		return nil, badRequest("resume token expired (issued %s ago, limit %s)", now.Sub(created).Round(time.Second), ttl)
	}
	return &s, nil
}

func tokenAEAD(k *privacy.Keyer) (cipher.AEAD, error) {
	block, err := aes.NewCipher(k.Derive("resume-token"))
	if err != nil {
		return nil, fmt.Errorf("resume token cipher: %w", err)
	}
	return cipher.NewGCM(block)
}

func cutPrefix(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || s[:len(prefix)] != prefix {
		return "", false
	}
	return s[len(prefix):], true
}
