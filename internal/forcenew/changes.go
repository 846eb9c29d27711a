package forcenew

import (
	"encoding/json"
	"fmt"
	"hash/crc32"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/crossplane/crossplane-runtime/v2/pkg/fieldpath"
)

// The conditions of conditional fields, each read in the Terraform
// provider's (or provider-aws's) source the table entry's Reason names.
const (
	CondCreateOnly           = "lifecycle_scope is CREATE_ONLY or unset"
	CondSourceType           = "the source attribute changes (the first set of cidr_ipv4, cidr_ipv6, prefix_list_id, referenced_security_group_id)"
	CondRegionSet            = "the state has a region"
	CondConfigured           = "configured"
	CondAddedOrRemoved       = "the block is added or removed"
	CondLBSubnetMapping      = "application load balancer: a mapping changes (adding or removing mappings is in place); network load balancer: mappings are removed or change (adding is in place)"
	CondNLBSubnets           = "network load balancer: subnets are removed or replaced (adding subnets is in place)"
	CondNLBSecurityGroups    = "network load balancer: security groups are added where there were none, or all removed"
	CondNLBDecrease          = "network load balancer: the value decreases"
	CondPrivateNAT           = "connectivity_type is private"
	CondRegionalNATAddresses = "availability_mode is regional and availability_zone_address goes from none to some or back"
	CondNotAurora            = "engine is not aurora*"
	CondAssignIPv6OnCreation = "the state has assign_ipv6_address_on_creation true and an ipv6_cidr_block"
	CondTenancy              = "any change but dedicated to default"
	CondNoNetmask            = "ipv4_netmask_length is unset or 0 (a CIDR from IPAM is not compared)"
	CondNotOnlyTrailingDot   = "the names differ by more than a trailing dot"
)

// conditions evaluate a condition on the state and desired forProvider
// (normalised JSON) and the field's old and new values.
var conditions = map[string]func(state, desired map[string]any, o, n any) bool{
	CondCreateOnly: func(state, desired map[string]any, _, _ any) bool {
		scope := value(state, desired, "lifecycleScope", "CREATE_ONLY")
		return scope == "" || scope == "CREATE_ONLY"
	},
	CondSourceType: func(state, desired map[string]any, _, _ any) bool {
		o, n := source(state), source(desired)
		return o != "" && n != "" && o != n
	},
	CondRegionSet: func(state, _ map[string]any, _, _ any) bool {
		r, _ := state["region"].(string)
		return r != ""
	},
	CondConfigured: func(_, _ map[string]any, _, _ any) bool { return true },
	CondAddedOrRemoved: func(_, _ map[string]any, o, n any) bool {
		return (len(asList(o)) == 0) != (len(asList(n)) == 0)
	},
	CondLBSubnetMapping: func(state, desired map[string]any, o, n any) bool {
		ol, nl := asList(o), asList(n)
		added := len(nl) > len(ol) && subsetOf(ol, nl)
		switch value(state, desired, "loadBalancerType", "application") {
		case "application":
			return !added && !(len(nl) < len(ol) && subsetOf(nl, ol))
		case "network":
			return !added
		}
		return false
	},
	CondNLBSubnets: func(state, desired map[string]any, o, n any) bool {
		return value(state, desired, "loadBalancerType", "application") == "network" && len(asList(n)) <= len(asList(o))
	},
	CondNLBSecurityGroups: func(state, desired map[string]any, o, n any) bool {
		return value(state, desired, "loadBalancerType", "application") == "network" && (len(asList(o)) == 0) != (len(asList(n)) == 0)
	},
	CondNLBDecrease: func(state, desired map[string]any, o, n any) bool {
		of, _ := o.(float64)
		nf, _ := n.(float64)
		return value(state, desired, "loadBalancerType", "application") == "network" && nf < of
	},
	CondPrivateNAT: func(state, desired map[string]any, _, _ any) bool {
		return value(state, desired, "connectivityType", "public") == "private"
	},
	CondRegionalNATAddresses: func(state, desired map[string]any, _, _ any) bool {
		n, ok := desired["availabilityZoneAddress"]
		return ok && value(state, desired, "availabilityMode", "zonal") == "regional" &&
			(len(asList(state["availabilityZoneAddress"])) == 0) != (len(asList(n)) == 0)
	},
	CondNotAurora: func(state, desired map[string]any, _, _ any) bool {
		return !strings.HasPrefix(value(state, desired, "engine", ""), "aurora")
	},
	CondAssignIPv6OnCreation: func(state, _ map[string]any, o, _ any) bool {
		return state["assignIpv6AddressOnCreation"] == true && o != nil
	},
	CondTenancy: func(_, _ map[string]any, o, n any) bool {
		return !(o == "dedicated" && n == "default")
	},
	CondNoNetmask: func(state, desired map[string]any, _, _ any) bool {
		m, ok := desired["ipv4NetmaskLength"]
		if !ok {
			m = state["ipv4NetmaskLength"]
		}
		return m == nil || m == 0.0
	},
	CondNotOnlyTrailingDot: func(_, _ map[string]any, o, n any) bool {
		os, _ := o.(string)
		ns, _ := n.(string)
		return strings.TrimSuffix(os, ".") != strings.TrimSuffix(ns, ".")
	},
}

