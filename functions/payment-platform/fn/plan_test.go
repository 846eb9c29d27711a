package fn

import (
	"testing"

	"github.com/crossplane/function-sdk-go/resource"
	"sigs.k8s.io/yaml"
)

// tierPlan is the input of a tier's unit test: the plan of a spec (YAML,
// decoded, defaulted and validated as RunFunction does) under a claim in
// namespace payments, in the world obs and views describe (views are set
// after observing, before the decisions).
func tierPlan(t testing.TB, spec string, obs Observed, views func(*Views)) *Plan {
	t.Helper()
	m := map[string]any{}
	if err := yaml.Unmarshal([]byte(spec), &m); err != nil {
		t.Fatal(err)
	}
	s, errs := DecodeSpec(m)
	if len(errs) == 0 {
		s.Default()
		errs = s.Validate()
	}
	if len(errs) > 0 {
		t.Fatalf("spec: %v", errs.ToAggregate())
	}
	p := NewPlan(s, obs)
	p.ClaimNamespace = "payments"
	if views != nil {
		views(&p.View)
		p.Validation = p.validation()
		if s.Cutover != nil {
			p.Cutover = p.decide()
		}
	}
	return p
}

// object is the typed resource a part composes under a name; it fails the
// test when there is none or it has another type.
func object[T Managed](t testing.TB, part Part, name resource.Name) T {
	t.Helper()
	for _, d := range part.Resources {
		if d.Name == name {
			o, ok := d.Object.(T)
			if !ok {
				t.Fatalf("%s is a %T", name, d.Object)
			}
			return o
		}
	}
	var zero T
	t.Fatalf("%s is not composed", name)
	return zero
}

// composes reports whether a part composes a resource.
func composes(part Part, name resource.Name) bool {
	for _, d := range part.Resources {
		if d.Name == name {
			return len(d.WaitsFor) == 0
		}
	}
	return false
}
