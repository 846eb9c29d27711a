package validator

import (
	"context"
	"errors"
	"math/big"
	"strings"

	"github.com/acme-payments/xpaymentplatform/lambda/validation/backend"
)

// Batches: the differing segments on top of the stack (typically the
// differing children of one split) are split, or downloaded, together: one
// statement per side for all of them.
const (
	maxBatchSegments = 64
	maxBatchRows     = 4_000_000
)

// diffStep does one unit of work on the top of the stack. Segments are
// popped only once their work is done, so an interrupted step is redone by
// the next invocation.
func (r *run) diffStep(ctx context.Context, p *tablePlan) error {
	st := r.cur
	top := len(st.Stack) - 1
	seg := st.Stack[top]
	if !seg.Known && st.Fine && (seg.Lo != nil || seg.Hi != nil) && (p.Keys[0].Kind == kindInt || p.Keys[0].Kind == kindUUID) {
		// The table has shown differences: ask for the children's
		// aggregates of its next chunks directly. That is an index range
		// scan per child instead of one (parallel) range scan for the
		// chunk, a little slower when the chunk is equal, but it saves a
		// second pass over every chunk that differs.
		return r.split(ctx, p, []segment{seg})
	}
	if !seg.Known {
		var aggs [2]aggregate
		if err := r.both(ctx, func(ctx context.Context, side int) error {
			a, err := r.aggregate(ctx, side, p, seg)
			aggs[side] = a
			return err
		}); err != nil {
			if errors.Is(err, backend.ErrStatementTimeout) && r.splitUnknown(p, top) {
				// Too big for one statement (the Data API gives up after
				// 45s): compare its parts instead.
				r.log.Info("segment too large for one statement, splitting", "table", p.Table, "depth", seg.Depth)
				return nil
			}
			return err
		}
		r.addStatements(2)
		if aggs[0] == aggs[1] {
			st.Stack = st.Stack[:top]
			r.addRows(aggs[0].Count)
			return nil
		}
		seg.Known, seg.CS, seg.CT = true, aggs[0].Count, aggs[1].Count
		st.Stack[top] = seg
		st.Fine = true
		return nil
	}
	download := func(s segment) bool { return max(s.CS, s.CT) <= r.cfg.DownloadThreshold || s.Depth >= maxDepth }
	// The known segments on top of the stack that need the same treatment
	// as the top one form the batch.
	n, rows := 0, int64(0)
	for i := top; i >= 0 && n < maxBatchSegments; i-- {
		s := st.Stack[i]
		if !s.Known || download(s) != download(seg) || (n > 0 && rows+max(s.CS, s.CT) > maxBatchRows) {
			break
		}
		n++
		rows += max(s.CS, s.CT)
	}
	segs := make([]segment, n)
	for i := 0; i < n; i++ {
		segs[i] = st.Stack[top-i]
	}
	if download(seg) {
		if err := r.compareDownloads(ctx, p, segs); err != nil {
			return err
		}
		st.Stack = st.Stack[:top+1-n]
		return nil
	}
	return r.split(ctx, p, segs)
}

// maxChildrenPerStatement bounds the VALUES lists of a grouped statement
// (the Data API takes at most 64 KiB of SQL).
const maxChildrenPerStatement = 512

// split cuts the segments of a batch (segs[i] is st.Stack[top-i]) into
// children and compares the children's aggregates, one statement per side;
// differing children go back on the stack. Segments beyond a statement's
// capacity wait for the next step.
func (r *run) split(ctx context.Context, p *tablePlan, segs []segment) error {
	st := r.cur
	top := len(st.Stack) - 1
	var ranges []childRange
	var children [][]segment
	for i, seg := range segs {
		pts, err := r.splitPoints(ctx, p, seg)
		if err != nil {
			return err
		}
		if len(pts) == 0 {
			// Cannot be split (a single key value, say): download it
			// alone now; the rest of the batch waits for the next step.
			if err := r.compareDownloads(ctx, p, []segment{seg}); err != nil {
				return err
			}
			st.Stack = append(st.Stack[:top-i], st.Stack[top-i+1:]...)
			return nil
		}
		cs := childSegments(seg, pts)
		if i > 0 && len(ranges)+len(cs) > maxChildrenPerStatement {
			segs = segs[:i]
			break
		}
		for _, c := range cs {
			ranges = append(ranges, childRange{ID: int64(len(ranges)), Lo: c.Lo, Hi: c.Hi})
		}
		children = append(children, cs)
	}
	var groups [2]map[int64]aggregate
	if err := r.both(ctx, func(ctx context.Context, side int) error {
		sql, args := p.groupedSQL(side, ranges)
		g, err := r.grouped(ctx, side, sql, args, len(ranges))
		groups[side] = g
		return err
	}); err != nil {
		return err
	}
	r.addStatements(2)
	st.Stack = st.Stack[:top+1-len(segs)]
	// Push so that the first child of the first segment ends on top.
	id := int64(len(ranges))
	for i := len(segs) - 1; i >= 0; i-- {
		for j := len(children[i]) - 1; j >= 0; j-- {
			id--
			a, t := groups[source][id], groups[target][id]
			if a == t {
				r.addRows(a.Count)
				continue
			}
			c := children[i][j]
			c.Known, c.CS, c.CT = true, a.Count, t.Count
			st.Stack = append(st.Stack, c)
		}
	}
	return nil
}

