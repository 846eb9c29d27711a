package fn

import (
	"bytes"
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"
	"sigs.k8s.io/yaml"
)

// TestBadInput: every invalid spec gives exactly one Fatal result naming the
// field and what is allowed, and no desired resources.
func TestBadInput(t *testing.T) {
	cases := map[string]struct {
		spec string
		want []string
	}{
		"EmptySuffix": {
			spec: `environmentSuffix: ""`,
			want: []string{"spec.environmentSuffix: Required value"},
		},
		"SuffixNotADNSLabel": {
			spec: `environmentSuffix: Prod_1`,
			want: []string{`spec.environmentSuffix: Invalid value: "Prod_1"`, "lower-case letters, digits or '-'"},
		},
		"CIDRTooSmallForSubnets": {
			spec: "environmentSuffix: t\nnetwork: {vpcCidr: 10.0.0.0/26}",
			want: []string{`spec.network.vpcCidr: Invalid value: "10.0.0.0/26"`, "/16 to /24"},
		},
		"SubnetsDoNotFit": {
			spec: "environmentSuffix: t\nnetwork: {vpcCidr: 10.0.0.0/20, subnetPrefixLength: 22}",
			want: []string{"spec.network.subnetPrefixLength: Invalid value: 22", "between /24 and /28"},
		},
		"CIDRNotIPv4": {
			spec: "environmentSuffix: t\nnetwork: {vpcCidr: 'fd00::/48'}",
			want: []string{`spec.network.vpcCidr: Invalid value: "fd00::/48"`, "IPv4 CIDR"},
		},
		"CIDRHostBits": {
			spec: "environmentSuffix: t\nnetwork: {vpcCidr: 10.0.1.0/16}",
			want: []string{"spec.network.vpcCidr", "did you mean 10.0.0.0/16?"},
		},
		"UnknownAZCount": {
			spec: "environmentSuffix: t\nnetwork: {availabilityZones: 4}",
			want: []string{"spec.network.availabilityZones: Unsupported value: 4", `"2", "3"`},
		},
		"AZNamesDoNotMatchCount": {
			spec: "environmentSuffix: t\nnetwork: {availabilityZones: 3, availabilityZoneNames: [us-east-2a, us-east-2b]}",
			want: []string{"spec.network.availabilityZoneNames", "exactly spec.network.availabilityZones (3)"},
		},
		"AZOfAnotherRegion": {
			spec: "environmentSuffix: t\nnetwork: {availabilityZones: 2, availabilityZoneNames: [us-east-2a, eu-west-1b]}",
			want: []string{`spec.network.availabilityZoneNames[1]: Invalid value: "eu-west-1b"`, "zone of region us-east-2"},
		},
		"MalformedTagKey": {
			spec: "environmentSuffix: t\ntags: {'aws:owner': me}",
			want: []string{"spec.tags[aws:owner]: Forbidden", "may not start with aws:"},
		},
		"MalformedTagValue": {
			spec: "environmentSuffix: t\ntags: {Owner: 'a<b>'}",
			want: []string{`spec.tags[Owner]: Invalid value: "a<b>"`},
		},
		"ReservedTag": {
			spec: "environmentSuffix: t\ntags: {ManagedBy: me}",
			want: []string{"spec.tags[ManagedBy]: Forbidden", "set by the platform"},
		},
		"ProdSingleNAT": {
			spec: "environmentSuffix: t\nenvironment: prod\nnetwork: {natMode: Single}",
			want: []string{`spec.network.natMode: Invalid value: "Single"`, "prod needs PerAZ"},
		},
		"ProdShortRetention": {
			spec: "environmentSuffix: t\nenvironment: prod\nnetwork: {flowLogRetentionDays: 90}",
			want: []string{"spec.network.flowLogRetentionDays: Invalid value: 90", "PCI DSS"},
		},
		"RetentionNotACloudWatchValue": {
			spec: "environmentSuffix: t\nnetwork: {flowLogRetentionDays: 100}",
			want: []string{"spec.network.flowLogRetentionDays: Unsupported value: 100"},
		},
		"UnknownEnvironment": {
			spec: "environmentSuffix: t\nenvironment: qa",
			want: []string{`spec.environment: Unsupported value: "qa"`, `"dev", "staging", "prod"`},
		},
		"UnknownField": {
			spec: "environmentSuffix: t\nnetwork: {vpcCidrr: 10.0.0.0/16}",
			want: []string{`spec.network.vpcCidrr: Unsupported value: "vpcCidrr"`, `"vpcCidr"`},
		},
		"WrongType": {
			spec: "environmentSuffix: t\nnetwork: {availabilityZones: three}",
			want: []string{"spec.network.availabilityZones: Invalid value: \"string\": must be of type integer"},
		},
		"BadRegion": {
			spec: "environmentSuffix: t\nregion: mars-1",
			want: []string{`spec.region: Invalid value: "mars-1"`},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rsp := run(t, newRequest(t, tc.spec, nil))
			if n := len(rsp.GetResults()); n != 1 {
				t.Fatalf("want exactly one result, got %d: %v", n, rsp.GetResults())
			}
			msg := fatal(rsp)
			if msg == "" {
				t.Fatalf("want a Fatal result, got %v", rsp.GetResults())
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("Fatal message lacks %q:\n%s", w, msg)
				}
			}
			if len(rsp.GetDesired().GetResources()) != 0 {
				t.Errorf("an invalid spec composed %d resources", len(rsp.GetDesired().GetResources()))
			}
		})
	}
}

