package fn

import (
	"strings"

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
		dims[k] = ptr(v)
	}
	// alarmActions takes the topic's ARN once observed: provider-aws
	// v2.5.0 resolves alarmActionsSelector to autoscaling Policies, not SNS
	// topics (apis/cluster/cloudwatch/v1beta2/zz_generated.resolvers.go),
	// so a selector would never resolve. okActionsSelector does select
	// Topics.
	var alarmActions []*string
	if arn := p.View.Monitoring.TopicARN; arn != "" {
		alarmActions = []*string{ptr(arn)}
	}
	return &cloudwatchv2.MetricAlarm{Spec: cloudwatchv2.MetricAlarmSpec{ForProvider: cloudwatchv2.MetricAlarmParameters{
		AlarmDescription:   ptr(a.Description),
		Namespace:          ptr(a.Namespace),
		MetricName:         ptr(a.Metric),
		Statistic:          ptr(a.Statistic),
		Period:             ptr(float64(GuardAlarmPeriodSeconds)),
		EvaluationPeriods:  ptr(float64(periods)),
		DatapointsToAlarm:  ptr(float64(periods)),
		Threshold:          ptr(a.Threshold),
		ComparisonOperator: ptr(a.Comparison),
		TreatMissingData:   ptr("notBreaching"),
		Dimensions:         dims,
		ActionsEnabled:     ptr(true),
		AlarmActions:       alarmActions,
		OkActionsSelector:  p.Sel(ResAlarmsTopic),
	}}}
}
