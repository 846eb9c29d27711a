package fn

import (
	"strings"
	"testing"
)

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