// compareDownloads fetches (key, row hash) of segs on both sides and records
// the rows that differ.
func (r *run) compareDownloads(ctx context.Context, p *tablePlan, segs []segment) error {
	var rows [2][]keyedHash
	if err := r.both(ctx, func(ctx context.Context, side int) error {
		kh, err := r.download(ctx, side, p, segs)
		rows[side] = kh
		return err
	}); err != nil {
		return err
	}
	st := r.cur
	src := make(map[string]keyedHash, len(rows[source]))
	for _, kh := range rows[source] {
		src[strings.Join(kh.Key, "\x1f")] = kh
	}
	var diffs []Difference
	union := int64(len(rows[source]))
	for _, kh := range rows[target] {
		id := strings.Join(kh.Key, "\x1f")
		s, ok := src[id]
		switch {
		case !ok:
			union++
			st.Extra++
			diffs = append(diffs, Difference{Table: p.Table, KeyMAC: r.cfg.Keyer.RowKey(p.Table, kh.Key), Kind: ExtraInTarget})
		case s.Hash != kh.Hash:
			st.Changed++
			diffs = append(diffs, Difference{Table: p.Table, KeyMAC: r.cfg.Keyer.RowKey(p.Table, kh.Key), Kind: Changed})
		}
		delete(src, id)
	}
	for _, kh := range src {
		st.Missing++
		diffs = append(diffs, Difference{Table: p.Table, KeyMAC: r.cfg.Keyer.RowKey(p.Table, kh.Key), Kind: MissingInTarget})
	}
	SortDifferences(diffs) // one table: by key digest
	room := r.cfg.MaxReportedDifferences - r.state.reportedFor(p.Table)
	if room > 0 {
		r.state.Differences = append(r.state.Differences, diffs[:min(room, len(diffs))]...)
	}
	r.state.Mismatches += int64(len(diffs))
	st.Downloaded += int64(len(rows[source]) + len(rows[target]))
	r.addRows(union)
	if len(diffs) > 0 {
		r.log.Info("segments differ", "table", p.Table, "segments", len(segs), "differences", len(diffs))
	}
	return nil
}

// splitUnknown replaces the unknown segment at index i of the stack by
// BisectionFactor parts of its key range, when its first key has
// arithmetic. It reports whether it did.
func (r *run) splitUnknown(p *tablePlan, i int) bool {
	st := r.cur
	seg := st.Stack[i]
	kind := p.Keys[0].Kind
	if (kind != kindInt && kind != kindUUID) || seg.Depth >= maxDepth {
		return false
	}
	tableHi := ""
	if r.cur.MaxKey != "" {
		if mx, err := keyToInt(kind, r.cur.MaxKey); err == nil {
			tableHi = new(big.Int).Add(mx, one).String()
		}
	}
	lo, hi, ok := arithmeticRange(kind, seg, r.cur.MinKey, tableHi)
	if !ok {
		return false
	}
	pts := evenPoints(lo, hi, r.cfg.BisectionFactor)
	if len(pts) == 0 {
		return false
	}
	points := make([]bound, len(pts))
	for j, pt := range pts {
		points[j] = bound{intToKey(kind, pt)}
	}
	children := childSegments(seg, points)
	rest := append([]segment(nil), st.Stack[i+1:]...)
	st.Stack = st.Stack[:i]
	for j := len(children) - 1; j >= 0; j-- {
		st.Stack = append(st.Stack, children[j])
	}
	st.Stack = append(st.Stack, rest...)
	return true
}
