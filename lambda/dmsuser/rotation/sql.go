package rotation

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// usernameRE is the allow-list of DMS user names: a lower-case PostgreSQL
// identifier that needs no quoting (at most 63 bytes, NAMEDATALEN-1).
var usernameRE = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// reservedUsernames are names the rotation must never take over: roles
// PostgreSQL reserves or treats specially, and the usual master user.
var reservedUsernames = map[string]bool{
	"postgres": true, "public": true, "none": true, "current_user": true,
	"session_user": true, "current_role": true, "user": true,
}

// ValidateUsername accepts the DMS user's name: it must match
// ^[a-z_][a-z0-9_]{0,62}$ and must not be a reserved role (pg_*, which
// PostgreSQL reserves; rds*, RDS's own roles such as rds_superuser and
// rdsadmin; postgres, public, none, current_user, session_user,
// current_role, user).
func ValidateUsername(name string) error {
	if !usernameRE.MatchString(name) {
		return fmt.Errorf("user name %q is not allowed: it must match %s", name, usernameRE)
	}
	if strings.HasPrefix(name, "pg_") || strings.HasPrefix(name, "rds") || reservedUsernames[name] {
		return fmt.Errorf("user name %q is reserved", name)
	}
	return nil
}

// quoteIdent quotes a PostgreSQL identifier: double quotes around it,
// embedded double quotes doubled.
func quoteIdent(s string) (string, error) {
	if s == "" || len(s) > 63 || strings.ContainsRune(s, 0) || !utf8.ValidString(s) {
		return "", fmt.Errorf("%q is not a valid PostgreSQL identifier", s)
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`, nil
}

// quoteLiteral quotes a PostgreSQL string constant: single quotes around
// it, embedded single quotes doubled. The RDS Data API reads ":name" in a
// statement as a parameter, and a SCRAM verifier holds colons, so a value
// holding ':' (or a backslash) is written as an escape string constant
// E'...' in which ':' is \x3a and a backslash is doubled: the statement then
// holds no colon at all, whatever the Data API's parser does with quotes.
// https://www.postgresql.org/docs/current/sql-syntax-lexical.html#SQL-SYNTAX-STRINGS-ESCAPE
func quoteLiteral(s string) (string, error) {
	if strings.ContainsRune(s, 0) || !utf8.ValidString(s) {
		return "", errors.New("a string constant cannot hold NUL or invalid UTF-8")
	}
	if !strings.ContainsAny(s, `\:`) {
		return "'" + strings.ReplaceAll(s, "'", "''") + "'", nil
	}
	var b strings.Builder
	b.WriteString("E'")
	for _, r := range s {
		switch r {
		case '\'':
			b.WriteString("''")
		case '\\':
			b.WriteString(`\\`)
		case ':':
			b.WriteString(`\x3a`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteString("'")
	return b.String(), nil
}

// scramIterations is PostgreSQL's default scram_iterations.
const scramIterations = 4096

// scramVerifier returns the SCRAM-SHA-256 verifier PostgreSQL stores for
// password (pg_authid.rolpassword):
//
//	SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>
//
// (https://www.postgresql.org/docs/current/catalog-pg-authid.html, RFC 5802
// and RFC 7677). CREATE/ALTER ROLE stores a password given in this form
// as is (https://www.postgresql.org/docs/current/sql-createrole.html:
// "If the presented password string is already in MD5-encrypted or
// SCRAM-encrypted format, then it is stored as-is"), so the clear-text
// password never appears in a statement: not in the Data API request, the
// server log (log_statement, pgaudit) or pg_stat_statements. It is what
// Aurora PostgreSQL 14+ stores anyway: their default parameter group sets
// password_encryption to scram-sha-256
// (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/PostgreSQL_Password_Encryption_configuration.html).
// PostgreSQL SASLprep-normalizes passwords first; that is the identity on
// the printable ASCII passwords accepted here (checkPasswordChars).
func scramVerifier(password string, salt []byte, iterations int) (string, error) {
	if err := checkPasswordChars(password); err != nil {
		return "", err
	}
	if len(salt) == 0 {
		salt = make([]byte, 16)
		if _, err := rand.Read(salt); err != nil {
			return "", fmt.Errorf("salt: %w", err)
		}
	}
	salted, err := pbkdf2.Key(sha256.New, password, salt, iterations, sha256.Size)
	if err != nil {
		return "", fmt.Errorf("pbkdf2: %w", err)
	}
	mac := func(key []byte, msg string) []byte {
		h := hmac.New(sha256.New, key)
		h.Write([]byte(msg))
		return h.Sum(nil)
	}
	clientKey := mac(salted, "Client Key")
	storedKey := sha256.Sum256(clientKey)
	serverKey := mac(salted, "Server Key")
	enc := base64.StdEncoding.EncodeToString
	return fmt.Sprintf("SCRAM-SHA-256$%d:%s$%s:%s", iterations, enc(salt), enc(storedKey[:]), enc(serverKey)), nil
}

// roleStatement is CREATE ROLE or ALTER ROLE setting LOGIN and the
// password (as its SCRAM verifier).
func roleStatement(create bool, username, password string) (string, error) {
	if err := ValidateUsername(username); err != nil {
		return "", err
	}
	ident, err := quoteIdent(username)
	if err != nil {
		return "", err
	}
	verifier, err := scramVerifier(password, nil, scramIterations)
	if err != nil {
		return "", err
	}
	lit, err := quoteLiteral(verifier)
	if err != nil {
		return "", err
	}
	if create {
		return "CREATE ROLE " + ident + " LOGIN PASSWORD " + lit, nil
	}
	return "ALTER ROLE " + ident + " WITH LOGIN PASSWORD " + lit, nil
}

// grantStatements are the privileges DMS needs on an Aurora PostgreSQL
// target, from "Using a PostgreSQL database as a target for homogeneous
// data migrations in AWS DMS"
// (https://docs.aws.amazon.com/dms/latest/userguide/dm-data-providers-target-postgresql.html):
// CONNECT and CREATE on the database, and rds_superuser, which "Full load
// and change data capture (CDC)" and "CDC" migrations need ("setting up
// logical replication requires rds_superuser privileges"), and which lets
// the endpoint's after-connect script run
// SET session_replication_role = replica, the same page's way to turn off
// triggers and foreign key checks during the full load (only superusers or
// roles granted SET on it may change that setting,
// https://www.postgresql.org/docs/current/runtime-config-client.html#GUC-SESSION-REPLICATION-ROLE;
// on RDS and Aurora that is rds_superuser). The page's per-schema grants
// (USAGE and CREATE on a schema, privileges on its tables) are not made
// here: they name schemas that exist only once the schema is migrated.
func grantStatements(username, database string) ([]string, error) {
	if err := ValidateUsername(username); err != nil {
		return nil, err
	}
	user, err := quoteIdent(username)
	if err != nil {
		return nil, err
	}
	db, err := quoteIdent(database)
	if err != nil {
		return nil, err
	}
	return []string{
		"GRANT CONNECT, CREATE ON DATABASE " + db + " TO " + user,
		"GRANT rds_superuser TO " + user,
	}, nil
}
