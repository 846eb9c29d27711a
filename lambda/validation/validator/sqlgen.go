package validator

import (
	"regexp"
	"strconv"
	"strings"
)

// Side indexes.
const (
	source = 0
	target = 1
)

var sideNames = [2]string{"source", "target"}

type keyCol struct {
	Name string
	Kind string
	// ParamType is the SQL type bounds are cast to, per side.
	ParamType [2]string
}

// tablePlan is everything needed to write the diff statements of a table.
type tablePlan struct {
	Schema, Table string
	Keys          []keyCol
	// Hash is the per-row 64-bit hash expression (identical on both sides).
	Hash string
}

// bound is a prefix of a primary-key tuple, as text. A segment's lower bound
// is inclusive, its upper bound exclusive; nil means unbounded.
type bound []string

// args collects statement arguments and hands out placeholders.
type args struct{ vals []any }

func (a *args) add(v any) string {
	a.vals = append(a.vals, v)
	return "$" + strconv.Itoa(len(a.vals))
}

func (p *tablePlan) from() string { return qualified(p.Schema, p.Table) }

// keyExpr is key column i as compared and ordered: text keys use the C
// collation so that both sides agree on byte order whatever their default
// collations.
func (p *tablePlan) keyExpr(i int) string {
	e := quoteIdent(p.Keys[i].Name)
	if p.Keys[i].Kind == kindText {
		e += ` COLLATE "C"`
	}
	return e
}

func (p *tablePlan) keyList(n int) string {
	parts := make([]string, n)
	for i := 0; i < n; i++ {
		parts[i] = p.keyExpr(i)
	}
	return strings.Join(parts, ", ")
}

var (
	intLiteral  = regexp.MustCompile(`^-?[0-9]{1,20}$`)
	uuidLiteral = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
)

// param renders key column i's bound value v: integers and uuids (checked
// against strict patterns) inline as literals, anything else as a
// placeholder. Fewer placeholders keep the Data API requests small.
func (p *tablePlan) param(a *args, side, i int, v string) string {
	switch k := p.Keys[i]; {
	case k.Kind == kindInt && intLiteral.MatchString(v):
		return v + "::int8"
	case k.Kind == kindUUID && uuidLiteral.MatchString(v):
		return "'" + v + "'::uuid"
	}
	e := a.add(v) + "::text::" + p.Keys[i].ParamType[side]
	if p.Keys[i].Kind == kindText {
		e += ` COLLATE "C"`
	}
	return e
}

// cmp renders "keys <op> bound" for a prefix bound.
func (p *tablePlan) cmp(a *args, side int, op string, b bound) string {
	if len(b) == 1 {
		return p.keyExpr(0) + " " + op + " " + p.param(a, side, 0, b[0])
	}
	ps := make([]string, len(b))
	for i, v := range b {
		ps[i] = p.param(a, side, i, v)
	}
	return "ROW(" + p.keyList(len(b)) + ") " + op + " ROW(" + strings.Join(ps, ", ") + ")"
}

// cond is the predicate of the segment [lo, hi); "" when unbounded.
func (p *tablePlan) cond(a *args, side int, lo, hi bound) string {
	var conds []string
	if lo != nil {
		conds = append(conds, p.cmp(a, side, ">=", lo))
	}
	if hi != nil {
		conds = append(conds, p.cmp(a, side, "<", hi))
	}
	return strings.Join(conds, " AND ")
}

func (p *tablePlan) where(a *args, side int, lo, hi bound) string {
	if c := p.cond(a, side, lo, hi); c != "" {
		return " WHERE " + c
	}
	return ""
}

// whereAny restricts to the union of disjoint segments.
func (p *tablePlan) whereAny(a *args, side int, segs []segment) string {
	if len(segs) == 1 {
		return p.where(a, side, segs[0].Lo, segs[0].Hi)
	}
	parts := make([]string, len(segs))
	for i, s := range segs {
		c := p.cond(a, side, s.Lo, s.Hi)
		if c == "" {
			return ""
		}
		parts[i] = "(" + c + ")"
	}
	return " WHERE " + strings.Join(parts, " OR ")
}

// aggregateSQL: row count and sum of row hashes of one segment.
func (p *tablePlan) aggregateSQL(side int, lo, hi bound) (string, []any) {
	var a args
	w := p.where(&a, side, lo, hi)
	return "SELECT count(*)::int8, coalesce(sum(" + p.Hash + "), 0)::text FROM " + p.from() + w, a.vals
}

// childRange is one child of a split: the keys in [Lo, Hi), reported as
// bucket ID.
type childRange struct {
	ID     int64
	Lo, Hi bound
}

