package fn

import (
	"encoding/json"
	"strings"
	"testing"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/google/go-cmp/cmp"
	elbv2v2 "github.com/upbound/provider-aws/v2/apis/cluster/elbv2/v1beta2"
	wafv2 "github.com/upbound/provider-aws/v2/apis/cluster/wafv2/v1beta1"

	"github.com/acme-payments/xpaymentplatform/apis/v1alpha1"
)

func TestEdgeBadInput(t *testing.T) {
	base := edgeSpec(0, false)
	cases := map[string]struct {
		spec string
		want string
	}{
		"UnknownStep":              {strings.Replace(base, "step: 0", "step: 25", 1), "spec.cutover.step: Unsupported value: 25"},
		"DomainNotInZone":          {strings.Replace(base, "zoneName: payments.example.com", "zoneName: other.example.org", 1), "spec.ingress.domainName: Invalid value: \"api.payments.example.com\": must be inside spec.cutover.zoneName"},
		"BothCertificates":         {strings.Replace(base, "  certificateArn:", "  createCertificate: true\n  certificateArn:", 1), "spec.ingress.createCertificate: Invalid value: true: set exactly one"},
		"NoCertificate":            {strings.Replace(base, "  certificateArn: arn:aws:acm:us-east-2:123456789012:certificate/abcd-1234\n", "", 1), "spec.ingress.certificateArn: Required value"},
		"ImageNotECR":              {strings.Replace(base, "123456789012.dkr.ecr.us-east-2.amazonaws.com/payment-api:v1", "docker.io/library/payment-api:v1", 1), "spec.api.imageUri: Invalid value: \"docker.io/library/payment-api:v1\": must be an ECR image URI"},
		"BothZones":                {strings.Replace(base, "  hostedZoneId:", "  createHostedZone: true\n  hostedZoneId:", 1), "spec.cutover.createHostedZone: Invalid value: true: set exactly one"},
		"SecretInEnv":              {strings.Replace(base, "api:\n", "api:\n  environment: {DB_PASSWORD: hunter2}\n", 1), "spec.api.environment[DB_PASSWORD]: Forbidden"},
		"ProvisionedAboveReserved": {strings.Replace(base, "api:\n", "api:\n  reservedConcurrency: 5\n", 1), "spec.api.provisionedConcurrency.max: Invalid value: 10"},
		"CutoverWithoutIngress":    {strings.Split(base, "ingress:")[0] + "cutover:" + strings.Split(base, "cutover:")[1], "spec.ingress: Required value"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rsp := run(t, withClaim(newRequest(t, tc.spec, nil)))
			if msg := fatal(rsp); !strings.Contains(msg, tc.want) || len(rsp.GetResults()) != 1 {
				t.Errorf("Fatal = %q, want it to contain %q (results %v)", msg, tc.want, rsp.GetResults())
			}
		})
	}
}

