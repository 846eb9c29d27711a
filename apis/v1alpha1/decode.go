package v1alpha1

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// fieldSet is a set of spec field paths relative to spec, such as
// network.vpcCidr or migration.tableMappings[0].schema.
type fieldSet map[string]struct{}

func (f fieldSet) has(path string) bool {
	_, ok := f[path]
	return ok
}

// UnmarshalJSON decodes a spec as the API server reads one, so that Default
// and Validate see what the API server's defaulting and validation see:
//
//   - a null is absent (every field of the schema is non-nullable: the API
//     server drops the field, or puts its default there), also as a value of
//     tags or api.environment;
//   - a null item of a list is refused (the API server refuses it: items are
//     non-nullable);
//   - a field given its zero value ("", 0, an empty list) is present: it is
//     remembered, so Default does not replace it and Validate checks it.
func (s *XPaymentPlatformSpec) UnmarshalJSON(b []byte) error {
	type plain XPaymentPlatformSpec
	var raw any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&raw); err != nil {
		return err
	}
	obj, ok := raw.(map[string]any)
	if !ok {
		// null, or not an object: plain decoding reports it as usual.
		return json.Unmarshal(b, (*plain)(s))
	}
	zeros := fieldSet{}
	pruned, err := prepare(obj, reflect.TypeFor[plain](), "", zeros)
	if err != nil {
		return err
	}
	if pruned {
		if b, err = json.Marshal(obj); err != nil {
			return err
		}
	}
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*s = XPaymentPlatformSpec(p)
	if len(zeros) > 0 {
		s.zeros = zeros
	}
	return nil
}

// prepare drops the nulls of a decoded JSON value (reporting whether there
// were any) and records the fields of the spec's structs that are given a
// zero value, following the Go type the value decodes into. A value of the
// wrong type is left to the decoder.
func prepare(v any, t reflect.Type, path string, zeros fieldSet) (pruned bool, err error) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch x := v.(type) {
	case map[string]any:
		var fields map[string]reflect.Type
		switch t.Kind() {
		case reflect.Struct:
			fields = JSONFields(t)
		case reflect.Map:
		default:
			return false, nil
		}
		for k, e := range x {
			if e == nil {
				delete(x, k)
				pruned = true
				continue
			}
			p := k
			if path != "" {
				p = path + "." + k
			}
			elem, ok := t, true
			if t.Kind() == reflect.Map {
				elem, p = t.Elem(), path+"["+k+"]"
			} else if elem, ok = fields[k]; !ok {
				continue // unknown: not decoded
			} else if zeros != nil && isZeroJSON(e) {
				zeros[p] = struct{}{}
			}
			sub, err := prepare(e, elem, p, zeros)
			if err != nil {
				return false, err
			}
			pruned = pruned || sub
		}
	case []any:
		if t.Kind() != reflect.Slice {
			return false, nil
		}
		for i, e := range x {
			if e == nil {
				return false, &json.UnmarshalTypeError{Value: "null", Type: t.Elem(), Field: path}
			}
			sub, err := prepare(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i), zeros)
			if err != nil {
				return false, err
			}
			pruned = pruned || sub
		}
	}
	return pruned, nil
}

// isZeroJSON reports whether a JSON value decodes to a zero value that
// Default or Validate could take for absent: "", 0 or an empty list. (false
// is never defaulted, and an object is never zero once decoded.)
func isZeroJSON(v any) bool {
	switch x := v.(type) {
	case string:
		return x == ""
	case json.Number:
		f, err := x.Float64()
		return err == nil && f == 0
	case []any:
		return len(x) == 0
	}
	return false
}

// JSONFields maps the JSON names of a struct's fields to their types (the
// function's unknown-field check uses it too).
func JSONFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}
