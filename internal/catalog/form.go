package catalog

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"
)

// This file gives a template's parameters the semantics the scaffolder's
// form (react-jsonschema-form with its ajv validator) gives them, for the
// JSON Schema subset the generator emits: the defaults the form fills in
// and the validation it runs before the template can be executed. Schema
// keywords outside the subset are an error, so a generated form using one
// cannot pass the tests unchecked.

// keywords the form semantics implement; ui: keywords only change widgets.
var formKeywords = map[string]bool{
	"type": true, "title": true, "description": true, "default": true, "enum": true, "const": true,
	"pattern": true, "minLength": true, "maxLength": true, "minimum": true, "maximum": true,
	"exclusiveMinimum": true, "exclusiveMaximum": true, "multipleOf": true, "items": true,
	"minItems": true, "maxItems": true, "properties": true, "required": true, "additionalProperties": true,
	"minProperties": true, "maxProperties": true, "dependencies": true, "oneOf": true,
}

// resolve returns an object schema with its dependencies resolved against
// data, as the form does: for every dependency whose property is set, the
// oneOf branch whose const matches it contributes its properties and
// required list.
func resolve(schema map[string]any, data map[string]any) (map[string]any, error) {
	deps, _ := schema["dependencies"].(map[string]any)
	if len(deps) == 0 {
		return schema, nil
	}
	out := map[string]any{}
	for k, v := range schema {
		if k != "dependencies" {
			out[k] = v
		}
	}
	props := map[string]any{}
	if p, ok := schema["properties"].(map[string]any); ok {
		for k, v := range p {
			props[k] = v
		}
	}
	required := toStrings(schema["required"])
	for _, key := range sortedKeys(deps) {
		dep, _ := deps[key].(map[string]any)
		branches, ok := dep["oneOf"].([]any)
		if !ok {
			return nil, fmt.Errorf("dependency %s: only oneOf dependencies are supported", key)
		}
		val, set := data[key]
		if !set {
			continue
		}
		matched := 0
		for _, b := range branches {
			br, _ := b.(map[string]any)
			bp, _ := br["properties"].(map[string]any)
			ks, _ := bp[key].(map[string]any)
			c, ok := ks["const"]
			if !ok {
				return nil, fmt.Errorf("dependency %s: every oneOf branch needs a const for %s", key, key)
			}
			if !equalJSON(c, val) {
				continue
			}
			matched++
			for k, v := range bp {
				if k != key {
					props[k] = v
				}
			}
			required = append(required, toStrings(br["required"])...)
		}
		if matched != 1 {
			return nil, fmt.Errorf("dependency %s: %d oneOf branches match %v, want 1", key, matched, val)
		}
	}
	out["properties"] = props
	if len(required) > 0 {
		out["required"] = toAny(required)
	}
	return out, nil
}

// FormData is what the form submits for a user's input: the pages'
// defaults filled in wherever the user gave no value (recursively into
// objects and array items; user values win).
func FormData(pages []map[string]any, input map[string]any) (map[string]any, error) {
	data := deepCopy(input).(map[string]any)
	for _, page := range pages {
		if err := fillDefaults(page, data); err != nil {
			return nil, err
		}
	}
	return data, nil
}

func fillDefaults(schema map[string]any, data map[string]any) error {
	// Defaults of the page's own properties first: they may switch a
	// dependency (a toggle's default), which changes the properties.
	for pass := 0; pass < 2; pass++ {
		s, err := resolve(schema, data)
		if err != nil {
			return err
		}
		props, _ := s["properties"].(map[string]any)
		for _, k := range sortedKeys(props) {
			ps, _ := props[k].(map[string]any)
			cur, set := data[k]
			if !set {
				if d, ok := ps["default"]; ok {
					data[k] = deepCopy(d)
				} else if ps["type"] == "object" && ps["properties"] != nil {
					data[k] = map[string]any{}
				} else {
					continue
				}
				cur = data[k]
			}
			if err := fillValue(ps, cur); err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
		}
	}
	return nil
}

func fillValue(schema map[string]any, v any) error {
	switch v := v.(type) {
	case map[string]any:
		if schema["properties"] != nil || schema["dependencies"] != nil {
			return fillDefaults(schema, v)
		}
	case []any:
		items, _ := schema["items"].(map[string]any)
		for _, e := range v {
			if err := fillValue(items, e); err != nil {
				return err
			}
		}
	}
	return nil
}

// ValidateForm validates submitted form data against the pages, as the
// form does before it lets the user run the template. It returns one
// message per violation, with the field's path.
func ValidateForm(pages []map[string]any, data map[string]any) ([]string, error) {
	var errs []string
	for _, page := range pages {
		e, err := validate(page, data, "")
		if err != nil {
			return nil, err
		}
		errs = append(errs, e...)
	}
	return errs, nil
}

