package validator

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/acme-payments/xpaymentplatform/lambda/validation/backend"
)

// maxDepth stops bisection; a segment that deep is downloaded page by page
// whatever its size.
const maxDepth = 48

// maxTopSegments caps the first split of a table.
const maxTopSegments = 100_000

type aggregate struct {
	Count int64
	Sum   string // decimal sum of 64-bit row hashes
}

// planTable reads both sides' catalogs and decides keys and hashed columns.
// problem is non-empty when the table cannot be diffed (then err is nil).
func (r *run) planTable(ctx context.Context, table string) (p *tablePlan, fp string, problem string, err error) {
	var metas [2]*tableMeta
	if err := r.both(ctx, func(ctx context.Context, side int) error {
		m, err := r.describe(ctx, side, table)
		metas[side] = m
		return err
	}); err != nil {
		return nil, "", "", err
	}
	src, tgt := metas[source], metas[target]
	if src == nil || tgt == nil {
		return nil, "", "table is missing on one side", nil
	}
	if len(src.PK) == 0 {
		return nil, "", "table has no primary key in the source; rows cannot be matched", nil
	}
	if strings.Join(src.PK, ",") != strings.Join(tgt.PK, ",") {
		return nil, "", fmt.Sprintf("primary keys differ: source (%s), target (%s)", strings.Join(src.PK, ", "), strings.Join(tgt.PK, ", ")), nil
	}
	p = &tablePlan{Schema: r.cfg.Schema, Table: table}
	for _, name := range src.PK {
		sc, _ := src.column(name)
		tc, _ := tgt.column(name)
		kind := keyKind(sc.TypName)
		if keyKind(tc.TypName) != kind {
			kind = kindOther
		}
		k := keyCol{Name: name, Kind: kind}
		for side, c := range [2]column{sc, tc} {
			switch kind {
			case kindInt:
				k.ParamType[side] = "int8"
			case kindUUID:
				k.ParamType[side] = "uuid"
			case kindText:
				k.ParamType[side] = "text"
			default:
				k.ParamType[side] = c.Type
			}
		}
		if kind == kindOther && sc.Type != tc.Type {
			return nil, "", fmt.Sprintf("primary key column %s has type %s in the source and %s in the target", name, sc.Type, tc.Type), nil
		}
		p.Keys = append(p.Keys, k)
	}
	var cols []hashedColumn
	for _, sc := range src.Columns {
		tc, ok := tgt.column(sc.Name)
		if !ok {
			continue
		}
		cat := hashCategory(sc.TypName)
		if hashCategory(tc.TypName) != cat {
			cat = "other" // compare text forms
		}
		cols = append(cols, hashedColumn{Name: sc.Name, Category: cat})
	}
	p.Hash = rowHash(r.state.HashMode, cols)
	h := sha256.New()
	fmt.Fprintf(h, "%s|%v|%v", r.state.HashMode, p.Keys, cols)
	return p, hex.EncodeToString(h.Sum(nil))[:16], "", nil
}

func (r *run) aggregate(ctx context.Context, side int, p *tablePlan, seg segment) (aggregate, error) {
	sql, args := p.aggregateSQL(side, seg.Lo, seg.Hi)
	rows, err := r.be[side].Query(ctx, sql, args...)
	if err != nil {
		return aggregate{}, err
	}
	if len(rows) != 1 || len(rows[0]) != 2 {
		return aggregate{}, errors.New("aggregate: unexpected result shape")
	}
	n, ok1 := asInt64(rows[0][0])
	s, ok2 := asString(rows[0][1])
	if !ok1 || !ok2 {
		return aggregate{}, errors.New("aggregate: unexpected value types")
	}
	return aggregate{Count: n, Sum: s}, nil
}

func (r *run) grouped(ctx context.Context, side int, sql string, args []any, buckets int) (map[int64]aggregate, error) {
	rows, err := r.be[side].Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]aggregate, len(rows))
	for _, row := range rows {
		if len(row) != 3 {
			return nil, errors.New("grouped aggregate: unexpected result shape")
		}
		b, ok1 := asInt64(row[0])
		n, ok2 := asInt64(row[1])
		s, ok3 := asString(row[2])
		if !ok1 || !ok2 || !ok3 || b < 0 || b >= int64(buckets) {
			return nil, errors.New("grouped aggregate: unexpected values")
		}
		out[b] = aggregate{Count: n, Sum: s}
	}
	return out, nil
}

