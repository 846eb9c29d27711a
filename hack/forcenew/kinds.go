package main

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/acme-payments/xpaymentplatform/internal/awsapis"
	"github.com/acme-payments/xpaymentplatform/internal/render"
)

// scheme knows the provider-aws groups the function composes
// (internal/awsapis); a golden kind outside them fails the command with the
// group to add there.
var scheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	if err := awsapis.AddToScheme(s); err != nil {
		panic(err)
	}
	return s
}()

// kind is a provider-aws kind the function composes.
type kind struct {
	APIVersion, Kind string
	TerraformType    string
	// params maps a Terraform attribute path (dot-separated, no indices)
	// to its spec.forProvider field.
	params map[string]param
}

type param struct {
	JSON string   // fieldpath under spec.forProvider, [*] for each list element
	Refs []string // the sibling reference and selector fields resolving it
}

// goldenKinds lists the provider-aws kinds of the golden renders.
func goldenKinds(dir string) ([]kind, error) {
	gvks, err := render.ProviderKinds(dir)
	if err != nil {
		return nil, err
	}
	out := make([]kind, len(gvks))
	for i, g := range gvks {
		out[i] = kind{APIVersion: g.APIVersion, Kind: g.Kind}
	}
	return out, nil
}

// reflect fills the kind's Terraform type and parameter paths from its Go type.
func (k *kind) reflect() error {
	gv, err := schema.ParseGroupVersion(k.APIVersion)
	if err != nil {
		return err
	}
	obj, err := scheme.New(gv.WithKind(k.Kind))
	if err != nil {
		return fmt.Errorf("%s %s: %w (add its group to hack/forcenew/kinds.go)", k.APIVersion, k.Kind, err)
	}
	tr, ok := obj.(interface{ GetTerraformResourceType() string })
	if !ok {
		return fmt.Errorf("%s %s is not a Terraform-backed kind", k.APIVersion, k.Kind)
	}
	k.TerraformType = tr.GetTerraformResourceType()
	fp, ok := reflect.TypeOf(obj).Elem().FieldByName("Spec")
	if !ok {
		return fmt.Errorf("%s %s has no spec", k.APIVersion, k.Kind)
	}
	f, ok := fp.Type.FieldByName("ForProvider")
	if !ok {
		return fmt.Errorf("%s %s has no spec.forProvider", k.APIVersion, k.Kind)
	}
	k.params = map[string]param{}
	walkParams(f.Type, "", "", k.params)
	return nil
}

func tag(f reflect.StructField, key string) string {
	v, _, _ := strings.Cut(f.Tag.Get(key), ",")
	return v
}

func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// walkParams records every tf-tagged field of a parameters struct,
// recursing into nested blocks (a struct for a v1beta2 single block, a
// slice of structs for a list or set block).
func walkParams(t reflect.Type, tfPrefix, jsonPrefix string, out map[string]param) {
	t = deref(t)
	refs := map[string][]string{} // JSON name of the resolved field, without a plural s → its refs
	var names []string
	for i := range t.NumField() {
		f := t.Field(i)
		tf, js := tag(f, "tf"), tag(f, "json")
		if js == "" {
			continue
		}
		if tf == "-" {
			for _, suffix := range []string{"Refs", "Ref", "Selector"} {
				if base, ok := strings.CutSuffix(js, suffix); ok {
					refs[base] = append(refs[base], jsonPrefix+js)
					break
				}
			}
			continue
		}
		if tf == "" {
			continue
		}
		tfPath, jsonPath := tfPrefix+tf, jsonPrefix+js
		out[tfPath] = param{JSON: jsonPath}
		names = append(names, tfPath)
		switch ft := deref(f.Type); {
		case ft.Kind() == reflect.Struct:
			walkParams(ft, tfPath+".", jsonPath+".", out)
		case ft.Kind() == reflect.Slice && deref(ft.Elem()).Kind() == reflect.Struct:
			walkParams(ft.Elem(), tfPath+".", jsonPath+"[*].", out)
		}
	}
	for _, n := range names {
		p := out[n]
		js := strings.TrimPrefix(p.JSON, jsonPrefix)
		for _, base := range []string{js, strings.TrimSuffix(js, "s")} {
			if r, ok := refs[base]; ok {
				p.Refs = r
				delete(refs, base)
				break
			}
		}
		slices.Sort(p.Refs)
		out[n] = p
	}
}