// TestFatalResponse pins the whole response of an invalid spec, in the
// function template's protocmp style.
func TestFatalResponse(t *testing.T) {
	rsp := run(t, newRequest(t, `environmentSuffix: ""`, nil))
	want := &fnv1.RunFunctionResponse{
		Meta: &fnv1.ResponseMeta{Tag: "t", Ttl: durationpb.New(60e9)},
		Results: []*fnv1.Result{{
			Severity: fnv1.Severity_SEVERITY_FATAL,
			Message: "invalid XPaymentPlatform payments: spec.environmentSuffix: Required value: a DNS label of 1-20 characters, " +
				"e.g. prod1; every AWS name is payment-<thing>-<environmentSuffix>",
			Target: fnv1.Target_TARGET_COMPOSITE.Enum(),
		}},
	}
	if diff := cmp.Diff(want, rsp, protocmp.Transform()); diff != "" {
		t.Errorf("-want +got:\n%s", diff)
	}
}

// TestDefaults: a claim with only a suffix composes a dev platform with the
// documented defaults.
func TestDefaults(t *testing.T) {
	rsp := run(t, newRequest(t, "environmentSuffix: dev1", nil))
	if msg := fatal(rsp); msg != "" {
		t.Fatal(msg)
	}
	vpc := desired(t, rsp, "vpc")
	for path, want := range map[string]any{
		"metadata.name":                       "payment-vpc-dev1",
		"spec.forProvider.cidrBlock":          "10.0.0.0/16",
		"spec.forProvider.region":             "us-east-2",
		"spec.forProvider.enableDnsSupport":   true,
		"spec.forProvider.enableDnsHostnames": true,
		"spec.providerConfigRef.name":         "default",
		"spec.forProvider.tags.Environment":   "dev",
		"spec.forProvider.tags.Project":       "payment-migration",
		"spec.forProvider.tags.Team":          "payments",
		"spec.forProvider.tags.CostCenter":    "payments-migration",
		"spec.forProvider.tags.ManagedBy":     "crossplane",
		"spec.forProvider.tags.Name":          "payment-vpc-dev1",
	} {
		if got := get(vpc, path); got != want {
			t.Errorf("vpc %s = %v, want %v", path, got, want)
		}
	}
	if _, ok := vpc["status"]; ok {
		t.Error("desired resources must not carry a status")
	}
	// dev defaults to a single NAT gateway; every app route table uses it.
	for _, n := range []string{"nat-b", "nat-c", "nat-eip-b"} {
		if _, ok := rsp.GetDesired().GetResources()[n]; ok {
			t.Errorf("dev composed %s; want a single NAT gateway", n)
		}
	}
	for _, az := range []string{"a", "b", "c"} {
		r := desired(t, rsp, "rt-app-"+az+"-default-nat")
		if got := label(r, "spec.forProvider.natGatewayIdSelector"); got != "nat-a" {
			t.Errorf("rt-app-%s routes through %v, want nat-a", az, got)
		}
	}
	// Subnets carved deterministically: public 0-2, app 4-6, data 8-10 of 16 /20 slots.
	for n, cidr := range map[string]string{
		"subnet-public-a": "10.0.0.0/20", "subnet-public-c": "10.0.32.0/20",
		"subnet-app-a": "10.0.64.0/20", "subnet-app-b": "10.0.80.0/20",
		"subnet-data-a": "10.0.128.0/20", "subnet-data-c": "10.0.160.0/20",
	} {
		if got := get(desired(t, rsp, n), "spec.forProvider.cidrBlock"); got != cidr {
			t.Errorf("%s cidr = %v, want %s", n, got, cidr)
		}
	}
	if got := get(desired(t, rsp, "flowlogs-log-group"), "spec.forProvider.retentionInDays"); got != 365.0 {
		t.Errorf("flow log retention = %v, want 365", got)
	}
}

