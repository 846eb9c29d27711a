package validator

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// qualitySide is where data-quality checks decide: the source before the
// migration, the target after it.
func (r *run) qualitySide() int {
	if r.state.CheckType == PreMigration {
		return source
	}
	return target
}

func (r *run) checkPresent(ctx context.Context) ([]Check, error) {
	var metas [2][]*tableMeta
	if err := r.both(ctx, func(ctx context.Context, side int) error {
		metas[side] = make([]*tableMeta, len(r.state.Tables))
		for i, t := range r.state.Tables {
			m, err := r.describe(ctx, side, t)
			if err != nil {
				return err
			}
			metas[side][i] = m
		}
		return nil
	}); err != nil {
		return nil, err
	}
	var out []Check
	for i, t := range r.state.Tables {
		var missing []string
		for side := range 2 {
			if metas[side][i] == nil {
				missing = append(missing, sideNames[side])
			}
		}
		c := Check{Name: "table_present", Table: t, Status: StatusPass, Details: "present in source and target"}
		if len(missing) > 0 {
			r.state.Missing[t] = true
			c.Status = StatusFail
			c.Details = "missing in " + strings.Join(missing, " and ")
		}
		out = append(out, c)
	}
	return out, nil
}

func (r *run) bothMeta(ctx context.Context, table string) ([2]*tableMeta, error) {
	var metas [2]*tableMeta
	err := r.both(ctx, func(ctx context.Context, side int) error {
		m, err := r.describe(ctx, side, table)
		metas[side] = m
		return err
	})
	return metas, err
}

func (r *run) checkSchema(ctx context.Context, table string) ([]Check, error) {
	if r.state.Missing[table] {
		return []Check{{Name: "schema", Table: table, Status: StatusSkipped, Details: "table is missing"}}, nil
	}
	metas, err := r.bothMeta(ctx, table)
	if err != nil {
		return nil, err
	}
	src, tgt := metas[source], metas[target]
	if src == nil || tgt == nil {
		return []Check{{Name: "schema", Table: table, Status: StatusFail, Details: "table disappeared during the run"}}, nil
	}
	var problems []string
	var onlySrc, onlyTgt []string
	for _, c := range src.Columns {
		if _, ok := tgt.column(c.Name); !ok {
			onlySrc = append(onlySrc, c.Name)
		}
	}
	for _, c := range tgt.Columns {
		if _, ok := src.column(c.Name); !ok {
			onlyTgt = append(onlyTgt, c.Name)
		}
	}
	if len(onlySrc) > 0 {
		problems = append(problems, "columns missing in target: "+strings.Join(onlySrc, ", "))
	}
	if len(onlyTgt) > 0 {
		problems = append(problems, "columns only in target: "+strings.Join(onlyTgt, ", "))
	}
	if len(src.PK) == 0 {
		problems = append(problems, "no primary key in source")
	}
	if !slices.Equal(src.PK, tgt.PK) {
		problems = append(problems, fmt.Sprintf("primary key differs: source (%s), target (%s)", strings.Join(src.PK, ", "), strings.Join(tgt.PK, ", ")))
	}
	if len(problems) > 0 {
		return []Check{{Name: "schema", Table: table, Status: StatusFail, Details: strings.Join(problems, "; ")}}, nil
	}
	return []Check{{Name: "schema", Table: table, Status: StatusPass,
		Details: fmt.Sprintf("%d columns, primary key (%s)", len(src.Columns), strings.Join(src.PK, ", "))}}, nil
}

func (r *run) count(ctx context.Context, side int, table string) (int64, error) {
	return r.scalar(ctx, side, "SELECT count(*)::int8 FROM "+qualified(r.cfg.Schema, table))
}

func (r *run) scalar(ctx context.Context, side int, sql string, args ...any) (int64, error) {
	rows, err := r.be[side].Query(ctx, sql, args...)
	if err != nil {
		return 0, err
	}
	if len(rows) != 1 || len(rows[0]) != 1 {
		return 0, errors.New("expected one value")
	}
	n, ok := asInt64(rows[0][0])
	if !ok {
		return 0, errors.New("expected an integer")
	}
	return n, nil
}

