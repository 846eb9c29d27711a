package fn

import (
	"github.com/acme-payments/xpaymentplatform/apis/v1alpha1"
	appautoscaling "github.com/upbound/provider-aws/v2/apis/cluster/appautoscaling/v1beta1"
	appautoscalingv2 "github.com/upbound/provider-aws/v2/apis/cluster/appautoscaling/v1beta2"
	iam "github.com/upbound/provider-aws/v2/apis/cluster/iam/v1beta1"
	lambdav2 "github.com/upbound/provider-aws/v2/apis/cluster/lambda/v1beta2"
	"k8s.io/utils/ptr"
)

// computeResources composes the payment API: the app team's image on Lambda in the
// app subnets with the app security group, X-Ray tracing, reserved
// concurrency and a log group with the claim's retention; the live alias on
// the latest published version; Application Auto Scaling of its provisioned
// concurrency on utilization; and an execution role allowed exactly its log
// group, its VPC network interfaces, the database secret and the platform
// key.
func computeResources(p *Plan) []Desired {
	api := p.Spec.API
	if api == nil {
		return nil
	}
	name := p.APIFunctionName()
	env := map[string]*string{
		"PAYMENT_ENVIRONMENT": ptr.To(string(p.Spec.Environment)),
		"DB_NAME":             ptr.To(p.Spec.Database.DatabaseName),
	}
	if v := p.View.Database.Endpoint; v != "" {
		env["DB_ENDPOINT"] = ptr.To(v)
	}
	if v := p.DBSecretARN(); v != "" {
		env["DB_SECRET_ARN"] = ptr.To(v)
	}
	for k, v := range api.Environment {
		env[k] = ptr.To(v)
	}
	out := []Desired{
		LogGroup(p, ResAPILogGroup, "/aws/lambda/"+name, p.LogRetentionDays()),
		{
			Name: ResAPIRole,
			Object: &iam.Role{Spec: iam.RoleSpec{ForProvider: iam.RoleParameters{
				Description:      ptr.To("Execution role of the payment API " + name),
				AssumeRolePolicy: p.TrustPolicy("lambda.amazonaws.com", p.ARN("lambda", "function:"+name)),
			}}},
		},
		{
			Name: ResAPIPolicy,
			Object: &iam.RolePolicy{Spec: iam.RolePolicySpec{ForProvider: iam.RolePolicyParameters{
				RoleSelector: p.Sel(ResAPIRole),
				Policy:       Policy(p.lambdaBaseStatements(name)...),
			}}},
		},
		{
			Name: ResAPI,
			Object: p.vpcLambda(ResAPIRole, env, lambdav2.FunctionParameters{
				PackageType:                  ptr.To("Image"),
				ImageURI:                     ptr.To(api.ImageURI),
				MemorySize:                   ptr.To(float64(api.MemoryMB)),
				Timeout:                      ptr.To(float64(api.TimeoutSeconds)),
				ReservedConcurrentExecutions: ptr.To(float64(api.ReservedConcurrency)),
				Publish:                      ptr.To(true),
				LoggingConfig:                &lambdav2.LoggingConfigParameters{LogFormat: ptr.To("JSON"), LogGroup: ptr.To("/aws/lambda/" + name)},
				Description:                  ptr.To("Payment API of payment-" + p.Spec.EnvironmentSuffix),
			}),
		},
	}
	out = p.placed(out)
	// The alias needs a published version, which exists once Lambda has
	// created the function.
	version := p.View.Compute.Version
	if version == "" || version == "$LATEST" {
		return out
	}
	pc := api.ProvisionedConcurrency
	resourceID := "function:" + name + ":" + AliasLive
	return append(out,
		Desired{
			Name:         ResAPIAlias,
			ExternalName: AliasLive,
			Object: &lambdav2.Alias{Spec: lambdav2.AliasSpec{ForProvider: lambdav2.AliasParameters{
				FunctionNameSelector: p.Sel(ResAPI),
				FunctionVersion:      ptr.To(version),
				Description:          ptr.To("What the ALB invokes; provisioned concurrency warms it"),
			}}},
		},
		Desired{
			Name: ResAPIScalingTarget,
			Object: &appautoscaling.Target{Spec: appautoscaling.TargetSpec{ForProvider: appautoscaling.TargetParameters{
				ServiceNamespace:  ptr.To("lambda"),
				ResourceID:        ptr.To(resourceID),
				ScalableDimension: ptr.To("lambda:function:ProvisionedConcurrency"),
				MinCapacity:       ptr.To(float64(pc.Min)),
				MaxCapacity:       ptr.To(float64(pc.Max)),
			}}},
		},
		Desired{
			Name: ResAPIScalingPolicy,
			Object: &appautoscalingv2.Policy{Spec: appautoscalingv2.PolicySpec{ForProvider: appautoscalingv2.PolicyParameters{
				PolicyType:                ptr.To("TargetTrackingScaling"),
				ServiceNamespace:          ptr.To("lambda"),
				ResourceIDSelector:        p.Sel(ResAPIScalingTarget),
				ScalableDimensionSelector: p.Sel(ResAPIScalingTarget),
				TargetTrackingScalingPolicyConfiguration: &appautoscalingv2.TargetTrackingScalingPolicyConfigurationParameters{
					TargetValue: ptr.To(pc.TargetUtilization),
					PredefinedMetricSpecification: &appautoscalingv2.PredefinedMetricSpecificationParameters{
						PredefinedMetricType: ptr.To("LambdaProvisionedConcurrencyUtilization"),
					},
					ScaleInCooldown:  ptr.To(300.0),
					ScaleOutCooldown: ptr.To(60.0),
				},
			}}},
		},
	)
}

// compute is the payment API; the status names the function.
func compute(p *Plan) Part {
	part := Part{Resources: computeResources(p)}
	if p.Spec.API != nil {
		name := p.APIFunctionName()
		part.Status = v1alpha1.XPaymentPlatformStatus{APIFunctionName: name, LambdaFunctionName: name, APIFunctionARN: p.View.Compute.FunctionARN}
	}
	return part
}