// TestReadiness: nothing observed → every resource not ready; everything
// observed ready as its owner reports it (a ClusterUsage with Ready alone)
// → ready, phase Ready and the IDs in the status; one resource not Synced →
// not ready and named.
func TestReadiness(t *testing.T) {
	spec := prodSpec
	first := run(t, withClaim(newRequest(t, spec, nil)))
	for n, r := range first.GetDesired().GetResources() {
		if r.GetReady() != fnv1.Ready_READY_FALSE {
			t.Errorf("%s: unobserved resource marked %v", n, r.GetReady())
		}
	}
	if got := get(first.GetDesired().GetComposite().GetResource().AsMap(), "status.phase"); got != "Provisioning" {
		t.Errorf("phase = %v, want Provisioning", got)
	}

	// Some resources are composed only once others are observed (the subnet
	// groups once every subnet's ID is known, the DMS target endpoint once
	// Aurora's is): the world where all of them are.
	obs := readyWorld(t, spec)
	usages := 0
	for _, r := range obs {
		if r.GetResource().AsMap()["kind"] == ClusterUsageGVK.Kind {
			usages++
		}
	}
	if usages == 0 {
		t.Fatal("the spec composes no ClusterUsage: the test would not cover their readiness")
	}
	ready := run(t, withClaim(newRequest(t, spec, obs)))
	for n, r := range ready.GetDesired().GetResources() {
		if r.GetReady() != fnv1.Ready_READY_TRUE {
			t.Errorf("%s: observed Ready+Synced resource marked %v", n, r.GetReady())
		}
	}
	st := get(ready.GetDesired().GetComposite().GetResource().AsMap(), "status").(map[string]any)
	if st["phase"] != "Ready" || st["vpcId"] != "vpc-id" || st["kmsKeyArn"] != "arn:aws:svc:us-east-2:123456789012:kms-key" {
		t.Errorf("status = %v", st)
	}
	if got := get(st, "subnets.data"); !cmp.Equal(got, []any{"subnet-data-a-id", "subnet-data-b-id", "subnet-data-c-id"}) {
		t.Errorf("data subnets = %v", got)
	}
	if got := get(st, "securityGroups.database"); got != "sg-database-id" {
		t.Errorf("database SG = %v", got)
	}
	cond := findCondition(ready, ConditionResources)
	if cond.GetStatus() != fnv1.Status_STATUS_CONDITION_TRUE {
		t.Errorf("%s = %v", ConditionResources, cond)
	}
	// The account is now known: the KMS key gets its policy.
	if pol, _ := get(desired(t, ready, "kms-key"), "spec.forProvider.policy").(string); !strings.Contains(pol, "arn:aws:iam::123456789012:root") {
		t.Errorf("kms key policy = %q", pol)
	}

	// One resource out of sync: not ready, and named.
	obs["subnet-app-b"].GetResource().GetFields()["status"].GetStructValue().GetFields()["conditions"].GetListValue().GetValues()[1].
		GetStructValue().GetFields()["status"] = structpb.NewStringValue("False")
	stuck := run(t, withClaim(newRequest(t, spec, obs)))
	if got := stuck.GetDesired().GetResources()["subnet-app-b"].GetReady(); got != fnv1.Ready_READY_FALSE {
		t.Errorf("unsynced subnet marked %v", got)
	}
	if c := findCondition(stuck, ConditionResources); c.GetStatus() != fnv1.Status_STATUS_CONDITION_FALSE || !strings.Contains(c.GetMessage(), "subnet-app-b") {
		t.Errorf("%s = %v, want False naming subnet-app-b", ConditionResources, c)
	}
}

