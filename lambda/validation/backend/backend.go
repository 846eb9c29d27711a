// Package backend gives the validator one small interface over the two ways
// it reaches a PostgreSQL database: a direct pgx connection (the on-premises
// source) and the RDS Data API (the Aurora target).
//
// Every statement the validator sends is a read-only SELECT written with
// PostgreSQL positional placeholders ($1, $2, ...). Arguments are strings,
// int64 or nil, and every result column is cast in SQL to bigint or text, so
// that both backends return the same Go types: int64, string, float64, bool,
// []byte or nil.
package backend

import (
	"context"
	"errors"
)

// Backend runs read-only statements against one database.
type Backend interface {
	// Query runs sql with args bound to $1..$n and returns all rows.
	Query(ctx context.Context, sql string, args ...any) ([][]any, error)
	// Kind names the transport, for logs and reports ("pgx", "rds-data-api").
	Kind() string
	// Close releases the connection.
	Close(ctx context.Context) error
}

// ErrResponseTooLarge is wrapped by errors returned when a result set does not
// fit in one response (the RDS Data API returns at most 1 MiB per call).
// Callers retry with a smaller page.
var ErrResponseTooLarge = errors.New("result exceeds the response size limit")

// ErrStatementTimeout is wrapped by errors returned when the database or the
// API gave up on a statement because it ran too long (the RDS Data API stops
// waiting after 45 seconds).
var ErrStatementTimeout = errors.New("statement timed out")

// ErrConnection is wrapped by errors that mean the connection to the database
// was lost or could not be used.
var ErrConnection = errors.New("database connection lost")
