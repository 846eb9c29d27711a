package tfconv

import (
	"encoding/json"
	"fmt"
	"math/big"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
)

// writer writes the HCL of a render's resources, following the Terraform
// provider schema: block types as nested blocks, attributes as attributes.
type writer struct {
	s    *Schema
	f    *hclwrite.File
	vars map[string]bool
	// json is the same configuration in Terraform's JSON syntax:
	// {"resource": {type: {label: {...}}}, "variable": {...}}; nested
	// blocks as arrays of objects, references as "${...}".
	json map[string]map[string]any
}

func newWriter(s *Schema) *writer {
	return &writer{s: s, f: hclwrite.NewEmptyFile(), vars: map[string]bool{}, json: map[string]map[string]any{}}
}

func (w *writer) bytes() []byte { return hclwrite.Format(w.f.Bytes()) }

func (w *writer) jsonBytes() ([]byte, error) {
	b, err := json.MarshalIndent(w.json, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

func (w *writer) resource(typ, label string, params map[string]any) error {
	blk := w.s.Resources[typ]
	if len(w.f.Body().Blocks()) > 0 {
		w.f.Body().AppendNewline()
	}
	b := w.f.Body().AppendNewBlock("resource", []string{typ, label}).Body()
	j, err := w.body(b, params, blk, "")
	if err != nil {
		return err
	}
	if w.json["resource"] == nil {
		w.json["resource"] = map[string]any{}
	}
	byType, _ := w.json["resource"][typ].(map[string]any)
	if byType == nil {
		byType = map[string]any{}
		w.json["resource"][typ] = byType
	}
	byType[label] = j
	return nil
}

// variable declares a sensitive input variable (a secret reference's
// value) once.
func (w *writer) variable(name string) {
	if w.vars[name] {
		return
	}
	w.vars[name] = true
	w.f.Body().AppendNewline()
	b := w.f.Body().AppendNewBlock("variable", []string{name}).Body()
	b.SetAttributeRaw("type", hclwrite.TokensForIdentifier("string"))
	b.SetAttributeValue("sensitive", cty.True)
	if w.json["variable"] == nil {
		w.json["variable"] = map[string]any{}
	}
	w.json["variable"][name] = map[string]any{"type": "string", "sensitive": true}
}

func sortedAttributeNames(b *Block) []string {
	keys := make([]string, 0, len(b.Attributes))
	for k := range b.Attributes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// body writes params into a block body: attributes first, then nested
// blocks; an argument the schema has neither as an attribute nor as a
// block type fails.
func (w *writer) body(b *hclwrite.Body, params map[string]any, blk *Block, path string) (map[string]any, error) {
	out := map[string]any{}
	for _, k := range sortedAttributeNames(blk) {
		if blk.Attributes[k].Required && params[k] == nil {
			p := k
			if path != "" {
				p = path + "." + k
			}
			return nil, fmt.Errorf("required argument %s is missing", p)
		}
	}
	var blocks []string
	for _, k := range sortedKeys(params) {
		p := k
		if path != "" {
			p = path + "." + k
		}
		if a, ok := blk.Attributes[k]; ok {
			if !a.Optional && !a.Required {
				return nil, fmt.Errorf("argument %s is computed-only in the Terraform schema", p)
			}
			t, err := a.attrType()
			if err != nil {
				return nil, fmt.Errorf("argument %s: %w", p, err)
			}
			toks, j, err := w.value(params[k], t, p)
			if err != nil {
				return nil, err
			}
			b.SetAttributeRaw(k, toks)
			out[k] = j
			continue
		}
		if _, ok := blk.BlockTypes[k]; ok {
			blocks = append(blocks, k)
			continue
		}
		return nil, fmt.Errorf("argument %s is not in the Terraform schema (neither an attribute nor a block)", p)
	}
	for _, k := range blocks {
		p := k
		if path != "" {
			p = path + "." + k
		}
		bt := blk.BlockTypes[k]
		var items []any
		switch v := params[k].(type) {
		case []any:
			items = v
		case map[string]any:
			items = []any{v} // a singleton list the CRD embeds as an object
		case nil:
			continue
		default:
			return nil, fmt.Errorf("block %s: got %T, want objects", p, v)
		}
		if bt.MaxItems > 0 && len(items) > bt.MaxItems {
			return nil, fmt.Errorf("block %s: %d blocks, the schema allows %d", p, len(items), bt.MaxItems)
		}
		js := make([]any, 0, len(items))
		for i, it := range items {
			m, ok := it.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("block %s[%d]: got %T, want an object", p, i, it)
			}
			nb := b.AppendNewBlock(k, nil).Body()
			ip := p
			if len(items) > 1 {
				ip = fmt.Sprintf("%s[%d]", p, i)
			}
			j, err := w.body(nb, m, bt.Block, ip)
			if err != nil {
				return nil, err
			}
			js = append(js, j)
		}
		out[k] = js
	}
	return out, nil
}

// value is the expression of v as a value of type t, in HCL and in
// Terraform's JSON syntax.
func (w *writer) value(v any, t *ctyType, path string) (hclwrite.Tokens, any, error) {
	if s, ok := v.(string); ok {
		if m, ok := parseMarker(s); ok {
			tr, err := w.reference(m, path)
			if err != nil {
				return nil, nil, err
			}
			return hclwrite.TokensForTraversal(tr), "${" + traversalString(tr) + "}", nil
		}
	}
	switch t.Kind {
	case "dynamic":
		return w.dynamic(v, path)
	case "string":
		switch x := v.(type) {
		case string:
			return hclwrite.TokensForValue(cty.StringVal(x)), jsonString(x), nil
		case float64, bool:
			// Terraform converts primitives to strings; keep them literal.
			return hclwrite.TokensForValue(cty.StringVal(fmt.Sprint(x))), jsonString(fmt.Sprint(x)), nil
		}
	case "number":
		if x, ok := v.(float64); ok {
			return hclwrite.TokensForValue(cty.NumberVal(new(big.Float).SetFloat64(x))), x, nil
		}
	case "bool":
		if x, ok := v.(bool); ok {
			return hclwrite.TokensForValue(cty.BoolVal(x)), x, nil
		}
	case "list", "set":
		switch x := v.(type) {
		case []any:
			return w.tuple(x, func(int) *ctyType { return t.Elem }, path)
		case map[string]any:
			if t.Elem.Kind == "object" { // a singleton list the CRD embeds as an object
				return w.tuple([]any{x}, func(int) *ctyType { return t.Elem }, path)
			}
		}
	case "tuple":
		if x, ok := v.([]any); ok && len(x) == len(t.Tuple) {
			return w.tuple(x, func(i int) *ctyType { return t.Tuple[i] }, path)
		}
	case "map":
		if x, ok := v.(map[string]any); ok {
			return w.object(x, func(string) *ctyType { return t.Elem }, false, path)
		}
	case "object":
		if x, ok := v.(map[string]any); ok {
			return w.object(x, func(k string) *ctyType { return t.Attrs[k] }, true, path)
		}
	}
	return nil, nil, fmt.Errorf("argument %s: a %T does not fit the Terraform type %s", path, v, t.Kind)
}

func (w *writer) tuple(x []any, elem func(int) *ctyType, path string) (hclwrite.Tokens, any, error) {
	toks := make([]hclwrite.Tokens, 0, len(x))
	js := make([]any, 0, len(x))
	for i, e := range x {
		tk, j, err := w.value(e, elem(i), fmt.Sprintf("%s[%d]", path, i))
		if err != nil {
			return nil, nil, err
		}
		toks = append(toks, tk)
		js = append(js, j)
	}
	return hclwrite.TokensForTuple(toks), js, nil
}

// object is a map (quoted keys) or an object (attribute names) value.
func (w *writer) object(x map[string]any, elem func(string) *ctyType, isObject bool, path string) (hclwrite.Tokens, any, error) {
	attrs := make([]hclwrite.ObjectAttrTokens, 0, len(x))
	js := map[string]any{}
	for _, k := range sortedKeys(x) {
		t := elem(k)
		if t == nil {
			return nil, nil, fmt.Errorf("argument %s.%s is not in the Terraform schema", path, k)
		}
		tk, j, err := w.value(x[k], t, path+"."+k)
		if err != nil {
			return nil, nil, err
		}
		name := hclwrite.TokensForValue(cty.StringVal(k))
		if isObject {
			name = hclwrite.TokensForIdentifier(k)
		}
		attrs = append(attrs, hclwrite.ObjectAttrTokens{Name: name, Value: tk})
		js[k] = j
	}
	return hclwrite.TokensForObject(attrs), js, nil
}

// dynamic is a value of Terraform type any: as it is.
func (w *writer) dynamic(v any, path string) (hclwrite.Tokens, any, error) {
	switch x := v.(type) {
	case string:
		return w.value(x, &ctyType{Kind: "string"}, path)
	case float64:
		return w.value(x, &ctyType{Kind: "number"}, path)
	case bool:
		return w.value(x, &ctyType{Kind: "bool"}, path)
	case []any:
		return w.value(x, &ctyType{Kind: "list", Elem: &ctyType{Kind: "dynamic"}}, path)
	case map[string]any:
		return w.value(x, &ctyType{Kind: "map", Elem: &ctyType{Kind: "dynamic"}}, path)
	case nil:
		return hclwrite.TokensForValue(cty.NullVal(cty.DynamicPseudoType)), nil, nil
	}
	return nil, nil, fmt.Errorf("argument %s: unexpected %T", path, v)
}

// reference is the Terraform reference a placeholder stands for.
func (w *writer) reference(m mark, path string) (hcl.Traversal, error) {
	switch m.kind {
	case markVar:
		return hcl.Traversal{hcl.TraverseRoot{Name: "var"}, hcl.TraverseAttr{Name: m.label}}, nil
	case markExt:
		a, err := w.s.ExternalNameAttribute(m.typ)
		if err != nil {
			return nil, fmt.Errorf("argument %s references the external name of %s.%s: %w", path, m.typ, m.label, err)
		}
		return hcl.Traversal{hcl.TraverseRoot{Name: m.typ}, hcl.TraverseAttr{Name: m.label}, hcl.TraverseAttr{Name: a}}, nil
	case markRef:
		return hcl.Traversal{hcl.TraverseRoot{Name: m.typ}, hcl.TraverseAttr{Name: m.label}, hcl.TraverseAttr{Name: m.attr}}, nil
	}
	return nil, fmt.Errorf("argument %s: unknown placeholder %q", path, m.kind)
}

func traversalString(tr hcl.Traversal) string {
	var sb strings.Builder
	for i, t := range tr {
		if i > 0 {
			sb.WriteByte('.')
		}
		switch x := t.(type) {
		case hcl.TraverseRoot:
			sb.WriteString(x.Name)
		case hcl.TraverseAttr:
			sb.WriteString(x.Name)
		}
	}
	return sb.String()
}

// jsonString is a literal string in Terraform's JSON syntax, where strings
// are templates: "${" and "%{" are escaped by doubling the sign.
func jsonString(s string) string {
	s = strings.ReplaceAll(s, "${", "$${")
	return strings.ReplaceAll(s, "%{", "%%{")
}
