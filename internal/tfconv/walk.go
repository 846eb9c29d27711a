package tfconv

import (
	"fmt"
	"reflect"
	"strings"

	xpv1 "github.com/crossplane/crossplane-runtime/v2/apis/common/v1"
)

var (
	selectorType     = reflect.TypeOf(xpv1.Selector{})
	referenceType    = reflect.TypeOf(xpv1.Reference{})
	secretKeySelType = reflect.TypeOf(xpv1.SecretKeySelector{})
	secretRefType    = reflect.TypeOf(xpv1.SecretReference{})
	stringType       = reflect.TypeOf("")
)

// injectedListMapKey is the key upjet injects into object lists that are
// list-maps in the CRD (elbv2 LBListener default_action, ...).
const injectedListMapKey = "index"

// walkSpec walks a resolved spec.forProvider or spec.initProvider for the
// fields GetParameters does not emit (tf:"-"):
//   - a selector must have resolved (its Ref/Refs set), or its value been
//     given (then the provider does not resolve it either);
//   - references are resolved already (the resolver failed otherwise);
//   - upjet's injected list-map key (index) is not a Terraform argument;
//   - a secret reference must be one the provider maps to a Terraform
//     argument (GetConnectionDetailsMapping; rel is the path relative to
//     spec.forProvider, list indices as [*]);
//   - anything else set is reported as not emitted.
func walkSpec(v reflect.Value, path, rel string, secretArgs map[string]string, usedSecrets map[string]bool, unmapped *[]string) error {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return walkSpec(v.Elem(), path, rel, secretArgs, usedSecrets, unmapped)
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			if err := walkSpec(v.Index(i), fmt.Sprintf("%s[%d]", path, i), rel+"[*]", secretArgs, usedSecrets, unmapped); err != nil {
				return err
			}
		}
		return nil
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			k := fmt.Sprint(iter.Key().Interface())
			if err := walkSpec(iter.Value(), path+"."+k, rel+"."+k, secretArgs, usedSecrets, unmapped); err != nil {
				return err
			}
		}
		return nil
	case reflect.Struct:
	default:
		return nil
	}
	t := v.Type()
	byJSON := map[string]reflect.Value{}
	for i := 0; i < t.NumField(); i++ {
		byJSON[jsonName(t.Field(i))] = v.Field(i)
	}
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		fv := v.Field(i)
		name := jsonName(sf)
		fpath := path + "." + name
		frel := strings.TrimPrefix(rel+"."+name, ".")
		if tfTag(sf) != "-" {
			if err := walkSpec(fv, fpath, frel, secretArgs, usedSecrets, unmapped); err != nil {
				return err
			}
			continue
		}
		if fv.IsZero() {
			continue
		}
		ft := sf.Type
		for ft.Kind() == reflect.Pointer || ft.Kind() == reflect.Slice {
			ft = ft.Elem()
		}
		switch ft {
		case selectorType:
			base := strings.TrimSuffix(name, "Selector")
			if set(byJSON, base+"Ref") || set(byJSON, base+"Refs") {
				continue
			}
			if set(byJSON, base) || set(byJSON, base+"s") {
				continue // the value is given: the provider does not resolve the selector
			}
			return fmt.Errorf("%s matches no resource of the render (labels %v, matchControllerRef %v)", fpath, selectorLabels(fv), selectorControllerRef(fv))
		case referenceType:
			continue
		case stringType:
			if name == injectedListMapKey {
				// upjet's injected list-map key ("an injected field with a
				// default value for being able to merge items of the parent
				// object list"): server-side apply's, not Terraform's; the
				// list order is the Terraform order.
				continue
			}
			*unmapped = append(*unmapped, fpath)
		case secretKeySelType, secretRefType:
			if _, ok := secretArgs[frel]; ok {
				usedSecrets[frel] = true
				continue
			}
			*unmapped = append(*unmapped, fpath)
		default:
			*unmapped = append(*unmapped, fpath)
		}
	}
	return nil
}

func set(byJSON map[string]reflect.Value, name string) bool {
	v, ok := byJSON[name]
	return ok && !v.IsZero() && !(v.Kind() == reflect.Slice && v.Len() == 0)
}

func jsonName(sf reflect.StructField) string {
	n, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
	if n == "" {
		return sf.Name
	}
	return n
}

func tfTag(sf reflect.StructField) string {
	n, _, _ := strings.Cut(sf.Tag.Get("tf"), ",")
	return n
}

func selectorLabels(v reflect.Value) map[string]string {
	if s, ok := v.Interface().(*xpv1.Selector); ok && s != nil {
		return s.MatchLabels
	}
	return nil
}

func selectorControllerRef(v reflect.Value) bool {
	if s, ok := v.Interface().(*xpv1.Selector); ok && s != nil && s.MatchControllerRef != nil {
		return *s.MatchControllerRef
	}
	return false
}

// clearResolvedValues clears, in a spec.forProvider or spec.initProvider,
// every value whose reference (Ref/Refs) is set, so that the generated
// resolver resolves it again, against the render: a render of an observed
// world carries the values the provider resolved (securityGroupId: sg-...)
// beside the references it resolved them from (securityGroupIdRef: {name:
// ...}), and the reference is what the value is. Values given without a
// reference stay as they are (the provider does not resolve a selector
// when the value is set).
func clearResolvedValues(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			clearResolvedValues(v.Elem())
		}
		return
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			clearResolvedValues(v.Index(i))
		}
		return
	case reflect.Map:
		// Map values are not addressable; the provider's types keep no
		// references inside maps.
		return
	case reflect.Struct:
	default:
		return
	}
	t := v.Type()
	byJSON := map[string]reflect.Value{}
	for i := 0; i < t.NumField(); i++ {
		byJSON[jsonName(t.Field(i))] = v.Field(i)
	}
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		fv := v.Field(i)
		if tfTag(sf) != "-" {
			clearResolvedValues(fv)
			continue
		}
		name := jsonName(sf)
		var value reflect.Value
		switch {
		case strings.HasSuffix(name, "Refs") && fv.Len() > 0:
			// securityGroupIdRefs: securityGroupIds; layersRefs: layers.
			base := strings.TrimSuffix(name, "Refs")
			if value = byJSON[base+"s"]; !value.IsValid() {
				value = byJSON[base]
			}
		case strings.HasSuffix(name, "Ref") && fv.Kind() == reflect.Pointer && !fv.IsNil() && sf.Type.Elem() == referenceType:
			value = byJSON[strings.TrimSuffix(name, "Ref")]
		}
		if value.IsValid() && value.CanSet() {
			value.Set(reflect.Zero(value.Type()))
		}
	}
}

// forEachSelector calls f with the path and match labels of every selector
// set in a spec.forProvider or spec.initProvider.
func forEachSelector(v reflect.Value, path string, f func(path string, labels map[string]string)) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			if s, ok := v.Interface().(*xpv1.Selector); ok {
				f(path, s.MatchLabels)
				return
			}
			forEachSelector(v.Elem(), path, f)
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			forEachSelector(v.Index(i), fmt.Sprintf("%s[%d]", path, i), f)
		}
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			forEachSelector(v.Field(i), path+"."+jsonName(t.Field(i)), f)
		}
	}
}
