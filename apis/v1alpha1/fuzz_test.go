package v1alpha1

import (
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"math"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apimachinery/pkg/runtime"
	utiljson "k8s.io/apimachinery/pkg/util/json"
)

// The mutation generator: from a valid spec and the XRD's spec schema, every
// field is changed one at a time — out-of-range and boundary numbers, enum
// values and their neighbours, strings breaking their pattern or length,
// optional blocks removed or added (from another example), wrong types and
// nulls — deterministically, so the n-th mutation of a spec is always the
// same one.

// mutation is one change to a spec: the value at path is set (or, when
// remove, deleted).
type mutation struct {
	path   path
	value  any
	remove bool
}

func (m mutation) apply(spec map[string]any) {
	if m.remove {
		m.path.remove(spec)
		return
	}
	b, _ := json.Marshal(m.value)
	var v any
	_ = utiljson.Unmarshal(b, &v) // as in a request body: int64 or float64
	m.path.set(spec, v)
}

func (m mutation) String() string {
	if m.remove {
		return "remove " + m.path.String()
	}
	b, _ := json.Marshal(m.value)
	s := string(b)
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return m.path.String() + " = " + s
}

// path addresses a value in a spec: map keys and list indices.
type path []any

func (p path) String() string {
	var b strings.Builder
	for _, e := range p {
		switch e := e.(type) {
		case string:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(e)
		case int:
			fmt.Fprintf(&b, "[%d]", e)
		}
	}
	return b.String()
}

func (p path) child(e any) path { return append(slices.Clip(p), e) }

// get returns the value at p, and whether it is there.
func (p path) get(root any) (any, bool) {
	cur := root
	for _, e := range p {
		switch e := e.(type) {
		case string:
			m, ok := cur.(map[string]any)
			if !ok {
				return nil, false
			}
			if cur, ok = m[e]; !ok {
				return nil, false
			}
		case int:
			l, ok := cur.([]any)
			if !ok || e >= len(l) {
				return nil, false
			}
			cur = l[e]
		}
	}
	return cur, true
}

// set puts v at p, creating the objects on the way.
func (p path) set(root map[string]any, v any) {
	var cur any = root
	for i, e := range p {
		last := i == len(p)-1
		switch e := e.(type) {
		case string:
			m, ok := cur.(map[string]any)
			if !ok {
				return
			}
			if last {
				m[e] = runtime.DeepCopyJSONValue(v)
				return
			}
			if _, ok := m[e].(map[string]any); !ok {
				if _, isList := p[i+1].(int); isList {
					if _, ok := m[e].([]any); !ok {
						return
					}
				} else {
					m[e] = map[string]any{}
				}
			}
			cur = m[e]
		case int:
			l, ok := cur.([]any)
			if !ok || e >= len(l) {
				return
			}
			if last {
				l[e] = runtime.DeepCopyJSONValue(v)
				return
			}
			cur = l[e]
		}
	}
}

// remove deletes the value at p.
func (p path) remove(root map[string]any) {
	parent, ok := p[:len(p)-1].get(root)
	if !ok {
		return
	}
	switch e := p[len(p)-1].(type) {
	case string:
		if m, ok := parent.(map[string]any); ok {
			delete(m, e)
		}
	case int:
		if l, ok := parent.([]any); ok && e < len(l) {
			p[:len(p)-1].set(root, slices.Delete(slices.Clone(l), e, e+1))
		}
	}
}

