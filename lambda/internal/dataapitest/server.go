// Package dataapitest is a small local endpoint that speaks the RDS Data API
// ExecuteStatement protocol (restJson1, POST /Execute) over a real PostgreSQL
// server, so that tests exercise the real aws-sdk-go-v2 rdsdata client, its
// serialization, and the service's limits: at most 1 MiB of records per
// response and 45 seconds per statement.
//
// Only ExecuteStatement is served; BeginTransaction, BatchExecuteStatement and
// friends answer 400. Result values follow the service's mapping: integer
// types as longValue, float types as doubleValue, bool as booleanValue, bytea
// as blobValue, NULL as isNull, everything else (numeric, text, uuid, dates)
// as stringValue.
package dataapitest

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// MaxResponseBytes is the Data API's response size limit.
const MaxResponseBytes = 1 << 20

// StatementTimeout is how long the Data API waits for a statement.
const StatementTimeout = 45 * time.Second

// Config configures a Server.
type Config struct {
	// BaseDSN reaches the PostgreSQL server; its database name is replaced by
	// the request's "database".
	BaseDSN string
	// ClusterArn and SecretArn are the only ARNs accepted.
	ClusterArn string
	SecretArn  string
	// MaxResponseBytes overrides the 1 MiB limit (tests only).
	MaxResponseBytes int
	// StatementTimeout overrides the 45 s limit (tests only).
	StatementTimeout time.Duration
	// Hook, when set, runs before each statement; a non-nil error is
	// returned to the client as the given status and error type.
	Hook func(sql string) *Fault
}

// Fault is an injected failure.
type Fault struct {
	Status  int
	Type    string
	Message string
}

// Server is a running fake endpoint.
type Server struct {
	URL string

	cfg   Config
	srv   *httptest.Server
	mu    sync.Mutex
	pools map[string]*pgxpool.Pool

	calls       atomic.Int64
	maxResponse atomic.Int64
	tooLarge    atomic.Int64
	statements  sync.Map // sql -> count, for assertions
}

