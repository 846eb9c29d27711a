package providersim

import (
	"sync"
	_ "unsafe" // for go:linkname

	"k8s.io/apimachinery/pkg/runtime"

	acm "github.com/upbound/provider-aws/v2/apis/cluster/acm/v1beta1"
	acmv2 "github.com/upbound/provider-aws/v2/apis/cluster/acm/v1beta2"
	acmpcav2 "github.com/upbound/provider-aws/v2/apis/cluster/acmpca/v1beta2"
	apigatewayv2 "github.com/upbound/provider-aws/v2/apis/cluster/apigateway/v1beta2"
	appautoscaling "github.com/upbound/provider-aws/v2/apis/cluster/appautoscaling/v1beta1"
	appautoscalingv2 "github.com/upbound/provider-aws/v2/apis/cluster/appautoscaling/v1beta2"
	autoscalingv2 "github.com/upbound/provider-aws/v2/apis/cluster/autoscaling/v1beta2"
	cloudwatch "github.com/upbound/provider-aws/v2/apis/cluster/cloudwatch/v1beta1"
	cloudwatchv2 "github.com/upbound/provider-aws/v2/apis/cluster/cloudwatch/v1beta2"
	cwlogs "github.com/upbound/provider-aws/v2/apis/cluster/cloudwatchlogs/v1beta1"
	dms "github.com/upbound/provider-aws/v2/apis/cluster/dms/v1beta1"
	dmsv2 "github.com/upbound/provider-aws/v2/apis/cluster/dms/v1beta2"
	ec2 "github.com/upbound/provider-aws/v2/apis/cluster/ec2/v1beta1"
	ec2v2 "github.com/upbound/provider-aws/v2/apis/cluster/ec2/v1beta2"
	efsv2 "github.com/upbound/provider-aws/v2/apis/cluster/efs/v1beta2"
	elbv2 "github.com/upbound/provider-aws/v2/apis/cluster/elbv2/v1beta1"
	elbv2v2 "github.com/upbound/provider-aws/v2/apis/cluster/elbv2/v1beta2"
	iam "github.com/upbound/provider-aws/v2/apis/cluster/iam/v1beta1"
	kms "github.com/upbound/provider-aws/v2/apis/cluster/kms/v1beta1"
	lambda "github.com/upbound/provider-aws/v2/apis/cluster/lambda/v1beta1"
	lambdav2 "github.com/upbound/provider-aws/v2/apis/cluster/lambda/v1beta2"
	rds "github.com/upbound/provider-aws/v2/apis/cluster/rds/v1beta1"
	rdsv2 "github.com/upbound/provider-aws/v2/apis/cluster/rds/v1beta2"
	route53 "github.com/upbound/provider-aws/v2/apis/cluster/route53/v1beta1"
	route53v2 "github.com/upbound/provider-aws/v2/apis/cluster/route53/v1beta2"
	s3v2 "github.com/upbound/provider-aws/v2/apis/cluster/s3/v1beta2"
	secretsmanager "github.com/upbound/provider-aws/v2/apis/cluster/secretsmanager/v1beta1"
	secretsmanagerv2 "github.com/upbound/provider-aws/v2/apis/cluster/secretsmanager/v1beta2"
	sns "github.com/upbound/provider-aws/v2/apis/cluster/sns/v1beta1"
	sqs "github.com/upbound/provider-aws/v2/apis/cluster/sqs/v1beta1"
	wafv2 "github.com/upbound/provider-aws/v2/apis/cluster/wafv2/v1beta1"
)

// schemeBuilders are the provider-aws group-versions whose typed
// ResolveReferences the simulator runs. The first block is every group-version
// the payment-platform function composes (functions/payment-platform/fn/scheme.go);
// the second the further group-versions those kinds' generated resolvers
// (zz_generated.resolvers.go) name as reference targets: a resolver asks the
// provider's scheme for its target type even when the field is unset, so a
// missing target fails resolution. Kinds outside this list are simulated
// without reference resolution.
var schemeBuilders = runtime.SchemeBuilder{
	acm.AddToScheme, acmv2.AddToScheme,
	appautoscaling.AddToScheme, appautoscalingv2.AddToScheme,
	cloudwatch.AddToScheme, cloudwatchv2.AddToScheme,
	cwlogs.AddToScheme,
	dms.AddToScheme, dmsv2.AddToScheme,
	ec2.AddToScheme, ec2v2.AddToScheme,
	elbv2.AddToScheme, elbv2v2.AddToScheme,
	iam.AddToScheme,
	kms.AddToScheme,
	lambda.AddToScheme, lambdav2.AddToScheme,
	rds.AddToScheme, rdsv2.AddToScheme,
	route53.AddToScheme, route53v2.AddToScheme,
	secretsmanagerv2.AddToScheme,
	sns.AddToScheme,
	wafv2.AddToScheme,

	acmpcav2.AddToScheme,
	apigatewayv2.AddToScheme,
	autoscalingv2.AddToScheme,
	efsv2.AddToScheme,
	s3v2.AddToScheme,
	secretsmanager.AddToScheme,
	sqs.AddToScheme,
}

// buildProviderScheme registers types with the scheme the generated
// resolvers look reference targets up in. Only the provider binary calls it
// (cmd/provider: apis.BuildScheme(...)); the package is internal to
// provider-aws, hence the linkname.
//
//go:linkname buildProviderScheme github.com/upbound/provider-aws/v2/internal/apis.BuildScheme
func buildProviderScheme(sb runtime.SchemeBuilder) error

var (
	schemeOnce sync.Once
	scheme     *runtime.Scheme
	schemeErr  error
)

// typedScheme returns the simulator's scheme of typed provider-aws objects,
// registering the same types with provider-aws's resolver scheme once.
func typedScheme() (*runtime.Scheme, error) {
	schemeOnce.Do(func() {
		s := runtime.NewScheme()
		if schemeErr = schemeBuilders.AddToScheme(s); schemeErr != nil {
			return
		}
		if schemeErr = buildProviderScheme(schemeBuilders); schemeErr != nil {
			return
		}
		scheme = s
	})
	return scheme, schemeErr
}