// TestEdgeResources: the API, ALB, listeners and WAF are what the issue
// asks, wired by selectors.
func TestEdgeResources(t *testing.T) {
	spec := edgeSpec(0, false)
	world := edgeWorld(t, spec)
	rsp := run(t, withClaim(newRequest(t, spec, world)))
	fn := desired(t, rsp, "api")
	for path, want := range map[string]any{
		"metadata.name":                                 "payment-api-prod",
		"spec.forProvider.packageType":                  "Image",
		"spec.forProvider.reservedConcurrentExecutions": 50.0,
		"spec.forProvider.memorySize":                   512.0,
		"spec.forProvider.timeout":                      30.0,
		"spec.forProvider.tracingConfig.mode":           "Active",
		"spec.forProvider.publish":                      true,
	} {
		if got := get(fn, path); got != want {
			t.Errorf("api %s = %v, want %v", path, got, want)
		}
	}
	if label(fn, "spec.forProvider.vpcConfig.securityGroupIdSelector") != "sg-app" ||
		!cmp.Equal(get(fn, "spec.forProvider.vpcConfig.subnetIds"), []any{"subnet-app-a-id", "subnet-app-b-id", "subnet-app-c-id"}) {
		t.Errorf("api VPC config = %v", get(fn, "spec.forProvider.vpcConfig"))
	}
	if get(desired(t, rsp, "api-alias"), "spec.forProvider.functionVersion") != "7" {
		t.Error("alias does not point at the published version")
	}
	st := desired(t, rsp, "api-scaling-target")
	if get(st, "spec.forProvider.resourceId") != "function:payment-api-prod:live" || get(st, "spec.forProvider.minCapacity") != 2.0 || get(st, "spec.forProvider.maxCapacity") != 10.0 {
		t.Errorf("scaling target = %v", get(st, "spec.forProvider"))
	}
	if get(desired(t, rsp, "api-scaling-policy"), "spec.forProvider.targetTrackingScalingPolicyConfiguration.targetValue") != 0.7 {
		t.Error("scaling policy target")
	}
	alb := desired(t, rsp, "alb")
	if get(alb, "spec.forProvider.name") != "payment-alb-prod" || get(alb, "spec.forProvider.internal") != false ||
		get(alb, "spec.forProvider.dropInvalidHeaderFields") != true || get(alb, "spec.forProvider.enableDeletionProtection") != true {
		t.Errorf("alb = %v", get(alb, "spec.forProvider"))
	}
	if get(alb, "spec.forProvider.accessLogs") != nil {
		t.Error("access logs without a bucket")
	}
	logged := run(t, withClaim(newRequest(t, strings.Replace(edgeSpec(0, false), "ingress:\n", "ingress:\n  accessLogsBucket: acme-alb-logs\n", 1), world)))
	if al := get(desired(t, logged, "alb"), "spec.forProvider.accessLogs").(map[string]any); al["bucket"] != "acme-alb-logs" || al["enabled"] != true || al["prefix"] != "payment-alb-prod" {
		t.Errorf("access logs = %v", al)
	}
	https := desired(t, rsp, "listener-https")
	if get(https, "spec.forProvider.sslPolicy") != v1alpha1.DefaultTLSPolicy || get(https, "spec.forProvider.certificateArn") != "arn:aws:acm:us-east-2:123456789012:certificate/abcd-1234" {
		t.Errorf("https listener = %v", get(https, "spec.forProvider"))
	}
	redirect := get(desired(t, rsp, "listener-http"), "spec.forProvider.defaultAction").([]any)[0].(map[string]any)
	if redirect["type"] != "redirect" || get(redirect, "redirect.protocol") != "HTTPS" || get(redirect, "redirect.statusCode") != "HTTP_301" {
		t.Errorf("http listener does not redirect: %v", redirect)
	}
	if get(desired(t, rsp, "api-tg"), "spec.forProvider.healthCheck.path") != "/health" {
		t.Error("target group health check path")
	}
	perm := desired(t, rsp, "api-permission-alb")
	if get(perm, "spec.forProvider.principal") != "elasticloadbalancing.amazonaws.com" || get(perm, "spec.forProvider.qualifier") != "live" {
		t.Errorf("permission = %v", get(perm, "spec.forProvider"))
	}
	if _, ok := rsp.GetDesired().GetResources()["api-tg-attachment"]; !ok {
		t.Error("no target group attachment in a ready world")
	}

	waf := desired(t, rsp, "waf")
	if get(waf, "spec.forProvider.scope") != "REGIONAL" || get(waf, "spec.forProvider.defaultAction.allow") == nil {
		t.Errorf("waf = %v", get(waf, "spec.forProvider"))
	}
	var rules []map[string]any
	if err := json.Unmarshal([]byte(get(waf, "spec.forProvider.ruleJson").(string)), &rules); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range rules {
		names = append(names, r["Name"].(string))
		if rb, ok := get(r, "Statement.RateBasedStatement").(map[string]any); ok {
			if rb["Limit"] != 1000.0 || rb["EvaluationWindowSec"] != 60.0 || rb["AggregateKeyType"] != "IP" {
				t.Errorf("rate rule = %v", rb)
			}
		}
	}
	if diff := cmp.Diff([]string{"rate-limit-per-ip", "AWSManagedRulesCommonRuleSet", "AWSManagedRulesSQLiRuleSet"}, names); diff != "" {
		t.Errorf("WAF rules (-want +got):\n%s", diff)
	}

	// Guard: every alarm has dimensions naming this ALB / target group or
	// this platform, and a health check; the new side combines them all.
	for _, a := range []string{"cutover-guard-5xx", "cutover-guard-latency", "cutover-guard-rollback"} {
		dims := get(desired(t, rsp, a), "spec.forProvider.dimensions").(map[string]any)
		if len(dims) == 0 || (dims["LoadBalancer"] != nil && dims["LoadBalancer"] != "app/payment-alb-prod/50dc6c495c0c9188") {
			t.Errorf("%s dimensions = %v", a, dims)
		}
		hc := desired(t, rsp, "health-"+a)
		if get(hc, "spec.forProvider.type") != "CLOUDWATCH_METRIC" || label(hc, "spec.forProvider.cloudwatchAlarmNameSelector") != a {
			t.Errorf("health-%s = %v", a, get(hc, "spec.forProvider"))
		}
	}
	// The calculated check names all four children by ID (a list
	// selector would be resolved once, with whichever children existed),
	// and needs all of them healthy.
	calc := desired(t, rsp, "health-new")
	want := []any{"health-new-endpoint-id", "health-cutover-guard-rollback-id", "health-cutover-guard-5xx-id", "health-cutover-guard-latency-id"}
	if get(calc, "spec.forProvider.type") != "CALCULATED" || get(calc, "spec.forProvider.childHealthThreshold") != 4.0 ||
		!cmp.Equal(get(calc, "spec.forProvider.childHealthchecks"), want) || get(calc, "spec.forProvider.childHealthchecksSelector") != nil {
		t.Errorf("calculated health check = %v, want children %v", get(calc, "spec.forProvider"), want)
	}
	// Until every child is known, the calculated check (and the record
	// that uses it) waits.
	partial := map[string]*fnv1.Resource{}
	for n, r := range world {
		if n != "health-cutover-guard-latency" && n != "health-new" && n != "record-new" {
			partial[n] = r
		}
	}
	early := run(t, withClaim(newRequest(t, spec, partial)))
	if _, ok := early.GetDesired().GetResources()["health-new"]; ok {
		t.Error("health-new composed before every child health check is observed")
	}
	// At step 0 there is no new-system record; at step 10 it points at the
	// ALB behind the calculated health check.
	if _, ok := rsp.GetDesired().GetResources()["record-new"]; ok {
		t.Error("a new-system record at step 0")
	}
	at10 := edgeSpec(10, false)
	rec := desired(t, run(t, withClaim(newRequest(t, at10, edgeWorld(t, at10)))), "record-new")
	if get(rec, "spec.forProvider.setIdentifier") != "new-system" || get(rec, "spec.forProvider.records").([]any)[0] != "payment-alb-prod-123.us-east-2.elb.amazonaws.com" ||
		label(rec, "spec.forProvider.healthCheckIdSelector") != "health-new" || get(rec, "spec.forProvider.zoneId") != "Z0123456789ABCDEF" {
		t.Errorf("record-new = %v", get(rec, "spec.forProvider"))
	}
	st2 := get(rsp.GetDesired().GetComposite().GetResource().AsMap(), "status").(map[string]any)
	if st2["albDnsName"] != "payment-alb-prod-123.us-east-2.elb.amazonaws.com" || st2["apiFunctionName"] != "payment-api-prod" || st2["hostedZoneId"] != "Z0123456789ABCDEF" {
		t.Errorf("status = %v", st2)
	}
}

