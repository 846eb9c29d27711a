package providersim

import (
	"sync"
	_ "unsafe" // for go:linkname

	"k8s.io/apimachinery/pkg/runtime"

	acmpcav2 "github.com/upbound/provider-aws/v2/apis/cluster/acmpca/v1beta2"
	apigatewayv2 "github.com/upbound/provider-aws/v2/apis/cluster/apigateway/v1beta2"
	autoscalingv2 "github.com/upbound/provider-aws/v2/apis/cluster/autoscaling/v1beta2"
	efsv2 "github.com/upbound/provider-aws/v2/apis/cluster/efs/v1beta2"
	s3v2 "github.com/upbound/provider-aws/v2/apis/cluster/s3/v1beta2"
	secretsmanager "github.com/upbound/provider-aws/v2/apis/cluster/secretsmanager/v1beta1"
	sqs "github.com/upbound/provider-aws/v2/apis/cluster/sqs/v1beta1"
	vpclattice "github.com/upbound/provider-aws/v2/apis/cluster/vpclattice/v1beta1"

	"github.com/acme-payments/xpaymentplatform/internal/awsapis"
)

// schemeBuilders are the provider-aws group-versions whose typed
// ResolveReferences the simulator runs. The first is every group-version
// the payment platform composes (internal/awsapis);
// the second the further group-versions those kinds' generated resolvers
// (zz_generated.resolvers.go) name as reference targets: a resolver asks the
// provider's scheme for its target type even when the field is unset, so a
// missing target fails resolution. Kinds outside this list are simulated
// without reference resolution.
var schemeBuilders = runtime.SchemeBuilder{
	awsapis.AddToScheme,

	acmpcav2.AddToScheme,
	apigatewayv2.AddToScheme,
	autoscalingv2.AddToScheme,
	efsv2.AddToScheme,
	s3v2.AddToScheme,
	secretsmanager.AddToScheme,
	sqs.AddToScheme,
	vpclattice.AddToScheme,
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
