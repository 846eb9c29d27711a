package providersim

import "github.com/acme-payments/xpaymentplatform/internal/forcenew"

func init() { //nolint:gochecknoinits // wires the generated table into defaultForceNew
	forceNewTable = func(apiVersion, kind string, state, desired map[string]any) (string, bool, bool) {
		r, ok := forcenew.For(apiVersion, kind)
		if !ok {
			return "", false, false
		}
		changes := r.Changes(state, desired)
		if len(changes) == 0 {
			return "", false, true
		}
		return asyncRefusal(r.RefuseMessage(changes)), true, true
	}
}
