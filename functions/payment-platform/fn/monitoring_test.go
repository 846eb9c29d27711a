package fn

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
	cloudwatchv2 "github.com/upbound/provider-aws/v2/apis/cluster/cloudwatch/v1beta2"
)

const monitoredSpec = "monitoring: {alarmEmails: [oncall@example.com], alarmWebhooks: ['https://events.pagerduty.com/x']}\n"

// TestAlarmsHaveRealDimensions: every alarm has dimensions, each naming a
// composed resource, and notifies the topic when it fires and clears.
func TestAlarmsHaveRealDimensions(t *testing.T) {
	rsp := readyEdge(t)
	ids := composedIdentifiers(t, rsp)
	var alarms int
	for _, n := range names(rsp) {
		r := desired(t, rsp, n)
		if r["kind"] != "MetricAlarm" {
			continue
		}
		alarms++
		dims, _ := get(r, "spec.forProvider.dimensions").(map[string]any)
		if len(dims) == 0 {
			t.Errorf("%s has no dimensions: it would never fire", n)
		}
		for k, v := range dims {
			if k == "Region" {
				continue
			}
			if !ids[v.(string)] {
				t.Errorf("%s dimension %s=%v names nothing this platform composes", n, k, v)
			}
		}
		// provider-aws resolves alarmActionsSelector to autoscaling
		// Policies: the topic's ARN is set directly.
		acts, _ := get(r, "spec.forProvider.alarmActions").([]any)
		if len(acts) != 1 || acts[0] != "arn:aws:svc:us-east-2:123456789012:alarms" || label(r, "spec.forProvider.okActionsSelector") != "alarms" {
			t.Errorf("%s does not notify the alarm topic: alarmActions %v", n, acts)
		}
		if get(r, "spec.forProvider.alarmActionsSelector") != nil {
			t.Errorf("%s selects its alarm actions: provider-aws would look for autoscaling Policies", n)
		}
	}
	if alarms != 11 {
		t.Errorf("%d alarms, want 11 (8 monitoring + 3 cutover guard)", alarms)
	}
	for n, want := range map[string]float64{"alarm-alb-latency": 1, "alarm-api-errors": 10, "alarm-aurora-cpu": 80, "alarm-dms-cdc-latency": 60} {
		if got := get(desired(t, rsp, n), "spec.forProvider.threshold"); got != want {
			t.Errorf("%s threshold = %v, want %v", n, got, want)
		}
	}
	// Thresholds are overridable.
	spec := edgeSpec(0, false) + "monitoring: {thresholds: {auroraCpuPercent: 65, albLatencySeconds: 0.5}}\n"
	over := run(t, withClaim(newRequest(t, spec, edgeWorld(t, spec))))
	if get(desired(t, over, "alarm-aurora-cpu"), "spec.forProvider.threshold") != 65.0 || get(desired(t, over, "alarm-alb-latency"), "spec.forProvider.threshold") != 0.5 {
		t.Error("claim thresholds not applied")
	}
}

