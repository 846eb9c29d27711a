package fn

import (
	"fmt"
	"strings"
	"testing"

	"github.com/acme-payments/xpaymentplatform/apis/v1alpha1"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"google.golang.org/protobuf/types/known/structpb"
)

// TestValidationGatesCutover: moving forward needs a passing validation for
// the requested step; a failed or partial one holds the step and says why.
func TestValidationGatesCutover(t *testing.T) {
	spec0 := edgeSpec(0, false) + lambdasSpec
	world := edgeWorld(t, spec0)
	spec10 := edgeSpec(10, false) + lambdasSpec
	cases := map[string]struct {
		obs      map[string]*fnv1.Resource
		wantStep float64
		held     string
	}{
		"NotRunYet": {obs: world, wantStep: 0, held: "has not run yet"},
		"Passed":    {obs: withValidation(world, "10", map[string]any{"success": true, "checkType": "pre_migration", "rowsCompared": 1200000}), wantStep: 10},
		"Failed": {obs: withValidation(world, "10", map[string]any{"success": false, "checkType": "pre_migration", "rowsCompared": 1200000, "mismatches": 3}),
			wantStep: 0, held: "3 mismatches"},
		"Partial": {obs: withValidation(world, "10", map[string]any{"success": false, "checkType": "pre_migration", "rowsCompared": 500, "resumeToken": "abc"}),
			wantStep: 0, held: "the validation is resuming (invocation 2, 500 rows compared so far)"},
		"StaleResultOfAnotherStep": {obs: withValidation(world, "0", map[string]any{"success": true}), wantStep: 0, held: "has not run yet"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rsp := run(t, withClaim(newRequest(t, spec10, tc.obs)))
			st := get(rsp.GetDesired().GetComposite().GetResource().AsMap(), "status").(map[string]any)
			if get(st, "cutover.step") != tc.wantStep {
				t.Errorf("step = %v, want %v (%v)", get(st, "cutover.step"), tc.wantStep, st["cutover"])
			}
			c := findCondition(rsp, ConditionCutoverReady)
			if tc.held != "" && (c.GetStatus() != fnv1.Status_STATUS_CONDITION_FALSE || !strings.Contains(c.GetMessage(), tc.held)) {
				t.Errorf("CutoverReady = %v, want False with %q", c, tc.held)
			}
			if get(st, "validation.forStep") != 10.0 {
				t.Errorf("validation status = %v", st["validation"])
			}
		})
	}
}

func TestWeights(t *testing.T) {
	cases := []struct {
		step     v1alpha1.CutoverStep
		rollback bool
		old, new int
	}{
		{0, false, 100, 0}, {10, false, 90, 10}, {50, false, 50, 50}, {100, false, 0, 100},
		{0, true, 100, 0}, {10, true, 100, 0}, {50, true, 100, 0}, {100, true, 100, 0},
	}
	for _, c := range cases {
		o, n := Weights(c.step, c.rollback)
		if o != c.old || n != c.new {
			t.Errorf("step %d rollback %t: weights %d/%d, want %d/%d", c.step, c.rollback, o, n, c.old, c.new)
		}
		for _, w := range []int{o, n} {
			if w < 0 || w > 255 {
				t.Errorf("weight %d outside Route 53's 0-255", w)
			}
		}
	}
}

// TestFailbackBound: with the defaults, DNS is back on the old system within
// 5 minutes of the AWS side failing; the status shows the bound.
func TestFailbackBound(t *testing.T) {
	// The slower path is a guard alarm: 2 breaching minutes, evaluated every
	// minute (up to one more); the ALB check takes 3 x 10 s + a 6 s
	// timeout; then the 60 s TTL.
	if b := FailbackBoundSeconds(v1alpha1.DefaultTTLSeconds); b > 300 || b != max(10*3+4+2, 60*2+60)+60 {
		t.Errorf("failback bound = %d s, want 240 and <= 300", b)
	}
	// At the longest TTL the claim allows, still within 5 minutes.
	if b := FailbackBoundSeconds(v1alpha1.MaxTTLSeconds); b > 300 {
		t.Errorf("failback bound at TTL %d = %d s, want <= 300", v1alpha1.MaxTTLSeconds, b)
	}
	// The status lists every term and what the bound leaves out.
	rsp := run(t, withClaim(newRequest(t, edgeSpec(0, false), nil)))
	st := get(rsp.GetDesired().GetComposite().GetResource().AsMap(), "status.cutover").(map[string]any)
	if st["failbackBoundSeconds"] != 240.0 {
		t.Errorf("status failback bound = %v", st["failbackBoundSeconds"])
	}
	terms, _ := st["failbackTerms"].([]any)
	if len(terms) != 3 || !strings.Contains(fmt.Sprint(terms), "guard alarms: 180 s") || !strings.Contains(fmt.Sprint(terms), "cached answers: 60 s") {
		t.Errorf("failbackTerms = %v", terms)
	}
	if nc, _ := st["failbackNotCovered"].([]any); len(nc) != len(FailbackNotCovered) {
		t.Errorf("failbackNotCovered = %v", nc)
	}
	// The inputs of the bound are what is composed.
	hc := desired(t, rsp, "health-old")
	if get(hc, "spec.forProvider.requestInterval") != float64(HealthCheckIntervalSeconds) || get(hc, "spec.forProvider.failureThreshold") != float64(HealthCheckFailureThreshold) {
		t.Errorf("health check timing = %v", get(hc, "spec.forProvider"))
	}
	// The slowest guard alarm is within the bound; a rollback request
	// fires on one datapoint.
	w := edgeWorld(t, edgeSpec(0, false))
	ready := run(t, withClaim(newRequest(t, edgeSpec(0, false), w)))
	for _, a := range []string{"cutover-guard-5xx", "cutover-guard-latency", "cutover-guard-rollback"} {
		fp := get(desired(t, ready, a), "spec.forProvider").(map[string]any)
		if fp["period"].(float64)*fp["evaluationPeriods"].(float64) > float64(GuardAlarmPeriodSeconds*GuardAlarmEvaluationPeriods) {
			t.Errorf("%s fires slower than the bound assumes: %v", a, fp)
		}
	}
	if get(desired(t, ready, "cutover-guard-rollback"), "spec.forProvider.evaluationPeriods") != 1.0 {
		t.Error("a single RollbackRequested datapoint must fire the rollback guard")
	}
}