func validate(schema map[string]any, v any, path string) ([]string, error) {
	for k := range schema {
		if !formKeywords[k] && !strings.HasPrefix(k, "ui:") {
			return nil, fmt.Errorf("%s: schema keyword %q is not implemented by the form semantics", path, k)
		}
	}
	var errs []string
	fail := func(format string, args ...any) {
		errs = append(errs, fmt.Sprintf("%s: ", strings.TrimPrefix(path, "."))+fmt.Sprintf(format, args...))
	}
	if t, ok := schema["type"].(string); ok && !hasType(v, t) {
		fail("must be %s, got %T", t, v)
		return errs, nil
	}
	if e, ok := schema["enum"].([]any); ok && !slices.ContainsFunc(e, func(x any) bool { return equalJSON(x, v) }) {
		fail("must be one of %v", e)
	}
	if c, ok := schema["const"]; ok && !equalJSON(c, v) {
		fail("must be %v", c)
	}
	switch v := v.(type) {
	case string:
		n := float64(utf8.RuneCountInString(v))
		if m, ok := num(schema["minLength"]); ok && n < m {
			fail("must be at least %v characters", m)
		}
		if m, ok := num(schema["maxLength"]); ok && n > m {
			fail("must be at most %v characters", m)
		}
		if p, ok := schema["pattern"].(string); ok {
			re, err := regexp.Compile(p)
			if err != nil {
				return nil, fmt.Errorf("%s: pattern %q: %w", path, p, err)
			}
			if !re.MatchString(v) {
				fail("must match %s", p)
			}
		}
	case float64:
		if m, ok := num(schema["minimum"]); ok && v < m {
			fail("must be >= %v", m)
		}
		if m, ok := num(schema["maximum"]); ok && v > m {
			fail("must be <= %v", m)
		}
		if m, ok := num(schema["exclusiveMinimum"]); ok && v <= m {
			fail("must be > %v", m)
		}
		if m, ok := num(schema["exclusiveMaximum"]); ok && v >= m {
			fail("must be < %v", m)
		}
		if m, ok := num(schema["multipleOf"]); ok && m > 0 {
			q := v / m
			if math.Abs(q-math.Round(q)) > 1e-9 {
				fail("must be a multiple of %v", m)
			}
		}
	case []any:
		if m, ok := num(schema["minItems"]); ok && float64(len(v)) < m {
			fail("must have at least %v items", m)
		}
		if m, ok := num(schema["maxItems"]); ok && float64(len(v)) > m {
			fail("must have at most %v items", m)
		}
		if items, ok := schema["items"].(map[string]any); ok {
			for i, e := range v {
				sub, err := validate(items, e, fmt.Sprintf("%s[%d]", path, i))
				if err != nil {
					return nil, err
				}
				errs = append(errs, sub...)
			}
		}
	case map[string]any:
		s, err := resolve(schema, v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if m, ok := num(s["minProperties"]); ok && float64(len(v)) < m {
			fail("must have at least %v entries", m)
		}
		if m, ok := num(s["maxProperties"]); ok && float64(len(v)) > m {
			fail("must have at most %v entries", m)
		}
		for _, r := range toStrings(s["required"]) {
			if _, ok := v[r]; !ok {
				errs = append(errs, fmt.Sprintf("%s: is required", strings.TrimPrefix(path+"."+r, ".")))
			}
		}
		props, _ := s["properties"].(map[string]any)
		addl, _ := s["additionalProperties"].(map[string]any)
		for _, k := range sortedKeys(v) {
			ps, ok := props[k].(map[string]any)
			if !ok {
				ps = addl
			}
			if ps == nil {
				continue // the form keeps extra data; the skeleton never writes it
			}
			sub, err := validate(ps, v[k], path+"."+k)
			if err != nil {
				return nil, err
			}
			errs = append(errs, sub...)
		}
	}
	return errs, nil
}

func hasType(v any, t string) bool {
	switch t {
	case "string":
		_, ok := v.(string)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "number":
		_, ok := v.(float64)
		return ok
	case "integer":
		f, ok := v.(float64)
		return ok && f == math.Trunc(f)
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	}
	return false
}

func num(v any) (float64, bool) {
	switch v := v.(type) {
	case float64:
		return v, true
	case int:
		return float64(v), true
	case int64:
		return float64(v), true
	}
	return 0, false
}

func equalJSON(a, b any) bool {
	if fa, ok := num(a); ok {
		fb, ok := num(b)
		return ok && fa == fb
	}
	return fmt.Sprint(a) == fmt.Sprint(b) && fmt.Sprintf("%T", a) == fmt.Sprintf("%T", b)
}

func toStrings(v any) []string {
	switch v := v.(type) {
	case []string:
		return slices.Clone(v)
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, e := range s {
		out[i] = e
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = deepCopy(e)
		}
		return out
	}
	return v
}
