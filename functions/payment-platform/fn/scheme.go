package fn

import (
	"github.com/crossplane/function-sdk-go/resource/composed"
	"k8s.io/apimachinery/pkg/runtime"

	cwlogs "github.com/upbound/provider-aws/v2/apis/cluster/cloudwatchlogs/v1beta1"
	ec2 "github.com/upbound/provider-aws/v2/apis/cluster/ec2/v1beta1"
	ec2v2 "github.com/upbound/provider-aws/v2/apis/cluster/ec2/v1beta2"
	iam "github.com/upbound/provider-aws/v2/apis/cluster/iam/v1beta1"
	kms "github.com/upbound/provider-aws/v2/apis/cluster/kms/v1beta1"
)

// schemeBuilders register every provider-aws group-version the tiers
// compose, so composed.From can name their apiVersion and kind.
var schemeBuilders = []func(*runtime.Scheme) error{
	cwlogs.AddToScheme,
	ec2.AddToScheme,
	ec2v2.AddToScheme,
	iam.AddToScheme,
	kms.AddToScheme,
}

func init() { //nolint:gochecknoinits // composed.Scheme is package-scoped by design of the SDK.
	for _, add := range schemeBuilders {
		if err := add(composed.Scheme); err != nil {
			panic(err) // programming error: a scheme that cannot register
		}
	}
}
