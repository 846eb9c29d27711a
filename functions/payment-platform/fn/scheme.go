package fn

import (
	protectionv1beta1 "github.com/crossplane/crossplane/v2/apis/protection/v1beta1"
	"github.com/crossplane/function-sdk-go/resource/composed"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/acme-payments/xpaymentplatform/internal/awsapis"
)

// schemeBuilders register every provider-aws group-version the tiers
// compose, so composed.From can name their apiVersion and kind.
var schemeBuilders = []func(*runtime.Scheme) error{
	awsapis.AddToScheme,
	protectionv1beta1.AddToScheme,
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
