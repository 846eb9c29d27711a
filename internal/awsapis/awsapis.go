// Package awsapis lists the provider-aws v2.5.0 cluster-scoped API
// group-versions the payment platform composes: the function registers them
// to convert its typed resources, the provider simulator to resolve their
// references, and the ForceNew generator to reflect over their parameters.
package awsapis

import (
	"k8s.io/apimachinery/pkg/runtime"

	acm "github.com/upbound/provider-aws/v2/apis/cluster/acm/v1beta1"
	acmv2 "github.com/upbound/provider-aws/v2/apis/cluster/acm/v1beta2"
	appautoscaling "github.com/upbound/provider-aws/v2/apis/cluster/appautoscaling/v1beta1"
	appautoscalingv2 "github.com/upbound/provider-aws/v2/apis/cluster/appautoscaling/v1beta2"
	cloudwatch "github.com/upbound/provider-aws/v2/apis/cluster/cloudwatch/v1beta1"
	cloudwatchv2 "github.com/upbound/provider-aws/v2/apis/cluster/cloudwatch/v1beta2"
	cwlogs "github.com/upbound/provider-aws/v2/apis/cluster/cloudwatchlogs/v1beta1"
	dms "github.com/upbound/provider-aws/v2/apis/cluster/dms/v1beta1"
	dmsv2 "github.com/upbound/provider-aws/v2/apis/cluster/dms/v1beta2"
	ec2 "github.com/upbound/provider-aws/v2/apis/cluster/ec2/v1beta1"
	ec2v2 "github.com/upbound/provider-aws/v2/apis/cluster/ec2/v1beta2"
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
	route53resolver "github.com/upbound/provider-aws/v2/apis/cluster/route53resolver/v1beta1"
	secretsmanager "github.com/upbound/provider-aws/v2/apis/cluster/secretsmanager/v1beta1"
	secretsmanagerv2 "github.com/upbound/provider-aws/v2/apis/cluster/secretsmanager/v1beta2"
	sns "github.com/upbound/provider-aws/v2/apis/cluster/sns/v1beta1"
	wafv2 "github.com/upbound/provider-aws/v2/apis/cluster/wafv2/v1beta1"
)

// SchemeBuilder registers every provider-aws group-version the platform
// composes.
var SchemeBuilder = runtime.SchemeBuilder{
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
	route53.AddToScheme, route53v2.AddToScheme, route53resolver.AddToScheme,
	secretsmanager.AddToScheme, secretsmanagerv2.AddToScheme,
	sns.AddToScheme,
	wafv2.AddToScheme,
}

// AddToScheme registers them with a scheme.
func AddToScheme(s *runtime.Scheme) error { return SchemeBuilder.AddToScheme(s) }
