package fn

import (
	"github.com/crossplane/function-sdk-go/resource/composed"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

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
	secretsmanagerv2 "github.com/upbound/provider-aws/v2/apis/cluster/secretsmanager/v1beta2"
	sns "github.com/upbound/provider-aws/v2/apis/cluster/sns/v1beta1"
	wafv2 "github.com/upbound/provider-aws/v2/apis/cluster/wafv2/v1beta1"
)

// schemeBuilders register every provider-aws group-version the tiers
// compose, so composed.From can name their apiVersion and kind.
var schemeBuilders = []func(*runtime.Scheme) error{
	acm.AddToScheme,
	acmv2.AddToScheme,
	appautoscaling.AddToScheme,
	appautoscalingv2.AddToScheme,
	cloudwatch.AddToScheme,
	cloudwatchv2.AddToScheme,
	sns.AddToScheme,
	cwlogs.AddToScheme,
	elbv2.AddToScheme,
	elbv2v2.AddToScheme,
	lambda.AddToScheme,
	lambdav2.AddToScheme,
	route53.AddToScheme,
	route53v2.AddToScheme,
	wafv2.AddToScheme,
	dms.AddToScheme,
	dmsv2.AddToScheme,
	rds.AddToScheme,
	rdsv2.AddToScheme,
	secretsmanagerv2.AddToScheme,
	func(s *runtime.Scheme) error {
		s.AddKnownTypeWithName(ClusterUsageGVK, &ClusterUsage{})
		return nil
	},
	ec2.AddToScheme,
	ec2v2.AddToScheme,
	iam.AddToScheme,
	kms.AddToScheme,
}

// schemeKinds returns the group-version-kind of a typed object.
func schemeKinds(o runtime.Object) (schema.GroupVersionKind, bool, error) {
	gvks, unversioned, err := composed.Scheme.ObjectKinds(o)
	if err != nil || len(gvks) == 0 {
		return schema.GroupVersionKind{}, unversioned, err
	}
	return gvks[0], unversioned, nil
}

func init() { //nolint:gochecknoinits // composed.Scheme is package-scoped by design of the SDK.
	for _, add := range schemeBuilders {
		if err := add(composed.Scheme); err != nil {
			panic(err) // programming error: a scheme that cannot register
		}
	}
}
