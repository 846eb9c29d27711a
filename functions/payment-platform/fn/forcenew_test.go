package fn

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/acme-payments/xpaymentplatform/apis/v1alpha1"
	"github.com/acme-payments/xpaymentplatform/internal/forcenew"
)

// forceNewException is a replace-on-change field a render below changes
// today: provider-aws refuses the update (Synced=False) and keeps the old
// value.
type forceNewException struct{ Resource, Field, Why string }

// knownForceNewExceptions can only shrink: TestNoForceNewChanges fails when
// a listed exception no longer happens.
var knownForceNewExceptions = []forceNewException{}

// forceNewChange is a replace-on-change field of a resource that existed
// before an edit and whose desired value the edit changes.
type forceNewChange struct {
	scenario, resource string
	change             forcenew.Change
	message            string
}

// forceNewChanges compares the desired forProvider of every composed
// provider-aws resource of world before and after an edit.
func forceNewChanges(t *testing.T, scenario string, world map[string]*fnv1.Resource, before, after *fnv1.RunFunctionResponse) []forceNewChange {
	t.Helper()
	var out []forceNewChange
	compared := 0
	for _, name := range slices.Sorted(maps.Keys(world)) {
		b, okB := before.GetDesired().GetResources()[name]
		a, okA := after.GetDesired().GetResources()[name]
		if !okB || !okA {
			continue // not composed before, or removed by the edit
		}
		bm, am := b.GetResource().AsMap(), a.GetResource().AsMap()
		apiVersion, _ := bm["apiVersion"].(string)
		kind, _ := bm["kind"].(string)
		if !strings.Contains(apiVersion, ".aws.upbound.io/") {
			continue
		}
		r, ok := forcenew.For(apiVersion, kind)
		if !ok {
			t.Errorf("%s: %s %s has no entry in internal/forcenew/table.json: run make forcenew", name, apiVersion, kind)
			continue
		}
		bp, _ := get(bm, "spec.forProvider").(map[string]any)
		ap, _ := get(am, "spec.forProvider").(map[string]any)
		for _, c := range r.Changes(bp, ap) {
			out = append(out, forceNewChange{scenario: scenario, resource: name, change: c, message: r.RefuseMessage([]forcenew.Change{c})})
		}
		compared++
	}
	if compared < 30 {
		t.Fatalf("%s: only %d resources compared: the world is not the Ready platform", scenario, compared)
	}
	return out
}

// safetyEdits is the safety table: the claim edits a live platform must
// survive (TestClaimEditsKeepStatefulResources, TestNoForceNewChanges),
// applied to a spec that starts with prodSpec.
func safetyEdits(spec string) map[string]string {
	rest := strings.TrimPrefix(spec, prodSpec)
	return map[string]string{
		"CapacityChange":     strings.Replace(spec, "minCapacity: 2, maxCapacity: 16", "minCapacity: 4, maxCapacity: 32", 1),
		"FewerInstances":     strings.Replace(spec, "instances: 3", "instances: 2", 1),
		"EngineMinorVersion": strings.Replace(spec, "database: {", "database: {engineVersion: '16.8', ", 1),
		"Tags":               spec + "tags: {Owner: payments-oncall}\n",
		"SourceHost":         strings.Replace(spec, "pg.corp.example.com", "pg2.corp.example.com", 1),
		"MigrationOff":       strings.Replace(spec, "migration:\n", "migration:\n  enabled: false\n", 1),
		"MigrationRemoved":   strings.Split(prodSpec, "migration:")[0] + rest,
	}
}

// advance is the world after the provider applied rsp: what was observed
// keeps its status, what is new is observed Ready.
func advance(t *testing.T, world map[string]*fnv1.Resource, rsp *fnv1.RunFunctionResponse) map[string]*fnv1.Resource {
	t.Helper()
	next := observedReady(t, rsp)
	for name, r := range next {
		if w, ok := world[name]; ok {
			r.GetResource().GetFields()["status"] = w.GetResource().GetFields()["status"]
		}
	}
	return next
}