type keyedHash struct {
	Key  []string
	Hash int64
}

// download fetches (key, row hash) of a segment in pages, halving the page
// when a response would exceed the backend's size limit.
func (r *run) download(ctx context.Context, side int, p *tablePlan, segs []segment) ([]keyedHash, error) {
	page := r.cfg.PageRows
	var out []keyedHash
	var after bound
	for {
		sql, args := p.downloadSQL(side, segs, after, page)
		rows, err := r.be[side].Query(ctx, sql, args...)
		if errors.Is(err, backend.ErrResponseTooLarge) && page > 1 {
			page /= 2
			r.log.Debug("download page too large, halving", "table", p.Table, "side", sideNames[side], "page", page)
			continue
		}
		if err != nil {
			return nil, err
		}
		r.addStatements(1)
		for _, row := range rows {
			if len(row) != len(p.Keys)+1 {
				return nil, errors.New("download: unexpected result shape")
			}
			key := make([]string, len(p.Keys))
			for i := range p.Keys {
				s, ok := asString(row[i])
				if !ok {
					return nil, errors.New("download: NULL key")
				}
				key[i] = s
			}
			h, ok := asInt64(row[len(p.Keys)])
			if !ok {
				return nil, errors.New("download: unexpected hash type")
			}
			out = append(out, keyedHash{Key: key, Hash: h})
		}
		if len(rows) < page {
			return out, nil
		}
		after = out[len(out)-1].Key
	}
}

// fanOut is how many children a differing segment of n rows is cut into:
// enough for the children to be near the download threshold, at least the
// bisection factor, at most maxFanOut. One grouped statement per side costs
// about the same whatever the number of children.
func (r *run) fanOut(n int64) int {
	k := (n + r.cfg.DownloadThreshold - 1) / r.cfg.DownloadThreshold
	return int(max(int64(r.cfg.BisectionFactor), min(k, maxFanOut)))
}

const maxFanOut = 256

// splitPoints cuts a differing segment into children: by arithmetic on the
// first key column when it is an integer or uuid and the range allows, else
// at every step-th key of the side holding more rows.
func (r *run) splitPoints(ctx context.Context, p *tablePlan, seg segment) ([]bound, error) {
	segRows := max(seg.CS, seg.CT)
	if !seg.Known {
		segRows = r.cfg.ChunkRows
	}
	factor := r.fanOut(segRows)
	kind := p.Keys[0].Kind
	if kind == kindInt || kind == kindUUID {
		tableHi := ""
		if r.cur.MaxKey != "" {
			if mx, err := keyToInt(kind, r.cur.MaxKey); err == nil {
				tableHi = new(big.Int).Add(mx, one).String()
			}
		}
		if lo, hi, ok := arithmeticRange(kind, seg, r.cur.MinKey, tableHi); ok {
			if pts := evenPoints(lo, hi, factor); len(pts) > 0 {
				out := make([]bound, len(pts))
				for i, pt := range pts {
					out[i] = bound{intToKey(kind, pt)}
				}
				return out, nil
			}
		}
	}
	side, n := source, seg.CS
	if seg.CT > seg.CS {
		side, n = target, seg.CT
	}
	step := (n + int64(factor) - 1) / int64(factor)
	if step < 1 {
		step = 1
	}
	sql, args := p.splitPointsSQL(side, seg.Lo, seg.Hi, step, factor-1)
	rows, err := r.be[side].Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	r.addStatements(1)
	out := make([]bound, 0, len(rows))
	for _, row := range rows {
		b := make(bound, len(row))
		for i, v := range row {
			s, ok := asString(v)
			if !ok {
				return nil, errors.New("split points: NULL key")
			}
			b[i] = s
		}
		out = append(out, b)
	}
	return out, nil
}

