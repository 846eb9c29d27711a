package fn

import (
	"encoding/json"
	"fmt"
	"github.com/crossplane/function-sdk-go/resource"
	"maps"
	"slices"
	"strings"
	"testing"

	lambda "github.com/upbound/provider-aws/v2/apis/cluster/lambda/v1beta1"
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
	inv := desired(t, rsp, "validation-run-0-1")
	if get(inv, "spec.forProvider.input") != `{"action":"validate","checkType":"pre_migration","step":0}` || get(inv, "spec.forProvider.triggers") != nil ||
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

// TestLambdasTier: the validation run waits for the cluster and its secret
// and validates what the requested step needs; the status shows the
// validation of the requested step only.
func TestLambdasTier(t *testing.T) {
	spec := func(step int) string {
		return strings.Replace(routingSpec, "step: 0", fmt.Sprintf("step: %d", step), 1) +
			"\nmigration: {source: {host: 198.51.100.1, credentialsSecretRef: {name: s}}}\n" + dmsUserSpec + lambdasSpec
	}
	known := func(v *Views) {
		v.Database = DatabaseView{ClusterARN: "arn:aws:rds:us-east-2:123456789012:cluster:c", SecretARN: "arn:s"}
	}
	cases := map[string]struct {
		step       int
		views      func(*Views)
		run        bool
		checkType  string
		wantStatus string
	}{
		"WaitingForTheCluster": {step: 0, checkType: "pre_migration", wantStatus: "has not run yet"},
		"Step10":               {step: 10, views: known, run: true, checkType: "pre_migration", wantStatus: "has not run yet"},
		"Step50Passed": {step: 50, run: true, checkType: "post_migration", wantStatus: "post_migration passed: 500 rows compared",
			views: func(v *Views) {
				known(v)
				v.Lambdas = LambdasView{Runs: map[resource.Name]string{"validation-run-50-1": `{"success":true,"checkType":"post_migration","step":50,"rowsCompared":500}`}}
			}},
		// The validator reports why it stopped in "error" (contract.ValidationResult):
		// the function read "errorMessage" and showed such a run as a mismatch.
		"ValidatorError": {step: 50, run: true, checkType: "post_migration", wantStatus: "the validator failed: source unreachable",
			views: func(v *Views) {
				known(v)
				v.Lambdas = LambdasView{Runs: map[resource.Name]string{"validation-run-50-1": `{"success":false,"checkType":"post_migration","step":50,"error":"source unreachable","resumeToken":"t"}`}}
			}},
		"ResultOfAnotherStep": {step: 50, run: true, checkType: "post_migration", wantStatus: "has not run yet",
			views: func(v *Views) {
				known(v)
				v.Lambdas = LambdasView{Runs: map[resource.Name]string{"validation-run-10-1": `{"success":true,"checkType":"pre_migration","step":10,"rowsCompared":500}`}}
			}},
		// A result is taken only for the step and check type asked about: a
		// validator that did not echo them (or a run of another step under
		// this name) is ignored.
		"NoEcho": {step: 50, run: true, checkType: "post_migration", wantStatus: "the validator answered for no step",
			views: func(v *Views) {
				known(v)
				v.Lambdas = LambdasView{Runs: map[resource.Name]string{"validation-run-50-1": `{"success":true,"checkType":"post_migration","rowsCompared":500}`}}
			}},
		"EchoOfAnotherCheck": {step: 50, run: true, checkType: "post_migration", wantStatus: "answered for step 50, pre_migration check",
			views: func(v *Views) {
				known(v)
				v.Lambdas = LambdasView{Runs: map[resource.Name]string{"validation-run-50-1": `{"success":true,"checkType":"pre_migration","step":50,"rowsCompared":500}`}}
			}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			part := lambdas(tierPlan(t, spec(tc.step), nil, tc.views))
			runName := ValidationRunName(tc.step, 1)
			if composes(part, runName) != tc.run {
				t.Fatalf("validation run composed = %t, want %t", !tc.run, tc.run)
			}
			if tc.run {
				inv := object[*lambda.Invocation](t, part, runName)
				if in := deref(inv.Spec.ForProvider.Input); !strings.Contains(in, `"checkType":"`+tc.checkType+`"`) || !strings.Contains(in, fmt.Sprintf(`"step":%d`, tc.step)) {
					t.Errorf("input %s, want checkType %s and step %d", in, tc.checkType, tc.step)
				}
				if inv.Spec.ForProvider.Triggers != nil {
					t.Errorf("triggers %v: a new step is a new Invocation, never an update", inv.Spec.ForProvider.Triggers)
				}
			}
			v := part.Status.Validation
			if v == nil || v.CheckType != tc.checkType || v.ForStep != tc.step || !strings.Contains(v.Message, tc.wantStatus) {
				t.Errorf("status.validation = %+v, want %s %q", v, tc.checkType, tc.wantStatus)
			}
		})
	}
}

