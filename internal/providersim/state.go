package providersim

import (
	"encoding/json"
	"reflect"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// parameters are the Terraform arguments of a managed resource: its
// spec.forProvider without the Crossplane-only fields (references,
// selectors and secret references, which upjet leaves out of the
// observation).
func parameters(u *unstructured.Unstructured, field string) map[string]any {
	fp, _, _ := unstructured.NestedMap(u.Object, "spec", field)
	p, _ := stripCrossplane(normalize(fp)).(map[string]any)
	if p == nil {
		p = map[string]any{}
	}
	return p
}

// createParameters are what Terraform creates with: spec.initProvider
// under spec.forProvider.
func createParameters(u *unstructured.Unstructured) map[string]any {
	p := parameters(u, "initProvider")
	for k, v := range parameters(u, "forProvider") {
		p[k] = v
	}
	return p
}

func stripCrossplane(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			if crossplaneOnly(k, e) {
				continue
			}
			out[k] = stripCrossplane(e)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = stripCrossplane(e)
		}
		return out
	}
	return v
}

// crossplaneOnly: a <field>Ref, <field>Refs, <field>Selector or
// <field>SecretRef, recognised by name and shape.
func crossplaneOnly(k string, v any) bool {
	isRef := func(v any) bool {
		m, ok := v.(map[string]any)
		_, named := m["name"]
		return ok && named
	}
	switch {
	case strings.HasSuffix(k, "Ref"):
		return isRef(v)
	case strings.HasSuffix(k, "Refs"):
		l, ok := v.([]any)
		return ok && (len(l) == 0 || isRef(l[0]))
	case strings.HasSuffix(k, "Selector"):
		m, ok := v.(map[string]any)
		if !ok {
			return false
		}
		_, a := m["matchLabels"]
		_, b := m["matchControllerRef"]
		_, c := m["policy"]
		return a || b || c || len(m) == 0
	}
	return false
}

// normalize makes values comparable: JSON numbers are float64 whether
// they were decoded as int64 or not.
func normalize(v any) any {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		return v
	}
	return out
}

// prune drops what the CRD's schema of status.atProvider does not have, as
// the API server does when the observation is written. A nil schema keeps
// everything.
func prune(v any, schema map[string]any) any {
	if schema == nil {
		return v
	}
	if p, _ := schema["x-kubernetes-preserve-unknown-fields"].(bool); p {
		return v
	}
	switch t := v.(type) {
	case map[string]any:
		props, ok := schema["properties"].(map[string]any)
		if !ok {
			if ap, ok := schema["additionalProperties"].(map[string]any); ok {
				out := make(map[string]any, len(t))
				for k, e := range t {
					out[k] = prune(e, ap)
				}
				return out
			}
			return t
		}
		out := make(map[string]any, len(t))
		for k, e := range t {
			if s, ok := props[k].(map[string]any); ok {
				out[k] = prune(e, s)
			}
		}
		return out
	case []any:
		items, _ := schema["items"].(map[string]any)
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = prune(e, items)
		}
		return out
	}
	return v
}

// covers reports whether state has every value of desired: Terraform plans
// no change for an argument whose configured value is what the state holds;
// computed attributes the configuration leaves out (and nested ones the
// state adds) are no change.
func covers(state, desired any) bool {
	switch d := desired.(type) {
	case map[string]any:
		s, ok := state.(map[string]any)
		if !ok {
			return len(d) == 0 && state == nil
		}
		for k, dv := range d {
			if !covers(s[k], dv) {
				return false
			}
		}
		return true
	case []any:
		s, ok := state.([]any)
		if !ok {
			return len(d) == 0 && state == nil
		}
		if len(s) != len(d) {
			return false
		}
		for i := range d {
			if !covers(s[i], d[i]) {
				return false
			}
		}
		return true
	case nil:
		return true
	}
	return reflect.DeepEqual(normalize(state), normalize(desired))
}

// changedKeys are the top-level parameters whose desired value the state
// does not cover.
func changedKeys(state, desired map[string]any) []string {
	var out []string
	for k, v := range desired {
		if !covers(state[k], v) {
			out = append(out, k)
		}
	}
	return out
}