// TestKeepsObservedResources: a spec edit that stops producing live
// resources (PerAZ → Single, fewer AZs) keeps them with a Warning; the
// allow-removal annotation lets non-stateful ones go; stateful ones never.
func TestKeepsObservedResources(t *testing.T) {
	perAZ := run(t, newRequest(t, "environmentSuffix: s\nenvironment: staging", nil))
	obs := observedReady(t, perAZ)

	single := run(t, newRequest(t, "environmentSuffix: s\nenvironment: staging\nnetwork: {natMode: Single}", obs))
	for _, n := range []string{"nat-b", "nat-c", "nat-eip-b", "nat-eip-c"} {
		r := desired(t, single, n)
		if get(r, "metadata.name") != "payment-"+n+"-s" || get(r, "spec.forProvider") == nil {
			t.Errorf("kept %s lost its identity or spec: %v", n, r)
		}
	}
	var warned bool
	for _, r := range single.GetResults() {
		if r.GetSeverity() == fnv1.Severity_SEVERITY_WARNING && strings.Contains(r.GetMessage(), "nat-b") {
			warned = true
		}
	}
	if !warned {
		t.Errorf("no Warning naming the kept resources: %v", single.GetResults())
	}
	if c := findCondition(single, ConditionProtected); c.GetStatus() != fnv1.Status_STATUS_CONDITION_TRUE {
		t.Errorf("%s = %v", ConditionProtected, c)
	}

	// The user asks for nat-b and nat-eip-b to go (and, wrongly, the key).
	req := newRequest(t, "environmentSuffix: s\nenvironment: staging\nnetwork: {natMode: Single}", obs)
	req.GetObserved().GetComposite().GetResource().GetFields()["metadata"].GetStructValue().GetFields()["annotations"] =
		structpb.NewStructValue(&structpb.Struct{Fields: map[string]*structpb.Value{AnnotationRemove: structpb.NewStringValue("nat-b, nat-eip-b,kms-key")}})
	delete(obs, "kms-key")
	obs["kms-key"] = observedReady(t, perAZ)["kms-key"]
	// Simulate a spec that no longer produces the key at all.
	saved := tiers
	tiers = []func(*Plan) Part{network, flowLogs}
	estimates = &memo[estimate]{max: 256} // estimates of this platform are not the real one's
	defer func() { tiers, estimates = saved, &memo[estimate]{max: 256} }()
	allowed := run(t, req)
	got := names(allowed)
	for _, n := range []string{"nat-b", "nat-eip-b"} {
		if slices.Contains(got, n) {
			t.Errorf("%s kept although the user allowed its removal", n)
		}
	}
	for _, n := range []string{"nat-c", "nat-eip-c", "kms-key"} {
		if !slices.Contains(got, n) {
			t.Errorf("%s dropped; want kept", n)
		}
	}
}

