package validator

import (
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/acme-payments/xpaymentplatform/lambda/internal/privacy"
	"github.com/acme-payments/xpaymentplatform/lambda/validation/backend"
)

func TestEvenPoints(t *testing.T) {
	tests := []struct {
		lo, hi int64
		n      int
		want   []int64
	}{
		{0, 100, 4, []int64{25, 50, 75}},
		{1, 11, 3, []int64{5, 9}},
		{0, 3, 16, []int64{1, 2}},
		{5, 6, 4, nil},
		{5, 5, 4, nil},
		{-10, 10, 2, []int64{0}},
	}
	for _, tc := range tests {
		got := evenPoints(big.NewInt(tc.lo), big.NewInt(tc.hi), tc.n)
		var g []int64
		for _, p := range got {
			g = append(g, p.Int64())
		}
		if len(g) != len(tc.want) {
			t.Errorf("evenPoints(%d,%d,%d) = %v, want %v", tc.lo, tc.hi, tc.n, g, tc.want)
			continue
		}
		for i := range g {
			if g[i] != tc.want[i] {
				t.Errorf("evenPoints(%d,%d,%d) = %v, want %v", tc.lo, tc.hi, tc.n, g, tc.want)
			}
		}
	}
}

func TestKeyArithmetic(t *testing.T) {
	tests := []struct {
		kind, in string
		ok       bool
	}{
		{kindInt, "-9223372036854775808", true},
		{kindInt, "42", true},
		{kindInt, "4x", false},
		{kindUUID, "00000000-0000-0000-0000-000000000000", true},
		{kindUUID, "ffffffff-ffff-ffff-ffff-ffffffffffff", true},
		{kindUUID, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", true},
		{kindUUID, "a0eebc99-9c0b-4ef8", false},
		{kindUUID, "zzeebc99-9c0b-4ef8-bb6d-6bb9bd380a11", false},
		{kindText, "abc", false},
	}
	for _, tc := range tests {
		n, err := keyToInt(tc.kind, tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("keyToInt(%s, %q) error = %v", tc.kind, tc.in, err)
			continue
		}
		if tc.ok && intToKey(tc.kind, n) != tc.in {
			t.Errorf("round trip of %q gave %q", tc.in, intToKey(tc.kind, n))
		}
	}
	// uuid points split the 128-bit space in order.
	pts := evenPoints(new(big.Int), uuidSpace, 4)
	want := []string{"40000000-0000-0000-0000-000000000000", "80000000-0000-0000-0000-000000000000", "c0000000-0000-0000-0000-000000000000"}
	for i, p := range pts {
		if intToKey(kindUUID, p) != want[i] {
			t.Errorf("uuid point %d = %s, want %s", i, intToKey(kindUUID, p), want[i])
		}
	}
}

func TestArithmeticRange(t *testing.T) {
	tests := []struct {
		name           string
		kind           string
		seg            segment
		tlo, thi       string
		wantLo, wantHi string
		ok             bool
	}{
		{"unbounded int uses table range", kindInt, segment{}, "10", "101", "10", "101", true},
		{"bounded", kindInt, segment{Lo: bound{"20"}, Hi: bound{"30"}}, "10", "101", "20", "30", true},
		{"composite upper includes its first value", kindInt, segment{Lo: bound{"20", "5"}, Hi: bound{"30", "1"}}, "", "", "20", "31", true},
		{"unknown table range", kindInt, segment{}, "", "", "", "", false},
		{"uuid unbounded is the whole space", kindUUID, segment{}, "", "", "0", uuidSpace.String(), true},
		{"empty", kindInt, segment{Lo: bound{"5"}, Hi: bound{"5"}}, "", "", "", "", false},
		{"text has no arithmetic", kindText, segment{}, "a", "b", "", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lo, hi, ok := arithmeticRange(tc.kind, tc.seg, tc.tlo, tc.thi)
			if ok != tc.ok {
				t.Fatalf("ok = %v", ok)
			}
			if ok && (lo.String() != tc.wantLo || hi.String() != tc.wantHi) {
				t.Fatalf("range = [%s, %s), want [%s, %s)", lo, hi, tc.wantLo, tc.wantHi)
			}
		})
	}
}

