package backend

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// PGX is a Backend over one pgx connection. A statement interrupted by its
// context closes the connection (pgx cannot otherwise tell where the
// protocol stands); the next statement then reconnects.
type PGX struct {
	cfg  *pgx.ConnConfig
	conn *pgx.Conn
}

// PGXOptions tune a pgx connection.
type PGXOptions struct {
	// ApplicationName shows up in pg_stat_activity.
	ApplicationName string
	// ConnectTimeout bounds the TCP and TLS handshake. Zero means 10s.
	ConnectTimeout time.Duration
}

// OpenPGX connects to dsn. The session is read-only
// (default_transaction_read_only) so the validator can never change data.
func OpenPGX(ctx context.Context, dsn string, o PGXOptions) (*PGX, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// The parse error may echo the DSN, password included: never return it.
		return nil, errors.New("cannot parse PostgreSQL connection string")
	}
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = 10 * time.Second
	}
	cfg.ConnectTimeout = o.ConnectTimeout
	// Every statement is run once with its own bounds: the simple protocol
	// saves the prepare round trip, and the bounds reach the planner as
	// constants (no generic plan re-casting them for every row).
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	cfg.RuntimeParams["default_transaction_read_only"] = "on"
	if o.ApplicationName != "" {
		cfg.RuntimeParams["application_name"] = o.ApplicationName
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL at %s:%d: %w", cfg.Host, cfg.Port, sanitize(ctx, err))
	}
	return &PGX{cfg: cfg, conn: conn}, nil
}

// Kind implements Backend.
func (p *PGX) Kind() string { return "pgx" }

// Close implements Backend.
func (p *PGX) Close(ctx context.Context) error {
	if p == nil || p.conn == nil {
		return nil
	}
	return p.conn.Close(ctx)
}

// Query implements Backend.
func (p *PGX) Query(ctx context.Context, sql string, args ...any) ([][]any, error) {
	if p.conn.IsClosed() {
		conn, err := pgx.ConnectConfig(ctx, p.cfg)
		if err != nil {
			return nil, fmt.Errorf("reconnect to PostgreSQL at %s:%d: %w", p.cfg.Host, p.cfg.Port, sanitize(ctx, err))
		}
		p.conn = conn
	}
	rows, err := p.conn.Query(ctx, sql, args...)
	if err != nil {
		return nil, sanitize(ctx, err)
	}
	defer rows.Close()
	var out [][]any
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return nil, sanitize(ctx, err)
		}
		row := make([]any, len(vals))
		for i, v := range vals {
			row[i] = normalize(v)
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		return nil, sanitize(ctx, err)
	}
	return out, nil
}

func normalize(v any) any {
	switch x := v.(type) {
	case nil, int64, string, float64, bool, []byte:
		return x
	case int32:
		return int64(x)
	case int16:
		return int64(x)
	case int8:
		return int64(x)
	case float32:
		return float64(x)
	case [16]byte: // uuid
		return fmt.Sprintf("%x-%x-%x-%x-%x", x[0:4], x[4:6], x[6:8], x[8:10], x[10:16])
	default:
		return fmt.Sprint(x)
	}
}

// sanitize turns driver errors into messages that carry no row data: a
// PostgreSQL error keeps its SQLSTATE and primary message but drops DETAIL,
// HINT and WHERE, which can quote values.
func sanitize(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("query interrupted: %w", ctxErr)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "57014": // query_canceled (statement_timeout)
			return fmt.Errorf("%w: SQLSTATE %s: %s", ErrStatementTimeout, pgErr.Code, pgErr.Message)
		case "57P01", "57P02", "57P03", "08000", "08003", "08006", "08001", "08004":
			return fmt.Errorf("%w: SQLSTATE %s: %s", ErrConnection, pgErr.Code, pgErr.Message)
		}
		return fmt.Errorf("SQLSTATE %s: %s", pgErr.Code, pgErr.Message)
	}
	var netErr net.Error
	var connErr *pgconn.ConnectError
	if errors.As(err, &netErr) || errors.As(err, &connErr) || pgconn.SafeToRetry(err) || errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("%w: %s", ErrConnection, connMessage(err))
	}
	// pgx reports a connection closed under a running query with these.
	if errors.Is(err, pgx.ErrTxClosed) || isClosedConn(err) {
		return fmt.Errorf("%w: %s", ErrConnection, connMessage(err))
	}
	return err
}

func isClosedConn(err error) bool {
	msg := err.Error()
	for _, sub := range []string{"conn closed", "unexpected EOF", "connection reset", "broken pipe", "EOF"} {
		if strings.Contains(msg, sub) {
			return true
		}
	}
	return false
}

func connMessage(err error) string {
	var netErr *net.OpError
	if errors.As(err, &netErr) {
		return netErr.Op + " " + netErr.Err.Error()
	}
	return err.Error()
}