// value is a string parameter as Terraform plans it: desired, else the
// state (upjet late-initialises it), else the schema default.
func value(state, desired map[string]any, key, def string) string {
	if v, ok := desired[key].(string); ok {
		return v
	}
	if v, ok := state[key].(string); ok {
		return v
	}
	return def
}

// asList is a list or set value; a block provider-aws made an object
// (MaxItems 1 in a v1beta2 kind) is a list of one.
func asList(v any) []any {
	switch v := v.(type) {
	case []any:
		return v
	case map[string]any:
		return []any{v}
	}
	return nil
}

// subsetOf reports whether every element of a matches one of b (an
// element of b that contains it: the state has computed fields).
func subsetOf(a, b []any) bool {
	for _, e := range a {
		if !slices.ContainsFunc(b, func(x any) bool { return contains(e, x) || contains(x, e) }) {
			return false
		}
	}
	return true
}

// KnownCondition reports whether Changes can evaluate a condition.
func KnownCondition(c string) bool {
	_, ok := conditions[c]
	return c == "" || ok
}

// source is the JSON name of a security group rule's source attribute
// (sourceAttributeName in vpc_security_group_ingress_rule.go), counting
// references and selectors.
func source(m map[string]any) string {
	for _, f := range []string{"cidrIpv4", "cidrIpv6", "prefixListId", "referencedSecurityGroupId"} {
		for _, k := range []string{f, f + "Ref", f + "Selector"} {
			if m[k] != nil {
				return f
			}
		}
	}
	return ""
}

// Change is a replace-on-change field whose desired value differs from the
// state.
type Change struct {
	Field Field
	// Path is the field's concrete path under spec.forProvider.
	Path string
	// Ref is the path of the reference or selector that changed, when only
	// that changed; Old and New are then its values.
	Ref string
	// Key is the attribute upjet names: the Terraform SDKv2 flatmap key
	// (cidr_block, health_check.0.path, triggers.step, subnet_ids.#) or the
	// Plugin Framework attribute path (AttributeName("cidr_ipv4")).
	Key      string
	Old, New any
}

// normalise round-trips a value through JSON: typed values become maps,
// and every number a float64, so numbers compare by value.
func normalise(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(fmt.Sprintf("forcenew: a forProvider that is not JSON: %v", err))
	}
	out := map[string]any{}
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	return out
}

func get(p *fieldpath.Paved, path string) (any, bool) {
	v, err := p.GetValue(path)
	return v, err == nil && v != nil
}

