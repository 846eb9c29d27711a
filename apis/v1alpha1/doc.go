// Package v1alpha1 holds the Go types of the XPaymentPlatform composite
// resource and its PaymentPlatform claim. These types are the one source of
// truth for the XRD's OpenAPI schema: `make generate` runs controller-gen over
// this package and turns the resulting CRD into
// apis/xpaymentplatforms/definition.yaml.
//
// +kubebuilder:object:generate=false
// +groupName=platform.payments.io
// +versionName=v1alpha1
package v1alpha1

// Group, version and kinds of the API.
const (
	Group     = "platform.payments.io"
	Version   = "v1alpha1"
	Kind      = "XPaymentPlatform"
	ClaimKind = "PaymentPlatform"
)

// APIVersion is the apiVersion string of the XR and the claim.
const APIVersion = Group + "/" + Version
