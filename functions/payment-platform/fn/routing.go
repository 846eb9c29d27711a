package fn

import (
	"github.com/crossplane/function-sdk-go/resource"
	"k8s.io/utils/ptr"

	"fmt"
	"strconv"

	"github.com/acme-payments/xpaymentplatform/internal/contract"

	"github.com/acme-payments/xpaymentplatform/apis/v1alpha1"

	route53 "github.com/upbound/provider-aws/v2/apis/cluster/route53/v1beta1"
	route53v2 "github.com/upbound/provider-aws/v2/apis/cluster/route53/v1beta2"
)

// HostedZoneID is the cutover zone's ID once known.
func (p *Plan) HostedZoneID() string {
	if id := p.Spec.Cutover.HostedZoneID; id != "" {
		return id
	}
	return p.View.Routing.ZoneID
}

// routingResources composes the weighted cutover: two weighted CNAME records for the
// domain — old-system and new-system, the ALB — with weights from the step;
// an HTTPS health check on each side; and on the new side a calculated
// health check that is healthy only while the ALB answers AND none of the
// guard alarms (5xx, latency, RollbackRequested) fires, so Route 53 sends
// traffic back to the old system by itself, without a claim edit.
//
// Both records are CNAMEs: records of one weighted set share a type, and the
// old side is a hostname.
func routingResources(p *Plan) []Desired {
	c := p.Spec.Cutover
	if c == nil || p.Spec.Ingress == nil {
		return nil
	}
	var out []Desired
	if c.CreateHostedZone {
		out = append(out, Desired{
			Name: ResZone,
			Object: &route53.Zone{Spec: route53.ZoneSpec{ForProvider: route53.ZoneParameters{
				Name:    ptr.To(c.ZoneName),
				Comment: ptr.To("Payment platform cutover zone of payment-" + p.Spec.EnvironmentSuffix),
			}}},
		})
	}
	out = append(out, Desired{
		Name: ResHealthOld,
		Object: &route53.HealthCheck{Spec: route53.HealthCheckSpec{ForProvider: route53.HealthCheckParameters{
			Type:             ptr.To("HTTPS"),
			Fqdn:             ptr.To(c.OldSystem.Hostname),
			Port:             ptr.To(float64(c.OldSystem.Port)),
			ResourcePath:     ptr.To(c.OldSystem.HealthCheckPath),
			RequestInterval:  ptr.To(float64(HealthCheckIntervalSeconds)),
			FailureThreshold: ptr.To(float64(HealthCheckFailureThreshold)),
			EnableSni:        ptr.To(true),
			ReferenceName:    ptr.To(trunc("old-"+p.Spec.EnvironmentSuffix, healthCheckReferenceMax)),
		}}},
	})
	oldW, newW := Weights(p.Cutover.Effective, c.Rollback)
	old := &route53v2.Record{Spec: route53v2.RecordSpec{ForProvider: route53v2.RecordParameters{
		Name:                  ptr.To(p.Spec.Ingress.DomainName),
		Type:                  ptr.To("CNAME"),
		TTL:                   ptr.To(float64(c.TTLSeconds)),
		Records:               []*string{ptr.To(c.OldSystem.Hostname)},
		SetIdentifier:         ptr.To("old-system"),
		WeightedRoutingPolicy: &route53v2.WeightedRoutingPolicyParameters{Weight: ptr.To(float64(oldW))},
		HealthCheckIDSelector: p.Sel(ResHealthOld),
	}}}
	p.setZone(&old.Spec.ForProvider)
	// The old record, always there, carries the step in force.
	old.SetAnnotations(map[string]string{AnnotationCutoverStep: strconv.Itoa(int(p.Cutover.Effective))})
	out = append(out, Desired{Name: ResRecordOld, Object: old})

	out = append(out, p.guard()...)

	albDNS := p.View.Edge.ALBDNSName
	if albDNS == "" {
		return out
	}
	guard := true
	hcEndpoint := &route53.HealthCheck{Spec: route53.HealthCheckSpec{ForProvider: route53.HealthCheckParameters{
		Type:             ptr.To("HTTPS"),
		Fqdn:             ptr.To(albDNS),
		Port:             ptr.To(443.0),
		ResourcePath:     ptr.To(p.Spec.API.HealthCheckPath),
		RequestInterval:  ptr.To(float64(HealthCheckIntervalSeconds)),
		FailureThreshold: ptr.To(float64(HealthCheckFailureThreshold)),
		ReferenceName:    ptr.To(trunc("alb-"+p.Spec.EnvironmentSuffix, healthCheckReferenceMax)),
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
		id := p.View.Routing.HealthCheckID(n)
		if id == "" {
			return out
		}
		ids = append(ids, ptr.To(id))
	}
	calculated := Desired{
		Name: ResHealthNew,
		Object: &route53.HealthCheck{Spec: route53.HealthCheckSpec{ForProvider: route53.HealthCheckParameters{
			Type:                 ptr.To("CALCULATED"),
			ChildHealthThreshold: ptr.To(float64(len(ids))),
			ChildHealthchecks:    ids,
			ReferenceName:        ptr.To(trunc("new-"+p.Spec.EnvironmentSuffix, healthCheckReferenceMax)),
		}}},
	}
	// Weight 0 is not "no traffic": Route 53 answers with the zero-weight
	// records when every record with a weight above zero is unhealthy
	// (Route 53 developer guide, "Weighted routing": "If you set Weight to
	// 0 ... Route 53 ... responds with a zero-weight record only when all
	// the non-zero-weight records are unhealthy"). At step 0 and during a
	// rollback the data on AWS is not the system of record, so there is no
	// new-system record at all (it is removed, see Plan.retired).
	if newW == 0 {
		return append(out, calculated)
	}
	newRec := &route53v2.Record{Spec: route53v2.RecordSpec{ForProvider: route53v2.RecordParameters{
		Name:                  ptr.To(p.Spec.Ingress.DomainName),
		Type:                  ptr.To("CNAME"),
		TTL:                   ptr.To(float64(c.TTLSeconds)),
		Records:               []*string{ptr.To(albDNS)},
		SetIdentifier:         ptr.To("new-system"),
		WeightedRoutingPolicy: &route53v2.WeightedRoutingPolicyParameters{Weight: ptr.To(float64(newW))},
		HealthCheckIDSelector: p.Sel(ResHealthNew),
	}}}
	p.setZone(&newRec.Spec.ForProvider)
	newRec.SetAnnotations(map[string]string{AnnotationCutoverStep: strconv.Itoa(int(p.Cutover.Effective))})
	return append(out, calculated, Desired{Name: ResRecordNew, Object: newRec})
}

// guardAlarms are the alarms whose dimensions are known: the ALB ones once
// the ALB and target group exist.
func (p *Plan) guardAlarms() []Alarm {
	g := p.Spec.Cutover.Guard
	out := []Alarm{{
		Name: ResGuardAlarmRollback, Namespace: contract.MetricNamespace, Metric: contract.MetricRollbackRequested, Statistic: "Maximum",
		Threshold: 1, Comparison: "GreaterThanOrEqualToThreshold", EvaluationPeriods: 1, // one request is enough
		Dimensions:  map[string]string{contract.DimensionEnvironmentSuffix: p.Spec.EnvironmentSuffix},
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
			Type:                         ptr.To("CLOUDWATCH_METRIC"),
			CloudwatchAlarmNameSelector:  p.Sel(a.Name),
			CloudwatchAlarmRegion:        ptr.To(p.Region()),
			InsufficientDataHealthStatus: ptr.To("Healthy"),
			ReferenceName:                ptr.To(trunc(string(a.Name), healthCheckReferenceMax)),
		}}}
		hc.SetLabels(map[string]string{LabelCutoverGuard: "true"})
		out = append(out, Desired{Name: guardHealthName(a.Name), Object: hc})
	}
	return out
}

