// Package resolve gives provider-aws's generated reference resolvers the
// scheme they need outside the provider. It is apart from awsapis so the
// composition function, which only registers the kinds it composes, links
// neither the reference targets nor the resolver scheme.
package resolve

import (
	"sync"
	_ "unsafe" // for go:linkname

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/acme-payments/xpaymentplatform/internal/awsapis"

	acmpcav1b1 "github.com/upbound/provider-aws/v2/apis/cluster/acmpca/v1beta1"
	acmpcav1b2 "github.com/upbound/provider-aws/v2/apis/cluster/acmpca/v1beta2"
	apigatewayv1b2 "github.com/upbound/provider-aws/v2/apis/cluster/apigateway/v1beta2"
	autoscalingv1b1 "github.com/upbound/provider-aws/v2/apis/cluster/autoscaling/v1beta1"
	autoscalingv1b2 "github.com/upbound/provider-aws/v2/apis/cluster/autoscaling/v1beta2"
	cognitoidpv1b1 "github.com/upbound/provider-aws/v2/apis/cluster/cognitoidp/v1beta1"
	cognitoidpv1b2 "github.com/upbound/provider-aws/v2/apis/cluster/cognitoidp/v1beta2"
	efsv1b1 "github.com/upbound/provider-aws/v2/apis/cluster/efs/v1beta1"
	efsv1b2 "github.com/upbound/provider-aws/v2/apis/cluster/efs/v1beta2"
	firehosev1b2 "github.com/upbound/provider-aws/v2/apis/cluster/firehose/v1beta2"
	kinesisv1b2 "github.com/upbound/provider-aws/v2/apis/cluster/kinesis/v1beta2"
	rdsv1b3 "github.com/upbound/provider-aws/v2/apis/cluster/rds/v1beta3"
	s3v1b1 "github.com/upbound/provider-aws/v2/apis/cluster/s3/v1beta1"
	s3v1b2 "github.com/upbound/provider-aws/v2/apis/cluster/s3/v1beta2"
	secretsmanagerv1b1 "github.com/upbound/provider-aws/v2/apis/cluster/secretsmanager/v1beta1"
	signerv1b1 "github.com/upbound/provider-aws/v2/apis/cluster/signer/v1beta1"
	signerv1b2 "github.com/upbound/provider-aws/v2/apis/cluster/signer/v1beta2"
	sqsv1b1 "github.com/upbound/provider-aws/v2/apis/cluster/sqs/v1beta1"
	vpclatticev1b1 "github.com/upbound/provider-aws/v2/apis/cluster/vpclattice/v1beta1"
)

// resolverTargets are the group-versions, beyond those the platform
// composes, that the generated resolvers of the composed kinds name as
// reference targets (apisresolver.GetManagedResource in their
// zz_generated.resolvers.go): a resolver asks provider-aws's resolver
// scheme for its target type even when the field is unset, so a missing
// target fails resolution.
var resolverTargets = runtime.SchemeBuilder{
	acmpcav1b1.AddToScheme,
	acmpcav1b2.AddToScheme,
	apigatewayv1b2.AddToScheme,
	autoscalingv1b1.AddToScheme,
	autoscalingv1b2.AddToScheme,
	cognitoidpv1b1.AddToScheme,
	cognitoidpv1b2.AddToScheme,
	efsv1b1.AddToScheme,
	efsv1b2.AddToScheme,
	firehosev1b2.AddToScheme,
	kinesisv1b2.AddToScheme,
	rdsv1b3.AddToScheme,
	s3v1b1.AddToScheme,
	s3v1b2.AddToScheme,
	secretsmanagerv1b1.AddToScheme,
	signerv1b1.AddToScheme,
	signerv1b2.AddToScheme,
	sqsv1b1.AddToScheme,
	vpclatticev1b1.AddToScheme,
}

// buildProviderScheme registers types with the scheme provider-aws's
// generated resolvers look reference targets up in. Only the provider
// binary calls it (cmd/provider: apis.BuildScheme(...)); the package is
// internal to provider-aws, hence the linkname.
//
//go:linkname buildProviderScheme github.com/upbound/provider-aws/v2/internal/apis.BuildScheme
func buildProviderScheme(sb runtime.SchemeBuilder) error

// Scheme is the scheme of the typed provider-aws objects the
// platform composes and their reference targets, registered once with
// provider-aws's resolver scheme too, so their generated ResolveReferences
// run outside the provider: the provider simulator resolves references
// with it, and the Terraform converter turns selectors into references.
var Scheme = sync.OnceValues(func() (*runtime.Scheme, error) {
	builders := append(runtime.SchemeBuilder{awsapis.AddToScheme}, resolverTargets...)
	s := runtime.NewScheme()
	if err := builders.AddToScheme(s); err != nil {
		return nil, err
	}
	if err := buildProviderScheme(builders); err != nil {
		return nil, err
	}
	return s, nil
})
