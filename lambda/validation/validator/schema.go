package validator

import (
	"context"
	"fmt"
	"strings"

	"github.com/acme-payments/xpaymentplatform/lambda/validation/backend"
)

type column struct {
	Name    string
	Type    string // format_type(), e.g. "numeric(12,2)"
	TypName string // pg_type.typname of the base type, e.g. "numeric"
	PKPos   int    // 1-based position in the primary key, 0 if not in it
}

type tableMeta struct {
	Columns   []column
	PK        []string
	RelTuples int64 // planner estimate; -1 when never analyzed
}

func (m *tableMeta) column(name string) (column, bool) {
	for _, c := range m.Columns {
		if c.Name == name {
			return c, true
		}
	}
	return column{}, false
}

const describeSQL = `SELECT a.attname::text, format_type(a.atttypid, a.atttypmod)::text,
  (CASE WHEN t.typtype = 'd' THEN bt.typname ELSE t.typname END)::text,
  coalesce((SELECT k.n FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(att, n) WHERE k.att = a.attnum), 0)::int8,
  c.reltuples::int8
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_type bt ON bt.oid = t.typbasetype
LEFT JOIN pg_catalog.pg_index i ON i.indrelid = c.oid AND i.indisprimary
WHERE n.nspname = $1::text AND c.relname = $2::text AND c.relkind IN ('r', 'p')
  AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum`

// describe returns nil when the table does not exist.
func describe(ctx context.Context, b backend.Backend, schema, table string) (*tableMeta, error) {
	rows, err := b.Query(ctx, describeSQL, schema, table)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, nil
	}
	m := &tableMeta{}
	pk := map[int]string{}
	for _, r := range rows {
		if len(r) != 5 {
			return nil, fmt.Errorf("describe %s: unexpected row shape", table)
		}
		name, _ := r[0].(string)
		typ, _ := r[1].(string)
		typName, _ := r[2].(string)
		pos, _ := asInt64(r[3])
		m.RelTuples, _ = asInt64(r[4])
		if strings.ContainsAny(name, "$:\"\x00") {
			return nil, fmt.Errorf("table %s has a column name with a character the validator does not support", table)
		}
		m.Columns = append(m.Columns, column{Name: name, Type: typ, TypName: typName, PKPos: int(pos)})
		if pos > 0 {
			pk[int(pos)] = name
		}
	}
	for i := 1; i <= len(pk); i++ {
		name, ok := pk[i]
		if !ok {
			return nil, fmt.Errorf("describe %s: primary key positions are not contiguous", table)
		}
		m.PK = append(m.PK, name)
	}
	return m, nil
}

func asInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case float64:
		return int64(x), true
	case string:
		var n int64
		_, err := fmt.Sscan(x, &n)
		return n, err == nil
	}
	return 0, false
}

func asString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case int64:
		return fmt.Sprint(x), true
	case nil:
		return "", false
	}
	return fmt.Sprint(v), true
}

// Key kinds decide how a primary-key range is split.
const (
	kindInt   = "int"   // arithmetic split on 64-bit integers
	kindUUID  = "uuid"  // arithmetic split on the 128-bit space
	kindText  = "text"  // split on keys sampled from the data, byte order
	kindOther = "other" // split on keys sampled from the data
)

func keyKind(typName string) string {
	switch typName {
	case "int2", "int4", "int8":
		return kindInt
	case "uuid":
		return kindUUID
	case "text", "varchar", "bpchar", "name", "citext":
		return kindText
	}
	return kindOther
}

// hashCategory groups types whose values hash alike, so that a column that
// is integer on one side and bigint on the other still compares equal.
func hashCategory(typName string) string {
	switch typName {
	case "int2", "int4", "int8":
		return "int"
	case "numeric":
		return "numeric"
	case "float4", "float8":
		return "float"
	case "text", "varchar", "name":
		return "text"
	case "bpchar":
		// Kept apart: hashbpcharextended hashes without the cast to text,
		// which is costly; char on one side and text on the other falls
		// back to comparing text forms.
		return "bpchar"
	case "uuid", "timestamptz", "timestamp", "date", "bool", "jsonb":
		return typName
	}
	return "other"
}

func quoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

func qualified(schema, table string) string {
	return quoteIdent(schema) + "." + quoteIdent(table)
}