// paths expands a field's wildcards against both maps.
func paths(state, desired *fieldpath.Paved, path string) []string {
	if !strings.Contains(path, "[*]") {
		return []string{path}
	}
	var out []string
	for _, p := range []*fieldpath.Paved{state, desired} {
		e, _ := p.ExpandWildcards(path) // a missing parent expands to nothing
		out = append(out, e...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Changes lists the replace-on-change fields whose desired value differs
// from the state, with Terraform's semantics: a field absent from desired
// is not a change (upjet late-initialises it), numbers compare by value,
// lists by index, sets and maps as wholes; a list or set of blocks forces
// replacement only by its length (its own ForceNew fields are separate
// entries). A field whose reference or selector differs between state and
// desired (both set) is a change too: comparing two renders, a different
// selector resolves to a different resource. Conditional fields count
// only when their condition holds.
func (r *Resource) Changes(state, desired map[string]any) []Change {
	state, desired = normalise(state), normalise(desired)
	st, de := fieldpath.Pave(state), fieldpath.Pave(desired)
	var out []Change
	for _, f := range r.Fields {
		if f.JSON == "" {
			continue
		}
		cond, conditional := conditions[f.Condition]
		for _, p := range paths(st, de, f.JSON) {
			o, _ := get(st, p)
			n, ok := get(de, p)
			if conditional && !cond(state, desired, o, n) {
				continue
			}
			switch {
			case ok && !f.equal(o, n):
				out = append(out, Change{Field: f, Path: p, Key: r.key(f, p, o, n), Old: o, New: n})
			case !ok && o != nil && f.Condition == CondSourceType:
				// The source moved away from this attribute: null in the plan.
				out = append(out, Change{Field: f, Path: p, Key: r.key(f, p, o, nil), Old: o})
			case !ok:
				if ref, o, n, changed := f.refChange(st, de, p); changed {
					out = append(out, Change{Field: f, Path: p, Ref: ref, Key: r.key(f, p, nil, nil), Old: o, New: n})
				}
			}
		}
	}
	return out
}

// refChange reports a reference or selector of the field at path p that is
// set in both maps and differs.
func (f Field) refChange(st, de *fieldpath.Paved, p string) (ref string, o, n any, changed bool) {
	parent := ""
	if i := strings.LastIndex(p, "."); i >= 0 {
		parent = p[:i+1]
	}
	for _, ref := range f.Refs {
		rp := parent + ref[strings.LastIndex(ref, ".")+1:]
		o, ook := get(st, rp)
		n, nok := get(de, rp)
		if ook && nok && !reflect.DeepEqual(o, n) {
			return rp, o, n, true
		}
	}
	return "", nil, nil, false
}

// equal compares a desired value with the state.
func (f Field) equal(o, n any) bool {
	switch {
	case f.Elem == "object" && (f.Type == "list" || f.Type == "set"):
		return len(asList(o)) == len(asList(n))
	case f.Type == "set":
		return reflect.DeepEqual(sortedJSON(o), sortedJSON(n))
	case f.Type == "map":
		om, _ := o.(map[string]any)
		nm, _ := n.(map[string]any)
		return len(om) == 0 && len(nm) == 0 || reflect.DeepEqual(om, nm)
	case f.Type == "object":
		return contains(o, n)
	}
	return reflect.DeepEqual(o, n)
}

// contains reports whether every value set in n equals o's.
func contains(o, n any) bool {
	switch n := n.(type) {
	case nil:
		return true
	case map[string]any:
		om, _ := o.(map[string]any)
		for k, v := range n {
			if !contains(om[k], v) {
				return false
			}
		}
		return true
	case []any:
		ol, _ := o.([]any)
		if len(ol) != len(n) {
			return false
		}
		for i := range n {
			if !contains(ol[i], n[i]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(o, n)
}

func sortedJSON(v any) []string {
	l, _ := v.([]any)
	out := make([]string, len(l))
	for i, e := range l {
		b, _ := json.Marshal(e)
		out[i] = string(b)
	}
	slices.Sort(out)
	return out
}

// step is one step of a Terraform attribute path: a name, or an index.
type step struct {
	name  string
	index int
}

// steps is the Terraform path of the field at a concrete JSON path: a list
// block's index comes from the JSON path, 0 for a block provider-aws
// turned into an object (v1beta2 kinds, MaxItems 1).
func (f Field) steps(p string) []step {
	segs, err := fieldpath.Parse(p)
	if err != nil {
		panic(fmt.Sprintf("forcenew: %s: %v", p, err))
	}
	var out []step
	j := 0
	for i, name := range strings.Split(f.TF, ".") {
		out = append(out, step{name: name})
		j++ // the JSON field of this name
		if i >= len(f.Parents) || f.Parents[i] == "object" {
			continue
		}
		idx := 0
		if j < len(segs) && segs[j].Type == fieldpath.SegmentIndex {
			idx = int(segs[j].Index)
			j++
		}
		out = append(out, step{index: idx})
	}
	return out
}

// flatKey is an SDKv2 flatmap key: names and indices joined with dots.
func flatKey(steps []step) string {
	parts := make([]string, len(steps))
	for i, s := range steps {
		parts[i] = s.name
		if s.name == "" {
			parts[i] = strconv.Itoa(s.index)
		}
	}
	return strings.Join(parts, ".")
}

// frameworkPath is a tftypes.AttributePath's String(), and the
// framework's path.Path String() it is sorted by.
func frameworkPath(steps []step) (attr, sortKey string) {
	var a, s strings.Builder
	for i, st := range steps {
		if i > 0 {
			a.WriteString(".")
		}
		if st.name == "" {
			fmt.Fprintf(&a, "ElementKeyInt(%d)", st.index)
			fmt.Fprintf(&s, "[%d]", st.index)
			continue
		}
		fmt.Fprintf(&a, "AttributeName(%q)", st.name)
		if i > 0 {
			s.WriteString(".")
		}
		s.WriteString(st.name)
	}
	return a.String(), s.String()
}

// attrDiff is one attribute of a Terraform SDKv2 InstanceDiff.
type attrDiff struct {
	key, old, new string
	sensitive     bool
}

// key is the attribute upjet names for a change of the field at p.
func (r *Resource) key(f Field, p string, o, n any) string {
	if r.Framework {
		k, _ := frameworkPath(f.steps(p))
		return k
	}
	d := f.sdkDiffs(p, o, n)
	if len(d) == 0 {
		return flatKey(f.steps(p))
	}
	return d[0].key
}

// sdkDiffs are the attributes the SDKv2 diff marks RequiresNew for a
// change of the field at p, sorted by key (schemaMap.diffString, diffList,
// diffSet, diffMap).
func (f Field) sdkDiffs(p string, o, n any) []attrDiff {
	k := flatKey(f.steps(p))
	var out []attrDiff
	add := func(key, o, n string) { out = append(out, attrDiff{key: key, old: o, new: n, sensitive: f.Sensitive}) }
	count := func(suffix string, ol, nl int) {
		if ol != nl {
			add(k+suffix, strconv.Itoa(ol), strconv.Itoa(nl))
		}
	}
	switch f.Type {
	case "list":
		ol, nl := asList(o), asList(n)
		count(".#", len(ol), len(nl))
		if f.Elem == "object" {
			break
		}
		for i := range max(len(ol), len(nl)) {
			var ov, nv any
			if i < len(ol) {
				ov = ol[i]
			}
			if i < len(nl) {
				nv = nl[i]
			}
			if !reflect.DeepEqual(ov, nv) {
				add(k+"."+strconv.Itoa(i), flat(ov), flat(nv))
			}
		}
	case "set":
		ol, nl := asList(o), asList(n)
		count(".#", len(ol), len(nl))
		if f.Elem == "object" {
			break
		}
		for _, e := range ol {
			if !slices.ContainsFunc(nl, func(x any) bool { return reflect.DeepEqual(x, e) }) {
				add(k+"."+setCode(f.Elem, e), flat(e), "")
			}
		}
		for _, e := range nl {
			if !slices.ContainsFunc(ol, func(x any) bool { return reflect.DeepEqual(x, e) }) {
				add(k+"."+setCode(f.Elem, e), "", flat(e))
			}
		}
	case "map":
		om, _ := o.(map[string]any)
		nm, _ := n.(map[string]any)
		count(".%", len(om), len(nm))
		for key, nv := range nm {
			if ov, ok := om[key]; !ok || !reflect.DeepEqual(ov, nv) {
				add(k+"."+key, flat(ov), flat(nv))
			}
		}
		for key, ov := range om {
			if _, ok := nm[key]; !ok {
				add(k+"."+key, flat(ov), "")
			}
		}
	default:
		add(k, flat(o), flat(n))
	}
	slices.SortFunc(out, func(a, b attrDiff) int { return strings.Compare(a.key, b.key) })
	return out
}

// flat is a primitive as the SDKv2 flatmap writes it.
func flat(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// setCode is the SDKv2 default hash of a primitive set element: crc32 of
// the value serialised by schema.SerializeValueForHash, and ';'.
func setCode(elem string, v any) string {
	s := flat(v)
	switch x := v.(type) {
	case bool:
		s = map[bool]string{false: "0", true: "1"}[x]
	case float64:
		if elem == "float" {
			s = strconv.FormatFloat(x, 'g', -1, 64)
		}
	}
	return strconv.FormatUint(uint64(crc32.ChecksumIEEE([]byte(s+";"))), 10)
}

// updateFailed is how a refused update reaches the Synced condition: every
// provider-aws v2.5.0 controller uses upjet's async connectors, whose
// Update reports through tferrors.NewAsyncUpdateFailed ("async update
// failed"), and crossplane-runtime's managed reconciler wraps that in
// errReconcileUpdate ("update failed").
const updateFailed = "update failed: async update failed: "

// RefuseMessage is the Synced=False message upjet and crossplane-runtime
// report when an update would make these changes; "" for none.
//
// SDKv2 resources: upjet reports the first RequiresNew attribute of the
// Terraform diff it meets while ranging over a Go map (so, with several,
// any of them); this picks the first by key. Plugin Framework resources
// list every attribute, sorted by the framework's path string.
func (r *Resource) RefuseMessage(changes []Change) string {
	if len(changes) == 0 {
		return ""
	}
	if r.Framework {
		type attr struct{ path, sortKey string }
		var attrs []attr
		for _, c := range changes {
			a, s := frameworkPath(c.Field.steps(c.Path))
			attrs = append(attrs, attr{a, s})
		}
		slices.SortFunc(attrs, func(a, b attr) int { return strings.Compare(a.sortKey, b.sortKey) })
		attrs = slices.Compact(attrs)
		var b strings.Builder
		b.WriteString(updateFailed + "diff contains fields that require resource replacement: diff contains fields that require resource replacement: ")
		for _, a := range attrs {
			b.WriteString(a.path + ", ")
		}
		return b.String()
	}
	var diffs []attrDiff
	for _, c := range changes {
		d := c.Field.sdkDiffs(c.Path, c.Old, c.New)
		if c.Ref != "" || len(d) == 0 {
			// Only a reference or selector changed: what it resolves to is
			// unknown here, so the message shows the references.
			d = []attrDiff{{key: c.Key, old: flat(c.Old), new: flat(c.New), sensitive: c.Field.Sensitive}}
		}
		diffs = append(diffs, d...)
	}
	d := slices.MinFunc(diffs, func(a, b attrDiff) int { return strings.Compare(a.key, b.key) })
	msg := fmt.Sprintf("cannot change the value of the argument %q from %q to %q", d.key, d.old, d.new)
	if d.sensitive {
		msg = fmt.Sprintf("cannot change the value of the argument %q", d.key)
	}
	return updateFailed + "refuse to update the external resource because the following update requires replacing it: " + msg
}
