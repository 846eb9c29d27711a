package fn

import (
	"fmt"

	"k8s.io/utils/ptr"

	"github.com/acme-payments/xpaymentplatform/internal/contract"

	"github.com/acme-payments/xpaymentplatform/apis/v1alpha1"
	"github.com/crossplane/function-sdk-go/resource"

	cloudwatch "github.com/upbound/provider-aws/v2/apis/cluster/cloudwatch/v1beta1"
	sns "github.com/upbound/provider-aws/v2/apis/cluster/sns/v1beta1"
)

// DashboardName is the CloudWatch dashboard of the migration.
func (p *Plan) DashboardName() string { return "payment-migration-" + p.Spec.EnvironmentSuffix }

// DashboardURL opens the dashboard in the console.
func (p *Plan) DashboardURL() string {
	r := p.Region()
	return fmt.Sprintf("https://%s.console.aws.amazon.com/cloudwatch/home?region=%s#dashboards/dashboard/%s", r, r, p.DashboardName())
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
		out = append(out, Alarm{Name: "alarm-validation-failed", Namespace: contract.MetricNamespace, Metric: contract.MetricValidationFailed, Statistic: "Sum",
			Threshold: 1, Comparison: "GreaterThanOrEqualToThreshold", Dimensions: map[string]string{contract.DimensionEnvironmentSuffix: p.Spec.EnvironmentSuffix},
			Description: "The migration validator found differences between source and target"})
	}
	return out
}

// monitoringResources composes the alarm topic (encrypted with the platform key) and
// its email/HTTPS subscriptions, the alarms, and the dashboard.
func monitoringResources(p *Plan) []Desired {
	m := p.Spec.Monitoring
	out := []Desired{{
		Name: ResAlarmsTopic,
		Object: &sns.Topic{Spec: sns.TopicSpec{ForProvider: sns.TopicParameters{
			DisplayName:    ptr.To("Payment platform " + p.Spec.EnvironmentSuffix + " alarms"),
			KMSMasterKeyID: ptr.To(p.KMSAliasName()),
		}}},
	}}
	sub := func(i int, protocol, endpoint string) Desired {
		return Desired{
			Name: resource.Name(fmt.Sprintf("alarms-%s-%d", protocol, i)),
			Object: &sns.TopicSubscription{Spec: sns.TopicSubscriptionSpec{ForProvider: sns.TopicSubscriptionParameters{
				TopicArnSelector: p.Sel(ResAlarmsTopic),
				Protocol:         ptr.To(protocol),
				Endpoint:         ptr.To(endpoint),
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
			DashboardBody: ptr.To(mustJSON(p.Dashboard())),
		}}},
	})
}

// monitoring is the alarm topic, the alarms and the dashboard; the status
// links them.
func monitoring(p *Plan) Part {
	return Part{Resources: monitoringResources(p), Status: v1alpha1.XPaymentPlatformStatus{DashboardURL: p.DashboardURL(), SNSTopicARN: p.View.Monitoring.TopicARN}}
}