// groupedSQL: row count and hash sum of each child range, in one
// statement. The ranges' bounds come in VALUES lists (one per shape of
// bounds) joined LATERAL to a plain range aggregate, so that each child is
// one index range scan and the planner never has to guess the number of
// groups of a GROUP BY (it would sort the whole segment).
func (p *tablePlan) groupedSQL(side int, ranges []childRange) (string, []any) {
	var a args
	type shape struct{ lo, hi int }
	var order []shape
	byShape := map[shape][]childRange{}
	for _, r := range ranges {
		sh := shape{len(r.Lo), len(r.Hi)}
		if _, ok := byShape[sh]; !ok {
			order = append(order, sh)
		}
		byShape[sh] = append(byShape[sh], r)
	}
	var parts []string
	for _, sh := range order {
		rs := byShape[sh]
		cols := []string{"i"}
		for i := 0; i < sh.lo; i++ {
			cols = append(cols, "l"+strconv.Itoa(i))
		}
		for i := 0; i < sh.hi; i++ {
			cols = append(cols, "h"+strconv.Itoa(i))
		}
		rows := make([]string, len(rs))
		for ri, r := range rs {
			vals := []string{strconv.FormatInt(r.ID, 10) + "::int8"}
			for i, v := range r.Lo {
				vals = append(vals, p.value(&a, side, i, v))
			}
			for i, v := range r.Hi {
				vals = append(vals, p.value(&a, side, i, v))
			}
			rows[ri] = "(" + strings.Join(vals, ", ") + ")"
		}
		var conds []string
		if sh.lo > 0 {
			conds = append(conds, p.cmpCols("b.l", sh.lo, ">="))
		}
		if sh.hi > 0 {
			conds = append(conds, p.cmpCols("b.h", sh.hi, "<"))
		}
		w := ""
		if len(conds) > 0 {
			w = " WHERE " + strings.Join(conds, " AND ")
		}
		parts = append(parts, "SELECT b.i, x.n, x.s FROM (VALUES "+strings.Join(rows, ", ")+") AS b("+strings.Join(cols, ", ")+
			") CROSS JOIN LATERAL (SELECT count(*)::int8 AS n, coalesce(sum("+p.Hash+"), 0)::text AS s FROM "+p.from()+w+") x")
	}
	return strings.Join(parts, " UNION ALL "), a.vals
}

// value is a bound value in a VALUES list: like param, without collation.
func (p *tablePlan) value(a *args, side, i int, v string) string {
	return strings.TrimSuffix(p.param(a, side, i, v), ` COLLATE "C"`)
}

// cmpCols renders "keys <op> (b.l0, b.l1, ...)" against columns of a
// VALUES list.
func (p *tablePlan) cmpCols(prefix string, n int, op string) string {
	col := func(i int) string {
		c := prefix + strconv.Itoa(i)
		if p.Keys[i].Kind == kindText {
			c += ` COLLATE "C"`
		}
		return c
	}
	if n == 1 {
		return p.keyExpr(0) + " " + op + " " + col(0)
	}
	cs := make([]string, n)
	for i := range cs {
		cs[i] = col(i)
	}
	return "ROW(" + p.keyList(n) + ") " + op + " ROW(" + strings.Join(cs, ", ") + ")"
}

// downloadSQL: one page of (key..., row hash) of the union of segs, in key
// order, after key `after` (nil for the first page).
func (p *tablePlan) downloadSQL(side int, segs []segment, after bound, limit int) (string, []any) {
	var a args
	sel := make([]string, len(p.Keys))
	for i, k := range p.Keys {
		// Aliased: a bare ORDER BY "id" would otherwise sort by the
		// text output column of the same name.
		sel[i] = quoteIdent(k.Name) + "::text AS k" + strconv.Itoa(i)
	}
	w := p.whereAny(&a, side, segs)
	if after != nil {
		c := p.cmp(&a, side, ">", after)
		if w == "" {
			w = " WHERE " + c
		} else {
			w = " WHERE (" + strings.TrimPrefix(w, " WHERE ") + ") AND " + c
		}
	}
	return "SELECT " + strings.Join(sel, ", ") + ", (" + p.Hash + ")::int8 AS h FROM " + p.from() + w +
		" ORDER BY " + p.keyList(len(p.Keys)) + " LIMIT " + strconv.Itoa(limit), a.vals
}

// splitPointsSQL: every step-th key of a segment, in key order, at most
// limit of them. Used to split segments whose keys cannot be split by
// arithmetic.
func (p *tablePlan) splitPointsSQL(side int, lo, hi bound, step int64, limit int) (string, []any) {
	var a args
	inner := make([]string, len(p.Keys))
	outer := make([]string, len(p.Keys))
	for i, k := range p.Keys {
		inner[i] = quoteIdent(k.Name) + " AS k" + strconv.Itoa(i)
		outer[i] = "k" + strconv.Itoa(i) + "::text"
	}
	w := p.where(&a, side, lo, hi)
	stepArg := a.add(strconv.FormatInt(step, 10))
	return "SELECT " + strings.Join(outer, ", ") + " FROM (SELECT " + strings.Join(inner, ", ") +
		", row_number() OVER (ORDER BY " + p.keyList(len(p.Keys)) + ") AS rn FROM " + p.from() + w +
		") s WHERE rn % " + stepArg + "::text::int8 = 0 ORDER BY rn LIMIT " + strconv.Itoa(limit), a.vals
}

