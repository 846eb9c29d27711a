package rotation

import (
	"errors"
	"fmt"
	"strings"
)

// ExcludedCharacters are never part of a generated password. AWS DMS
// refuses { } in every endpoint password and secret, and ; + % in
// PostgreSQL and Aurora PostgreSQL ones ("Creating source and target
// endpoints", the table of unsupported characters:
// https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Endpoints.Creating.html).
// ' " \ break SQL string constants and libpq keyword=value connection
// strings; / @ : ? # & = delimit parts of a postgres:// URL; ` $ ! are
// expanded by shells (the runbook's psql and aws commands). Whitespace is
// excluded too (IncludeSpace=false).
const ExcludedCharacters = `'"\/@;:{}%+` + "`$!?#&="

// Password lengths.
const (
	DefaultPasswordLength = 32
	MinPasswordLength     = 16
	// MaxPasswordLength is RDS's limit for PostgreSQL passwords.
	MaxPasswordLength = 128
)

// checkPasswordChars accepts printable ASCII without ExcludedCharacters.
// The error never quotes the password.
func checkPasswordChars(pw string) error {
	if pw == "" {
		return errors.New("the password is empty")
	}
	for i := 0; i < len(pw); i++ {
		c := pw[i]
		switch {
		case c <= ' ' || c >= 0x7f:
			return errors.New("the password holds whitespace, a control or a non-ASCII character")
		case strings.IndexByte(ExcludedCharacters, c) >= 0:
			return errors.New("the password holds a character excluded for DMS (" + ExcludedCharacters + ")")
		}
	}
	return nil
}

// CheckPassword checks a generated password: its length (when length > 0)
// and its characters (checkPasswordChars).
func CheckPassword(pw string, length int) error {
	if length > 0 && len(pw) != length {
		return fmt.Errorf("the password has %d characters, want %d", len(pw), length)
	}
	return checkPasswordChars(pw)
}
