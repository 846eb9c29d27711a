package fn

import (
	"strings"
	"testing"

	"github.com/crossplane/function-sdk-go/resource"
	appautoscaling "github.com/upbound/provider-aws/v2/apis/cluster/appautoscaling/v1beta1"
	iam "github.com/upbound/provider-aws/v2/apis/cluster/iam/v1beta1"
	lambdav2 "github.com/upbound/provider-aws/v2/apis/cluster/lambda/v1beta2"
)

const apiSpec = "environmentSuffix: t\napi: {imageUri: 123456789012.dkr.ecr.us-east-2.amazonaws.com/payment-api:v1, provisionedConcurrency: {min: 3, max: 7}}"

// TestCompute: the API runs the claim's image in the app subnets with the
// app security group, X-Ray and its environment under the platform key;
// it gets the database endpoint and secret once RDS reports them; the live
// alias and its provisioned-concurrency scaling wait for a published
// version; the role may read only the database secret once known; the
// status names the function.
func TestCompute(t *testing.T) {
	cases := map[string]struct {
		views     func(*Views)
		wantAlias bool
		wantEnv   map[string]string
		secretRes string
	}{
		"FirstReconcile": {
			wantEnv:   map[string]string{"DB_NAME": "payments", "PAYMENT_ENVIRONMENT": "dev"},
			secretRes: "arn:aws:secretsmanager:us-east-2:123456789012:secret:rds!cluster-*",
		},
		"DatabaseAndVersionKnown": {
			views: func(v *Views) {
				v.Database = DatabaseView{Endpoint: "db.example", SecretARN: "arn:aws:secretsmanager:us-east-2:123456789012:secret:rds!cluster-1"}
				v.Compute.Version = "3"
			},
			wantAlias: true,
			wantEnv:   map[string]string{"DB_NAME": "payments", "PAYMENT_ENVIRONMENT": "dev", "DB_ENDPOINT": "db.example", "DB_SECRET_ARN": "arn:aws:secretsmanager:us-east-2:123456789012:secret:rds!cluster-1"},
			secretRes: "arn:aws:secretsmanager:us-east-2:123456789012:secret:rds!cluster-1",
		},
		"UnpublishedVersion": {
			views:     func(v *Views) { v.Compute.Version = "$LATEST" },
			wantEnv:   map[string]string{"DB_NAME": "payments", "PAYMENT_ENVIRONMENT": "dev"},
			secretRes: "arn:aws:secretsmanager:us-east-2:123456789012:secret:rds!cluster-*",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			part := compute(tierPlan(t, apiSpec, nil, func(v *Views) {
				placeable(v)
				if tc.views != nil {
					tc.views(v)
				}
			}))
			fp := object[*lambdav2.Function](t, part, ResAPI).Spec.ForProvider
			if deref(fp.ImageURI) != "123456789012.dkr.ecr.us-east-2.amazonaws.com/payment-api:v1" || deref(fp.TracingConfig.Mode) != "Active" ||
				len(fp.VPCConfig.SubnetIds) != 3 || fp.VPCConfig.SubnetIDSelector != nil || fp.VPCConfig.SecurityGroupIDSelector.MatchLabels[LabelResource] != string(ResSGApp) ||
				deref(fp.KMSKeyArn) != testKeyARN || fp.KMSKeyArnSelector != nil || !deref(fp.Publish) {
				t.Errorf("function = %+v", fp)
			}
			env := map[string]string{}
			for k, v := range fp.Environment.Variables {
				env[k] = deref(v)
			}
			if len(env) != len(tc.wantEnv) {
				t.Errorf("environment = %v, want %v", env, tc.wantEnv)
			}
			for k, v := range tc.wantEnv {
				if env[k] != v {
					t.Errorf("environment %s = %q, want %q", k, env[k], v)
				}
			}
			if composes(part, ResAPIAlias) != tc.wantAlias || composes(part, ResAPIScalingTarget) != tc.wantAlias {
				t.Errorf("alias and scaling composed = %t, want %t", composes(part, ResAPIAlias), tc.wantAlias)
			}
			if tc.wantAlias {
				if v := deref(object[*lambdav2.Alias](t, part, ResAPIAlias).Spec.ForProvider.FunctionVersion); v != "3" {
					t.Errorf("alias on version %q", v)
				}
				st := object[*appautoscaling.Target](t, part, ResAPIScalingTarget).Spec.ForProvider
				if deref(st.MinCapacity) != 3 || deref(st.MaxCapacity) != 7 || deref(st.ResourceID) != "function:payment-api-t:live" {
					t.Errorf("scaling target = %+v", st)
				}
			}
			pol := deref(object[*iam.RolePolicy](t, part, ResAPIPolicy).Spec.ForProvider.Policy)
			if !strings.Contains(pol, `"Sid":"ReadDatabaseSecret","Effect":"Allow","Action":["secretsmanager:GetSecretValue"],"Resource":["`+tc.secretRes+`"]`) {
				t.Errorf("policy does not limit the secret to %s: %s", tc.secretRes, pol)
			}
			if part.Status.APIFunctionName != "payment-api-t" || part.Status.LambdaFunctionName != "payment-api-t" {
				t.Errorf("status = %+v", part.Status)
			}
		})
	}
	if part := compute(tierPlan(t, "environmentSuffix: t", nil, nil)); len(part.Resources) != 0 || part.Status.APIFunctionName != "" {
		t.Errorf("no api: part = %+v", part)
	}
	// The function is placed in its subnets by ID, once all are known: the
	// provider resolves a list selector once, with the subnets that exist.
	if composes(compute(tierPlan(t, apiSpec, nil, nil)), ResAPI) {
		t.Error("the API function is composed before its subnets are known")
	}
	// The key by ARN: Terraform validates kms_key_arn as an ARN, and the
	// provider resolves a selector to the key's ID.
	if composes(compute(tierPlan(t, apiSpec, nil, func(v *Views) { placeable(v); v.Encryption.KeyARN = "" })), ResAPI) {
		t.Error("the API function is composed before the key's ARN is known")
	}
	fp := object[*lambdav2.Function](t, compute(tierPlan(t, apiSpec, nil, placeable)), ResAPI).Spec.ForProvider
	if ids := fp.VPCConfig.SubnetIds; len(ids) != 3 || *ids[1] != "subnet-app-b-id" || fp.VPCConfig.SubnetIDSelector != nil {
		t.Errorf("vpcConfig = %+v", fp.VPCConfig)
	}
}

// placeable is a world where the app subnets and the key's ARN are known.
const testKeyARN = "arn:aws:kms:us-east-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"

func placeable(v *Views) {
	v.Encryption.KeyARN = testKeyARN
	for _, az := range []string{"a", "b", "c"} {
		v.Network.SubnetIDs[resource.Name("subnet-app-"+az)] = "subnet-app-" + az + "-id"
	}
}