// domainValues are values that matter to a field's rules beyond its own
// schema (CIDR semantics, the region of a zone or certificate, reserved
// names, hostnames against IPs).
var domainValues = map[string][]any{
	"region":                             {"eu-west-1", "us-gov-west-1", "us-east-1"},
	"network.vpcCidr":                    {"10.0.1.0/16", "10.0.0.0/8", "10.0.0.0/20", "10.0.0.0/24", "10.0.0.0/25", "0.0.0.0/0", "fd00::/48", "10.0.0.0", "10.00.0.0/16", "::ffff:10.0.0.0/112", "10.0.0.1/24"},
	"network.availabilityZoneNames[0]":   {"us-east-2d", "eu-west-1a", "us-east-2b", "us-east-1a"},
	"migration.source.cidr":              {"192.168.10.1/24", "0.0.0.0/0", "10.0.0.0/8", "10.50.0.10/32", "fd00::/64", "10.50.0.10", "::ffff:10.0.0.0/104"},
	"migration.source.host":              {"db.corp", "10.50.0.10", "256.1.1.1", "010.1.1.1", "10.50.0.10.nip.io", "fd00::1"},
	"migration.source.sizeGb":            {30720, 30721, 24577, 65536, 250, 251},
	"migration.allocatedStorageGb":       {100, 99, 6144, 6145},
	"migration.replicationInstanceClass": {"dms.t3.medium", "dms.t3.large", "dms.r5.large", "dms.r5.3xlarge"},
	"database.engineVersion":             {"16.6", "17.0", "14.12", "13.4", "16", "16.123", "18.1"},
	"database.masterUsername":            {"postgres", "admin", "root", "rdsadmin", "Admin", "postgres1"},
	"database.minCapacity":               {0.5, 1.25, 16, 32, 256},
	"database.maxCapacity":               {1, 0.5, 1.5, 2.75, 256},
	"ingress.certificateArn":             {"arn:aws:acm:eu-west-1:123456789012:certificate/abcd-1234", "arn:aws-us-gov:acm:us-east-2:123456789012:certificate/ab"},
	"ingress.domainName":                 {"api.other.example.org", "payments.example.com", "legacy-api.payments.example.com", "legacy-api.dev.payments.example.com"},
	"cutover.zoneName":                   {"example.com", "other.example.org", "api.payments.example.com"},
	"cutover.oldSystem.hostname":         {"api.payments.example.com", "API.Payments.Example.com", "api.dev.payments.example.com", "Legacy.Example.COM"},
	"api.provisionedConcurrency.max":     {50, 51, 0},
	"api.provisionedConcurrency.min":     {0, 10, 11},
	"monitoring.alarmWebhooks[0]":        {"http://example.com/x", "https://exa mple.com"},
	"monitoring.alarmEmails[0]":          {"a@b", "a@b.c", "é@b.c"},
}

// mapKeyValues are the entries tried in a map of strings (tags, the API's
// environment): keys and values against the AWS and platform rules.
var mapKeyValues = [][2]string{
	{"aws:owner", "me"}, {"AWS:owner", "me"}, {"Aws:x", "me"}, {"Team", "x"}, {"ManagedBy", "x"}, {"", "x"},
	{strings.Repeat("k", 128), "x"}, {strings.Repeat("k", 129), "x"}, {"a<b", "x"}, {"Owner", "a<b>"}, {"Owner", ""},
	{"Owner", strings.Repeat("v", 256)}, {"Owner", strings.Repeat("v", 257)}, {"Ünïcode", "välue"}, {"Owner", "é" + strings.Repeat("v", 255)},
	{"DB_PASSWORD", "x"}, {"db_password", "x"}, {"MY_TOKEN_URL", "x"}, {"1ABC", "x"}, {"MY-VAR", "x"}, {"LOG_LEVEL", "debug"},
	{"private_key_path", "x"}, {"Secretary", "x"},
}

// mutations lists every single-field mutation of spec, following schema.
// donor supplies values for fields the spec lacks.
func mutations(spec map[string]any, schema *structuralschema.Structural, donor map[string]any) []mutation {
	var out []mutation
	var walk func(p path, s *structuralschema.Structural, cur any, present bool)
	walk = func(p path, s *structuralschema.Structural, cur any, present bool) {
		out = append(out, valueMutations(p, s, cur, present, donor)...)
		switch s.Type {
		case "object":
			m, ok := cur.(map[string]any)
			if !present || !ok {
				return
			}
			for _, k := range slices.Sorted(maps.Keys(s.Properties)) {
				ps := s.Properties[k]
				v, has := m[k]
				walk(p.child(k), &ps, v, has)
			}
			if s.AdditionalProperties != nil && s.AdditionalProperties.Structural != nil {
				for _, k := range slices.Sorted(maps.Keys(m)) {
					out = append(out, valueMutations(p.child(k), s.AdditionalProperties.Structural, m[k], true, donor)...)
				}
			}
		case "array":
			l, ok := cur.([]any)
			if !present || !ok || s.Items == nil {
				return
			}
			if len(l) > 0 {
				walk(p.child(0), s.Items, l[0], true)
			}
		}
	}
	root := &structuralschema.Structural{Generic: structuralschema.Generic{Type: "object"}, Properties: map[string]structuralschema.Structural{}}
	for k, v := range schema.Properties {
		if !slices.Contains(crossplaneFields, k) {
			root.Properties[k] = v
		}
	}
	walk(path{}, root, spec, true)
	return out
}