// TestIAMPoliciesNameResources: every IAM statement names resources; "*" only
// where AWS has no resource-level permissions (listed).
func TestIAMPoliciesNameResources(t *testing.T) {
	allowedStar := map[string]bool{"DescribeVPCNetwork": true, "XRayTraces": true, "PutMetrics": true,
		"GeneratePassword":    true, // secretsmanager:GetRandomPassword has no resource type
		"DescribeReplication": true} // dms:DescribeReplicationTasks has no resource type
	rsp := run(t, withClaim(newRequest(t, edgeSpec(0, false), edgeWorld(t, edgeSpec(0, false)))))
	var policies int
	for _, n := range names(rsp) {
		r := desired(t, rsp, n)
		if r["kind"] != "RolePolicy" {
			continue
		}
		policies++
		var doc PolicyDocument
		if err := json.Unmarshal([]byte(get(r, "spec.forProvider.policy").(string)), &doc); err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		for _, s := range doc.Statement {
			for _, res := range s.Resource {
				if res == "*" && !allowedStar[s.Sid] {
					t.Errorf("%s statement %s allows Resource *", n, s.Sid)
				}
				if res != "*" && !strings.HasPrefix(res, "arn:aws:") {
					t.Errorf("%s statement %s resource %q is not an ARN", n, s.Sid, res)
				}
			}
		}
	}
	if policies < 3 {
		t.Errorf("only %d role policies checked", policies)
	}
}

