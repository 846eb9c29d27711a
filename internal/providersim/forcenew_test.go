package providersim

import "testing"

// TestInvocationForceNew: aws_lambda_invocation's schema (function_name,
// qualifier and triggers are ForceNew) and CustomizeDiff (input is ForceNew
// under lifecycle_scope CREATE_ONLY), through internal/forcenew's table.
func TestInvocationForceNew(t *testing.T) {
	state := map[string]any{"functionName": "f", "qualifier": "$LATEST", "input": `{"a":1}`, "lifecycleScope": "CREATE_ONLY", "triggers": map[string]any{"v": "1"}}
	const prefix = "update failed: async update failed: refuse to update the external resource because the following update requires replacing it: "
	cases := map[string]struct {
		desired map[string]any
		want    string // "" for no refusal
	}{
		"Unchanged":          {map[string]any{"functionName": "f", "input": `{"a":1}`, "triggers": map[string]any{"v": "1"}}, ""},
		"InputUnderCreate":   {map[string]any{"functionName": "f", "input": `{"a":2}`, "triggers": map[string]any{"v": "1"}}, prefix + `cannot change the value of the argument "input" from "{\"a\":1}" to "{\"a\":2}"`},
		"InputUnderCRUD":     {map[string]any{"functionName": "f", "input": `{"a":2}`, "lifecycleScope": "CRUD", "triggers": map[string]any{"v": "1"}}, ""},
		"TriggerUnderCRUD":   {map[string]any{"functionName": "f", "input": `{"a":1}`, "lifecycleScope": "CRUD", "triggers": map[string]any{"v": "2"}}, prefix + `cannot change the value of the argument "triggers.v" from "1" to "2"`},
		"NewTrigger":         {map[string]any{"functionName": "f", "input": `{"a":1}`, "triggers": map[string]any{"v": "1", "w": "1"}}, prefix + `cannot change the value of the argument "triggers.%" from "1" to "2"`},
		"OtherFunction":      {map[string]any{"functionName": "g", "input": `{"a":1}`, "triggers": map[string]any{"v": "1"}}, prefix + `cannot change the value of the argument "function_name" from "f" to "g"`},
		"QualifierToVersion": {map[string]any{"functionName": "f", "qualifier": "3", "input": `{"a":1}`, "triggers": map[string]any{"v": "1"}}, prefix + `cannot change the value of the argument "qualifier" from "$LATEST" to "3"`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, refused := defaultForceNew().Refusal("lambda.aws.upbound.io/v1beta1", "Invocation", state, tc.desired)
			if refused != (tc.want != "") || got != tc.want {
				t.Errorf("got (%q, %t)\nwant %q", got, refused, tc.want)
			}
		})
	}
}