// TestNoForceNewChanges: no claim edit of the safety table on a Ready
// platform and no cutover step changes a replace-on-change field of a
// resource that exists (provider-aws would refuse the update), apart from
// knownForceNewExceptions.
func TestNoForceNewChanges(t *testing.T) {
	var found []forceNewChange

	platforms := map[string]string{"Platform": prodSpec, "FullPlatform": edgeSpec(0, false) + lambdasSpec}
	for _, name := range slices.Sorted(maps.Keys(platforms)) {
		spec := platforms[name]
		world := readyWorld(t, spec)
		base := run(t, withClaim(newRequest(t, spec, world)))
		edits := safetyEdits(spec)
		for _, edit := range slices.Sorted(maps.Keys(edits)) {
			edited := edits[edit]
			t.Run(name+"/"+edit, func(t *testing.T) {
				rsp := run(t, withClaim(newRequest(t, edited, world)))
				if msg := fatal(rsp); msg != "" {
					t.Fatal(msg)
				}
				found = append(found, forceNewChanges(t, t.Name(), world, base, rsp)...)
			})
		}
	}

	for _, lambdas := range []bool{false, true} {
		name, extra := "CutoverEdge", ""
		if lambdas {
			name, extra = "CutoverEdgeLambdas", lambdasSpec
		}
		t.Run(name, func(t *testing.T) {
			spec := func(step int, rollback bool) string { return edgeSpec(step, rollback) + extra }
			world := edgeWorld(t, spec(0, false))
			before := run(t, withClaim(newRequest(t, spec(0, false), world)))
			prev := "0"
			for _, s := range []struct {
				step     int
				rollback bool
			}{{10, false}, {50, false}, {100, false}, {100, true}} {
				obs := world
				if extra != "" {
					obs = withValidation(world, strconv.Itoa(s.step), map[string]any{
						"success": true, "checkType": ValidationCheckType(v1alpha1.CutoverStep(s.step)), "rowsCompared": 1200000,
					})
				}
				rsp := run(t, withClaim(newRequest(t, spec(s.step, s.rollback), obs)))
				if msg := fatal(rsp); msg != "" {
					t.Fatal(msg)
				}
				to := strconv.Itoa(s.step)
				if s.rollback {
					to = "rollback"
				}
				if got := get(rsp.GetDesired().GetComposite().GetResource().AsMap(), "status.cutover.step"); got != float64(s.step) {
					t.Fatalf("step %s: the cutover is at %v, not %d: the transition was not rendered", to, got, s.step)
				}
				found = append(found, forceNewChanges(t, fmt.Sprintf("%s/%s->%s", t.Name(), prev, to), obs, before, rsp)...)
				world, before, prev = advance(t, obs, rsp), rsp, to
			}
		})
	}

	seen := map[forceNewException][]string{}
	for _, c := range found {
		i := slices.IndexFunc(knownForceNewExceptions, func(e forceNewException) bool {
			return e.Resource == c.resource && e.Field == c.change.Field.TF
		})
		if i >= 0 {
			e := knownForceNewExceptions[i]
			seen[e] = append(seen[e], fmt.Sprintf("%s (%v -> %v)", c.scenario, c.change.Old, c.change.New))
			continue
		}
		t.Errorf("%s: %s spec.forProvider.%s changes from %v to %v; provider-aws would refuse the update: %s",
			c.scenario, c.resource, c.change.Path, c.change.Old, c.change.New, c.message)
	}
	for _, e := range knownForceNewExceptions {
		if len(seen[e]) == 0 {
			t.Errorf("known exception %s %s no longer happens: remove it from knownForceNewExceptions", e.Resource, e.Field)
			continue
		}
		slices.Sort(seen[e])
		t.Logf("known ForceNew exception: %s %s: %s\n\tin %s", e.Resource, e.Field, e.Why, strings.Join(seen[e], "\n\tin "))
	}
}