// Start starts a Server on 127.0.0.1.
func Start(cfg Config) (*Server, error) {
	if cfg.BaseDSN == "" || cfg.ClusterArn == "" || cfg.SecretArn == "" {
		return nil, errors.New("dataapitest: BaseDSN, ClusterArn and SecretArn are required")
	}
	if cfg.MaxResponseBytes <= 0 {
		cfg.MaxResponseBytes = MaxResponseBytes
	}
	if cfg.StatementTimeout <= 0 {
		cfg.StatementTimeout = StatementTimeout
	}
	s := &Server{cfg: cfg, pools: map[string]*pgxpool.Pool{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	return s, nil
}

// Close stops the server and its connections.
func (s *Server) Close() {
	s.srv.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.pools {
		p.Close()
	}
	s.pools = map[string]*pgxpool.Pool{}
}

// Calls is the number of ExecuteStatement requests served.
func (s *Server) Calls() int64 { return s.calls.Load() }

// MaxResponse is the largest response body sent, in bytes.
func (s *Server) MaxResponse() int64 { return s.maxResponse.Load() }

// TooLarge counts statements refused for exceeding the response size limit.
func (s *Server) TooLarge() int64 { return s.tooLarge.Load() }

func (s *Server) pool(ctx context.Context, database string) (*pgxpool.Pool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p, ok := s.pools[database]; ok {
		return p, nil
	}
	u, err := url.Parse(s.cfg.BaseDSN)
	if err != nil {
		return nil, fmt.Errorf("bad base DSN: %w", err)
	}
	u.Path = "/" + database
	pc, err := pgxpool.ParseConfig(u.String())
	if err != nil {
		return nil, err
	}
	pc.MaxConns = 8
	p, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, err
	}
	s.pools[database] = p
	return p, nil
}

type sqlParameter struct {
	Name     string          `json:"name"`
	Value    json.RawMessage `json:"value"`
	TypeHint string          `json:"typeHint"`
}

type executeRequest struct {
	ResourceArn           string         `json:"resourceArn"`
	SecretArn             string         `json:"secretArn"`
	SQL                   string         `json:"sql"`
	Database              string         `json:"database"`
	Schema                string         `json:"schema"`
	Parameters            []sqlParameter `json:"parameters"`
	IncludeResultMetadata bool           `json:"includeResultMetadata"`
	ContinueAfterTimeout  bool           `json:"continueAfterTimeout"`
	FormatRecordsAs       string         `json:"formatRecordsAs"`
	TransactionID         string         `json:"transactionId"`
}

type columnMetadata struct {
	Name     string `json:"name"`
	Label    string `json:"label"`
	TypeName string `json:"typeName"`
	Type     int    `json:"type"`
	Nullable int    `json:"nullable"`
}

func writeError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", typ)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": msg})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/Execute" {
		writeError(w, http.StatusBadRequest, "BadRequestException", "only ExecuteStatement (POST /Execute) is served here")
		return
	}
	if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
		writeError(w, http.StatusForbidden, "ForbiddenException", "request is not signed with SigV4")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		writeError(w, http.StatusBadRequest, "BadRequestException", "cannot read request body")
		return
	}
	var req executeRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, "BadRequestException", "malformed JSON request")
		return
	}
	s.calls.Add(1)
	switch {
	case req.ResourceArn == "" || req.SecretArn == "" || req.SQL == "":
		writeError(w, http.StatusBadRequest, "BadRequestException", "resourceArn, secretArn and sql are required")
		return
	case req.ResourceArn != s.cfg.ClusterArn:
		writeError(w, http.StatusBadRequest, "BadRequestException", "HttpEndpoint is not enabled for resource "+req.ResourceArn)
		return
	case req.SecretArn != s.cfg.SecretArn:
		writeError(w, http.StatusForbidden, "ForbiddenException", "cannot read secret "+req.SecretArn)
		return
	case req.TransactionID != "":
		writeError(w, http.StatusBadRequest, "BadRequestException", "transactions are not supported by this endpoint")
		return
	case req.Database == "":
		writeError(w, http.StatusBadRequest, "BadRequestException", "database is required by this endpoint")
		return
	}
	if s.cfg.Hook != nil {
		if f := s.cfg.Hook(req.SQL); f != nil {
			writeError(w, f.Status, f.Type, f.Message)
			return
		}
	}
	n, _ := s.statements.LoadOrStore(req.SQL, new(atomic.Int64))
	n.(*atomic.Int64).Add(1)

	sql, args, err := bindParameters(req.SQL, req.Parameters)
	if err != nil {
		writeError(w, http.StatusBadRequest, "BadRequestException", err.Error())
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.StatementTimeout)
	defer cancel()
	pool, err := s.pool(ctx, req.Database)
	if err != nil {
		writeError(w, http.StatusBadRequest, "DatabaseNotFoundException", "cannot reach database "+req.Database)
		return
	}
	queryArgs := append([]any{pgx.QueryExecModeSimpleProtocol}, args...)
	rows, err := pool.Query(ctx, sql, queryArgs...)
	if err != nil {
		s.writeDBError(w, ctx, err)
		return
	}
	defer rows.Close()
	fields := rows.FieldDescriptions()
	var buf bytes.Buffer
	buf.WriteString(`{"records":[`)
	nrec := 0
	var jsonRecords []map[string]any
	for rows.Next() {
		raw := rows.RawValues()
		if req.FormatRecordsAs == "JSON" {
			m := map[string]any{}
			for i, f := range fields {
				m[f.Name] = jsonValue(f.DataTypeOID, raw[i])
			}
			jsonRecords = append(jsonRecords, m)
		} else {
			if nrec > 0 {
				buf.WriteByte(',')
			}
			buf.WriteByte('[')
			for i, f := range fields {
				if i > 0 {
					buf.WriteByte(',')
				}
				buf.Write(fieldJSON(f.DataTypeOID, raw[i]))
			}
			buf.WriteByte(']')
		}
		nrec++
		if buf.Len() > s.cfg.MaxResponseBytes {
			break
		}
	}
	if err := rows.Err(); err != nil {
		s.writeDBError(w, ctx, err)
		return
	}
	rows.Close()
	if req.FormatRecordsAs == "JSON" {
		buf.Reset()
		enc, _ := json.Marshal(jsonRecords)
		if jsonRecords == nil {
			enc = []byte("[]")
		}
		b, _ := json.Marshal(string(enc))
		buf.WriteString(`{"formattedRecords":`)
		buf.Write(b)
	} else {
		buf.WriteByte(']')
	}
	if buf.Len() > s.cfg.MaxResponseBytes {
		s.tooLarge.Add(1)
		writeError(w, http.StatusBadRequest, "BadRequestException", "Database returned more than the allowed response size limit")
		return
	}
	tag := rows.CommandTag()
	updated := int64(0)
	if tag.Update() || tag.Insert() || tag.Delete() {
		updated = tag.RowsAffected()
	}
	fmt.Fprintf(&buf, `,"numberOfRecordsUpdated":%d`, updated)
	if req.IncludeResultMetadata {
		md := make([]columnMetadata, len(fields))
		for i, f := range fields {
			md[i] = columnMetadata{Name: f.Name, Label: f.Name, TypeName: typeName(f.DataTypeOID), Nullable: 2}
		}
		b, _ := json.Marshal(md)
		buf.WriteString(`,"columnMetadata":`)
		buf.Write(b)
	}
	buf.WriteByte('}')
	for {
		old := s.maxResponse.Load()
		if int64(buf.Len()) <= old || s.maxResponse.CompareAndSwap(old, int64(buf.Len())) {
			break
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	_, _ = w.Write(buf.Bytes())
}

func (s *Server) writeDBError(w http.ResponseWriter, ctx context.Context, err error) {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		writeError(w, http.StatusBadRequest, "StatementTimeoutException", "The statement timed out after "+s.cfg.StatementTimeout.String())
		return
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		writeError(w, http.StatusBadRequest, "BadRequestException", "ERROR: "+pgErr.Message+"; SQLState: "+pgErr.Code)
		return
	}
	writeError(w, http.StatusServiceUnavailable, "DatabaseUnavailableException", "Communications link failure")
}

