package examples

import (
	"context"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/acme-payments/xpaymentplatform/internal/render"
	"github.com/acme-payments/xpaymentplatform/internal/tfconv"
)

// maxSuffix is the longest environmentSuffix the XRD allows (MaxLength 20).
const maxSuffix = "a123456789b123456789"

// awsNameLimits is the longest value AWS (or, where tighter, the Terraform
// provider behind provider-aws) accepts for each name argument the platform
// derives from the suffix, by Terraform resource type and argument.
var awsNameLimits = map[string]int{
	"aws_lb.name":                                                  32,  // ELB CreateLoadBalancer Name; Terraform validName
	"aws_lb_target_group.name":                                     32,  // ELB CreateTargetGroup Name; Terraform validTargetGroupName
	"aws_lb_target_group_attachment.target_id":                     140, // a Lambda target is the function's ARN (FunctionName, ARN form: 140)
	"aws_lambda_function.function_name":                            64,  // Lambda CreateFunction FunctionName (name form)
	"aws_iam_role.name":                                            64,  // IAM CreateRole RoleName
	"aws_iam_role_policy.name":                                     128, // IAM PutRolePolicy PolicyName
	"aws_rds_cluster.cluster_identifier":                           63,  // RDS DBClusterIdentifier
	"aws_rds_cluster.final_snapshot_identifier":                    255,
	"aws_rds_cluster_instance.identifier":                          63, // RDS DBInstanceIdentifier
	"aws_rds_cluster_parameter_group.name":                         255,
	"aws_db_subnet_group.name":                                     255,
	"aws_dms_replication_instance.replication_instance_id":         63, // DMS: 1 to 63 characters
	"aws_dms_endpoint.endpoint_id":                                 255,
	"aws_route53_resolver_endpoint.name":                           64, // Route 53 Resolver: "Maximum length of 64" (Terraform validResolverName)
	"aws_route53_resolver_rule.name":                               64,
	"aws_route53_resolver_rule_association.name":                   64,
	"aws_dms_certificate.certificate_id":                           255, // Terraform: StringLenBetween(1, 255)
	"aws_secretsmanager_secret.name":                               512, // Secrets Manager CreateSecret Name; Terraform validSecretName
	"aws_dms_endpoint.server_name":                                 253, // a DNS name
	"aws_dms_replication_task.replication_task_id":                 255,
	"aws_dms_replication_subnet_group.replication_subnet_group_id": 255,
	"aws_cloudwatch_metric_alarm.alarm_name":                       255,
	"aws_cloudwatch_dashboard.dashboard_name":                      255,
	"aws_cloudwatch_log_group.name":                                512,
	"aws_sns_topic.name":                                           256,
	"aws_sns_topic.display_name":                                   100, // SNS DisplayName
	"aws_sns_topic.kms_master_key_id":                              256, // an alias name
	"aws_security_group.name":                                      255,
	"aws_wafv2_web_acl.name":                                       128,
	"aws_kms_alias.name":                                           256,
	"aws_appautoscaling_policy.name":                               256,
	"aws_appautoscaling_target.resource_id":                        1600,
	// Route 53 CallerReference is 64, and Terraform appends a 37-character
	// unique ID: its reference_name is limited to 27.
	"aws_route53_health_check.reference_name": 27,
}

// nameArgument is an argument that names something: name, *_name,
// identifier, *_identifier, *_id, statement_id, role.
var nameArgument = regexp.MustCompile(`^(name|role|identifier|.*_name|.*_identifier|.*_id)$`)

