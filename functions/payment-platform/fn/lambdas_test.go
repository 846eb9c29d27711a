package fn

import (
	"encoding/json"
	"strings"
	"testing"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"google.golang.org/protobuf/types/known/structpb"
)

func n2r(n string) resource.Name { return resource.Name(n) }

const lambdasSpec = `lambdas:
  artifactBucket: payments-artifacts
  version: v0.1.0
  sourceCodeHashes:
    validation: 47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=
    rollback: LCa0a2j/xo/5m0U8HTBBNBNCLXBkg7+g+YpeiGJm564=
  sourceSecretArn: arn:aws:secretsmanager:us-east-2:123456789012:secret:payments/source-abc
  hmacSecretArn: arn:aws:secretsmanager:us-east-2:123456789012:secret:payments/hmac-def
`

// withValidation sets the observed result of the validation run for a step.
func withValidation(obs map[string]*fnv1.Resource, step string, result map[string]any) map[string]*fnv1.Resource {
	obs = cloneResources(obs)
	r := obs["validation-run"]
	if r == nil {
		return obs
	}
	m := r.GetResource().AsMap()
	m["metadata"].(map[string]any)["annotations"] = map[string]any{annotationValidateStep: step}
	b, _ := json.Marshal(result)
	m["status"].(map[string]any)["atProvider"].(map[string]any)["result"] = string(b)
	s, _ := structpb.NewStruct(m)
	obs["validation-run"] = &fnv1.Resource{Resource: s}
	return obs
}

func TestLambdasWiring(t *testing.T) {
	spec := edgeSpec(0, false) + lambdasSpec
	rsp := run(t, withClaim(newRequest(t, spec, edgeWorld(t, spec))))
	v := desired(t, rsp, "validation")
	for path, want := range map[string]any{
		"metadata.name":                                             "payment-validation-prod",
		"spec.forProvider.s3Bucket":                                 "payments-artifacts",
		"spec.forProvider.s3Key":                                    "payment-platform/v0.1.0/validation.zip",
		"spec.forProvider.sourceCodeHash":                           "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
		"spec.forProvider.runtime":                                  "provided.al2023",
		"spec.forProvider.handler":                                  "bootstrap",
		"spec.forProvider.timeout":                                  300.0,
		"spec.forProvider.memorySize":                               256.0,
		"spec.forProvider.environment.variables.TARGET_BACKEND":     "data-api",
		"spec.forProvider.environment.variables.METRIC_DIMENSIONS":  "EnvironmentSuffix=prod",
		"spec.forProvider.environment.variables.TARGET_CLUSTER_ARN": "arn:aws:svc:us-east-2:123456789012:aurora",
	} {
		if got := get(v, path); got != want {
			t.Errorf("validation %s = %v, want %v", path, got, want)
		}
	}
	if get(v, "spec.forProvider.architectures").([]any)[0] != "arm64" || label(v, "spec.forProvider.vpcConfig.securityGroupIdSelector") != "sg-app" {
		t.Errorf("validation arch/vpc = %v", get(v, "spec.forProvider"))
	}
	rb := desired(t, rsp, "rollback")
	if get(rb, "metadata.name") != "payment-rollback-prod" || get(rb, "spec.forProvider.s3Key") != "payment-platform/v0.1.0/rollback.zip" ||
		get(rb, "spec.forProvider.environment.variables.SNS_TOPIC_ARN") != "arn:aws:svc:us-east-2:123456789012:alarms" {
		t.Errorf("rollback = %v", get(rb, "spec.forProvider"))
	}
	// Least privilege: each statement names this platform's resources.
	for policy, wants := range map[string][]string{
		"validation-policy": {`"rds-data:ExecuteStatement"`, `arn:aws:svc:us-east-2:123456789012:aurora"`, "payments/source-abc", "payments/hmac-def", `"cloudwatch:namespace":"PaymentMigration"`},
		"rollback-policy":   {`"dms:StopReplicationTask"`, `arn:aws:dms:us-east-2:123456789012:task:ABCDEFGHIJKLMNOP"`, `"sns:Publish"`, `arn:aws:svc:us-east-2:123456789012:alarms"`, `"cloudwatch:PutMetricData"`},
	} {
		doc := get(desired(t, rsp, policy), "spec.forProvider.policy").(string)
		for _, w := range wants {
			if !strings.Contains(doc, w) {
				t.Errorf("%s lacks %s:\n%s", policy, w, doc)
			}
		}
	}
	inv := desired(t, rsp, "validation-run")
	if get(inv, "spec.forProvider.input") != `{"action":"validate","checkType":"pre_migration"}` || get(inv, "spec.forProvider.triggers.step") != "0" ||
		label(inv, "spec.forProvider.functionNameSelector") != "validation" {
		t.Errorf("validation run = %v", get(inv, "spec.forProvider"))
	}
	if get(desired(t, rsp, "sgr-app-out-source"), "spec.forProvider.cidrIpv4") != "192.168.10.0/24" {
		t.Error("the validator cannot reach the source")
	}
	// Removing spec.lambdas removes exactly the Lambda resources.
	without := run(t, withClaim(newRequest(t, edgeSpec(0, false), observedReady(t, rsp))))
	for _, n := range names(rsp) {
		_, kept := without.GetDesired().GetResources()[n]
		if IsLambdaResource(n2r(n)) == kept {
			t.Errorf("%s: lambda resource %t, kept %t", n, IsLambdaResource(n2r(n)), kept)
		}
	}
}

// TestValidationGatesCutover: moving forward needs a passing validation for
// the requested step; a failed or partial one holds the step and says why.
func TestValidationGatesCutover(t *testing.T) {
	spec0 := edgeSpec(0, false) + lambdasSpec
	world := edgeWorld(t, spec0)
	spec10 := edgeSpec(10, false) + lambdasSpec
	cases := map[string]struct {
		obs      map[string]*fnv1.Resource
		wantStep float64
		held     string
	}{
		"NotRunYet": {obs: world, wantStep: 0, held: "has not run yet"},
		"Passed":    {obs: withValidation(world, "10", map[string]any{"success": true, "checkType": "pre_migration", "rowsCompared": 1200000}), wantStep: 10},
		"Failed": {obs: withValidation(world, "10", map[string]any{"success": false, "checkType": "pre_migration", "rowsCompared": 1200000, "mismatches": 3}),
			wantStep: 0, held: "3 mismatches"},
		"Partial": {obs: withValidation(world, "10", map[string]any{"success": false, "rowsCompared": 500, "resumeToken": "abc"}),
			wantStep: 0, held: "resumeToken"},
		"StaleResultOfAnotherStep": {obs: withValidation(world, "0", map[string]any{"success": true}), wantStep: 0, held: "has not run yet"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rsp := run(t, withClaim(newRequest(t, spec10, tc.obs)))
			st := get(rsp.GetDesired().GetComposite().GetResource().AsMap(), "status").(map[string]any)
			if get(st, "cutover.step") != tc.wantStep {
				t.Errorf("step = %v, want %v (%v)", get(st, "cutover.step"), tc.wantStep, st["cutover"])
			}
			c := findCondition(rsp, ConditionCutoverReady)
			if tc.held != "" && (c.GetStatus() != fnv1.Status_STATUS_CONDITION_FALSE || !strings.Contains(c.GetMessage(), tc.held)) {
				t.Errorf("CutoverReady = %v, want False with %q", c, tc.held)
			}
			if get(st, "validation.forStep") != 10.0 {
				t.Errorf("validation status = %v", st["validation"])
			}
		})
	}
}