// TestStableNames pins every composition-resource name and metadata.name of
// the prod claim: a rename is a breaking change and must be deliberate.
func TestStableNames(t *testing.T) {
	spec := strings.Replace(edgeSpec(10, false), "migration:\n", "migration:\n  manageAccountRoles: true\n", 1) +
		"monitoring: {alarmEmails: [oncall@example.com], alarmWebhooks: ['https://events.pagerduty.com/x']}\n"
	rsp := run(t, withClaim(newRequest(t, spec, edgeWorld(t, spec))))
	want := []string{
		"alarm-alb-5xx", "alarm-alb-latency", "alarm-api-errors", "alarm-api-throttles", "alarm-aurora-acu", "alarm-aurora-cpu",
		"alarm-dms-cdc-latency", "alarm-validation-failed", "alarms", "alarms-email-0", "alarms-https-0",
		"alb", "api", "api-alias", "api-log-group", "api-permission-alb", "api-policy", "api-role",
		"api-scaling-policy", "api-scaling-target", "api-tg", "api-tg-attachment",
		"aurora", "aurora-instance-a", "aurora-instance-b", "aurora-instance-c",
		"cutover-guard-5xx", "cutover-guard-latency", "cutover-guard-rollback", "dashboard",
		"db-cluster-params", "db-log-group", "db-secret-rotation", "db-subnet-group",
		"dms", "dms-cloudwatch-logs-role", "dms-cloudwatch-logs-role-policy", "dms-secrets-policy", "dms-secrets-role",
		"dms-source-endpoint", "dms-subnet-group", "dms-target-endpoint", "dms-task-log-group",
		"dms-user-rotation", "dms-user-rotator", "dms-user-rotator-log-group", "dms-user-rotator-permission", "dms-user-rotator-policy",
		"dms-user-rotator-role", "dms-user-secret", "dms-vpc-role", "dms-vpc-role-policy",
		"flowlog", "flowlogs-log-group", "flowlogs-policy", "flowlogs-role",
		"health-cutover-guard-5xx", "health-cutover-guard-latency", "health-cutover-guard-rollback",
		"health-new", "health-new-endpoint", "health-old", "igw", "kms-alias", "kms-key",
		"listener-http", "listener-https", "migration",
		"nat-a", "nat-b", "nat-c", "nat-eip-a", "nat-eip-b", "nat-eip-c", "record-new", "record-old",
		"resolver-outbound", "resolver-rule", "resolver-rule-association",
		"rt-app-a", "rt-app-a-default-nat", "rt-app-a-onprem-192-168-0-0-16", "rt-app-b", "rt-app-b-default-nat", "rt-app-b-onprem-192-168-0-0-16",
		"rt-app-c", "rt-app-c-default-nat", "rt-app-c-onprem-192-168-0-0-16", "rt-data", "rt-data-onprem-192-168-0-0-16", "rt-public", "rt-public-default-igw",
		"rta-app-a", "rta-app-b", "rta-app-c", "rta-data-a", "rta-data-b", "rta-data-c", "rta-public-a", "rta-public-b", "rta-public-c",
		"sg-alb", "sg-app", "sg-database", "sg-dms", "sg-endpoints", "sg-resolver",
		"sgr-alb-in-http", "sgr-alb-in-https", "sgr-app-out-db", "sgr-app-out-endpoints", "sgr-db-in-app", "sgr-db-in-dms",
		"sgr-dms-out-db", "sgr-dms-out-endpoints", "sgr-dms-out-source", "sgr-endpoints-in-app", "sgr-endpoints-in-dms",
		"sgr-resolver-out-192-168-1-10-tcp", "sgr-resolver-out-192-168-1-10-udp", "sgr-resolver-out-192-168-1-11-tcp", "sgr-resolver-out-192-168-1-11-udp",
		"subnet-app-a", "subnet-app-b", "subnet-app-c", "subnet-data-a", "subnet-data-b", "subnet-data-c",
		"subnet-public-a", "subnet-public-b", "subnet-public-c",
		"tgw-attachment",
		"usage-aurora-kms-key", "usage-aurora-sg-database", "usage-aurora-subnet-group",
		"usage-dms-kms-key", "usage-dms-sg-dms", "usage-dms-subnet-group", "vpc",
		"vpce-logs", "vpce-logs-sg", "vpce-logs-subnet-a", "vpce-logs-subnet-b", "vpce-logs-subnet-c",
		"vpce-monitoring", "vpce-monitoring-sg", "vpce-monitoring-subnet-a", "vpce-monitoring-subnet-b", "vpce-monitoring-subnet-c",
		"vpce-rds-data", "vpce-rds-data-sg", "vpce-rds-data-subnet-a", "vpce-rds-data-subnet-b", "vpce-rds-data-subnet-c",
		"vpce-s3", "vpce-s3-rt-app-a", "vpce-s3-rt-app-b", "vpce-s3-rt-app-c",
		"vpce-secretsmanager", "vpce-secretsmanager-sg", "vpce-secretsmanager-subnet-a", "vpce-secretsmanager-subnet-b", "vpce-secretsmanager-subnet-c",
		"vpce-sts", "vpce-sts-sg", "vpce-sts-subnet-a", "vpce-sts-subnet-b", "vpce-sts-subnet-c",
		"vpce-xray", "vpce-xray-sg", "vpce-xray-subnet-a", "vpce-xray-subnet-b", "vpce-xray-subnet-c",
		"waf", "waf-association",
	}
	if diff := cmp.Diff(want, names(rsp)); diff != "" {
		t.Errorf("composition-resource names changed (-want +got):\n%s", diff)
	}
	for _, n := range want {
		if got := get(desired(t, rsp, n), "metadata.name"); got != "payment-"+n+"-prod" {
			t.Errorf("%s metadata.name = %v", n, got)
		}
	}
	ext := map[string]string{
		// The alias is alias/payment-prod in AWS; provider-aws keeps its
		// external name without the prefix.
		"kms-alias": "payment-prod", "flowlogs-log-group": "/aws/vpc/flowlogs/payment-prod",
		"db-log-group": "/aws/rds/cluster/payment-aurora-prod/postgresql", "dms-subnet-group": "payment-dms-subnet-group-prod",
		"dms-vpc-role": "dms-vpc-role", "dms-cloudwatch-logs-role": "dms-cloudwatch-logs-role",
		"dashboard": "payment-migration-prod", "api-alias": "live",
	}
	for n, want := range ext {
		if got, _ := get(desired(t, rsp, n), "metadata.annotations").(map[string]any); got[AnnotationExternalName] != want {
			t.Errorf("%s external name = %v, want %s", n, got, want)
		}
	}
}