func valueMutations(p path, s *structuralschema.Structural, cur any, present bool, donor map[string]any) []mutation {
	if len(p) == 0 {
		return nil
	}
	var out []mutation
	add := func(vs ...any) {
		for _, v := range vs {
			out = append(out, mutation{path: p, value: v})
		}
	}
	if present {
		out = append(out, mutation{path: p, remove: true})
		add(nil)
	} else if v, ok := p.get(donor); ok {
		add(v)
	}
	vv := s.ValueValidation
	if vv == nil {
		vv = &structuralschema.ValueValidation{}
	}
	for _, e := range vv.Enum {
		add(e.Object)
	}
	add(domainValues[p.String()]...)
	switch s.Type {
	case "integer", "number":
		var vs []float64
		for _, e := range vv.Enum {
			if f, ok := toFloat(e.Object); ok {
				vs = append(vs, f-1, f+1)
			}
		}
		if vv.Minimum != nil {
			vs = append(vs, *vv.Minimum, *vv.Minimum-1)
		} else {
			vs = append(vs, -1)
		}
		if vv.Maximum != nil {
			vs = append(vs, *vv.Maximum, *vv.Maximum+1)
		} else {
			vs = append(vs, 1<<31, 1<<53+1)
		}
		if s.Type == "number" {
			if vv.Minimum != nil {
				vs = append(vs, *vv.Minimum-0.05, *vv.Minimum+0.25)
			}
			if vv.Maximum != nil {
				vs = append(vs, *vv.Maximum+0.05)
			}
			vs = append(vs, 1.25)
		}
		vs = append(vs, 0)
		for _, f := range vs {
			add(number(f))
		}
		add(2.5, "1")
	case "string":
		c, _ := cur.(string)
		add("", 1)
		for _, e := range vv.Enum {
			if es, ok := e.Object.(string); ok {
				add(strings.ToUpper(es), strings.ToLower(es), es+"x", es[1:])
			}
		}
		if c != "" {
			add(strings.ToUpper(c), "-"+c, c+"<", "é"+c, c[:len(c)-1], c+".")
		}
		if vv.MaxLength != nil {
			n := int(*vv.MaxLength)
			base := c
			if base == "" {
				base = "a"
			}
			long := base + strings.Repeat(base[len(base)-1:], max(0, n+1-len(base)))
			add(long[:n], long[:n+1], strings.Repeat("é", n))
			if strings.Contains(c, ".") {
				add(strings.Repeat("a", max(1, n-len(c))) + c)
			}
		}
	case "boolean":
		b, _ := cur.(bool)
		add(!b, "true")
	case "array":
		l, _ := cur.([]any)
		add([]any{}, "x")
		if len(l) > 0 {
			add(append(slices.Clone(l), l[0]), l[1:], append(slices.Clone(l), "extra"))
			if vv.MaxItems != nil {
				var long []any
				for i := range int(*vv.MaxItems) + 1 {
					long = append(long, l[i%len(l)])
				}
				add(long[:len(long)-1], long)
			}
		}
	case "object":
		add(map[string]any{}, "x")
		if s.AdditionalProperties != nil && s.AdditionalProperties.Structural != nil {
			m, _ := cur.(map[string]any)
			for _, kv := range mapKeyValues {
				n := maps.Clone(m)
				if n == nil {
					n = map[string]any{}
				}
				n[kv[0]] = kv[1]
				add(n)
			}
			if vv.MaxProperties != nil {
				for _, extra := range []int{0, 1} {
					n := map[string]any{}
					for i := range int(*vv.MaxProperties) + extra {
						n[fmt.Sprintf("K%d", i)] = "v"
					}
					add(n)
				}
			}
			add(map[string]any{"Owner": 1}, map[string]any{"Owner": nil})
		}
	}
	return out
}

func toFloat(v any) (float64, bool) {
	switch v := v.(type) {
	case int64:
		return float64(v), true
	case float64:
		return v, true
	}
	return 0, false
}

// number is f as the API server decodes it: int64 if whole.
func number(f float64) any {
	if f == math.Trunc(f) && math.Abs(f) < 1<<62 {
		return int64(f)
	}
	return f
}

// fuzzBases are the valid specs the generator mutates: the examples, a
// spec with every optional block, and a minimal one.
func fuzzBases(t testing.TB) []string {
	t.Helper()
	var out []string
	for _, c := range exampleSpecs(t) {
		if strings.Contains(c.name, "claim.yaml") || strings.Contains(c.name, "claim-prod.yaml") {
			out = append(out, c.spec)
		}
	}
	for _, s := range []string{
		strings.Replace(fnEdgeSpec(50, false), "  rollback: false\n", "  rollback: false\n  guard: {target5xxPerMinute: 5, latencySeconds: 2}\n", 1) + fnLambdasSpec + fnMonitoredSpec,
		"environmentSuffix: x",
		"environmentSuffix: x\nenvironment: staging\nnetwork: {vpcCidr: 10.1.0.0/22, availabilityZones: 2}\nmigration: {source: {host: db.corp, cidr: 198.51.100.0/24, credentialsSecretRef: {name: s}}, tableMappings: [{}]}",
	} {
		b, err := json.Marshal(parseSpec(t, s))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(b))
	}
	return out
}

// donorSpec merges the bases: the value an absent field is given.
func donorSpec(t testing.TB) map[string]any {
	t.Helper()
	donor := map[string]any{}
	for _, b := range fuzzBases(t) {
		m, _ := parseSpec(t, b).(map[string]any)
		mergeAbsent(donor, m)
	}
	return donor
}

