package fn

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/acme-payments/xpaymentplatform/apis/v1alpha1"
)

// crossplaneSpecFields are the spec fields Crossplane itself adds to an XR;
// they are not part of the claim's API and are ignored when decoding.
var crossplaneSpecFields = []string{
	"claimRef", "compositionRef", "compositionRevisionRef", "compositionRevisionSelector",
	"compositionSelector", "compositionUpdatePolicy", "environmentConfigRefs", "resourceRefs",
	"writeConnectionSecretToRef", "publishConnectionDetailsTo", "crossplane",
}

// DecodeSpec reads the XR's spec into the typed spec. Unknown fields and
// values of the wrong type are reported with their field path, as the API
// server would have reported them had the XR gone through it.
func DecodeSpec(raw any) (*v1alpha1.XPaymentPlatformSpec, field.ErrorList) {
	root := field.NewPath("spec")
	m, ok := raw.(map[string]any)
	if !ok {
		return nil, field.ErrorList{field.Required(root, "the XR has no spec object")}
	}
	clean := make(map[string]any, len(m))
	for k, v := range m {
		if !slices.Contains(crossplaneSpecFields, k) {
			clean[k] = v
		}
	}
	if errs := unknownFields(root, clean, reflect.TypeFor[v1alpha1.XPaymentPlatformSpec]()); len(errs) > 0 {
		return nil, errs
	}
	b, err := json.Marshal(clean)
	if err != nil {
		return nil, field.ErrorList{field.Invalid(root, "<object>", err.Error())}
	}
	spec := &v1alpha1.XPaymentPlatformSpec{}
	if err := json.Unmarshal(b, spec); err != nil {
		var te *json.UnmarshalTypeError
		if asTypeError(err, &te) {
			p := root
			for _, part := range strings.Split(te.Field, ".") {
				if part != "" {
					p = p.Child(part)
				}
			}
			return nil, field.ErrorList{field.TypeInvalid(p, te.Value, "must be of type "+jsonType(te.Type))}
		}
		return nil, field.ErrorList{field.Invalid(root, "<object>", err.Error())}
	}
	return spec, nil
}

func asTypeError(err error, te **json.UnmarshalTypeError) bool {
	t, ok := err.(*json.UnmarshalTypeError) //nolint:errorlint // encoding/json returns it unwrapped
	if ok {
		*te = t
	}
	return ok
}

func jsonType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Int, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Bool:
		return "boolean"
	case reflect.Slice:
		return "array"
	default:
		return "object"
	}
}

// unknownFields walks a JSON object against the Go type it decodes into and
// reports every key the type does not have.
func unknownFields(p *field.Path, v any, t reflect.Type) field.ErrorList {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var errs field.ErrorList
	switch t.Kind() {
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return nil // a type error, reported by the decoder
		}
		fields := v1alpha1.JSONFields(t)
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			ft, ok := fields[k]
			if !ok {
				errs = append(errs, field.NotSupported(p.Child(k), k, sortedFieldNames(fields)))
				continue
			}
			errs = append(errs, unknownFields(p.Child(k), m[k], ft)...)
		}
	case reflect.Slice:
		s, ok := v.([]any)
		if !ok {
			return nil
		}
		for i, e := range s {
			errs = append(errs, unknownFields(p.Index(i), e, t.Elem())...)
		}
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		for k, e := range m {
			errs = append(errs, unknownFields(p.Key(k), e, t.Elem())...)
		}
	}
	return errs
}

func sortedFieldNames(m map[string]reflect.Type) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// specError is the one message of a Fatal result for an invalid spec: every
// problem with its field path and what is allowed.
func specError(kind string, errs field.ErrorList) error {
	return fmt.Errorf("invalid %s: %w", kind, errs.ToAggregate())
}
