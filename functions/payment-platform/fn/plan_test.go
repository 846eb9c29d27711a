package fn

import (
	"strings"
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
		p.decideAll()
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

// TestNameWithin: a name that fits is Name itself (existing platforms keep
// their names); a longer one is cut deterministically within the limit and
// stays distinct per suffix.
func TestNameWithin(t *testing.T) {
	short := tierPlan(t, "environmentSuffix: prod", nil, nil)
	if got := short.NameWithin(ResAPITargetGroup, 32); got != "payment-api-tg-prod" {
		t.Errorf("fits: %q", got)
	}
	long := tierPlan(t, "environmentSuffix: a123456789b123456789", nil, nil)
	other := tierPlan(t, "environmentSuffix: a123456789b123456780", nil, nil)
	got := long.NameWithin(ResAPITargetGroup, 32)
	if len(got) > 32 || got != long.NameWithin(ResAPITargetGroup, 32) || got == other.NameWithin(ResAPITargetGroup, 32) || !strings.HasPrefix(got, "payment-api-tg-a1234") {
		t.Errorf("shortened: %q (%d characters), other suffix %q", got, len(got), other.NameWithin(ResAPITargetGroup, 32))
	}
}
