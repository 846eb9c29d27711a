package fn

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/crossplane/function-sdk-go/resource"

	route53 "github.com/upbound/provider-aws/v2/apis/cluster/route53/v1beta1"
	route53v2 "github.com/upbound/provider-aws/v2/apis/cluster/route53/v1beta2"

	"github.com/acme-payments/xpaymentplatform/apis/v1alpha1"
)

// Composition-resource names of the routing (cutover) tier.
const (
	ResZone               = resource.Name("zone")
	ResRecordOld          = resource.Name("record-old")
	ResRecordNew          = resource.Name("record-new")
	ResHealthOld          = resource.Name("health-old")
	ResHealthNewEndpoint  = resource.Name("health-new-endpoint")
	ResHealthNew          = resource.Name("health-new")
	ResGuardAlarm5xx      = resource.Name("cutover-guard-5xx")
	ResGuardAlarmLatency  = resource.Name("cutover-guard-latency")
	ResGuardAlarmRollback = resource.Name("cutover-guard-rollback")

	// AnnotationCutoverStep records on the new record the step in force, so
	// the next reconcile knows where the cutover is even during a rollback.
	AnnotationCutoverStep = "platform.payments.io/cutover-step"
	// LabelCutoverGuard marks the health checks the new side's calculated
	// health check combines.
	LabelCutoverGuard = "platform.payments.io/cutover-guard"
	// MetricNamespace is where the platform's own metrics live.
	MetricNamespace = "PaymentMigration"
	// MetricRollbackRequested is what the rollback Lambda publishes.
	MetricRollbackRequested = "RollbackRequested"
	// DimensionSuffix identifies the platform in PaymentMigration metrics.
	DimensionSuffix = "EnvironmentSuffix"
)

// Failback timing: how fast Route 53 turns the AWS side unhealthy.
const (
	HealthCheckIntervalSeconds  = 10
	HealthCheckFailureThreshold = 3
	GuardAlarmPeriodSeconds     = 60
	GuardAlarmEvaluationPeriods = 2
)

// FailbackBoundSeconds is the worst case from the AWS side failing to
// resolvers answering with the old system: the slower of the endpoint health
// check (interval x failure threshold) and the guard alarms (period x
// evaluation periods) — summed, to stay an upper bound — plus the TTL the
// last answer is cached for.
func FailbackBoundSeconds(ttl int) int {
	return HealthCheckIntervalSeconds*HealthCheckFailureThreshold + GuardAlarmPeriodSeconds*GuardAlarmEvaluationPeriods + ttl
}

// Weights returns the Route 53 weights (old, new) of a step; a rollback
// sends everything to the old system whatever the step. The old record keeps
// weight 0 at step 100 so failback still has somewhere to go.
func Weights(step v1alpha1.CutoverStep, rollback bool) (oldW, newW int) {
	if rollback {
		return 100, 0
	}
	return 100 - int(step), int(step)
}

// Cutover is the step decision of one reconcile.
type Cutover struct {
	Requested, Current, Effective v1alpha1.CutoverStep
	// Blocked says why a move forward is held back ("" when it is not).
	Blocked string
	// NextBlocked says why the next step could not be taken now.
	NextBlocked string
}

// currentStep is the step in force, read from the observed new record.
func (p *Plan) currentStep() v1alpha1.CutoverStep {
	n := v1alpha1.CutoverStep(p.View.Routing.StepInForce)
	if !slices.Contains(v1alpha1.CutoverSteps, n) {
		return 0
	}
	return n
}

// forwardBlocker says why traffic may not move further onto AWS now.
func (p *Plan) forwardBlocker() string {
	var unready []string
	for _, n := range p.dataTierNames() {
		if o, ok := p.Observed[n]; !ok || !o.Ready {
			unready = append(unready, string(n))
		}
	}
	if len(unready) > 0 {
		return "the data tier is not Ready (" + summarize(unready, 5) + ")"
	}
	if p.Spec.MigrationEnabled() {
		if s := p.View.Migration.TaskStatus; s != "running" {
			if s == "" {
				s = "not created"
			}
			return "the DMS task is not replicating (status " + s + "): traffic moves only while changes flow to Aurora"
		}
	}
	if b := p.validationBlocker(); b != "" {
		return b
	}
	return ""
}

// validationBlocker: with the validator wired in, traffic moves forward only
// after the validation for the requested step has passed on complete data.
func (p *Plan) validationBlocker() string {
	v := p.Validation()
	if v == nil || v.Success {
		return ""
	}
	return "the migration validation has not passed (" + v.Message + ")"
}

// dataTierNames are the resources that must be Ready before traffic moves.
func (p *Plan) dataTierNames() []resource.Name {
	out := []resource.Name{ResAurora}
	for _, az := range p.AZs[:p.Spec.Database.Instances] {
		out = append(out, AuroraInstanceName(az))
	}
	return out
}

// Decide the step: moving back and rolling back are always allowed; moving
// forward is one step at a time and only while the data tier is Ready and
// DMS replicates; otherwise the step stays where it is. The decision is
// computed once per request.
func (p *Plan) Decide() Cutover {
	if p.cutover == nil {
		c := p.decide()
		p.cutover = &c
	}
	return *p.cutover
}

