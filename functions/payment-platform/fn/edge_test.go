package fn

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/acme-payments/xpaymentplatform/apis/v1alpha1"
)

// edgeSpec is prodSpec with the API, ingress and cutover at a step.
func edgeSpec(step int, rollback bool) string {
	return prodSpec + fmt.Sprintf(`api:
  imageUri: 123456789012.dkr.ecr.us-east-2.amazonaws.com/payment-api:v1
ingress:
  domainName: api.payments.example.com
  certificateArn: arn:aws:acm:us-east-2:123456789012:certificate/abcd-1234
cutover:
  hostedZoneId: Z0123456789ABCDEF
  zoneName: payments.example.com
  oldSystem: {hostname: legacy.payments.example.com}
  step: %d
  rollback: %t
`, step, rollback)
}

// edgeWorld is readyWorld with what the provider reports for the edge.
func edgeWorld(t testing.TB, spec string) map[string]*fnv1.Resource {
	t.Helper()
	var obs map[string]*fnv1.Resource
	for range 6 {
		rsp := run(t, withClaim(newRequest(t, spec, obs)))
		if msg := fatal(rsp); msg != "" {
			t.Fatal(msg)
		}
		next := observedReady(t, rsp)
		for name, r := range next {
			atp := r.GetResource().GetFields()["status"].GetStructValue().GetFields()["atProvider"].GetStructValue()
			set := func(k, v string) { atp.Fields[k] = structpb.NewStringValue(v) }
			switch name {
			case "aurora":
				set("endpoint", "payment-aurora-prod.cluster-x.us-east-2.rds.amazonaws.com")
				set("readerEndpoint", "payment-aurora-prod.cluster-ro-x.us-east-2.rds.amazonaws.com")
				secret, _ := structpb.NewValue([]any{map[string]any{"secretArn": "arn:aws:secretsmanager:us-east-2:123456789012:secret:rds!cluster-abc"}})
				atp.Fields["masterUserSecret"] = secret
			case "migration":
				set("status", "running")
				set("replicationTaskArn", "arn:aws:dms:us-east-2:123456789012:task:ABCDEFGHIJKLMNOP")
			case "api":
				set("version", "7")
			case "alb":
				set("dnsName", "payment-alb-prod-123.us-east-2.elb.amazonaws.com")
				set("arnSuffix", "app/payment-alb-prod/50dc6c495c0c9188")
				set("zoneId", "Z3AADJGX6KTTL2")
			case "api-tg":
				set("arnSuffix", "targetgroup/payment-api-tg-prod/73e2d6bc24d8a067")
			}
		}
		if len(next) == len(obs) {
			return next
		}
		obs = next
	}
	return obs
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
	if b := FailbackBoundSeconds(v1alpha1.DefaultTTLSeconds); b > 300 || b != 10*3+60*2+60 {
		t.Errorf("failback bound = %d s, want 210 and <= 300", b)
	}
	rsp := run(t, withClaim(newRequest(t, edgeSpec(0, false), nil)))
	if got := get(rsp.GetDesired().GetComposite().GetResource().AsMap(), "status.cutover.failbackBoundSeconds"); got != 210.0 {
		t.Errorf("status failback bound = %v", got)
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
		r := observedReady(t, rsp)["record-new"]
		next["record-new"] = r
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
			if recordWeight(t, rsp, "record-new") != float64(newW) || recordWeight(t, rsp, "record-old") != float64(oldW) {
				t.Errorf("weights old/new = %v/%v, want %d/%d", recordWeight(t, rsp, "record-old"), recordWeight(t, rsp, "record-new"), oldW, newW)
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

func setObservedCondition(r *fnv1.Resource, typ, status string) {
	for _, c := range r.GetResource().GetFields()["status"].GetStructValue().GetFields()["conditions"].GetListValue().GetValues() {
		if c.GetStructValue().GetFields()["type"].GetStringValue() == typ {
			c.GetStructValue().Fields["status"] = structpb.NewStringValue(status)
		}
	}
}

func cloneResources(in map[string]*fnv1.Resource) map[string]*fnv1.Resource {
	out := map[string]*fnv1.Resource{}
	for k, v := range in {
		s, _ := structpb.NewStruct(v.GetResource().AsMap())
		out[k] = &fnv1.Resource{Resource: s}
	}
	return out
}

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
		get(fn, "spec.forProvider.vpcConfig.subnetIdSelector.matchLabels").(map[string]any)[LabelSubnetTier] != TierApp {
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
	logged := run(t, withClaim(newRequest(t, strings.Replace(edgeSpec(0, false), "ingress:\n", "ingress:\n  accessLogsBucket: acme-alb-logs\n", 1), nil)))
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
	rec := desired(t, rsp, "record-new")
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
	allowedStar := map[string]bool{"VPCNetworkInterfaces": true, "XRayTraces": true, "PutMetrics": true}
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