var namedParam = regexp.MustCompile(`(^|[^:]):([A-Za-z_][A-Za-z0-9_]*)`)

// bindParameters turns the Data API's :name placeholders into $n ones and
// decodes the typed parameter values.
func bindParameters(sql string, params []sqlParameter) (string, []any, error) {
	values := map[string]any{}
	for _, p := range params {
		if p.Name == "" {
			return "", nil, errors.New("parameter without a name")
		}
		v, err := decodeField(p.Value)
		if err != nil {
			return "", nil, fmt.Errorf("parameter %s: %w", p.Name, err)
		}
		values[p.Name] = v
	}
	index := map[string]int{}
	var args []any
	var missing string
	out := namedParam.ReplaceAllStringFunc(sql, func(m string) string {
		sub := namedParam.FindStringSubmatch(m)
		name := sub[2]
		v, ok := values[name]
		if !ok {
			missing = name
			return m
		}
		i, seen := index[name]
		if !seen {
			args = append(args, v)
			i = len(args)
			index[name] = i
		}
		return sub[1] + "$" + strconv.Itoa(i)
	})
	if missing != "" {
		return "", nil, fmt.Errorf("no value for parameter :%s", missing)
	}
	return out, args, nil
}

func decodeField(raw json.RawMessage) (any, error) {
	var f map[string]json.RawMessage
	if err := json.Unmarshal(raw, &f); err != nil || len(f) != 1 {
		return nil, errors.New("a Field must have exactly one member")
	}
	for k, v := range f {
		switch k {
		case "isNull":
			return nil, nil
		case "stringValue":
			var s string
			err := json.Unmarshal(v, &s)
			return s, err
		case "longValue":
			var n int64
			err := json.Unmarshal(v, &n)
			return n, err
		case "doubleValue":
			var d float64
			err := json.Unmarshal(v, &d)
			return d, err
		case "booleanValue":
			var b bool
			err := json.Unmarshal(v, &b)
			return b, err
		case "blobValue":
			var b []byte
			err := json.Unmarshal(v, &b)
			return b, err
		default:
			return nil, fmt.Errorf("unsupported Field member %q", k)
		}
	}
	return nil, errors.New("empty Field")
}

const (
	oidBool    = 16
	oidBytea   = 17
	oidInt8    = 20
	oidInt2    = 21
	oidInt4    = 23
	oidOID     = 26
	oidFloat4  = 700
	oidFloat8  = 701
	oidNumeric = 1700
)

func fieldJSON(oid uint32, raw []byte) []byte {
	if raw == nil {
		return []byte(`{"isNull":true}`)
	}
	switch oid {
	case oidInt2, oidInt4, oidInt8, oidOID:
		if _, err := strconv.ParseInt(string(raw), 10, 64); err == nil {
			return []byte(`{"longValue":` + string(raw) + `}`)
		}
	case oidFloat4, oidFloat8:
		if f, err := strconv.ParseFloat(string(raw), 64); err == nil {
			b, _ := json.Marshal(map[string]float64{"doubleValue": f})
			return b
		}
	case oidBool:
		return []byte(`{"booleanValue":` + strconv.FormatBool(string(raw) == "t") + `}`)
	case oidBytea:
		if b, err := hex.DecodeString(strings.TrimPrefix(string(raw), `\x`)); err == nil {
			enc, _ := json.Marshal(map[string][]byte{"blobValue": b})
			return enc
		}
	}
	enc, _ := json.Marshal(map[string]string{"stringValue": string(raw)})
	return enc
}

func jsonValue(oid uint32, raw []byte) any {
	if raw == nil {
		return nil
	}
	switch oid {
	case oidInt2, oidInt4, oidInt8, oidOID:
		if n, err := strconv.ParseInt(string(raw), 10, 64); err == nil {
			return n
		}
	case oidFloat4, oidFloat8:
		if f, err := strconv.ParseFloat(string(raw), 64); err == nil {
			return f
		}
	case oidBool:
		return string(raw) == "t"
	}
	return string(raw)
}

func typeName(oid uint32) string {
	switch oid {
	case oidBool:
		return "bool"
	case oidBytea:
		return "bytea"
	case oidInt2:
		return "int2"
	case oidInt4:
		return "int4"
	case oidInt8:
		return "int8"
	case oidFloat4:
		return "float4"
	case oidFloat8:
		return "float8"
	case oidNumeric:
		return "numeric"
	}
	return "text"
}