func recordWeight(t *testing.T, rsp *fnv1.RunFunctionResponse, name string) any {
	t.Helper()
	return get(desired(t, rsp, name), "spec.forProvider.weightedRoutingPolicy.weight")
}

// TestCutoverGating: forward one step at a time and only while the data tier
// is Ready and DMS replicates; backward and rollback always.
func TestCutoverGating(t *testing.T) {
	world := edgeWorld(t, edgeSpec(0, false))
	at := func(step int, obs map[string]*fnv1.Resource) map[string]*fnv1.Resource {
		// Move the world to a step by rendering it there and observing.
		rsp := run(t, withClaim(newRequest(t, edgeSpec(step, false), obs)))
		next := map[string]*fnv1.Resource{}
		for k, v := range obs {
			next[k] = v
		}
		seen := observedReady(t, rsp)
		next["record-old"] = seen["record-old"] // carries the step in force
		if r, ok := seen["record-new"]; ok {
			next["record-new"] = r
		} else {
			delete(next, "record-new")
		}
		return next
	}
	w10 := at(10, world)
	w50 := at(50, w10)

	cases := map[string]struct {
		world    map[string]*fnv1.Resource
		spec     string
		mutate   func(map[string]*fnv1.Resource)
		wantStep int
		held     string
	}{
		"ForwardOneStep":      {world: world, spec: edgeSpec(10, false), wantStep: 10},
		"SkipIsHeld":          {world: world, spec: edgeSpec(50, false), wantStep: 0, held: "next step is 10"},
		"BackwardAllowed":     {world: w50, spec: edgeSpec(10, false), wantStep: 10},
		"BackToZeroAllowed":   {world: w50, spec: edgeSpec(0, false), wantStep: 0},
		"RollbackAnyStep":     {world: w50, spec: edgeSpec(50, true), wantStep: 50},
		"ForwardDuringRollbk": {world: w50, spec: edgeSpec(100, true), wantStep: 50, held: "rollback"},
		"DataTierNotReady": {world: w10, spec: edgeSpec(50, false), wantStep: 10, held: "data tier is not Ready (aurora-instance-b)",
			mutate: func(o map[string]*fnv1.Resource) { setObservedCondition(o["aurora-instance-b"], "Ready", "False") }},
		"DMSNotReplicating": {world: w10, spec: edgeSpec(50, false), wantStep: 10, held: "DMS task is not replicating (status stopped)",
			mutate: func(o map[string]*fnv1.Resource) {
				o["migration"].GetResource().GetFields()["status"].GetStructValue().GetFields()["atProvider"].GetStructValue().
					Fields["status"] = structpb.NewStringValue("stopped")
			}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			obs := cloneResources(tc.world)
			if tc.mutate != nil {
				tc.mutate(obs)
			}
			rsp := run(t, withClaim(newRequest(t, tc.spec, obs)))
			st := get(rsp.GetDesired().GetComposite().GetResource().AsMap(), "status.cutover").(map[string]any)
			if st["step"] != float64(tc.wantStep) {
				t.Errorf("step = %v, want %d (%v)", st["step"], tc.wantStep, st)
			}
			oldW, newW := Weights(v1alpha1.CutoverStep(tc.wantStep), strings.Contains(tc.spec, "rollback: true"))
			_, hasNew := rsp.GetDesired().GetResources()["record-new"]
			if recordWeight(t, rsp, "record-old") != float64(oldW) || hasNew != (newW > 0) || hasNew && recordWeight(t, rsp, "record-new") != float64(newW) {
				t.Errorf("old weight %v, new-system record %t, want %d/%d (no new-system record at weight 0)", recordWeight(t, rsp, "record-old"), hasNew, oldW, newW)
			}
			var warned bool
			for _, r := range rsp.GetResults() {
				warned = warned || r.GetSeverity() == fnv1.Severity_SEVERITY_WARNING && strings.Contains(r.GetMessage(), "spec.cutover.step")
			}
			c := findCondition(rsp, ConditionCutoverReady)
			if tc.held != "" {
				if !warned || c.GetStatus() != fnv1.Status_STATUS_CONDITION_FALSE || !strings.Contains(c.GetMessage(), tc.held) {
					t.Errorf("want a Warning and CutoverReady False containing %q; got warned=%t %v", tc.held, warned, c)
				}
			} else if warned {
				t.Errorf("unexpected Warning: %v", rsp.GetResults())
			}
		})
	}
}