// initDiff computes the top-level segments of a table.
func (r *run) initDiff(ctx context.Context, p *tablePlan) error {
	st := r.cur
	kind := p.Keys[0].Kind
	est := int64(-1)
	if c, ok := r.state.Counts[p.Table]; ok {
		est = max(c[0], c[1])
	} else {
		for side := range 2 {
			if m := r.meta[side][p.Table]; m != nil && m.RelTuples > est {
				est = m.RelTuples
			}
		}
	}
	if est < 0 {
		// Never analyzed and not counted yet: count now.
		var counts [2]int64
		if err := r.both(ctx, func(ctx context.Context, side int) error {
			n, err := r.count(ctx, side, p.Table)
			counts[side] = n
			return err
		}); err != nil {
			return err
		}
		est = max(counts[0], counts[1])
	}
	n := int((est + r.cfg.ChunkRows - 1) / r.cfg.ChunkRows)
	n = max(1, min(n, maxTopSegments))

	var points []bound
	switch kind {
	case kindInt:
		var mm [2][2]string
		if err := r.both(ctx, func(ctx context.Context, side int) error {
			rows, err := r.be[side].Query(ctx, p.minMaxSQL())
			if err != nil {
				return err
			}
			if len(rows) == 1 && len(rows[0]) == 2 {
				mm[side][0], _ = asString(rows[0][0])
				mm[side][1], _ = asString(rows[0][1])
			}
			return nil
		}); err != nil {
			return err
		}
		var lo, hi *big.Int
		for side := range 2 {
			if mm[side][0] == "" {
				continue
			}
			a, err1 := keyToInt(kind, mm[side][0])
			b, err2 := keyToInt(kind, mm[side][1])
			if err1 != nil || err2 != nil {
				return errors.New("cannot read the key range")
			}
			if lo == nil || a.Cmp(lo) < 0 {
				lo = a
			}
			if hi == nil || b.Cmp(hi) > 0 {
				hi = b
			}
		}
		if lo != nil {
			st.MinKey, st.MaxKey = lo.String(), hi.String()
			for _, pt := range evenPoints(lo, new(big.Int).Add(hi, one), n) {
				points = append(points, bound{pt.String()})
			}
		}
	case kindUUID:
		for _, pt := range evenPoints(new(big.Int), uuidSpace, n) {
			points = append(points, bound{intToKey(kind, pt)})
		}
	default:
		if n > 1 {
			pct := min(100.0, 100.0*float64(n)*20/float64(max(est, 1)))
			sql, _ := p.sampleSplitPointsSQL(pct, n)
			rows, err := r.be[source].Query(ctx, sql)
			if err != nil {
				return err
			}
			r.addStatements(1)
			for _, row := range rows {
				b := make(bound, len(row))
				for i, v := range row {
					b[i], _ = asString(v)
				}
				points = append(points, b)
			}
		}
	}
	segs := childSegments(segment{}, points)
	// Push in reverse so that the first segment is on top of the stack.
	for i := len(segs) - 1; i >= 0; i-- {
		st.Stack = append(st.Stack, segs[i])
	}
	st.Started = true
	r.log.Info("diff planned", "table", p.Table, "segments", len(segs), "estimatedRows", est, "keyKind", kind)
	return nil
}

// childSegments cuts parent at points.
func childSegments(parent segment, points []bound) []segment {
	out := make([]segment, 0, len(points)+1)
	lo := parent.Lo
	for _, pt := range points {
		out = append(out, segment{Lo: lo, Hi: pt, Depth: parent.Depth + 1})
		lo = pt
	}
	out = append(out, segment{Lo: lo, Hi: parent.Hi, Depth: parent.Depth + 1})
	return out
}

func (r *run) addRows(n int64) {
	r.cur.RowsCompared += n
	r.state.Rows += n
	r.rowsThisCall += n
}

func (r *run) addStatements(n int64) {
	if r.cur != nil {
		r.cur.Statements += n
	}
}

// diffCheck turns a finished diff into a verdict.
func (r *run) diffCheck(st *diffState) Check {
	total := st.Missing + st.Extra + st.Changed
	details := fmt.Sprintf("compared %d rows in %d statements; missing in target %d, extra in target %d, changed %d; downloaded %d key hashes",
		st.RowsCompared, st.Statements, st.Missing, st.Extra, st.Changed, st.Downloaded)
	status := StatusPass
	if total > 0 {
		status = StatusFail
		if r.state.CheckType == Continuous && total <= r.cfg.ContinuousTolerance {
			status = StatusWarn
		}
	}
	return Check{Name: "data_diff", Table: st.Table, Status: status, Details: details}
}