// TestDeterministic: the same request gives byte-identical responses over
// 1,000 runs (Go randomizes map iteration on every range, so this also
// covers map orders), in a first reconcile and in a Ready world.
func TestDeterministic(t *testing.T) {
	spec := edgeSpec(10, false) + "tags: {A: a, B: b, C: c, D: d}\n" + monitoredSpec
	for name, req := range map[string]*fnv1.RunFunctionRequest{
		"First": withClaim(newRequest(t, spec, nil)),
		"Ready": withClaim(newRequest(t, spec, edgeWorld(t, spec))),
	} {
		t.Run(name, func(t *testing.T) {
			n := 1000
			if name == "Ready" {
				n = 200
			}
			opts := proto.MarshalOptions{Deterministic: true}
			first, err := opts.Marshal(run(t, req))
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < n; i++ {
				got, err := opts.Marshal(run(t, req))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(first, got) {
					t.Fatalf("run %d differs from the first", i)
				}
			}
		})
	}
}

// exampleRequest builds a request from an example XR and observed fixture.
func exampleRequest(b testing.TB, xrFile, observedFile string) *fnv1.RunFunctionRequest {
	b.Helper()
	load := func(path string) []map[string]any {
		raw, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		var out []map[string]any
		for _, d := range strings.Split(string(raw), "\n---") {
			m := map[string]any{}
			if err := yaml.Unmarshal([]byte(d), &m); err != nil {
				b.Fatal(err)
			}
			if len(m) > 0 {
				out = append(out, m)
			}
		}
		return out
	}
	xr, err := structpb.NewStruct(load("../../../examples/xr/" + xrFile)[0])
	if err != nil {
		b.Fatal(err)
	}
	req := &fnv1.RunFunctionRequest{Observed: &fnv1.State{Composite: &fnv1.Resource{Resource: xr}, Resources: map[string]*fnv1.Resource{}}}
	if observedFile != "" {
		for _, d := range load("../../../examples/observed/" + observedFile) {
			name, _ := d["metadata"].(map[string]any)["annotations"].(map[string]any)["crossplane.io/composition-resource-name"].(string)
			s, err := structpb.NewStruct(d)
			if err != nil {
				b.Fatal(err)
			}
			req.Observed.Resources[name] = &fnv1.Resource{Resource: s}
		}
	}
	return req
}