// TestAWSNameLimits renders the dev and prod claims with the longest
// environmentSuffix the XRD allows, on their first reconcile and in their
// Ready worlds, converts each render to Terraform (provider-aws's own
// mapping of external names and parameters to arguments) and checks every
// naming argument that carries the suffix against AWS's limit for it. An
// argument with no recorded limit fails too, so a new kind cannot slip
// through; every Name tag stays within 256 characters.
func TestAWSNameLimits(t *testing.T) {
	cli := CLI(t)
	schema, err := tfconv.LoadProvider("")
	if err != nil {
		t.Fatal(err)
	}
	checked := map[string]bool{}
	for _, c := range []Case{
		{Name: "claim", Claim: "claim.yaml"}, {Name: "claim-ready", Claim: "claim.yaml", World: "claim-ready"},
		{Name: "claim-prod", Claim: "claim-prod.yaml"}, {Name: "claim-prod-ready", Claim: "claim-prod.yaml", World: "claim-prod-ready"},
	} {
		t.Run(c.Name, func(t *testing.T) {
			xr, err := os.ReadFile(xrPath(c))
			if err != nil {
				t.Fatal(err)
			}
			long := regexp.MustCompile(`(?m)^(\s+environmentSuffix:) \S+$`).ReplaceAll(xr, []byte("$1 "+maxSuffix))
			if string(long) == string(xr) {
				t.Fatal("no environmentSuffix in the XR")
			}
			dir := t.TempDir()
			path := filepath.Join(dir, "xr.yaml")
			if err := os.WriteFile(path, long, 0o644); err != nil {
				t.Fatal(err)
			}
			// The Ready world as the control plane would have observed it
			// at this suffix: Crossplane keeps the names it first gave
			// composed resources, so the suffix is replaced in every name
			// derived from it (not in the claim's own name).
			observed := ""
			if p := observedPath(c); p != "" {
				world, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				suffix := regexp.MustCompile(`(?m)^\s+environmentSuffix: (\S+)$`).FindSubmatch(xr)[1]
				derived := regexp.MustCompile(`\b(payment-(?:[a-z0-9]+-)*|alb-|old-|new-)` + regexp.QuoteMeta(string(suffix)) + `\b`)
				observed = filepath.Join(dir, "observed.yaml")
				if err := os.WriteFile(observed, derived.ReplaceAll(world, []byte("${1}"+maxSuffix)), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			out, err := render.Run(context.Background(), render.Options{
				CLI: cli, XR: path, Composition: composition, Functions: functions, XRD: xrd,
				Observed: observed, Target: target,
			})
			if err != nil {
				t.Fatal(err)
			}
			res, err := tfconv.Convert(context.Background(), out, schema)
			if err != nil {
				t.Fatal(err)
			}
			var cfg struct {
				Resource map[string]map[string]map[string]any `json:"resource"`
			}
			if err := json.Unmarshal(res.JSON, &cfg); err != nil {
				t.Fatal(err)
			}
			for typ, byLabel := range cfg.Resource {
				for label, args := range byLabel {
					for arg, v := range args {
						s, ok := v.(string)
						// A shortened name keeps the suffix's start.
						if !ok || !strings.Contains(s, maxSuffix[:6]) {
							continue
						}
						key := typ + "." + arg
						if !nameArgument.MatchString(arg) {
							continue
						}
						limit, ok := awsNameLimits[key]
						if !ok {
							t.Errorf("%s.%s: %s = %q carries the suffix, but no AWS limit is recorded for it", typ, label, arg, s)
							continue
						}
						checked[key] = true
						if len(s) > limit {
							t.Errorf("%s.%s: %s = %q is %d characters, AWS allows %d", typ, label, arg, s, len(s), limit)
						}
					}
					if tags, ok := args["tags"].(map[string]any); ok {
						if n, _ := tags["Name"].(string); len(n) > 256 {
							t.Errorf("%s.%s: Name tag %q is %d characters, AWS allows 256", typ, label, n, len(n))
						}
					}
				}
			}
		})
	}
	// Every recorded limit met a name: none is stale.
	for _, k := range slices.Sorted(maps.Keys(awsNameLimits)) {
		if !checked[k] {
			t.Errorf("no render has %s carrying the suffix: remove its limit or render what has it", k)
		}
	}
}
