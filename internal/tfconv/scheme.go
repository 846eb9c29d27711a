package tfconv

import "github.com/acme-payments/xpaymentplatform/internal/awsapis/resolve"

// typedScheme is the scheme of the typed provider-aws objects the converter
// decodes and resolves references of (resolve.Scheme).
var typedScheme = resolve.Scheme
