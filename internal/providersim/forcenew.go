package providersim

import "github.com/acme-payments/xpaymentplatform/internal/forcenew"

// ForceNew decides whether an update must be refused because Terraform
// would replace the resource.
type ForceNew interface {
	// Refusal returns the Synced condition's message of the refused update
	// (upjet's, "update failed: async update failed: refuse to update the
	// external resource because the following update requires replacing
	// it: ...") when changing state (status.atProvider) to desired (the
	// resolved spec.forProvider parameters) changes an argument that forces
	// a new resource.
	Refusal(apiVersion, kind string, state, desired map[string]any) (string, bool)
}

// ForceNewFunc adapts a function to ForceNew.
type ForceNewFunc func(apiVersion, kind string, state, desired map[string]any) (string, bool)

// Refusal calls f.
func (f ForceNewFunc) Refusal(apiVersion, kind string, state, desired map[string]any) (string, bool) {
	return f(apiVersion, kind, state, desired)
}

// errXPUpdate is crossplane-runtime's wrapping of a failed update
// (errReconcileUpdate).
const errXPUpdate = "update failed"

// defaultForceNew refuses what internal/forcenew's table says replaces the
// resource: generated from the Terraform schemas provider-aws v2.5.0 is
// built from, with their CustomizeDiff rules (aws_lambda_invocation's input
// under lifecycle_scope CREATE_ONLY among them). A kind the table lacks is
// never refused.
func defaultForceNew() ForceNew {
	return ForceNewFunc(func(apiVersion, kind string, state, desired map[string]any) (string, bool) {
		r, ok := forcenew.For(apiVersion, kind)
		if !ok {
			return "", false
		}
		changes := r.Changes(state, desired)
		if len(changes) == 0 {
			return "", false
		}
		return r.RefuseMessage(changes), true
	})
}