// sampleSplitPointsSQL: about n-1 keys spread over the whole table, from a
// repeatable block sample, for the first split of tables whose keys cannot
// be split by arithmetic.
func (p *tablePlan) sampleSplitPointsSQL(pct float64, n int) (string, []any) {
	inner := make([]string, len(p.Keys))
	outer := make([]string, len(p.Keys))
	for i, k := range p.Keys {
		inner[i] = quoteIdent(k.Name) + " AS k" + strconv.Itoa(i)
		outer[i] = "k" + strconv.Itoa(i) + "::text"
	}
	return "SELECT " + strings.Join(outer, ", ") + " FROM (SELECT " + strings.Join(inner, ", ") +
		", row_number() OVER (ORDER BY " + p.keyList(len(p.Keys)) + ") AS rn, count(*) OVER () AS cnt FROM " +
		p.from() + " TABLESAMPLE SYSTEM (" + strconv.FormatFloat(pct, 'f', 6, 64) + ") REPEATABLE (7)" +
		") s WHERE rn % greatest(1, cnt / " + strconv.Itoa(n) + ") = 0 ORDER BY rn LIMIT " + strconv.Itoa(n-1), nil
}

// minMaxSQL: smallest and largest first key column.
func (p *tablePlan) minMaxSQL() string {
	k := quoteIdent(p.Keys[0].Name)
	return "SELECT min(" + k + ")::text, max(" + k + ")::text FROM " + p.from()
}

// nullHashConstant stands for a NULL in column i, so that NULL and a value
// hash differently and a NULL never erases the row's hash.
func nullHashConstant(i int) string {
	// Distinct odd 63-bit constants (golden-ratio increments).
	v := uint64(0x9E3779B97F4A7C15)*uint64(i+1) | 1
	return strconv.FormatInt(int64(v>>1), 10)
}

// columnHash is the 64-bit hash of one column, seeded by its position.
// columnHashes are the seeded 64-bit hash expression of each column
// category; {c} is the quoted column, {s} the seed. Anything else hashes
// its text form.
var columnHashes = map[string]string{
	"int":         "hashint8extended({c}::int8, {s})",
	"numeric":     "hash_numeric_extended({c}::numeric, {s})",
	"float":       "hashfloat8extended({c}::float8, {s})",
	"text":        "hashtextextended({c}::text, {s})",
	"bpchar":      "hashbpcharextended({c}, {s})",
	"uuid":        "uuid_hash_extended({c}, {s})",
	"timestamptz": "timestamp_hash_extended({c} AT TIME ZONE 'UTC', {s})",
	"timestamp":   "timestamp_hash_extended({c}, {s})",
	"date":        "hashint8extended(({c} - DATE '2000-01-01')::int8, {s})",
	"bool":        "hashint8extended({c}::int4::int8, {s})",
	"jsonb":       "jsonb_hash_extended({c}, {s})",
}

func columnHash(category, col string, seed int) string {
	tmpl, ok := columnHashes[category]
	if !ok {
		tmpl = columnHashes["text"]
	}
	e := strings.NewReplacer("{c}", quoteIdent(col), "{s}", strconv.Itoa(seed)).Replace(tmpl)
	return "coalesce(" + e + ", " + nullHashConstant(seed) + ")"
}

// columnText is a column's canonical text for the md5 mode.
func columnText(category, col string) string {
	c := quoteIdent(col)
	switch category {
	case "timestamptz":
		return "to_char(" + c + " AT TIME ZONE 'UTC', 'YYYYMMDD\"T\"HH24MISSUS')"
	case "timestamp":
		return "to_char(" + c + ", 'YYYYMMDD\"T\"HH24MISSUS')"
	case "bool":
		return "(" + c + ")::int4::text"
	}
	return c + "::text"
}

// rowHash builds the row hash over cols (name and hash category each).
func rowHash(mode string, cols []hashedColumn) string {
	if mode == HashMD5 {
		parts := make([]string, len(cols))
		for i, c := range cols {
			parts[i] = "coalesce(" + columnText(c.Category, c.Name) + ", E'\\\\N')"
		}
		return "('x' || substr(md5(concat_ws(E'\\x1f', " + strings.Join(parts, ", ") + ")), 1, 16))::bit(64)::int8"
	}
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = columnHash(c.Category, c.Name, i+1)
	}
	return "(" + strings.Join(parts, " # ") + ")"
}

type hashedColumn struct {
	Name     string
	Category string
}
