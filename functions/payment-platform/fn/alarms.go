package fn

import (
	"strings"

	"k8s.io/utils/ptr"

	"github.com/crossplane/function-sdk-go/resource"
	cloudwatchv2 "github.com/upbound/provider-aws/v2/apis/cluster/cloudwatch/v1beta2"
)

// CloudWatch alarms, as the monitoring tier and the cutover guard both
// compose them.

// Alarm is one CloudWatch alarm on a single standard-resolution metric with
// a plain statistic (the kind Route 53 health checks accept too), always
// with the dimensions that make it fire.
type Alarm struct {
	Name        resource.Name
	Namespace   string
	Metric      string
	Statistic   string
	Threshold   float64
	Comparison  string
	Dimensions  map[string]string
	Description string
	// EvaluationPeriods of one period each that must breach (default
	// GuardAlarmEvaluationPeriods).
	EvaluationPeriods int
}

// DMSTaskID is the DMS task's resource identifier (the last part of its
// ARN), the ReplicationTaskIdentifier dimension of DMS task metrics.
func (p *Plan) DMSTaskID() string {
	arn := p.View.Migration.TaskARN
	if i := strings.LastIndex(arn, ":"); i >= 0 {
		return arn[i+1:]
	}
	return ""
}

// albDimensions are the ALB and target group dimensions, once known.
func (p *Plan) albDimensions() map[string]string {
	lb, tg := p.View.Edge.ALBARNSuffix, p.View.Edge.TargetGroupARNSuffix
	if lb == "" || tg == "" {
		return nil
	}
	return map[string]string{"LoadBalancer": lb, "TargetGroup": tg}
}

// MetricAlarm renders an alarm that notifies the platform's topic when it
// fires and when it clears.
func (p *Plan) MetricAlarm(a Alarm) *cloudwatchv2.MetricAlarm {
	periods := a.EvaluationPeriods
	if periods == 0 {
		periods = GuardAlarmEvaluationPeriods
	}
	dims := map[string]*string{}
	for k, v := range a.Dimensions {
		dims[k] = ptr.To(v)
	}
	// alarmActions takes the topic's ARN once observed: provider-aws
	// v2.5.0 resolves alarmActionsSelector to autoscaling Policies, not SNS
	// topics (apis/cluster/cloudwatch/v1beta2/zz_generated.resolvers.go),
	// so a selector would never resolve. okActionsSelector does select
	// Topics.
	var alarmActions []*string
	if arn := p.View.Monitoring.TopicARN; arn != "" {
		alarmActions = []*string{ptr.To(arn)}
	}
	return &cloudwatchv2.MetricAlarm{Spec: cloudwatchv2.MetricAlarmSpec{ForProvider: cloudwatchv2.MetricAlarmParameters{
		AlarmDescription:   ptr.To(a.Description),
		Namespace:          ptr.To(a.Namespace),
		MetricName:         ptr.To(a.Metric),
		Statistic:          ptr.To(a.Statistic),
		Period:             ptr.To(float64(GuardAlarmPeriodSeconds)),
		EvaluationPeriods:  ptr.To(float64(periods)),
		DatapointsToAlarm:  ptr.To(float64(periods)),
		Threshold:          ptr.To(a.Threshold),
		ComparisonOperator: ptr.To(a.Comparison),
		TreatMissingData:   ptr.To("notBreaching"),
		Dimensions:         dims,
		ActionsEnabled:     ptr.To(true),
		AlarmActions:       alarmActions,
		OkActionsSelector:  p.Sel(ResAlarmsTopic),
	}}}
}
