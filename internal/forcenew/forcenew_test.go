package forcenew

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	v1 "github.com/crossplane/crossplane-runtime/v2/apis/common/v1"
	"github.com/crossplane/crossplane-runtime/v2/pkg/fieldpath"
	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/runtime"

	ec2 "github.com/upbound/provider-aws/v2/apis/cluster/ec2/v1beta1"
	elbv2 "github.com/upbound/provider-aws/v2/apis/cluster/elbv2/v1beta2"
	lambda "github.com/upbound/provider-aws/v2/apis/cluster/lambda/v1beta1"
	rds "github.com/upbound/provider-aws/v2/apis/cluster/rds/v1beta2"
	route53 "github.com/upbound/provider-aws/v2/apis/cluster/route53/v1beta2"

	"github.com/acme-payments/xpaymentplatform/internal/render"
)

func ptr[T any](v T) *T { return &v }

// params turns typed forProvider parameters into the map upjet and the
// function's renders carry.
func params(t *testing.T, p any) map[string]any {
	t.Helper()
	if m, ok := p.(map[string]any); ok {
		return m
	}
	ptr := reflect.New(reflect.TypeOf(p))
	ptr.Elem().Set(reflect.ValueOf(p))
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(ptr.Interface())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func mustFor(t *testing.T, apiVersion, kind string) *Resource {
	t.Helper()
	r, ok := For(apiVersion, kind)
	if !ok {
		t.Fatalf("no entry for %s %s", apiVersion, kind)
	}
	return r
}

// TestEveryGoldenKindHasAnEntry: every provider-aws kind the goldens
// compose is in the table (a kind with no replace-on-change field has an
// explicit empty entry), and the table is well formed.
func TestEveryGoldenKindHasAnEntry(t *testing.T) {
	gvks, err := render.ProviderKinds("../../examples/golden")
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, g := range gvks {
		kinds[g.APIVersion+" "+g.Kind] = true
	}
	if len(kinds) < 40 {
		t.Fatalf("only %d provider-aws kinds in the goldens", len(kinds))
	}
	for k := range kinds {
		apiVersion, kind, _ := strings.Cut(k, " ")
		if _, ok := For(apiVersion, kind); !ok {
			t.Errorf("%s has no entry: run make forcenew", k)
		}
	}
	tbl, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(tbl.Header, "go run ./hack/forcenew") {
		t.Errorf("header does not name the command: %q", tbl.Header)
	}
	for _, r := range tbl.Resources {
		if r.Fields == nil {
			t.Errorf("%s %s: fields must be an explicit list", r.APIVersion, r.Kind)
		}
		for _, f := range r.Fields {
			if !KnownCondition(f.Condition) {
				t.Errorf("%s.%s: unknown condition %q", r.TerraformType, f.TF, f.Condition)
			}
			if f.Condition != "" && f.Reason == "" {
				t.Errorf("%s.%s: a conditional entry needs the reason", r.TerraformType, f.TF)
			}
			if f.JSON == "" {
				continue
			}
			if _, err := fieldpath.Parse(f.JSON); err != nil {
				t.Errorf("%s.%s: %v", r.TerraformType, f.TF, err)
			}
		}
	}
}

func TestChanges(t *testing.T) {
	vpc := mustFor(t, "ec2.aws.upbound.io/v1beta1", "VPC")
	subnet := mustFor(t, "ec2.aws.upbound.io/v1beta1", "Subnet")
	tg := mustFor(t, "elbv2.aws.upbound.io/v1beta2", "LBTargetGroup")
	lb := mustFor(t, "elbv2.aws.upbound.io/v1beta2", "LB")
	inv := mustFor(t, "lambda.aws.upbound.io/v1beta1", "Invocation")
	cluster := mustFor(t, "rds.aws.upbound.io/v1beta2", "Cluster")
	record := mustFor(t, "route53.aws.upbound.io/v1beta2", "Record")
	ingress := mustFor(t, "ec2.aws.upbound.io/v1beta1", "SecurityGroupIngressRule")
	sel := func(l string) *v1.Selector { return &v1.Selector{MatchLabels: map[string]string{"resource": l}} }
	list := &Resource{TerraformType: "aws_example", Fields: []Field{{TF: "names", JSON: "names", Type: "list", Elem: "string"}}}

	cases := map[string]struct {
		r              *Resource
		state, desired any
		want           []string // Key: Old -> New
	}{
		"CIDRBlock": {r: vpc,
			state:   ec2.VPCParameters_2{CidrBlock: ptr("10.0.0.0/16"), Region: ptr("us-east-2")},
			desired: ec2.VPCParameters_2{CidrBlock: ptr("10.1.0.0/16"), Region: ptr("us-east-2")},
			want:    []string{"cidr_block: 10.0.0.0/16 -> 10.1.0.0/16"}},
		"TagsAreInPlace": {r: vpc,
			state:   ec2.VPCParameters_2{CidrBlock: ptr("10.0.0.0/16"), Tags: map[string]*string{"a": ptr("1")}},
			desired: ec2.VPCParameters_2{CidrBlock: ptr("10.0.0.0/16"), Tags: map[string]*string{"a": ptr("2")}}},
		"AbsentFromDesiredIsNoChange": {r: vpc,
			state:   ec2.VPCParameters_2{CidrBlock: ptr("10.0.0.0/16"), InstanceTenancy: ptr("default")},
			desired: ec2.VPCParameters_2{}},
		"CIDRFromIPAMIsNotCompared": {r: vpc,
			state:   ec2.VPCParameters_2{CidrBlock: ptr("10.0.0.0/16"), IPv4NetmaskLength: ptr(16.0)},
			desired: ec2.VPCParameters_2{CidrBlock: ptr("10.1.0.0/16"), IPv4NetmaskLength: ptr(16.0)}},
		"TenancyDedicatedToDefaultIsInPlace": {r: vpc,
			state:   ec2.VPCParameters_2{InstanceTenancy: ptr("dedicated")},
			desired: ec2.VPCParameters_2{InstanceTenancy: ptr("default")}},
		"TenancyDefaultToDedicated": {r: vpc,
			state:   ec2.VPCParameters_2{InstanceTenancy: ptr("default")},
			desired: ec2.VPCParameters_2{InstanceTenancy: ptr("dedicated")},
			want:    []string{"instance_tenancy: default -> dedicated"}},
		"Region": {r: vpc,
			state:   ec2.VPCParameters_2{Region: ptr("us-east-2")},
			desired: ec2.VPCParameters_2{Region: ptr("us-west-2")},
			want:    []string{"region: us-east-2 -> us-west-2"}},
		"RegionUnsetInState": {r: vpc,
			state:   ec2.VPCParameters_2{},
			desired: ec2.VPCParameters_2{Region: ptr("us-west-2")}},
		"NumbersCompareByValue": {r: tg,
			state:   elbv2.LBTargetGroupParameters{Port: ptr(8080.0), Protocol: ptr("HTTP")},
			desired: map[string]any{"port": int64(8080), "protocol": "HTTP"}},
		"Number": {r: tg,
			state:   elbv2.LBTargetGroupParameters{Port: ptr(8080.0)},
			desired: map[string]any{"port": 8443},
			want:    []string{"port: 8080 -> 8443"}},
		"SelectorChange": {r: subnet,
			state:   ec2.SubnetParameters_2{VPCIDSelector: sel("vpc")},
			desired: ec2.SubnetParameters_2{VPCIDSelector: sel("other-vpc")},
			want:    []string{"vpc_id: map[matchLabels:map[resource:vpc]] -> map[matchLabels:map[resource:other-vpc]]"}},
		"SameSelector": {r: subnet,
			state:   ec2.SubnetParameters_2{VPCIDSelector: sel("vpc"), CidrBlock: ptr("10.0.0.0/24")},
			desired: ec2.SubnetParameters_2{VPCIDSelector: sel("vpc"), CidrBlock: ptr("10.0.0.0/24")}},
		"SelectorOnlyDesired": {r: subnet, // the simulator's state (atProvider) has no selectors
			state:   ec2.SubnetParameters_2{VPCID: ptr("vpc-1")},
			desired: ec2.SubnetParameters_2{VPCIDSelector: sel("vpc")}},
		"TriggersMap": {r: inv,
			state:   lambda.InvocationParameters{Triggers: map[string]*string{"step": ptr("0"), "checkType": ptr("pre_migration")}},
			desired: lambda.InvocationParameters{Triggers: map[string]*string{"step": ptr("10"), "checkType": ptr("pre_migration")}},
			want:    []string{"triggers.step: map[checkType:pre_migration step:0] -> map[checkType:pre_migration step:10]"}},
		"TriggersKeyAdded": {r: inv,
			state:   lambda.InvocationParameters{Triggers: map[string]*string{"step": ptr("0")}},
			desired: lambda.InvocationParameters{Triggers: map[string]*string{"step": ptr("0"), "x": ptr("1")}},
			want:    []string{"triggers.%: map[step:0] -> map[step:0 x:1]"}},
		"InputUnderCreateOnly": {r: inv,
			state:   lambda.InvocationParameters{Input: ptr(`{"a":1}`)},
			desired: lambda.InvocationParameters{Input: ptr(`{"a":2}`)},
			want:    []string{`input: {"a":1} -> {"a":2}`}},
		"InputUnderCRUD": {r: inv,
			state:   lambda.InvocationParameters{Input: ptr(`{"a":1}`), LifecycleScope: ptr("CRUD")},
			desired: lambda.InvocationParameters{Input: ptr(`{"a":2}`), LifecycleScope: ptr("CRUD")}},
		"ListByIndex": {r: list,
			state:   map[string]any{"names": []any{"a", "b"}},
			desired: map[string]any{"names": []any{"b", "a"}},
			want:    []string{"names.0: [a b] -> [b a]"}},
		"ListSame": {r: list,
			state:   map[string]any{"names": []any{"a", "b"}},
			desired: map[string]any{"names": []any{"a", "b"}}},
		"SetOrderIsNoChange": {r: cluster,
			state:   rds.ClusterParameters{AvailabilityZones: []*string{ptr("us-east-2a"), ptr("us-east-2b")}},
			desired: rds.ClusterParameters{AvailabilityZones: []*string{ptr("us-east-2b"), ptr("us-east-2a")}}},
		"SetElement": {r: cluster,
			state:   rds.ClusterParameters{AvailabilityZones: []*string{ptr("us-east-2a"), ptr("us-east-2b")}},
			desired: rds.ClusterParameters{AvailabilityZones: []*string{ptr("us-east-2a"), ptr("us-east-2c")}},
			// crc32("us-east-2b;"): SDKv2's default set hash.
			want: []string{"availability_zones.762012352: [us-east-2a us-east-2b] -> [us-east-2a us-east-2c]"}},
		"NestedBlockField": {r: cluster,
			state:   rds.ClusterParameters{RestoreToPointInTime: &rds.ClusterRestoreToPointInTimeParameters{RestoreType: ptr("full-copy")}},
			desired: rds.ClusterParameters{RestoreToPointInTime: &rds.ClusterRestoreToPointInTimeParameters{RestoreType: ptr("copy-on-write")}},
			want:    []string{"restore_to_point_in_time.0.restore_type: full-copy -> copy-on-write"}},
		"BlockAdded": {r: cluster,
			state:   rds.ClusterParameters{},
			desired: rds.ClusterParameters{RestoreToPointInTime: &rds.ClusterRestoreToPointInTimeParameters{RestoreType: ptr("full-copy")}},
			want: []string{"restore_to_point_in_time.#: <nil> -> map[restoreType:full-copy]",
				"restore_to_point_in_time.0.restore_type: <nil> -> full-copy"}},
		"StorageTypeOnAurora": {r: cluster,
			state:   rds.ClusterParameters{Engine: ptr("aurora-postgresql"), StorageType: ptr("aurora")},
			desired: rds.ClusterParameters{Engine: ptr("aurora-postgresql"), StorageType: ptr("aurora-iopt1")}},
		"ALBSubnetMappingAdded": {r: lb,
			state:   elbv2.LBParameters{SubnetMapping: []elbv2.SubnetMappingParameters{{SubnetID: ptr("a")}}},
			desired: elbv2.LBParameters{SubnetMapping: []elbv2.SubnetMappingParameters{{SubnetID: ptr("a")}, {SubnetID: ptr("b")}}}},
		"ALBSubnetMappingRemoved": {r: lb,
			state:   elbv2.LBParameters{SubnetMapping: []elbv2.SubnetMappingParameters{{SubnetID: ptr("a")}, {SubnetID: ptr("b")}}},
			desired: elbv2.LBParameters{SubnetMapping: []elbv2.SubnetMappingParameters{{SubnetID: ptr("a")}}}},
		"ALBSubnetMappingReplaced": {r: lb,
			state:   elbv2.LBParameters{SubnetMapping: []elbv2.SubnetMappingParameters{{SubnetID: ptr("a")}, {SubnetID: ptr("b")}}},
			desired: elbv2.LBParameters{SubnetMapping: []elbv2.SubnetMappingParameters{{SubnetID: ptr("c")}}},
			want:    []string{"subnet_mapping.#: [map[subnetId:a] map[subnetId:b]] -> [map[subnetId:c]]"}},
		"NLBSubnetRemoved": {r: lb,
			state:   elbv2.LBParameters{LoadBalancerType: ptr("network"), Subnets: []*string{ptr("a"), ptr("b")}},
			desired: elbv2.LBParameters{LoadBalancerType: ptr("network"), Subnets: []*string{ptr("a")}},
			want:    []string{"subnets.#: [a b] -> [a]"}},
		"ALBSubnetRemoved": {r: lb,
			state:   elbv2.LBParameters{Subnets: []*string{ptr("a"), ptr("b")}},
			desired: elbv2.LBParameters{Subnets: []*string{ptr("a")}}},
		"RecordNameTrailingDot": {r: record,
			state:   route53.RecordParameters{Name: ptr("api.example.com.")},
			desired: route53.RecordParameters{Name: ptr("api.example.com")}},
		"SecurityGroupRuleCIDRIsInPlace": {r: ingress,
			state:   ec2.SecurityGroupIngressRuleParameters{CidrIPv4: ptr("10.0.0.0/16")},
			desired: ec2.SecurityGroupIngressRuleParameters{CidrIPv4: ptr("10.1.0.0/16")}},
		"SecurityGroupRuleSourceMoves": {r: ingress,
			state:   ec2.SecurityGroupIngressRuleParameters{CidrIPv4: ptr("10.0.0.0/16")},
			desired: ec2.SecurityGroupIngressRuleParameters{ReferencedSecurityGroupID: ptr("sg-1")},
			want: []string{`AttributeName("cidr_ipv4"): 10.0.0.0/16 -> <nil>`,
				`AttributeName("referenced_security_group_id"): <nil> -> sg-1`}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var got []string
			for _, c := range tc.r.Changes(params(t, tc.state), params(t, tc.desired)) {
				got = append(got, fmt.Sprintf("%s: %v -> %v", c.Key, c.Old, c.New))
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("changes (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRefuseMessage: the Synced=False messages of upjet
// (pkg/controller/external_tfpluginsdk.go assertNoForceNew and
// external_tfpluginfw.go planRequiresReplace) wrapped by its async
// connector ("async update failed") and crossplane-runtime's "update
// failed".
func TestRefuseMessage(t *testing.T) {
	const sdk = "update failed: async update failed: refuse to update the external resource because the following update requires replacing it: "
	const fw = "update failed: async update failed: diff contains fields that require resource replacement: diff contains fields that require resource replacement: "
	secret := &Resource{TerraformType: "aws_example", Fields: []Field{{TF: "password", JSON: "password", Type: "string", Sensitive: true}}}
	cases := map[string]struct {
		r              *Resource
		state, desired any
		want           string
	}{
		"SDK": {r: mustFor(t, "ec2.aws.upbound.io/v1beta1", "VPC"),
			state:   ec2.VPCParameters_2{CidrBlock: ptr("10.0.0.0/16")},
			desired: ec2.VPCParameters_2{CidrBlock: ptr("10.1.0.0/16")},
			want:    sdk + `cannot change the value of the argument "cidr_block" from "10.0.0.0/16" to "10.1.0.0/16"`},
		"SDKNested": {r: mustFor(t, "rds.aws.upbound.io/v1beta2", "Cluster"),
			state:   rds.ClusterParameters{RestoreToPointInTime: &rds.ClusterRestoreToPointInTimeParameters{RestoreType: ptr("full-copy")}},
			desired: rds.ClusterParameters{RestoreToPointInTime: &rds.ClusterRestoreToPointInTimeParameters{RestoreType: ptr("copy-on-write")}},
			want:    sdk + `cannot change the value of the argument "restore_to_point_in_time.0.restore_type" from "full-copy" to "copy-on-write"`},
		"SDKFirstOfSeveral": {r: mustFor(t, "rds.aws.upbound.io/v1beta2", "Cluster"),
			state:   rds.ClusterParameters{StorageEncrypted: ptr(true), MasterUsername: ptr("admin")},
			desired: rds.ClusterParameters{StorageEncrypted: ptr(false), MasterUsername: ptr("root")},
			want:    sdk + `cannot change the value of the argument "master_username" from "admin" to "root"`},
		"SDKBool": {r: mustFor(t, "rds.aws.upbound.io/v1beta2", "Cluster"),
			state:   rds.ClusterParameters{StorageEncrypted: ptr(true)},
			desired: rds.ClusterParameters{StorageEncrypted: ptr(false)},
			want:    sdk + `cannot change the value of the argument "storage_encrypted" from "true" to "false"`},
		"SDKNumber": {r: mustFor(t, "elbv2.aws.upbound.io/v1beta2", "LBTargetGroup"),
			state:   elbv2.LBTargetGroupParameters{Port: ptr(8080.0)},
			desired: map[string]any{"port": 8443},
			want:    sdk + `cannot change the value of the argument "port" from "8080" to "8443"`},
		"SDKMap": {r: mustFor(t, "lambda.aws.upbound.io/v1beta1", "Invocation"),
			state:   lambda.InvocationParameters{Triggers: map[string]*string{"step": ptr("0")}},
			desired: lambda.InvocationParameters{Triggers: map[string]*string{"step": ptr("10")}},
			want:    sdk + `cannot change the value of the argument "triggers.step" from "0" to "10"`},
		"SDKSensitive": {r: secret,
			state:   map[string]any{"password": "a"},
			desired: map[string]any{"password": "b"},
			want:    sdk + `cannot change the value of the argument "password"`},
		"Framework": {r: mustFor(t, "ec2.aws.upbound.io/v1beta1", "SecurityGroupIngressRule"),
			state:   ec2.SecurityGroupIngressRuleParameters{SecurityGroupID: ptr("sg-1")},
			desired: ec2.SecurityGroupIngressRuleParameters{SecurityGroupID: ptr("sg-2")},
			want:    fw + `AttributeName("security_group_id"), `},
		"FrameworkSeveral": {r: mustFor(t, "ec2.aws.upbound.io/v1beta1", "SecurityGroupEgressRule"),
			state:   ec2.SecurityGroupEgressRuleParameters{SecurityGroupID: ptr("sg-1"), CidrIPv4: ptr("10.0.0.0/16")},
			desired: ec2.SecurityGroupEgressRuleParameters{SecurityGroupID: ptr("sg-2"), ReferencedSecurityGroupID: ptr("sg-3")},
			want:    fw + `AttributeName("cidr_ipv4"), AttributeName("referenced_security_group_id"), AttributeName("security_group_id"), `},
		"None": {r: mustFor(t, "ec2.aws.upbound.io/v1beta1", "VPC"),
			state:   ec2.VPCParameters_2{CidrBlock: ptr("10.0.0.0/16")},
			desired: ec2.VPCParameters_2{CidrBlock: ptr("10.0.0.0/16")}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := tc.r.RefuseMessage(tc.r.Changes(params(t, tc.state), params(t, tc.desired))); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}
