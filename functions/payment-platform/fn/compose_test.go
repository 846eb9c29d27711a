package fn

import (
	"testing"

	"github.com/crossplane/function-sdk-go/resource"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	ec2 "github.com/upbound/provider-aws/v2/apis/cluster/ec2/v1beta1"
	rds "github.com/upbound/provider-aws/v2/apis/cluster/rds/v1beta1"
)

// TestDeferUnselectable: a resource waits while something it selects (or
// names in DependsOn) is neither composed nor observed, transitively; a live
// resource never waits.
func TestDeferUnselectable(t *testing.T) {
	p := tierPlan(t, prodSpec, nil, nil)
	selecting := func(name, target resource.Name) Desired {
		return Desired{Name: name, Object: &ec2.Route{Spec: ec2.RouteSpec{ForProvider: ec2.RouteParameters_2{RouteTableIDSelector: p.Sel(target)}}}}
	}
	group := Desired{Name: "group", Object: &rds.SubnetGroup{}}
	cases := map[string]struct {
		built    []Desired
		observed Observed
		want     map[resource.Name][]resource.Name
	}{
		"TargetComposed":   {built: []Desired{group, selecting("a", "group")}, want: map[resource.Name][]resource.Name{}},
		"TargetMissing":    {built: []Desired{selecting("a", "group")}, want: map[resource.Name][]resource.Name{"a": {"group"}}},
		"TargetObserved":   {built: []Desired{selecting("a", "group")}, observed: Observed{"group": {}}, want: map[resource.Name][]resource.Name{}},
		"Transitive":       {built: []Desired{selecting("b", "a"), selecting("a", "group")}, want: map[resource.Name][]resource.Name{"a": {"group"}, "b": {"a"}}},
		"LiveNeverWaits":   {built: []Desired{selecting("a", "group")}, observed: Observed{"a": {}}, want: map[resource.Name][]resource.Name{}},
		"DependsOnMissing": {built: []Desired{{Name: "u", Object: &rds.SubnetGroup{}, DependsOn: []resource.Name{"group"}}}, want: map[resource.Name][]resource.Name{"u": {"group"}}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := tierPlan(t, prodSpec, tc.observed, nil)
			dcds := map[resource.Name]*resource.DesiredComposed{}
			for _, d := range tc.built {
				u, err := p.assemble(d)
				if err != nil {
					t.Fatal(err)
				}
				dcds[d.Name] = &resource.DesiredComposed{Resource: u}
			}
			got := p.deferUnselectable(dcds, tc.built)
			if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("waiting (-want +got):\n%s", diff)
			}
			for n := range got {
				if _, ok := dcds[n]; ok {
					t.Errorf("%s waits but is still composed", n)
				}
			}
			if len(dcds)+len(got) != len(tc.built) {
				t.Errorf("%d composed + %d waiting, built %d", len(dcds), len(got), len(tc.built))
			}
		})
	}
}