func testPlan() *tablePlan {
	return &tablePlan{
		Schema: "public", Table: "transactions",
		Keys: []keyCol{
			{Name: "payment_id", Kind: kindUUID, ParamType: [2]string{"uuid", "uuid"}},
			{Name: "seq", Kind: kindInt, ParamType: [2]string{"int8", "int8"}},
		},
		Hash: rowHash(HashColumns, []hashedColumn{{"payment_id", "uuid"}, {"seq", "int"}, {"amount", "numeric"}, {"created_at", "timestamptz"}}),
	}
}

func TestSQLGeneration(t *testing.T) {
	p := testPlan()
	tests := []struct {
		name     string
		sql      string
		args     []any
		contains []string
		nargs    int
	}{}
	add := func(name string, sql string, args []any, nargs int, contains ...string) {
		tests = append(tests, struct {
			name     string
			sql      string
			args     []any
			contains []string
			nargs    int
		}{name, sql, args, contains, nargs})
	}
	s, a := p.aggregateSQL(source, nil, nil)
	add("unbounded aggregate", s, a, 0, "SELECT count(*)::int8, coalesce(sum(", `FROM "public"."transactions"`)
	s, a = p.aggregateSQL(target, bound{"00000000-0000-0000-0000-000000000001"}, bound{"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "3"})
	add("prefix and full bounds", s, a, 0, `"payment_id" >= '00000000-0000-0000-0000-000000000001'::uuid`,
		`ROW("payment_id", "seq") < ROW('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid, 3::int8)`)
	s, a = p.groupedSQL(source, []childRange{
		{ID: 0, Hi: bound{"40000000-0000-0000-0000-000000000000"}},
		{ID: 1, Lo: bound{"40000000-0000-0000-0000-000000000000"}, Hi: bound{"80000000-0000-0000-0000-000000000000", "7"}},
		{ID: 2, Lo: bound{"90000000-0000-0000-0000-000000000000"}, Hi: bound{"a0000000-0000-0000-0000-000000000000", "1"}},
	})
	add("grouped", s, a, 0, "(VALUES (0::int8, '40000000-0000-0000-0000-000000000000'::uuid)) AS b(i, h0) CROSS JOIN LATERAL", `WHERE "payment_id" < b.h0`,
		" UNION ALL ", "(VALUES (1::int8, '40000000-0000-0000-0000-000000000000'::uuid, '80000000-0000-0000-0000-000000000000'::uuid, 7::int8), (2::int8,",
		`ROW("payment_id", "seq") < ROW(b.h0, b.h1)`, `"payment_id" >= b.l0 AND`)
	s, a = p.downloadSQL(source, []segment{{Lo: bound{"1"}}}, bound{"x", "2"}, 500)
	add("download page", s, a, 2, `AS k0`, `AS h`, `ROW("payment_id", "seq") > ROW($2::text::uuid, 2::int8)`, "LIMIT 500", `ORDER BY "payment_id", "seq"`)
	s, a = p.aggregateSQL(source, bound{"1'; DROP TABLE x; --"}, nil)
	add("odd values stay parameters", s, a, 1, `"payment_id" >= $1::text::uuid`)
	s, a = p.splitPointsSQL(target, nil, bound{"z"}, 7, 15)
	add("split points", s, a, 2, "row_number() OVER (ORDER BY", "% $2::text::int8 = 0", "LIMIT 15")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if len(tc.args) != tc.nargs {
				t.Errorf("args = %v, want %d", tc.args, tc.nargs)
			}
			for _, c := range tc.contains {
				if !strings.Contains(tc.sql, c) {
					t.Errorf("SQL lacks %q:\n%s", c, tc.sql)
				}
			}
			named := backend.ToNamedParameters(tc.sql)
			if strings.Contains(named, "$") {
				t.Errorf("placeholders left after rewriting for the Data API: %s", named)
			}
		})
	}
}