// TestRollbackPolicyMatchesTheServiceAuthorizationReference: the rollback
// trigger may stop only this platform's task, describe tasks on "*" (the
// action has no resource type), and publish to the topic encrypted with the
// platform key (kms:GenerateDataKey* and kms:Decrypt on that key).
func TestRollbackPolicyMatchesTheServiceAuthorizationReference(t *testing.T) {
	spec := prodSpec + lambdasSpec
	rsp := run(t, withClaim(newRequest(t, spec, readyWorld(t, spec))))
	var doc struct {
		Statement []struct {
			Sid      string
			Action   []string
			Resource []string
		}
	}
	if err := json.Unmarshal([]byte(get(desired(t, rsp, "rollback-policy"), "spec.forProvider.policy").(string)), &doc); err != nil {
		t.Fatal(err)
	}
	want := map[string]struct{ action, resource string }{
		"StopReplication":        {"dms:StopReplicationTask", "arn:aws:dms:us-east-2:123456789012:task:ABCDEFGHIJKLMNOP"},
		"DescribeReplication":    {"dms:DescribeReplicationTasks", "*"},
		"EncryptNotification":    {"kms:GenerateDataKey*", "arn:aws:svc:us-east-2:123456789012:kms-key"},
		"DecryptWithPlatformKey": {"kms:Decrypt", "arn:aws:svc:us-east-2:123456789012:kms-key"},
	}
	for _, st := range doc.Statement {
		w, ok := want[st.Sid]
		if !ok {
			continue
		}
		if len(st.Action) != 1 || st.Action[0] != w.action || len(st.Resource) != 1 || st.Resource[0] != w.resource {
			t.Errorf("%s: %v on %v, want %s on %s", st.Sid, st.Action, st.Resource, w.action, w.resource)
		}
		delete(want, st.Sid)
	}
	for sid := range want {
		t.Errorf("rollback policy lacks %s", sid)
	}
}

// TestValidationRunPerStepAndAttempt: moving to another step, or bumping
// spec.cutover.validationAttempt, is a new Invocation (run once by the
// provider when it creates it); the previous run leaves the composition.
func TestValidationRunPerStepAndAttempt(t *testing.T) {
	spec0 := edgeSpec(0, false) + lambdasSpec
	world := edgeWorld(t, spec0)
	if _, ok := world["validation-run-0-1"]; !ok {
		t.Fatalf("no validation run at step 0: %v", slices.Sorted(maps.Keys(world)))
	}
	for name, tc := range map[string]struct {
		spec      string
		want, not string
	}{
		"NextStep":     {spec: edgeSpec(10, false) + lambdasSpec, want: "validation-run-10-1", not: "validation-run-0-1"},
		"AnotherTry":   {spec: strings.Replace(edgeSpec(0, false), "  step: 0\n", "  step: 0\n  validationAttempt: 2\n", 1) + lambdasSpec, want: "validation-run-0-2", not: "validation-run-0-1"},
		"SameStepKept": {spec: spec0, want: "validation-run-0-1"},
	} {
		t.Run(name, func(t *testing.T) {
			rsp := run(t, withClaim(newRequest(t, tc.spec, world)))
			have := rsp.GetDesired().GetResources()
			if _, ok := have[tc.want]; !ok {
				t.Errorf("no %s", tc.want)
			}
			if _, ok := have[tc.not]; tc.not != "" && ok {
				t.Errorf("%s is still composed", tc.not)
			}
		})
	}
}