func (r *run) checkRowCount(ctx context.Context, table string) ([]Check, error) {
	if r.state.Missing[table] {
		return []Check{{Name: "row_count", Table: table, Status: StatusSkipped, Details: "table is missing"}}, nil
	}
	var counts [2]int64
	if err := r.both(ctx, func(ctx context.Context, side int) error {
		n, err := r.count(ctx, side, table)
		counts[side] = n
		return err
	}); err != nil {
		return nil, err
	}
	r.state.Counts[table] = counts
	c := Check{Name: "row_count", Table: table, Status: StatusPass,
		Details: fmt.Sprintf("source %d, target %d", counts[source], counts[target])}
	if d := counts[source] - counts[target]; d != 0 {
		c.Status = StatusFail
		if r.state.CheckType == Continuous && abs64(d) <= r.cfg.ContinuousTolerance {
			c.Status = StatusWarn
		}
		c.Details += fmt.Sprintf(" (difference %d)", -d)
	}
	return []Check{c}, nil
}

func abs64(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

// countOn runs a count on both sides when the table (and columns) exist
// there; -1 marks a side where it does not apply.
func (r *run) countOn(ctx context.Context, applies func(side int) bool, sql string) ([2]int64, error) {
	counts := [2]int64{-1, -1}
	err := r.both(ctx, func(ctx context.Context, side int) error {
		if !applies(side) {
			return nil
		}
		n, err := r.scalar(ctx, side, sql)
		counts[side] = n
		return err
	})
	return counts, err
}

func (r *run) qualityCheck(name, table, what string, counts [2]int64) Check {
	side := r.qualitySide()
	other := 1 - side
	c := Check{Name: name, Table: table, Status: StatusPass,
		Details: fmt.Sprintf("%s: %d %s", sideNames[side], counts[side], what)}
	if counts[other] >= 0 {
		c.Details += fmt.Sprintf(" (%s: %d)", sideNames[other], counts[other])
	}
	if counts[side] > 0 {
		c.Status = StatusFail
	}
	return c
}

func (r *run) hasColumn(ctx context.Context, side int, table, col string) (bool, error) {
	m, err := r.describe(ctx, side, table)
	if err != nil || m == nil {
		return false, err
	}
	_, ok := m.column(col)
	return ok, nil
}

// columnCheck counts rows matching cond where the table has col; no check
// when the deciding side's table has no such column.
func (r *run) columnCheck(ctx context.Context, name, table, col, cond, what string) ([]Check, error) {
	if r.state.Missing[table] {
		return nil, nil
	}
	var has [2]bool
	for side := range 2 {
		ok, err := r.hasColumn(ctx, side, table, col)
		if err != nil {
			return nil, err
		}
		has[side] = ok
	}
	if !has[r.qualitySide()] {
		return nil, nil
	}
	sql := "SELECT count(*)::int8 FROM " + qualified(r.cfg.Schema, table) + " WHERE " + cond
	counts, err := r.countOn(ctx, func(side int) bool { return has[side] }, sql)
	if err != nil {
		return nil, err
	}
	return []Check{r.qualityCheck(name, table, what, counts)}, nil
}

func (r *run) checkAmounts(ctx context.Context, table string) ([]Check, error) {
	a := quoteIdent(r.cfg.AmountColumn)
	return r.columnCheck(ctx, "invalid_amounts", table, r.cfg.AmountColumn,
		a+" IS NULL OR "+a+" <= 0", "rows with a NULL or non-positive "+r.cfg.AmountColumn)
}

func (r *run) checkNullCreatedAt(ctx context.Context, table string) ([]Check, error) {
	c := quoteIdent(r.cfg.CreatedAtColumn)
	return r.columnCheck(ctx, "null_created_at", table, r.cfg.CreatedAtColumn,
		c+" IS NULL", "rows with a NULL "+r.cfg.CreatedAtColumn)
}

func (r *run) checkOrphans(ctx context.Context, child string) ([]Check, error) {
	name := "orphaned_" + child
	if r.state.Missing[child] {
		return []Check{{Name: name, Table: child, Status: StatusSkipped, Details: "table is missing"}}, nil
	}
	var rules []OrphanRule
	for _, rule := range r.cfg.OrphanRules {
		if rule.Child == child {
			rules = append(rules, rule)
		}
	}
	// A rule applies on a side where both tables and both columns exist.
	var applicable [2][]OrphanRule
	var skipped []string
	for side := range 2 {
		for _, rule := range rules {
			okc, err := r.hasColumn(ctx, side, rule.Child, rule.ChildColumn)
			if err != nil {
				return nil, err
			}
			okp, err := r.hasColumn(ctx, side, rule.Parent, rule.ParentColumn)
			if err != nil {
				return nil, err
			}
			if okc && okp {
				applicable[side] = append(applicable[side], rule)
			} else if side == r.qualitySide() {
				skipped = append(skipped, rule.String())
			}
		}
	}
	deciding := r.qualitySide()
	if len(applicable[deciding]) == 0 {
		return []Check{{Name: name, Table: child, Status: StatusSkipped,
			Details: "no applicable rule (tables or columns missing): " + strings.Join(skipped, ", ")}}, nil
	}
	var perRule [2][]int64
	var totals [2]int64
	if err := r.both(ctx, func(ctx context.Context, side int) error {
		rs := applicable[side]
		if len(rs) == 0 || !slices.Equal(rs, applicable[deciding]) {
			totals[side] = -1
			return nil
		}
		// Anti-joins (hash joins), not correlated subqueries: one pass over
		// each table whatever their sizes.
		var joins, conds, sel []string
		for i, rule := range rs {
			parent := qualified(r.cfg.Schema, rule.Parent)
			pcol := quoteIdent(rule.ParentColumn)
			alias := fmt.Sprintf("p%d", i)
			if pm, _ := r.describe(ctx, side, rule.Parent); pm != nil && len(pm.PK) == 1 && pm.PK[0] == rule.ParentColumn {
				joins = append(joins, fmt.Sprintf(" LEFT JOIN %s %s ON %s.%s = c.%s", parent, alias, alias, pcol, quoteIdent(rule.ChildColumn)))
			} else {
				joins = append(joins, fmt.Sprintf(" LEFT JOIN (SELECT DISTINCT %s FROM %s) %s ON %s.%s = c.%s",
					pcol, parent, alias, alias, pcol, quoteIdent(rule.ChildColumn)))
			}
			cond := fmt.Sprintf("(c.%s IS NOT NULL AND %s.%s IS NULL)", quoteIdent(rule.ChildColumn), alias, pcol)
			conds = append(conds, cond)
			sel = append(sel, fmt.Sprintf("count(*) FILTER (WHERE %s)::int8", cond))
		}
		sql := "SELECT count(*) FILTER (WHERE " + strings.Join(conds, " OR ") + ")::int8, " + strings.Join(sel, ", ") +
			" FROM " + qualified(r.cfg.Schema, child) + " c" + strings.Join(joins, "")
		rows, err := r.be[side].Query(ctx, sql)
		if err != nil {
			return err
		}
		if len(rows) != 1 || len(rows[0]) != len(rs)+1 {
			return errors.New("orphan check: unexpected result shape")
		}
		totals[side], _ = asInt64(rows[0][0])
		for i := range rs {
			n, _ := asInt64(rows[0][i+1])
			perRule[side] = append(perRule[side], n)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	c := r.qualityCheck(name, child, "orphaned rows", totals)
	var parts []string
	for i, rule := range applicable[deciding] {
		parts = append(parts, fmt.Sprintf("%s: %d", rule.String(), perRule[deciding][i]))
	}
	c.Details += " [" + strings.Join(parts, "; ") + "]"
	if len(skipped) > 0 {
		c.Details += "; not checked: " + strings.Join(skipped, ", ")
	}
	return []Check{c}, nil
}