// TestDashboard parses the dashboard body and checks each widget's metrics
// name this platform's resources in the claim's region.
func TestDashboard(t *testing.T) {
	rsp := readyEdge(t)
	ids := composedIdentifiers(t, rsp)
	d := desired(t, rsp, "dashboard")
	if ann, _ := get(d, "metadata.annotations").(map[string]any); ann[AnnotationExternalName] != "payment-migration-prod" {
		t.Errorf("dashboard name = %v", ann)
	}
	var body struct {
		Widgets []struct {
			Type       string `json:"type"`
			Properties struct {
				Title    string  `json:"title"`
				Region   string  `json:"region"`
				Metrics  [][]any `json:"metrics"`
				Markdown string  `json:"markdown"`
			} `json:"properties"`
		} `json:"widgets"`
	}
	if err := json.Unmarshal([]byte(get(d, "spec.forProvider.dashboardBody").(string)), &body); err != nil {
		t.Fatal(err)
	}
	titles := map[string]bool{}
	metrics := map[string]bool{}
	for _, w := range body.Widgets {
		titles[w.Properties.Title] = true
		if w.Type == "text" {
			if !strings.Contains(w.Properties.Markdown, "old system **100**, AWS **0**") || !strings.Contains(w.Properties.Markdown, "240 s") {
				t.Errorf("cutover widget = %q", w.Properties.Markdown)
			}
			continue
		}
		if w.Properties.Region != "us-east-2" {
			t.Errorf("%s region = %q", w.Properties.Title, w.Properties.Region)
		}
		for _, m := range w.Properties.Metrics {
			metrics[m[0].(string)+"/"+m[1].(string)] = true
			// namespace, name, then dimension name/value pairs, then options.
			for i := 2; i+1 < len(m); i += 2 {
				name, _ := m[i].(string)
				value, ok := m[i+1].(string)
				if !ok {
					break
				}
				if name != "Region" && name != "Rule" && !ids[value] {
					t.Errorf("%s: %v dimension %s=%s names nothing composed", w.Properties.Title, m[:2], name, value)
				}
			}
		}
	}
	for _, want := range []string{"Migration progress", "API latency", "Errors", "Database", "WAF blocked requests"} {
		if !titles[want] {
			t.Errorf("no %q widget; have %v", want, titles)
		}
	}
	for _, want := range []string{
		"AWS/DMS/CDCLatencySource", "AWS/DMS/CDCLatencyTarget", "AWS/DMS/FullLoadThroughputRowsTarget", "AWS/DMS/CDCIncomingChanges",
		"PaymentMigration/ValidationFailed", "AWS/ApplicationELB/TargetResponseTime", "AWS/Lambda/Duration",
		"AWS/ApplicationELB/HTTPCode_Target_5XX_Count", "AWS/Lambda/Errors", "AWS/Lambda/Throttles",
		"AWS/RDS/ServerlessDatabaseCapacity", "AWS/RDS/ACUUtilization", "AWS/RDS/CPUUtilization", "AWS/RDS/DatabaseConnections",
		"AWS/WAFV2/BlockedRequests",
	} {
		if !metrics[want] {
			t.Errorf("dashboard lacks %s", want)
		}
	}
}

// TestTopicAndStatus: the topic is encrypted with the platform key, the
// subscriptions come from the claim, the status and connection secret carry
// the outputs, and MigrationHealthy reflects DMS.
func TestTopicAndStatus(t *testing.T) {
	rsp := readyEdge(t)
	topic := desired(t, rsp, "alarms")
	if get(topic, "metadata.name") != "payment-alarms-prod" || get(topic, "spec.forProvider.kmsMasterKeyId") != "alias/payment-prod" {
		t.Errorf("topic = %v", topic)
	}
	if get(desired(t, rsp, "alarms-email-0"), "spec.forProvider.endpoint") != "oncall@example.com" ||
		get(desired(t, rsp, "alarms-https-0"), "spec.forProvider.protocol") != "https" {
		t.Error("subscriptions")
	}
	st := get(rsp.GetDesired().GetComposite().GetResource().AsMap(), "status").(map[string]any)
	for _, k := range []string{"vpcId", "albDnsName", "dbClusterEndpoint", "lambdaFunctionName", "snsTopicArn", "dashboardUrl"} {
		if v, _ := st[k].(string); v == "" {
			t.Errorf("status.%s is empty", k)
		}
	}
	if st["dashboardUrl"] != "https://us-east-2.console.aws.amazon.com/cloudwatch/home?region=us-east-2#dashboards/dashboard/payment-migration-prod" {
		t.Errorf("dashboardUrl = %v", st["dashboardUrl"])
	}
	cd := rsp.GetDesired().GetComposite().GetConnectionDetails()
	for _, k := range []string{"albDnsName", "snsTopicArn", "dbWriterEndpoint", "dbSecretArn"} {
		if len(cd[k]) == 0 {
			t.Errorf("connection secret lacks %s", k)
		}
	}
	if c := findCondition(rsp, ConditionMigrationHealthy); c.GetStatus() != fnv1.Status_STATUS_CONDITION_TRUE {
		t.Errorf("MigrationHealthy = %v", c)
	}
	first := run(t, withClaim(newRequest(t, edgeSpec(0, false), nil)))
	if c := findCondition(first, ConditionMigrationHealthy); c.GetStatus() != fnv1.Status_STATUS_CONDITION_FALSE || !strings.Contains(c.GetMessage(), "DMS task status") {
		t.Errorf("MigrationHealthy before DMS exists = %v", c)
	}
}