// TestValidationResumes: a validation that stops at its deadline returns a
// resume token; the next invocation of the chain carries it, and the last
// one's result is the verdict. A run stopped by an error is a failure with
// the validator's text, never "stopped before its deadline".
func TestValidationResumes(t *testing.T) {
	spec := edgeSpec(50, false) + lambdasSpec
	known := func(runs map[resource.Name]string) func(*Views) {
		return func(v *Views) {
			v.Database = DatabaseView{ClusterARN: "arn:aws:rds:us-east-2:123456789012:cluster:c", SecretARN: "arn:s"}
			v.Lambdas = LambdasView{Runs: runs}
		}
	}
	partial := `{"success":false,"checkType":"post_migration","step":50,"rowsCompared":1000,"resumeToken":"t1"}`
	cases := map[string]struct {
		runs    map[resource.Name]string
		compose []resource.Name
		token   string
		success bool
		message string
	}{
		"FirstStopsAtDeadline": {runs: map[resource.Name]string{"validation-run-50-1": partial},
			compose: []resource.Name{"validation-run-50-1", "validation-run-50-1-2"}, token: "t1", message: "the validation is resuming (invocation 2, 1000 rows compared so far)"},
		"SecondStopsToo": {runs: map[resource.Name]string{"validation-run-50-1": partial,
			"validation-run-50-1-2": `{"success":false,"checkType":"post_migration","step":50,"rowsCompared":2000,"resumeToken":"t2"}`},
			compose: []resource.Name{"validation-run-50-1", "validation-run-50-1-2", "validation-run-50-1-3"}, token: "t2", message: "invocation 3, 2000 rows"},
		"ThirdCompletes": {runs: map[resource.Name]string{"validation-run-50-1": partial,
			"validation-run-50-1-2": `{"success":false,"checkType":"post_migration","step":50,"rowsCompared":2000,"resumeToken":"t2"}`,
			"validation-run-50-1-3": `{"success":true,"checkType":"post_migration","step":50,"rowsCompared":3000,"complete":true}`},
			compose: []resource.Name{"validation-run-50-1", "validation-run-50-1-2", "validation-run-50-1-3"}, success: true, message: "3000 rows compared, no mismatch (3 invocations)"},
		"ErrorWithToken": {runs: map[resource.Name]string{"validation-run-50-1": `{"success":false,"checkType":"post_migration","step":50,"rowsCompared":10,"resumeToken":"t1","error":"source unreachable"}`},
			compose: []resource.Name{"validation-run-50-1"}, message: "the validator failed: source unreachable"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			part := lambdas(tierPlan(t, spec, nil, known(tc.runs)))
			var runs []resource.Name
			for _, d := range part.Resources {
				if strings.HasPrefix(string(d.Name), "validation-run-") {
					runs = append(runs, d.Name)
				}
			}
			if !slices.Equal(runs, tc.compose) {
				t.Errorf("runs %v, want %v", runs, tc.compose)
			}
			if tc.token != "" {
				in := deref(object[*lambda.Invocation](t, part, tc.compose[len(tc.compose)-1]).Spec.ForProvider.Input)
				if !strings.Contains(in, `"resumeToken":"`+tc.token+`"`) || !strings.Contains(in, `"step":50`) {
					t.Errorf("resumed input %s, want token %s", in, tc.token)
				}
			}
			if v := part.Status.Validation; v == nil || v.Success != tc.success || !strings.Contains(v.Message, tc.message) {
				t.Errorf("status.validation = %+v, want success %t with %q", v, tc.success, tc.message)
			}
		})
	}
}
