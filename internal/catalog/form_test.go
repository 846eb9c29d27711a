package catalog

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"
)

// testPages is a small form in the generated shape: a page with required
// scalars, a page with an object group with defaults, a page with an
// optional group behind a toggle.
const testPages = `
- title: Platform
  required: [name]
  properties:
    name: {type: string, pattern: '^[a-z]+$', maxLength: 5}
    size: {type: integer, default: 3, minimum: 2, maximum: 3}
    mode: {type: string, enum: [A, B]}
    tags: {type: object, maxProperties: 1, additionalProperties: {type: string}}
- title: Network
  properties:
    network:
      type: object
      properties:
        cidr: {type: string, default: 10.0.0.0/16}
        zones: {type: array, maxItems: 2, items: {type: string, pattern: '^z'}}
        inner:
          type: object
          properties:
            ratio: {type: number, default: 0.5, multipleOf: 0.5}
- title: Migration
  properties:
    configureMigration: {type: boolean, default: false}
  dependencies:
    configureMigration:
      oneOf:
        - properties:
            configureMigration: {const: false}
        - properties:
            configureMigration: {const: true}
            migration:
              type: object
              required: [host]
              properties:
                host: {type: string, minLength: 1}
                port: {type: integer, default: 5432}
          required: [migration]
`

func pages(t *testing.T) []map[string]any {
	t.Helper()
	var p []map[string]any
	if err := yaml.Unmarshal([]byte(testPages), &p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFormData(t *testing.T) {
	cases := map[string]struct {
		input, want string
	}{
		"Defaults": {
			input: `{name: abc}`,
			want:  `{name: abc, size: 3, network: {cidr: 10.0.0.0/16, inner: {ratio: 0.5}}, configureMigration: false}`,
		},
		"UserValuesWin": {
			input: `{name: abc, size: 2, network: {cidr: 10.1.0.0/16, inner: {ratio: 1}}}`,
			want:  `{name: abc, size: 2, network: {cidr: 10.1.0.0/16, inner: {ratio: 1}}, configureMigration: false}`,
		},
		"ToggleOnFillsGroupDefaults": {
			input: `{name: abc, configureMigration: true, migration: {host: db}}`,
			want:  `{name: abc, size: 3, network: {cidr: 10.0.0.0/16, inner: {ratio: 0.5}}, configureMigration: true, migration: {host: db, port: 5432}}`,
		},
		"ToggleOnCreatesGroup": {
			input: `{name: abc, configureMigration: true}`,
			want:  `{name: abc, size: 3, network: {cidr: 10.0.0.0/16, inner: {ratio: 0.5}}, configureMigration: true, migration: {port: 5432}}`,
		},
		"ToggleOffLeavesGroupAlone": {
			input: `{name: abc, migration: {host: db}}`,
			want:  `{name: abc, size: 3, network: {cidr: 10.0.0.0/16, inner: {ratio: 0.5}}, configureMigration: false, migration: {host: db}}`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			in, want := map[string]any{}, map[string]any{}
			if err := yaml.Unmarshal([]byte(tc.input), &in); err != nil {
				t.Fatal(err)
			}
			if err := yaml.Unmarshal([]byte(tc.want), &want); err != nil {
				t.Fatal(err)
			}
			got, err := FormData(pages(t), in)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("FormData -want +got:\n%s", diff)
			}
		})
	}
}

func TestValidateForm(t *testing.T) {
	cases := map[string]struct {
		data string
		want []string
	}{
		"Valid":           {data: `{name: abc, size: 2, mode: A, tags: {k: v}, network: {zones: [za], inner: {ratio: 1.5}}}`},
		"Required":        {data: `{size: 2}`, want: []string{"name: is required"}},
		"Pattern":         {data: `{name: Abc}`, want: []string{"name: must match ^[a-z]+$"}},
		"MaxLength":       {data: `{name: abcdef}`, want: []string{"name: must be at most 5 characters"}},
		"Type":            {data: `{name: abc, size: two}`, want: []string{"size: must be integer, got string"}},
		"Integer":         {data: `{name: abc, size: 2.5}`, want: []string{"size: must be integer, got float64"}},
		"Range":           {data: `{name: abc, size: 4}`, want: []string{"size: must be <= 3"}},
		"Enum":            {data: `{name: abc, mode: C}`, want: []string{"mode: must be one of [A B]"}},
		"MaxProperties":   {data: `{name: abc, tags: {a: b, c: d}}`, want: []string{"tags: must have at most 1 entries"}},
		"MapValueType":    {data: `{name: abc, tags: {a: 1}}`, want: []string{"tags.a: must be string, got float64"}},
		"Items":           {data: `{name: abc, network: {zones: [za, b]}}`, want: []string{"network.zones[1]: must match ^z"}},
		"MaxItems":        {data: `{name: abc, network: {zones: [za, zb, zc]}}`, want: []string{"network.zones: must have at most 2 items"}},
		"MultipleOf":      {data: `{name: abc, network: {inner: {ratio: 0.7}}}`, want: []string{"network.inner.ratio: must be a multiple of 0.5"}},
		"ToggleOnNeeds":   {data: `{name: abc, configureMigration: true}`, want: []string{"migration: is required"}},
		"ToggleOnInner":   {data: `{name: abc, configureMigration: true, migration: {port: 1}}`, want: []string{"migration.host: is required"}},
		"ToggleOffIgnore": {data: `{name: abc, configureMigration: false, migration: {port: x}}`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			data := map[string]any{}
			if err := yaml.Unmarshal([]byte(tc.data), &data); err != nil {
				t.Fatal(err)
			}
			got, err := ValidateForm(pages(t), data)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ValidateForm -want +got:\n%s", diff)
			}
		})
	}
}

// TestValidateFormUnknownKeyword: a keyword the semantics do not implement
// is an error, not silently accepted.
func TestValidateFormUnknownKeyword(t *testing.T) {
	p := []map[string]any{{"properties": map[string]any{"x": map[string]any{"type": "string", "format": "email"}}}}
	_, err := ValidateForm(p, map[string]any{"x": "a"})
	if err == nil || !strings.Contains(err.Error(), `"format"`) {
		t.Errorf("ValidateForm error %v, want one naming format", err)
	}
}