func (p *Plan) decide() Cutover {
	c := Cutover{Requested: p.Spec.Cutover.Step, Current: p.currentStep()}
	c.Effective = c.Requested
	blocker := p.forwardBlocker()
	idx := slices.Index(v1alpha1.CutoverSteps, c.Current)
	if idx+1 < len(v1alpha1.CutoverSteps) {
		c.NextBlocked = blocker
	} else {
		c.NextBlocked = "the cutover is complete (step 100)"
	}
	if c.Requested <= c.Current {
		return c
	}
	next := v1alpha1.CutoverSteps[idx+1]
	switch {
	case p.Spec.Cutover.Rollback:
		c.Effective, c.Blocked = c.Current, fmt.Sprintf("step %d is held at %d while spec.cutover.rollback is true", c.Requested, c.Current)
	case c.Requested > next:
		c.Effective, c.Blocked = c.Current, fmt.Sprintf("steps are taken in order: from %d the next step is %d, not %d", c.Current, next, c.Requested)
	case blocker != "":
		c.Effective, c.Blocked = c.Current, fmt.Sprintf("step %d is held at %d: %s", c.Requested, c.Current, blocker)
	}
	return c
}

// setZone points a record at the cutover zone: the claim's, or the created
// one.
func (p *Plan) setZone(r *route53v2.RecordParameters) {
	if id := p.Spec.Cutover.HostedZoneID; id != "" {
		r.ZoneID = ptr(id)
		return
	}
	r.ZoneIDSelector = p.Sel(ResZone)
}

// HostedZoneID is the cutover zone's ID once known.
func (p *Plan) HostedZoneID() string {
	if id := p.Spec.Cutover.HostedZoneID; id != "" {
		return id
	}
	return p.View.Routing.ZoneID
}

// routing composes the weighted cutover: two weighted CNAME records for the
// domain — old-system and new-system, the ALB — with weights from the step;
// an HTTPS health check on each side; and on the new side a calculated
// health check that is healthy only while the ALB answers AND none of the
// guard alarms (5xx, latency, RollbackRequested) fires, so Route 53 sends
// traffic back to the old system by itself, without a claim edit.
//
// Both records are CNAMEs: records of one weighted set share a type, and the
// old side is a hostname.
func routing(p *Plan) []Desired {
	c := p.Spec.Cutover
	if c == nil || p.Spec.Ingress == nil {
		return nil
	}
	var out []Desired
	if c.CreateHostedZone {
		out = append(out, Desired{
			Name: ResZone,
			Object: &route53.Zone{Spec: route53.ZoneSpec{ForProvider: route53.ZoneParameters{
				Name:    ptr(c.ZoneName),
				Comment: ptr("Payment platform cutover zone of payment-" + p.Spec.EnvironmentSuffix),
			}}},
		})
	}
	out = append(out, Desired{
		Name: ResHealthOld,
		Object: &route53.HealthCheck{Spec: route53.HealthCheckSpec{ForProvider: route53.HealthCheckParameters{
			Type:             ptr("HTTPS"),
			Fqdn:             ptr(c.OldSystem.Hostname),
			Port:             ptr(float64(c.OldSystem.Port)),
			ResourcePath:     ptr(c.OldSystem.HealthCheckPath),
			RequestInterval:  ptr(float64(HealthCheckIntervalSeconds)),
			FailureThreshold: ptr(float64(HealthCheckFailureThreshold)),
			EnableSni:        ptr(true),
			ReferenceName:    ptr(trunc("old-"+p.Spec.EnvironmentSuffix, 64)),
		}}},
	})
	oldW, newW := Weights(p.Decide().Effective, c.Rollback)
	old := &route53v2.Record{Spec: route53v2.RecordSpec{ForProvider: route53v2.RecordParameters{
		Name:                  ptr(p.Spec.Ingress.DomainName),
		Type:                  ptr("CNAME"),
		TTL:                   ptr(float64(c.TTLSeconds)),
		Records:               []*string{ptr(c.OldSystem.Hostname)},
		SetIdentifier:         ptr("old-system"),
		WeightedRoutingPolicy: &route53v2.WeightedRoutingPolicyParameters{Weight: ptr(float64(oldW))},
		HealthCheckIDSelector: p.Sel(ResHealthOld),
	}}}
	p.setZone(&old.Spec.ForProvider)
	out = append(out, Desired{Name: ResRecordOld, Object: old})

	out = append(out, p.guard()...)

	albDNS := p.View.Edge.ALBDNSName
	if albDNS == "" {
		return out
	}
	guard := true
	hcEndpoint := &route53.HealthCheck{Spec: route53.HealthCheckSpec{ForProvider: route53.HealthCheckParameters{
		Type:             ptr("HTTPS"),
		Fqdn:             ptr(albDNS),
		Port:             ptr(443.0),
		ResourcePath:     ptr(p.Spec.API.HealthCheckPath),
		RequestInterval:  ptr(float64(HealthCheckIntervalSeconds)),
		FailureThreshold: ptr(float64(HealthCheckFailureThreshold)),
		ReferenceName:    ptr(trunc("alb-"+p.Spec.EnvironmentSuffix, 64)),
	}}}
	hcEndpoint.SetLabels(map[string]string{LabelCutoverGuard: strconv.FormatBool(guard)})
	out = append(out, Desired{Name: ResHealthNewEndpoint, Object: hcEndpoint})

	// The calculated health check names its children by ID, once every one
	// is observed. A selector would not do: the provider resolves a list
	// selector once and then keeps the references it found
	// (crossplane-runtime's ResolveMultiple), so a guard created after that
	// would never be combined — and a threshold above the number of
	// children it kept would hold the new side unhealthy for good.
	children := []resource.Name{ResHealthNewEndpoint}
	for _, a := range p.guardAlarms() {
		children = append(children, guardHealthName(a.Name))
	}
	var ids []*string
	for _, n := range children {
		id := p.View.Routing.HealthCheckIDs[n]
		if id == "" {
			return out
		}
		ids = append(ids, ptr(id))
	}
	newRec := &route53v2.Record{Spec: route53v2.RecordSpec{ForProvider: route53v2.RecordParameters{
		Name:                  ptr(p.Spec.Ingress.DomainName),
		Type:                  ptr("CNAME"),
		TTL:                   ptr(float64(c.TTLSeconds)),
		Records:               []*string{ptr(albDNS)},
		SetIdentifier:         ptr("new-system"),
		WeightedRoutingPolicy: &route53v2.WeightedRoutingPolicyParameters{Weight: ptr(float64(newW))},
		HealthCheckIDSelector: p.Sel(ResHealthNew),
	}}}
	p.setZone(&newRec.Spec.ForProvider)
	newRec.SetAnnotations(map[string]string{AnnotationCutoverStep: strconv.Itoa(int(p.Decide().Effective))})
	return append(out,
		Desired{
			Name: ResHealthNew,
			Object: &route53.HealthCheck{Spec: route53.HealthCheckSpec{ForProvider: route53.HealthCheckParameters{
				Type:                 ptr("CALCULATED"),
				ChildHealthThreshold: ptr(float64(len(ids))),
				ChildHealthchecks:    ids,
				ReferenceName:        ptr(trunc("new-"+p.Spec.EnvironmentSuffix, 64)),
			}}},
		},
		Desired{Name: ResRecordNew, Object: newRec},
	)
}