// TestLogGroupsRetentionAndKey: every log group keeps the claim's retention
// and is encrypted with the platform key.
func TestLogGroupsRetentionAndKey(t *testing.T) {
	spec := edgeSpec(0, false) + "monitoring: {logRetentionDays: 731}\n"
	rsp := run(t, withClaim(newRequest(t, spec, nil)))
	var groups int
	for _, n := range names(rsp) {
		r := desired(t, rsp, n)
		if r["kind"] != "Group" {
			continue
		}
		groups++
		want := 731.0
		if n == "flowlogs-log-group" {
			want = 365 // spec.network.flowLogRetentionDays
		}
		if get(r, "spec.forProvider.retentionInDays") != want || label(r, "spec.forProvider.kmsKeyIdSelector") != "kms-key" {
			t.Errorf("%s = %v", n, get(r, "spec.forProvider"))
		}
	}
	if groups != 4 {
		t.Errorf("%d log groups, want 4 (flow logs, database, API, DMS task logs)", groups)
	}
	// DMS writes task logs to the group it names after the instance.
	if got := get(desired(t, rsp, "dms-task-log-group"), "metadata.annotations").(map[string]any)[AnnotationExternalName]; got != "dms-tasks-payment-dms-prod" {
		t.Errorf("DMS task log group = %v, want dms-tasks-payment-dms-prod", got)
	}
}

// TestMonitoringTier: every alarm notifies the topic by its ARN once
// known (provider-aws resolves alarmActionsSelector to autoscaling
// policies) and on recovery through okActionsSelector; alarms on the ALB
// and DMS wait for their dimensions; the status links the dashboard and the
// topic.
func TestMonitoringTier(t *testing.T) {
	const topic = "arn:aws:sns:us-east-2:123456789012:payment-alarms-t"
	cases := map[string]struct {
		views    func(*Views)
		alarms   []resource.Name
		withARNs bool
	}{
		"FirstReconcile": {alarms: []resource.Name{"alarm-aurora-cpu", "alarm-aurora-acu", "alarm-api-errors", "alarm-api-throttles"}},
		"EverythingKnown": {
			views: func(v *Views) {
				v.Monitoring.TopicARN = topic
				v.Edge.ALBARNSuffix, v.Edge.TargetGroupARNSuffix = "app/a/1", "targetgroup/t/1"
			},
			alarms:   []resource.Name{"alarm-aurora-cpu", "alarm-aurora-acu", "alarm-api-errors", "alarm-api-throttles", "alarm-alb-latency", "alarm-alb-5xx"},
			withARNs: true,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			part := monitoring(tierPlan(t, apiSpec, nil, tc.views))
			var alarms []resource.Name
			for _, d := range part.Resources {
				a, ok := d.Object.(*cloudwatchv2.MetricAlarm)
				if !ok {
					continue
				}
				alarms = append(alarms, d.Name)
				fp := a.Spec.ForProvider
				if tc.withARNs != (len(fp.AlarmActions) == 1 && deref(fp.AlarmActions[0]) == topic) || fp.AlarmActionsSelector != nil ||
					fp.OkActionsSelector.MatchLabels[LabelResource] != string(ResAlarmsTopic) {
					t.Errorf("%s actions: alarm %v (selector %v), ok %v", d.Name, fp.AlarmActions, fp.AlarmActionsSelector, fp.OkActionsSelector)
				}
			}
			if !slices.Equal(alarms, tc.alarms) {
				t.Errorf("alarms %v, want %v", alarms, tc.alarms)
			}
			if part.Status.DashboardURL == "" || part.Status.SNSTopicARN != map[bool]string{true: topic}[tc.withARNs] {
				t.Errorf("status = %+v", part.Status)
			}
		})
	}
}