// BenchmarkRunFunction measures RunFunction on the prod claim, first
// reconcile (nothing observed) and steady state (every resource observed
// Ready), beside the protobuf floor of the same call: proto.Unmarshal of the
// request bytes plus proto.Marshal of the response, which any gRPC function
// pays. It reports the ratio to the floor (goal: steady state <= 3x).
func BenchmarkRunFunction(b *testing.B) {
	for _, c := range []struct{ name, observed string }{{"FirstReconcile", ""}, {"SteadyState", "claim-prod-ready.yaml"}} {
		req := exampleRequest(b, "claim-prod.yaml", c.observed)
		reqBytes, err := proto.Marshal(req)
		if err != nil {
			b.Fatal(err)
		}
		rsp := run(b, req)
		if fatal(rsp) != "" || len(rsp.GetDesired().GetResources()) < 100 {
			b.Fatalf("%s: %d resources, %q", c.name, len(rsp.GetDesired().GetResources()), fatal(rsp))
		}
		// The floor, timed over enough iterations to be stable.
		floorNs := func() float64 {
			const n = 30
			start := time.Now()
			for range n {
				var r fnv1.RunFunctionRequest
				if err := proto.Unmarshal(reqBytes, &r); err != nil {
					b.Fatal(err)
				}
				if _, err := proto.Marshal(rsp); err != nil {
					b.Fatal(err)
				}
			}
			return float64(time.Since(start).Nanoseconds()) / n
		}()
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := (&Function{}).RunFunction(context.Background(), req); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(floorNs, "floor-ns/op")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/floorNs, "x-floor")
			b.ReportMetric(float64(len(reqBytes)), "request-bytes")
		})
	}
}

var _ = resource.ReadyTrue

// TestResponseTTL: the TTL annotation sets the response TTL; a bad value is
// a Fatal naming the annotation.
func TestResponseTTL(t *testing.T) {
	withTTL := func(v string) *fnv1.RunFunctionRequest {
		req := newRequest(t, "environmentSuffix: t", nil)
		req.GetObserved().GetComposite().GetResource().GetFields()["metadata"].GetStructValue().Fields["annotations"] =
			structpb.NewStructValue(&structpb.Struct{Fields: map[string]*structpb.Value{AnnotationTTL: structpb.NewStringValue(v)}})
		return req
	}
	if got := run(t, newRequest(t, "environmentSuffix: t", nil)).GetMeta().GetTtl().AsDuration(); got != 60e9 {
		t.Errorf("default TTL = %s", got)
	}
	if got := run(t, withTTL("5m")).GetMeta().GetTtl().AsDuration(); got != 300e9 {
		t.Errorf("annotated TTL = %s", got)
	}
	for _, bad := range []string{"1s", "2h", "soon"} {
		if msg := fatal(run(t, withTTL(bad))); !strings.Contains(msg, "metadata.annotations[platform.payments.io/response-ttl]") {
			t.Errorf("%s: Fatal = %q", bad, msg)
		}
	}
}
