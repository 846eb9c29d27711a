package tfconv

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/acme-payments/xpaymentplatform/internal/awsapis"
)

var update = flag.Bool("update", false, "rewrite testdata/render.tf and testdata/render.tf.json")

func provider(t *testing.T) *Schema {
	t.Helper()
	s, err := LoadProvider("")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func readRender(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "render.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestConvert converts testdata/render.yaml and compares the HCL and its
// JSON rendition with testdata/render.tf{,.json} (go test -update
// rewrites them): selectors and references become references to the
// selected resource with the attribute the resolver extracts, resolved
// values with a reference become the reference again, the identifier
// arguments come from the external name (or metadata.name), secret
// references become sensitive variables, objects become blocks or maps as
// the Terraform schema has them.
func TestConvert(t *testing.T) {
	res, err := Convert(context.Background(), []byte(readRender(t)), provider(t))
	if err != nil {
		t.Fatal(err)
	}
	for file, got := range map[string][]byte{"render.tf": res.HCL, "render.tf.json": res.JSON} {
		p := filepath.Join("testdata", file)
		if *update {
			if err := os.WriteFile(p, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(string(want), string(got)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", file, diff)
		}
	}
	if _, diags := hclsyntax.ParseConfig(res.HCL, "render.tf", hcl.InitialPos); diags.HasErrors() {
		t.Errorf("the HCL does not parse: %v", diags)
	}
	var j any
	if err := json.Unmarshal(res.JSON, &j); err != nil {
		t.Errorf("the JSON does not parse: %v", err)
	}

	var skipped []string
	for _, s := range res.Skipped {
		skipped = append(skipped, s.Kind+" "+s.Name)
	}
	sort.Strings(skipped)
	if diff := cmp.Diff([]string{"ClusterUsage payment-usage-vpc-test", "Result ", "XPaymentPlatform payments-test"}, skipped); diff != "" {
		t.Errorf("skipped (-want +got):\n%s", diff)
	}
	if len(res.Resources) != 12 {
		t.Errorf("%d resources converted, want 12", len(res.Resources))
	}
}

// TestConvertFails: the conversion fails, naming the resource and the
// field, instead of dropping anything.
func TestConvertFails(t *testing.T) {
	s := provider(t)
	render := readRender(t)
	cases := map[string]struct {
		edit func(string) string
		want []string
	}{
		"selector matches nothing": {
			edit: func(r string) string {
				return strings.Replace(r, "    vpcIdSelector:\n      matchControllerRef: true\n      matchLabels:\n        platform.payments.io/resource: vpc\n", "    vpcIdSelector:\n      matchControllerRef: true\n      matchLabels:\n        platform.payments.io/resource: vpc-elsewhere\n", 1)
			},
			want: []string{"Subnet payment-subnet-app-a-test (aws_subnet.subnet-app-a)", "VPCID", "no resources matched selector"},
		},
		"selector of another controller": {
			edit: func(r string) string {
				return strings.Replace(r, "  name: payment-vpc-test\n  ownerReferences:\n  - {apiVersion: platform.payments.io/v1alpha1, kind: XPaymentPlatform, name: payments-test, controller: true, uid: \"\"}", "  name: payment-vpc-test\n  ownerReferences:\n  - {apiVersion: platform.payments.io/v1alpha1, kind: XPaymentPlatform, name: payments-other, controller: true, uid: \"other\"}", 1)
			},
			want: []string{"aws_subnet.subnet-app-a", "no resources matched selector"},
		},
		"reference to a resource not in the render": {
			edit: func(r string) string {
				return strings.Replace(r, "      name: payment-sg-app-test\n", "      name: payment-sg-elsewhere\n", 1)
			},
			want: []string{"aws_vpc_security_group_egress_rule.sgr-app-out-https", "SecurityGroupID", "not found"},
		},
		"unknown field": {
			edit: func(r string) string {
				return strings.Replace(r, "    cidrBlock: 10.20.0.0/16\n", "    cidrBlock: 10.20.0.0/16\n    cidrBlocks: [10.20.0.0/16]\n", 1)
			},
			want: []string{"VPC payment-vpc-test", `unknown field "cidrBlocks"`},
		},
		"wrong type": {
			edit: func(r string) string { return strings.Replace(r, "    port: 443\n", "    port: \"443\"\n", 1) },
			want: []string{"LBListener payment-listener-https-test", "cannot decode"},
		},
		"field that is not a Terraform argument": {
			edit: func(r string) string {
				return r + `---
apiVersion: rds.aws.upbound.io/v1beta2
kind: Cluster
metadata:
  annotations:
    crossplane.io/composition-resource-name: aurora
  name: payment-aurora-test
spec:
  forProvider:
    autoGeneratePassword: true
    engine: aurora-postgresql
    region: us-east-2
`
			},
			want: []string{"Cluster payment-aurora-test (aws_rds_cluster.aurora)", "set but not emitted", "spec.forProvider.autoGeneratePassword"},
		},
		"kind the converter does not know": {
			edit: func(r string) string {
				return r + "---\napiVersion: example.org/v1\nkind: Widget\nmetadata:\n  annotations:\n    crossplane.io/composition-resource-name: widget\n  name: widget\n"
			},
			want: []string{"Widget widget", "not a provider-aws kind"},
		},
		"kind whose provider configuration injects arguments": {
			edit: func(r string) string {
				return r + "---\napiVersion: s3.aws.upbound.io/v1beta2\nkind: Bucket\nmetadata:\n  annotations:\n    crossplane.io/composition-resource-name: bucket\n  name: payment-bucket-test\nspec:\n  forProvider:\n    region: us-east-2\n"
			},
			want: []string{"aws_s3_bucket.bucket", "TerraformConfigurationInjector"},
		},
		"every failing resource": {
			edit: func(r string) string {
				r = strings.Replace(r, "        platform.payments.io/resource: api-role\n", "        platform.payments.io/resource: api-role-elsewhere\n", 1)
				r = strings.Replace(r, "        platform.payments.io/resource: vpc\n", "        platform.payments.io/resource: vpc-elsewhere\n", 1)
				return strings.Replace(r, "        platform.payments.io/subnet-tier: app\n", "        platform.payments.io/subnet-tier: data\n", 1)
			},
			want: []string{
				"aws_subnet.subnet-app-a", "spec.forProvider.vpcIdSelector (platform.payments.io/resource=vpc-elsewhere)",
				"aws_lambda_function.api", "spec.forProvider.roleSelector (platform.payments.io/resource=api-role-elsewhere)",
				"spec.forProvider.vpcConfig.subnetIdSelector (platform.payments.io/subnet-tier=data)",
			},
		},
		"two resources with one label": {
			edit: func(r string) string {
				return r + "---\napiVersion: ec2.aws.upbound.io/v1beta1\nkind: VPC\nmetadata:\n  annotations:\n    crossplane.io/composition-resource-name: vpc\n  name: payment-vpc-2-test\nspec:\n  forProvider:\n    cidrBlock: 10.30.0.0/16\n    region: us-east-2\n"
			},
			want: []string{"aws_vpc.vpc", "same Terraform address"},
		},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			edited := c.edit(render)
			if edited == render {
				t.Fatal("the edit changed nothing: update it to testdata/render.yaml")
			}
			_, err := Convert(context.Background(), []byte(edited), s)
			if err == nil {
				t.Fatal("converted; want an error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

// TestExternalNames classifies provider-aws's external-name
// configurations, and every kind the platform composes has one the
// converter understands.
func TestExternalNames(t *testing.T) {
	s := provider(t)
	for typ, want := range map[string]ExternalName{
		"aws_vpc":                            {Attribute: "id"},
		"aws_iam_role":                       {Attribute: "id", Argument: "name", NameInitializer: true},
		"aws_lambda_function":                {Attribute: "id", Argument: "function_name", NameInitializer: true},
		"aws_sns_topic":                      {Attribute: "name", Argument: "name", NameInitializer: true},
		"aws_wafv2_web_acl_association":      {NameInitializer: true},
		"aws_route":                          {},
		"aws_kms_alias":                      {Attribute: "", CustomArgument: true, NameInitializer: true},
		"aws_vpc_security_group_egress_rule": {},
	} {
		got := s.ExternalNames[typ]
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", typ, diff)
		}
	}

	sch := runtime.NewScheme()
	if err := awsapis.AddToScheme(sch); err != nil {
		t.Fatal(err)
	}
	for gvk, typ := range sch.AllKnownTypes() {
		tr, ok := reflect.New(typ).Interface().(Terraformed)
		if !ok {
			continue
		}
		en, ok := s.ExternalNames[tr.GetTerraformResourceType()]
		if !ok || en.Unknown != "" {
			t.Errorf("%s (%s): external-name configuration not understood: %+v", gvk.Kind, tr.GetTerraformResourceType(), en)
		}
		if _, ok := s.Resources[tr.GetTerraformResourceType()]; !ok {
			t.Errorf("%s: %s is not in the Terraform schema", gvk.Kind, tr.GetTerraformResourceType())
		}
		if en.CustomArgument && customIdentifierArguments[tr.GetTerraformResourceType()] == nil {
			t.Errorf("%s: %s sets its identifier argument with its own function: mirror it in customIdentifierArguments", gvk.Kind, tr.GetTerraformResourceType())
		}
	}
}

// TestFieldsNotEmitted lists the fields of the composed kinds'
// spec.forProvider/initProvider that GetParameters does not emit and that
// are not references, selectors or secret references: upjet's injected
// list-map key (index), which the converter skips, and the fields the
// conversion refuses when set. A provider upgrade that adds one fails here.
func TestFieldsNotEmitted(t *testing.T) {
	sch := runtime.NewScheme()
	if err := awsapis.AddToScheme(sch); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for gvk, typ := range sch.AllKnownTypes() {
		if _, ok := reflect.New(typ).Interface().(Terraformed); !ok {
			continue
		}
		spec, _ := typ.FieldByName("Spec")
		for _, f := range []string{"ForProvider", "InitProvider"} {
			fp, ok := spec.Type.FieldByName(f)
			if !ok {
				continue
			}
			notEmitted(fp.Type, gvk.Kind, map[reflect.Type]bool{}, got)
		}
	}
	want := map[string]bool{
		"Cluster.autoGeneratePassword":   true, // refused: the provider generates the password
		"Instance.autoGeneratePassword":  true, // refused
		"LBListener.defaultAction.index": true, // skipped: injected list-map key
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("fields not emitted (-want +got):\n%s", diff)
	}
}

func notEmitted(t reflect.Type, path string, seen map[reflect.Type]bool, out map[string]bool) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || seen[t] {
		return
	}
	seen[t] = true
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if tfTag(sf) != "-" {
			notEmitted(sf.Type, path+"."+jsonName(sf), seen, out)
			continue
		}
		ft := sf.Type
		for ft.Kind() == reflect.Pointer || ft.Kind() == reflect.Slice {
			ft = ft.Elem()
		}
		switch ft {
		case selectorType, referenceType, secretKeySelType, secretRefType:
			continue
		}
		out[path+"."+jsonName(sf)] = true
	}
}

// TestConfigurationInjectors: configurationInjectors lists every
// resource type whose provider-aws configuration injects Terraform
// arguments (config/cluster/*/config.go).
func TestConfigurationInjectors(t *testing.T) {
	dir, err := ProviderDir()
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "config", "cluster", "*", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	configurator := regexp.MustCompile(`AddResourceConfigurator\("([a-z0-9_]+)"`)
	got := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var current string
		for _, line := range bytes.Split(b, []byte("\n")) {
			if m := configurator.FindSubmatch(line); m != nil {
				current = string(m[1])
			}
			if bytes.Contains(line, []byte("TerraformConfigurationInjector =")) && current != "" {
				rel, _ := filepath.Rel(dir, f)
				got[current] = filepath.ToSlash(rel)
			}
		}
	}
	if diff := cmp.Diff(configurationInjectors, got); diff != "" {
		t.Errorf("configurationInjectors (-want +got):\n%s", diff)
	}
}