// healthCheckReferenceMax is the longest health check reference_name:
// Route 53's CallerReference is 64 characters and the Terraform provider
// appends a 37-character unique ID (its schema allows 27).
const healthCheckReferenceMax = 27

func trunc(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// routing is the weighted cutover; the status shows the step in force and
// the weights, and CutoverReady whether the next step can be taken (a held
// step is also a Warning).
func routing(p *Plan) Part {
	part := Part{Resources: routingResources(p)}
	c := p.Spec.Cutover
	if c == nil {
		return part
	}
	d := p.Cutover
	oldW, newW := Weights(d.Effective, c.Rollback)
	cs := &v1alpha1.CutoverStatus{
		Step: int(d.Effective), RequestedStep: int(d.Requested), Rollback: c.Rollback,
		Weights:              v1alpha1.CutoverWeights{Old: oldW, New: newW},
		FailbackBoundSeconds: FailbackBoundSeconds(c.TTLSeconds),
		FailbackNotCovered:   FailbackNotCovered,
		Message:              d.Blocked,
	}
	detection, cached := FailbackTerms(c.TTLSeconds)
	for _, t := range append(detection, cached) {
		cs.FailbackTerms = append(cs.FailbackTerms, fmt.Sprintf("%s: %d s (%s)", t.Name, t.Seconds, t.Source))
	}
	if cs.Message == "" && c.Rollback {
		cs.Message = "rolled back: all traffic goes to the old system"
	}
	part.Status = v1alpha1.XPaymentPlatformStatus{HostedZoneID: p.HostedZoneID(), NameServers: p.View.Routing.NameServers, Cutover: cs}
	switch {
	case d.Blocked != "":
		part.Warnings = append(part.Warnings, "spec.cutover.step: "+d.Blocked)
		part.Conditions = append(part.Conditions, Condition{Type: ConditionCutoverReady, Reason: "StepHeld", Message: d.Blocked})
	case d.NextBlocked != "":
		part.Conditions = append(part.Conditions, Condition{Type: ConditionCutoverReady, Reason: "NotReady",
			Message: fmt.Sprintf("at step %d; the next step cannot be taken: %s", d.Effective, d.NextBlocked)})
	default:
		part.Conditions = append(part.Conditions, Condition{Type: ConditionCutoverReady, Status: true, Reason: "Ready",
			Message: fmt.Sprintf("at step %d; the next step can be taken (failback within %d s)", d.Effective, FailbackBoundSeconds(c.TTLSeconds))})
	}
	return part
}

// guardHealthName is the composition-resource name of the health check
// that follows a guard alarm.
func guardHealthName(alarm resource.Name) resource.Name { return "health-" + alarm }