func mergeAbsent(dst, src map[string]any) {
	for k, v := range src {
		d, ok := dst[k]
		if !ok {
			dst[k] = runtime.DeepCopyJSONValue(v)
			continue
		}
		dm, ok1 := d.(map[string]any)
		sm, ok2 := v.(map[string]any)
		if ok1 && ok2 {
			mergeAbsent(dm, sm)
		}
	}
}

// mutationCache holds the mutation lists of the seed specs.
var mutationCache sync.Map // spec JSON → []mutation

func cachedMutations(specJSON string, spec map[string]any, schema *structuralschema.Structural, donor map[string]any) []mutation {
	if ms, ok := mutationCache.Load(specJSON); ok {
		return ms.([]mutation)
	}
	return mutations(spec, schema, donor)
}

// seedCorpus is every single-field mutation of every base: all of the two
// example claims' (prod and dev), and those of the other bases not
// already among them.
func seedCorpus(t testing.TB, schema *structuralschema.Structural, donor map[string]any) (seeds []struct {
	spec string
	n    uint64
}) {
	t.Helper()
	seen := map[string]bool{}
	for _, b := range fuzzBases(t) {
		base, _ := parseSpec(t, b).(map[string]any)
		ms := mutations(base, schema, donor)
		mutationCache.Store(b, ms)
		seeds = append(seeds, struct {
			spec string
			n    uint64
		}{b, 0})
		for j, m := range ms {
			if seen[m.String()] {
				continue
			}
			seen[m.String()] = true
			seeds = append(seeds, struct {
				spec string
				n    uint64
			}{b, uint64(j + 1)})
		}
	}
	return seeds
}

// FuzzXRDAgreesWithGo: for any spec, the API server (defaulting, OpenAPI
// validation and CEL of the generated XRD) and the function (Default and
// Validate) accept exactly the same specs, and default them alike. The
// input is a spec and a mutation number (0: none; see mutations; beyond the
// list, a second mutation on top). The seed corpus is every single-field
// mutation of the bases and every spec of TestXRDAgreesWithGo; once it has
// run, every CEL rule of the XRD must have refused a seed and every
// default been applied.
func FuzzXRDAgreesWithGo(f *testing.F) {
	schema := theAPIServer(f).claim.structural.Properties["spec"]
	donor := donorSpec(f)
	seeds := seedCorpus(f, &schema, donor)
	for _, c := range tableSpecs(f) {
		b, err := json.Marshal(parseSpec(f, c.spec))
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, struct {
			spec string
			n    uint64
		}{string(b), 0})
	}
	for _, s := range seeds {
		f.Add(s.spec, s.n)
	}
	seen.reset()
	// The API server's CEL and OpenAPI validation allocate a lot: fewer
	// collections keep the seed corpus within a few seconds.
	gc := debug.SetGCPercent(400)
	var ran atomic.Int64
	f.Cleanup(func() {
		debug.SetGCPercent(gc)
		// Only after the whole seed corpus ran here: not under -fuzz
		// (inputs run in worker processes), nor a -run of some seeds.
		if fz := flag.Lookup("test.fuzz"); (fz == nil || fz.Value.String() == "") && int(ran.Load()) == len(seeds) {
			seen.check(f)
		}
	})
	f.Fuzz(func(t *testing.T, specJSON string, n uint64) {
		t.Parallel() // the seed corpus on every core (no effect when fuzzing)
		ran.Add(1)
		var raw any
		if utiljson.Unmarshal([]byte(specJSON), &raw) != nil {
			return
		}
		base, ok := raw.(map[string]any)
		if !ok {
			return
		}
		spec, desc := base, "unchanged"
		if n > 0 {
			ms := cachedMutations(specJSON, base, &schema, donor)
			if len(ms) == 0 {
				return
			}
			spec, _ = runtime.DeepCopyJSONValue(base).(map[string]any)
			m := ms[(n-1)%uint64(len(ms))]
			m.apply(spec)
			desc = m.String()
			if n2 := (n - 1) / uint64(len(ms)); n2 > 0 {
				if ms2 := mutations(spec, &schema, donor); len(ms2) > 0 {
					m2 := ms2[(n2-1)%uint64(len(ms2))]
					m2.apply(spec)
					desc += "; " + m2.String()
				}
			}
		}
		// The claim only: the XR's CRD has the same spec schema
		// (TestXRDInstallsOnAPIServer), and TestXRDAgreesWithGo admits both.
		if d := judge(t, spec, false).disagreement(); d != "" {
			b, _ := json.Marshal(spec)
			t.Errorf("%s\nmutation: %s\nspec: %s", d, desc, b)
		}
	})
}
