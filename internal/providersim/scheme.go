package providersim

import "github.com/acme-payments/xpaymentplatform/internal/awsapis/resolve"

// typedScheme is the scheme of the typed provider-aws objects whose
// ResolveReferences the simulator runs: every group-version the payment
// platform composes and their reference targets (resolve.Scheme).
// Kinds outside it are simulated without reference resolution.
var typedScheme = resolve.Scheme