const edgeTierSpec = apiSpec + "\ningress: {domainName: api.payments.example.com, certificateArn: 'arn:aws:acm:us-east-2:123456789012:certificate/abcd-1234'}"

// TestEdgeTier: listener actions carry the key their list is merged on
// (the provider's CRD defaults index to "default"; sent as null, every
// later server-side apply adds a second action); the HTTP listener only
// redirects; the WAF is associated with the ALB by its ARN (provider-aws
// resolves resourceArnSelector to API Gateway stages) once known; the ALB
// may invoke the live alias once the target group and alias exist, and
// the target is attached once that permission is Ready; the status shows
// the ALB and the WAF.
func TestEdgeTier(t *testing.T) {
	known := func(v *Views) {
		v.Edge.ALBARN, v.Edge.ALBDNSName, v.Edge.ALBZoneID = "arn:aws:elasticloadbalancing:us-east-2:123456789012:loadbalancer/app/a/1", "a.elb.amazonaws.com", "Z1"
		v.Edge.TargetGroupARN, v.Edge.WAFARN = "arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/t/1", "arn:aws:wafv2:us-east-2:123456789012:regional/webacl/w/1"
		v.Compute.AliasARN = "arn:aws:lambda:us-east-2:123456789012:function:payment-api-t:live"
	}
	cases := map[string]struct {
		views                               func(*Views)
		association, permission, attachment bool
	}{
		"FirstReconcile":  {},
		"ALBAndTGKnown":   {views: known, association: true, permission: true},
		"PermissionReady": {views: func(v *Views) { known(v); v.Edge.PermissionReady = true }, association: true, permission: true, attachment: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			part := edge(tierPlan(t, edgeTierSpec, nil, tc.views))
			for _, l := range []resource.Name{ResListenerHTTPS, ResListenerHTTP} {
				acts := object[*elbv2v2.LBListener](t, part, l).Spec.ForProvider.DefaultAction
				if len(acts) != 1 || deref(acts[0].Index) != ListMapKeyDefault {
					t.Errorf("%s actions = %+v, want one keyed %q", l, acts, ListMapKeyDefault)
				}
			}
			if r := object[*elbv2v2.LBListener](t, part, ResListenerHTTP).Spec.ForProvider.DefaultAction[0]; deref(r.Type) != "redirect" || deref(r.Redirect.Protocol) != "HTTPS" {
				t.Errorf("HTTP listener action = %+v", r)
			}
			for n, want := range map[resource.Name]bool{ResWAFAssociation: tc.association, ResAPIPermissionALB: tc.permission, ResAPITGAttachment: tc.attachment} {
				if composes(part, n) != want {
					t.Errorf("%s composed = %t, want %t", n, !want, want)
				}
			}
			if tc.association {
				a := object[*wafv2.WebACLAssociation](t, part, ResWAFAssociation).Spec.ForProvider
				if deref(a.ResourceArn) != "arn:aws:elasticloadbalancing:us-east-2:123456789012:loadbalancer/app/a/1" || a.ResourceArnSelector != nil {
					t.Errorf("WAF association = %+v", a)
				}
				if st := part.Status; st.ALBDNSName != "a.elb.amazonaws.com" || st.ALBZoneID != "Z1" || st.WAFWebACLARN == "" {
					t.Errorf("status = %+v", st)
				}
			}
		})
	}
}
