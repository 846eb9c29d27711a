package fn

import (
	"fmt"
	"strings"

	"github.com/crossplane/function-sdk-go/resource"

	cloudwatch "github.com/upbound/provider-aws/v2/apis/cluster/cloudwatch/v1beta1"
	cloudwatchv2 "github.com/upbound/provider-aws/v2/apis/cluster/cloudwatch/v1beta2"
	sns "github.com/upbound/provider-aws/v2/apis/cluster/sns/v1beta1"
)

// Composition-resource names of the monitoring tier. ResAlarmsTopic gives
// the topic its AWS name payment-alarms-<suffix>; the dashboard is named
// payment-migration-<suffix> through its external name.
const (
	ResAlarmsTopic = resource.Name("alarms")
	ResDashboard   = resource.Name("dashboard")
)

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

// DashboardName is the CloudWatch dashboard of the migration.
func (p *Plan) DashboardName() string { return "payment-migration-" + p.Spec.EnvironmentSuffix }

// DashboardURL opens the dashboard in the console.
func (p *Plan) DashboardURL() string {
	r := p.Region()
	return fmt.Sprintf("https://%s.console.aws.amazon.com/cloudwatch/home?region=%s#dashboards/dashboard/%s", r, r, p.DashboardName())
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

// Alarms are the monitoring alarms whose dimensions are known now; the
// others appear once the resources they watch report their identifiers.
func (p *Plan) Alarms() []Alarm {
	t := p.Spec.Monitoring.Thresholds
	cluster := map[string]string{"DBClusterIdentifier": p.DBClusterIdentifier()}
	out := []Alarm{
		{Name: "alarm-aurora-cpu", Namespace: "AWS/RDS", Metric: "CPUUtilization", Statistic: "Average", Threshold: float64(t.AuroraCPUPercent),
			Comparison: "GreaterThanThreshold", Dimensions: cluster, Description: "Aurora CPU is high"},
		{Name: "alarm-aurora-acu", Namespace: "AWS/RDS", Metric: "ACUUtilization", Statistic: "Average", Threshold: float64(t.AuroraACUPercent),
			Comparison: "GreaterThanThreshold", Dimensions: cluster, Description: "Aurora runs near spec.database.maxCapacity: raise it"},
	}
	if p.Spec.API != nil {
		fn := map[string]string{"FunctionName": p.APIFunctionName()}
		out = append(out,
			Alarm{Name: "alarm-api-errors", Namespace: "AWS/Lambda", Metric: "Errors", Statistic: "Sum", Threshold: float64(t.LambdaErrorsPerMinute),
				Comparison: "GreaterThanOrEqualToThreshold", Dimensions: fn, Description: "The payment API function errors"},
			Alarm{Name: "alarm-api-throttles", Namespace: "AWS/Lambda", Metric: "Throttles", Statistic: "Sum", Threshold: float64(t.LambdaThrottlesPerMinute),
				Comparison: "GreaterThanOrEqualToThreshold", Dimensions: fn, Description: "The payment API is throttled: raise spec.api.reservedConcurrency"},
		)
	}
	if dims := p.albDimensions(); dims != nil {
		out = append(out,
			Alarm{Name: "alarm-alb-latency", Namespace: "AWS/ApplicationELB", Metric: "TargetResponseTime", Statistic: "Average", Threshold: t.ALBLatencySeconds,
				Comparison: "GreaterThanThreshold", Dimensions: dims, Description: "The payment API responds slowly"},
			Alarm{Name: "alarm-alb-5xx", Namespace: "AWS/ApplicationELB", Metric: "HTTPCode_Target_5XX_Count", Statistic: "Sum", Threshold: float64(t.ALB5xxPerMinute),
				Comparison: "GreaterThanOrEqualToThreshold", Dimensions: dims, Description: "The payment API answers 5xx"},
		)
	}
	if p.Spec.MigrationEnabled() {
		if task := p.DMSTaskID(); task != "" {
			out = append(out, Alarm{Name: "alarm-dms-cdc-latency", Namespace: "AWS/DMS", Metric: "CDCLatencyTarget", Statistic: "Maximum",
				Threshold: float64(t.DMSCDCLatencySeconds), Comparison: "GreaterThanThreshold",
				Dimensions:  map[string]string{"ReplicationInstanceIdentifier": p.Name(ResDMSInstance), "ReplicationTaskIdentifier": task},
				Description: "DMS replication lags behind the source: do not move the cutover forward"})
		}
		out = append(out, Alarm{Name: "alarm-validation-failed", Namespace: MetricNamespace, Metric: "ValidationFailed", Statistic: "Sum",
			Threshold: 1, Comparison: "GreaterThanOrEqualToThreshold", Dimensions: map[string]string{DimensionSuffix: p.Spec.EnvironmentSuffix},
			Description: "The migration validator found differences between source and target"})
	}
	return out
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

// monitoring composes the alarm topic (encrypted with the platform key) and
// its email/HTTPS subscriptions, the alarms, and the dashboard.
func monitoring(p *Plan) []Desired {
	m := p.Spec.Monitoring
	out := []Desired{{
		Name: ResAlarmsTopic,
		Object: &sns.Topic{Spec: sns.TopicSpec{ForProvider: sns.TopicParameters{
			DisplayName:    ptr("Payment platform " + p.Spec.EnvironmentSuffix + " alarms"),
			KMSMasterKeyID: ptr(p.KMSAliasName()),
		}}},
	}}
	sub := func(i int, protocol, endpoint string) Desired {
		return Desired{
			Name: resource.Name(fmt.Sprintf("alarms-%s-%d", protocol, i)),
			Object: &sns.TopicSubscription{Spec: sns.TopicSubscriptionSpec{ForProvider: sns.TopicSubscriptionParameters{
				TopicArnSelector: p.Sel(ResAlarmsTopic),
				Protocol:         ptr(protocol),
				Endpoint:         ptr(endpoint),
			}}},
		}
	}
	for i, e := range m.AlarmEmails {
		out = append(out, sub(i, "email", e))
	}
	for i, w := range m.AlarmWebhooks {
		out = append(out, sub(i, "https", w))
	}
	for _, a := range p.Alarms() {
		out = append(out, Desired{Name: a.Name, Object: p.MetricAlarm(a)})
	}
	return append(out, Desired{
		Name:         ResDashboard,
		ExternalName: p.DashboardName(),
		Object: &cloudwatch.Dashboard{Spec: cloudwatch.DashboardSpec{ForProvider: cloudwatch.DashboardParameters{
			DashboardBody: ptr(mustJSON(p.Dashboard())),
		}}},
	})
}