func TestRowHashShape(t *testing.T) {
	cols := []hashedColumn{{"a", "int"}, {"b", "text"}, {"c", "timestamptz"}, {"d", "weird"}}
	h := rowHash(HashColumns, cols)
	for _, want := range []string{`hashint8extended("a"::int8, 1)`, `hashtextextended("b"::text, 2)`,
		`timestamp_hash_extended("c" AT TIME ZONE 'UTC', 3)`, `hashtextextended("d"::text, 4)`, " # "} {
		if !strings.Contains(h, want) {
			t.Errorf("hash lacks %q: %s", want, h)
		}
	}
	if strings.Count(h, "coalesce(") != 4 {
		t.Errorf("every column needs a NULL stand-in: %s", h)
	}
	seen := map[string]bool{}
	for i := 1; i <= 64; i++ {
		c := nullHashConstant(i)
		if seen[c] {
			t.Fatalf("NULL constants repeat at %d", i)
		}
		seen[c] = true
	}
	m := rowHash(HashMD5, cols)
	if !strings.Contains(m, "md5(concat_ws(") || strings.Contains(m, ":MI") {
		t.Errorf("md5 hash: %s", m)
	}
}

func TestTokenRoundTrip(t *testing.T) {
	k, _ := privacy.NewKeyer([]byte("0123456789abcdef0123456789abcdef"))
	now := time.Unix(1_800_000_000, 0)
	s := &runState{Version: stateVersion, CheckType: PostMigration, Tables: []string{"payments"}, CreatedUnix: now.Unix(),
		Current: &diffState{Table: "payments", Stack: []segment{{Lo: bound{"secret-key-value"}}}}}
	tok, err := sealState(k, s)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(tok, "secret-key-value") || strings.Contains(tok, "payments") {
		t.Fatal("token is not opaque")
	}
	got, err := openState(k, tok, now.Add(time.Hour), 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if got.Current.Stack[0].Lo[0] != "secret-key-value" || got.Missing == nil || got.Counts == nil {
		t.Fatalf("state did not round-trip: %+v", got)
	}
	if _, err := openState(k, tok, now.Add(25*time.Hour), 24*time.Hour); err == nil || !strings.Contains(err.Error(), "expired") {
		t.Fatalf("expired token accepted: %v", err)
	}
	if _, err := openState(k, strings.Repeat("a", maxTokenBytes+1), now, time.Hour); err == nil {
		t.Fatal("oversized token accepted")
	}
}

func TestConfigFromEnv(t *testing.T) {
	env := map[string]string{
		"VALIDATION_TABLES":            " payments, customers ,",
		"VALIDATION_CHUNK_ROWS":        "5000",
		"VALIDATION_DEADLINE_MARGIN":   "2s",
		"VALIDATION_ORPHAN_RULES":      "transactions.payment_id=payments.id",
		"VALIDATION_HASH_MODE":         "md5",
		"VALIDATION_BISECTION_FACTOR":  "4",
		"VALIDATION_CREATED_AT_COLUMN": "inserted_at",
	}
	c, err := ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.Tables, ",") != "payments,customers" || c.ChunkRows != 5000 || c.DeadlineMargin != 2*time.Second ||
		len(c.OrphanRules) != 1 || c.HashMode != HashMD5 || c.BisectionFactor != 4 || c.CreatedAtColumn != "inserted_at" {
		t.Fatalf("config = %+v", c)
	}
	bad := []map[string]string{
		{"VALIDATION_CHUNK_ROWS": "-1"},
		{"VALIDATION_CHUNK_ROWS": "lots"},
		{"VALIDATION_DEADLINE_MARGIN": "soon"},
		{"VALIDATION_ORPHAN_RULES": "transactions.payment_id"},
		{"VALIDATION_ORPHAN_RULES": "t.c=p.c;drop"},
		{"VALIDATION_BISECTION_FACTOR": "100000"},
	}
	for _, e := range bad {
		if _, err := ConfigFromEnv(func(k string) string { return e[k] }); err == nil {
			t.Errorf("%v accepted", e)
		}
	}
	none, err := ConfigFromEnv(func(k string) string {
		if k == "VALIDATION_ORPHAN_RULES" {
			return "none"
		}
		return ""
	})
	if err != nil || none.OrphanRules == nil || len(none.OrphanRules) != 0 {
		t.Fatalf("none: %v %v", none.OrphanRules, err)
	}
	c.Keyer, _ = privacy.NewKeyer([]byte("0123456789abcdef"))
	c.HashMode = "sha3"
	if err := c.setDefaults(); err == nil {
		t.Fatal("unknown hash mode accepted")
	}
}