// guardHealthName is the composition-resource name of the health check
// that follows a guard alarm.
func guardHealthName(alarm resource.Name) resource.Name { return "health-" + alarm }

// guardAlarms are the alarms whose dimensions are known: the ALB ones once
// the ALB and target group exist.
func (p *Plan) guardAlarms() []Alarm {
	g := p.Spec.Cutover.Guard
	out := []Alarm{{
		Name: ResGuardAlarmRollback, Namespace: MetricNamespace, Metric: MetricRollbackRequested, Statistic: "Maximum",
		Threshold: 1, Comparison: "GreaterThanOrEqualToThreshold", EvaluationPeriods: 1, // one request is enough
		Dimensions:  map[string]string{DimensionSuffix: p.Spec.EnvironmentSuffix},
		Description: "The rollback Lambda asked for the old system: Route 53 fails back",
	}}
	dims := p.albDimensions()
	if dims == nil {
		return out
	}
	return append(out, Alarm{
		Name: ResGuardAlarm5xx, Namespace: "AWS/ApplicationELB", Metric: "HTTPCode_Target_5XX_Count", Statistic: "Sum",
		Threshold: float64(g.Target5xxPerMinute), Comparison: "GreaterThanOrEqualToThreshold", Dimensions: dims,
		Description: "The payment API answers 5xx: Route 53 fails back to the old system",
	}, Alarm{
		Name: ResGuardAlarmLatency, Namespace: "AWS/ApplicationELB", Metric: "TargetResponseTime", Statistic: "Average",
		Threshold: g.LatencySeconds, Comparison: "GreaterThanThreshold", Dimensions: dims,
		Description: "The payment API is slow: Route 53 fails back to the old system",
	})
}

// guard composes the guard alarms and a CloudWatch-metric health check on
// each.
func (p *Plan) guard() []Desired {
	var out []Desired
	for _, a := range p.guardAlarms() {
		out = append(out, Desired{Name: a.Name, Object: p.MetricAlarm(a)})
		hc := &route53.HealthCheck{Spec: route53.HealthCheckSpec{ForProvider: route53.HealthCheckParameters{
			Type:                         ptr("CLOUDWATCH_METRIC"),
			CloudwatchAlarmNameSelector:  p.Sel(a.Name),
			CloudwatchAlarmRegion:        ptr(p.Region()),
			InsufficientDataHealthStatus: ptr("Healthy"),
			ReferenceName:                ptr(trunc(string(a.Name), 64)),
		}}}
		hc.SetLabels(map[string]string{LabelCutoverGuard: "true"})
		out = append(out, Desired{Name: guardHealthName(a.Name), Object: hc})
	}
	return out
}

func trunc(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
