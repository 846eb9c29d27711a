package providersim

import "testing"

func TestAsyncRefusal(t *testing.T) {
	cases := map[string]struct{ in, want string }{
		"SDK": {
			in:   `update failed: refuse to update the external resource because the following update requires replacing it: cannot change the value of the argument "cidr_block" from "a" to "b"`,
			want: `update failed: async update failed: refuse to update the external resource because the following update requires replacing it: cannot change the value of the argument "cidr_block" from "a" to "b"`,
		},
		"Framework": {
			in:   `update failed: diff contains fields that require resource replacement: diff contains fields that require resource replacement: AttributeName("cidr_ipv4"), `,
			want: `update failed: async update failed: diff contains fields that require resource replacement: diff contains fields that require resource replacement: AttributeName("cidr_ipv4"), `,
		},
		"AlreadyAsync": {
			in:   `update failed: async update failed: refuse to update`,
			want: `update failed: async update failed: refuse to update`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := asyncRefusal(tc.in); got != tc.want {
				t.Errorf("asyncRefusal(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
		})
	}
}

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
			got, refused := invocationForceNew(state, tc.desired)
			if refused != (tc.want != "") || got != tc.want {
				t.Errorf("got (%q, %t)\nwant %q", got, refused, tc.want)
			}
		})
	}
}
