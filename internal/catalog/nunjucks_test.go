package catalog

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRender(t *testing.T) {
	ctx := map[string]any{
		"values": map[string]any{
			"name":  "payments-prod",
			"n":     float64(3),
			"half":  0.5,
			"off":   false,
			"empty": "",
			"tags":  map[string]any{"A": "b"},
			"list":  []any{"x", "y"},
			"obj":   map[string]any{},
		},
	}
	cases := map[string]struct {
		tmpl, want string
		err        string
	}{
		"Text":              {tmpl: "plain: text\n", want: "plain: text\n"},
		"Lookup":            {tmpl: "name: ${{ values.name }}", want: "name: payments-prod"},
		"Number":            {tmpl: "${{ values.n }} ${{ values.half }}", want: "3 0.5"},
		"Missing":           {tmpl: "[${{ values.nope }}][${{ values.name.deeper }}][${{ nope.deeper.still }}]", want: "[][][]"},
		"DumpString":        {tmpl: "${{ values.name | dump }}", want: `"payments-prod"`},
		"DumpMap":           {tmpl: "${{ values.tags | dump }}", want: `{"A":"b"}`},
		"DumpList":          {tmpl: "${{ values.list | dump }}", want: `["x","y"]`},
		"DumpFalse":         {tmpl: "${{ values.off | dump }}", want: "false"},
		"DumpUndefined":     {tmpl: "[${{ values.nope | dump }}]", want: "[]"},
		"DumpNoHTMLEscape":  {tmpl: `${{ "a<b>&c" | dump }}`, want: `"a<b>&c"`},
		"Length":            {tmpl: "${{ values.tags | length }} ${{ values.list | length }} ${{ values.nope | length }}", want: "1 2 0"},
		"IfDefined":         {tmpl: "{% if values.off is defined %}yes{% endif %}", want: "yes"},
		"IfNotDefined":      {tmpl: "{% if values.nope is defined %}yes{% else %}no{% endif %}", want: "no"},
		"IsNotDefined":      {tmpl: "{% if values.nope is not defined %}absent{% endif %}", want: "absent"},
		"IsUndefined":       {tmpl: "{% if values.nope is undefined %}absent{% endif %}", want: "absent"},
		"TruthyFalse":       {tmpl: "{% if values.off %}yes{% else %}no{% endif %}", want: "no"},
		"TruthyEmptyString": {tmpl: "{% if values.empty %}yes{% else %}no{% endif %}", want: "no"},
		"TruthyEmptyObject": {tmpl: "{% if values.obj %}yes{% else %}no{% endif %}", want: "yes"},
		"OrAnd":             {tmpl: "{% if values.nope is defined or values.name is defined and not values.off %}yes{% endif %}", want: "yes"},
		"Parens":            {tmpl: "{% if (values.nope is defined or values.off) and values.name %}yes{% else %}no{% endif %}", want: "no"},
		"InlineIf":          {tmpl: "${{ values.name if values.n }}", want: "payments-prod"},
		"InlineIfFalse":     {tmpl: "[${{ values.name if values.off }}]", want: "[]"},
		"InlineIfElse":      {tmpl: "${{ values.name if values.off else 'other' }}", want: "other"},
		"NestedIf":          {tmpl: "{% if values.name %}a{% if values.off %}b{% else %}c{% endif %}d{% endif %}", want: "acd"},
		"Comment":           {tmpl: "{# not rendered #}kept", want: "kept"},
		"TrimBefore":        {tmpl: "spec:\n  \n{%- if values.name %}\n  name: x\n{%- endif %}\n", want: "spec:\n  name: x\n"},
		"TrimAfter":         {tmpl: "a {%- if values.name -%}   \n b{% endif %}", want: "ab"},
		"TrimSkipped":       {tmpl: "spec:\n{%- if values.nope is defined %}\n  nope: x\n{%- endif %}\n", want: "spec:\n"},
		"UnknownFilter":     {tmpl: "${{ values.name | upper }}", err: `unsupported filter "upper"`},
		"FilterArgs":        {tmpl: "${{ values.tags | dump(2) }}", err: "filter arguments"},
		"UnknownTag":        {tmpl: "{% for x in values.list %}{% endfor %}", err: "unsupported tag"},
		"UnclosedIf":        {tmpl: "{% if values.name %}x", err: "without endif"},
		"StrayEndif":        {tmpl: "x{% endif %}", err: "unexpected"},
		"Unclosed":          {tmpl: "${{ values.name", err: "unclosed"},
		"PrintObject":       {tmpl: "${{ values.tags }}", err: "without dump"},
		"UnknownTest":       {tmpl: "{% if values.n is odd %}{% endif %}", err: `unsupported test "odd"`},
		"Comparison":        {tmpl: "{% if values.n == 3 %}{% endif %}", err: "unsupported character"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := Render(tc.tmpl, ctx)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("Render error %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("Render = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestRenderInput: a step input renders like the scaffolder's workflow
// runner renders it.
func TestRenderInput(t *testing.T) {
	ctx := map[string]any{"parameters": map[string]any{
		"name": "payments-prod", "n": float64(2), "on": true, "off": false,
		"network": map[string]any{"vpcCidr": "10.20.0.0/16"},
		"list":    []any{"a"},
	}}
	cases := map[string]struct {
		in   any
		want any
	}{
		"KeepsString":    {in: "${{ parameters.name }}", want: "payments-prod"},
		"KeepsNumber":    {in: "${{ parameters.n }}", want: float64(2)},
		"KeepsBool":      {in: "${{ parameters.off }}", want: false},
		"KeepsObject":    {in: "${{ parameters.network }}", want: map[string]any{"vpcCidr": "10.20.0.0/16"}},
		"KeepsList":      {in: "${{ parameters.list }}", want: []any{"a"}},
		"Interpolates":   {in: "x/${{ parameters.name }}/${{ parameters.n }}", want: "x/payments-prod/2"},
		"Literal":        {in: "./skeleton", want: "./skeleton"},
		"NonString":      {in: float64(7), want: float64(7)},
		"InlineIfOn":     {in: "${{ parameters.network if parameters.on }}", want: map[string]any{"vpcCidr": "10.20.0.0/16"}},
		"InlineIfOff":    {in: "${{ parameters.network if parameters.off }}", want: ""},
		"InlineIfUnset":  {in: "${{ parameters.network if parameters.unset }}", want: ""},
		"UndefinedGoes":  {in: map[string]any{"a": "${{ parameters.nope }}", "b": "${{ parameters.name }}"}, want: map[string]any{"b": "payments-prod"}},
		"EmptyTextGoes":  {in: map[string]any{"a": "${{ parameters.nope }}${{ parameters.nope }}", "b": "x"}, want: map[string]any{"b": "x"}},
		"NestedMaps":     {in: map[string]any{"spec": map[string]any{"n": "${{ parameters.n }}", "x": "${{ parameters.x }}"}}, want: map[string]any{"spec": map[string]any{"n": float64(2)}}},
		"ListOfStrings":  {in: []any{"${{ parameters.name }}", "lit"}, want: []any{"payments-prod", "lit"}},
		"EmptyMapStays":  {in: map[string]any{"spec": map[string]any{"x": "${{ parameters.x }}"}}, want: map[string]any{"spec": map[string]any{}}},
		"WhitespaceText": {in: " ${{ parameters.n }}", want: " 2"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := RenderInput(tc.in, ctx)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("RenderInput -want +got:\n%s", diff)
			}
		})
	}
}
