package fn

import (
	"slices"
	"strings"
	"testing"

	"github.com/crossplane/function-sdk-go/resource"

	route53 "github.com/upbound/provider-aws/v2/apis/cluster/route53/v1beta1"
	route53v2 "github.com/upbound/provider-aws/v2/apis/cluster/route53/v1beta2"
)

const routingSpec = edgeTierSpec + "\ncutover: {hostedZoneId: Z0123456789ABCDEF, zoneName: payments.example.com, oldSystem: {hostname: legacy.payments.example.com}, step: 0}"

// routingWorld is a world where the edge is up: the ALB's identifiers, the
// guard alarms' health checks and the endpoint check are known.
func routingWorld(v *Views) {
	v.Edge.ALBDNSName, v.Edge.ALBARNSuffix, v.Edge.TargetGroupARNSuffix = "a.elb.amazonaws.com", "app/a/1", "targetgroup/t/1"
	v.Routing.HealthCheckIDs = map[resource.Name]string{
		ResHealthNewEndpoint: "hc-endpoint", "health-" + ResGuardAlarmRollback: "hc-rollback",
		"health-" + ResGuardAlarm5xx: "hc-5xx", "health-" + ResGuardAlarmLatency: "hc-latency",
	}
}

// TestRoutingTier: the new side's calculated health check names every
// child — the endpoint check and one per guard alarm — by ID once all are
// observed, and needs all of them healthy (a list selector would be
// resolved once, with whichever existed); the records carry the decided
// weights; CutoverReady says whether the next step can be taken.
func TestRoutingTier(t *testing.T) {
	t.Run("CalculatedHealthCheck", func(t *testing.T) {
		part := routing(tierPlan(t, routingSpec, nil, routingWorld))
		calc := object[*route53.HealthCheck](t, part, ResHealthNew).Spec.ForProvider
		var children []string
		for _, c := range calc.ChildHealthchecks {
			children = append(children, deref(c))
		}
		if !slices.Equal(children, []string{"hc-endpoint", "hc-rollback", "hc-5xx", "hc-latency"}) || deref(calc.ChildHealthThreshold) != 4 || calc.ChildHealthchecksSelector != nil {
			t.Errorf("calculated check = %+v", calc)
		}
		partial := routing(tierPlan(t, routingSpec, nil, func(v *Views) {
			routingWorld(v)
			delete(v.Routing.HealthCheckIDs, "health-"+ResGuardAlarmLatency)
		}))
		if composes(partial, ResHealthNew) || composes(partial, ResRecordNew) {
			t.Error("the calculated check (or the record using it) is composed before every child is known")
		}
	})

	obs := Observed{ResAurora: {Ready: true, Synced: true}, "aurora-instance-a": {Ready: true}, "aurora-instance-b": {Ready: true}}
	cases := map[string]struct {
		spec           string
		stepInForce    int
		ready          bool
		wantOld        float64
		wantNew        float64
		wantCondition  bool
		wantReason     string
		wantWarning    string
		wantAnnotation string
	}{
		"AtZero":        {spec: routingSpec, ready: true, wantOld: 100, wantNew: 0, wantCondition: true, wantReason: "Ready", wantAnnotation: "0"},
		"MoveTo10":      {spec: strings.Replace(routingSpec, "step: 0", "step: 10", 1), ready: true, wantOld: 90, wantNew: 10, wantCondition: true, wantReason: "Ready", wantAnnotation: "10"},
		"SkipIsHeld":    {spec: strings.Replace(routingSpec, "step: 0", "step: 50", 1), ready: true, wantOld: 100, wantNew: 0, wantReason: "StepHeld", wantWarning: "steps are taken in order", wantAnnotation: "0"},
		"DataNotReady":  {spec: strings.Replace(routingSpec, "step: 0", "step: 10", 1), wantOld: 100, wantNew: 0, wantReason: "StepHeld", wantWarning: "the data tier is not Ready", wantAnnotation: "0"},
		"Rollback":      {spec: strings.Replace(routingSpec, "step: 0", "step: 50, rollback: true", 1), stepInForce: 50, ready: true, wantOld: 100, wantNew: 0, wantCondition: true, wantReason: "Ready", wantAnnotation: "50"},
		"BackFrom50":    {spec: strings.Replace(routingSpec, "step: 0", "step: 10", 1), stepInForce: 50, ready: true, wantOld: 90, wantNew: 10, wantCondition: true, wantReason: "Ready", wantAnnotation: "10"},
		"CompleteAt100": {spec: strings.Replace(routingSpec, "step: 0", "step: 100", 1), stepInForce: 100, ready: true, wantOld: 0, wantNew: 100, wantReason: "NotReady", wantAnnotation: "100"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			o := Observed{}
			if tc.ready {
				o = obs
			}
			part := routing(tierPlan(t, tc.spec, o, func(v *Views) { routingWorld(v); v.Routing.StepInForce = tc.stepInForce }))
			oldRec := object[*route53v2.Record](t, part, ResRecordOld)
			old := oldRec.Spec.ForProvider.WeightedRoutingPolicy.Weight
			if deref(old) != tc.wantOld || oldRec.GetAnnotations()[AnnotationCutoverStep] != tc.wantAnnotation {
				t.Errorf("old weight %v, step annotation %q; want %v %q", deref(old), oldRec.GetAnnotations()[AnnotationCutoverStep], tc.wantOld, tc.wantAnnotation)
			}
			// Weight 0 is not "no traffic" (Route 53 answers with zero-weight
			// records when every weighted one is unhealthy): at weight 0
			// there is no new-system record.
			if tc.wantNew == 0 {
				if composes(part, ResRecordNew) {
					t.Error("a new-system record at weight 0")
				}
			} else if rec := object[*route53v2.Record](t, part, ResRecordNew); deref(rec.Spec.ForProvider.WeightedRoutingPolicy.Weight) != tc.wantNew {
				t.Errorf("new weight %v, want %v", deref(rec.Spec.ForProvider.WeightedRoutingPolicy.Weight), tc.wantNew)
			}
			if len(part.Conditions) != 1 || part.Conditions[0].Type != ConditionCutoverReady || part.Conditions[0].Status != tc.wantCondition || part.Conditions[0].Reason != tc.wantReason {
				t.Errorf("conditions = %+v", part.Conditions)
			}
			if (tc.wantWarning == "") != (len(part.Warnings) == 0) || (tc.wantWarning != "" && !strings.Contains(part.Warnings[0], tc.wantWarning)) {
				t.Errorf("warnings = %v, want %q", part.Warnings, tc.wantWarning)
			}
			if cs := part.Status.Cutover; cs == nil || cs.Weights.Old != int(tc.wantOld) || cs.Weights.New != int(tc.wantNew) || cs.FailbackBoundSeconds != 240 {
				t.Errorf("status.cutover = %+v", cs)
			}
		})
	}
}
