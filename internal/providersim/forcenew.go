package providersim

import (
	"fmt"
	"sort"
	"strings"

	"github.com/pkg/errors"
)

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

// The wrapping of a refusal, from the inside out: upjet's
// terraformPluginSDKExternal.Update, its async connector
// (tferrors.NewAsyncUpdateFailed) and APICallbacks (errXPReconcileUpdate).
const (
	errRefuseReplace = "refuse to update the external resource because the following update requires replacing it"
	errAsyncUpdate   = "async update failed"
	errXPUpdate      = "update failed"
)

// refuseMessage is upjet's message for one ForceNew change; upjet reports
// the first ForceNew attribute of the Terraform diff (assertNoForceNew).
func refuseMessage(attr, from, to string) string {
	err := errors.Errorf("cannot change the value of the argument %q from %q to %q", attr, from, to)
	return errors.Wrap(errors.Wrap(errors.Wrap(err, errRefuseReplace), errAsyncUpdate), errXPUpdate).Error()
}

// forceNewTable looks a kind up in internal/forcenew's table, generated
// from the Terraform schemas provider-aws v2.5.0 is built from (wired in
// forcenew_table.go); known is false for a kind the table lacks.
var forceNewTable func(apiVersion, kind string, state, desired map[string]any) (msg string, refuse, known bool)

// defaultForceNew refuses what internal/forcenew's table says replaces the
// resource; for an Invocation the table does not know it applies
// aws_lambda_invocation's rules itself.
func defaultForceNew() ForceNew {
	return ForceNewFunc(func(apiVersion, kind string, state, desired map[string]any) (string, bool) {
		if forceNewTable != nil {
			if msg, refuse, known := forceNewTable(apiVersion, kind, state, desired); known {
				return msg, refuse
			}
		}
		if kind == "Invocation" && strings.HasPrefix(apiVersion, "lambda.aws.upbound.io/") {
			return invocationForceNew(state, desired)
		}
		return "", false
	})
}

// asyncRefusal puts the async connector's wrapping into a refusal message
// that lacks it: every provider-aws v2.5.0 controller uses upjet's async
// connectors (NewTerraformPluginSDKAsyncConnector,
// NewTerraformPluginFrameworkAsyncConnector), whose Update runs in a
// goroutine and reports through tferrors.NewAsyncUpdateFailed.
func asyncRefusal(msg string) string {
	const p = errXPUpdate + ": "
	if strings.HasPrefix(msg, p) && !strings.HasPrefix(msg, p+errAsyncUpdate+": ") {
		return p + errAsyncUpdate + ": " + strings.TrimPrefix(msg, p)
	}
	return msg
}

// invocationForceNew is aws_lambda_invocation's schema (function_name,
// qualifier and triggers are ForceNew) and CustomizeDiff
// (customizeDiffInputChangeWithCreateOnlyScope: input is ForceNew under
// lifecycle_scope CREATE_ONLY).
func invocationForceNew(state, desired map[string]any) (string, bool) {
	str := func(m map[string]any, k, def string) string {
		if s, ok := m[k].(string); ok {
			return s
		}
		return def
	}
	for _, a := range []struct{ key, attr, def string }{{"functionName", "function_name", ""}, {"qualifier", "qualifier", "$LATEST"}} {
		if _, set := desired[a.key]; !set && a.def == "" {
			continue
		}
		if from, to := str(state, a.key, a.def), str(desired, a.key, a.def); from != to {
			return refuseMessage(a.attr, from, to), true
		}
	}
	if attr, from, to, ok := triggersChange(state["triggers"], desired["triggers"]); ok {
		return refuseMessage(attr, from, to), true
	}
	scope := str(desired, "lifecycleScope", str(state, "lifecycleScope", scopeCreateOnly))
	if from, to := str(state, "input", ""), str(desired, "input", ""); scope == scopeCreateOnly && from != to {
		return refuseMessage("input", from, to), true
	}
	return "", false
}

// triggersChange is the first changed Terraform attribute of the triggers
// map: "triggers.%" when the number of keys changes, else "triggers.<key>".
func triggersChange(state, desired any) (attr, from, to string, changed bool) {
	s, _ := state.(map[string]any)
	d, _ := desired.(map[string]any)
	if len(s) != len(d) {
		return "triggers.%", fmt.Sprint(len(s)), fmt.Sprint(len(d)), true
	}
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if fmt.Sprint(s[k]) != fmt.Sprint(d[k]) {
			from, _ := s[k].(string)
			to, _ := d[k].(string)
			return "triggers." + k, from, to, true
		}
	}
	return "", "", "", false
}
