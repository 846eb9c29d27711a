package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/acme-payments/xpaymentplatform/internal/awsapis"
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
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no golden renders in %s: %v", dir, err)
	}
	var out []kind
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		d := yaml.NewDecoder(bytes.NewReader(b))
		for {
			var o struct {
				APIVersion string `yaml:"apiVersion"`
				Kind       string `yaml:"kind"`
			}
			if err := d.Decode(&o); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				return nil, fmt.Errorf("%s: %w", f, err)
			}
			if g, _, _ := strings.Cut(o.APIVersion, "/"); strings.HasSuffix(g, ".aws.upbound.io") {
				out = append(out, kind{APIVersion: o.APIVersion, Kind: o.Kind})
			}
		}
	}
	slices.SortFunc(out, func(a, b kind) int { return strings.Compare(a.APIVersion+" "+a.Kind, b.APIVersion+" "+b.Kind) })
	return slices.CompactFunc(out, func(a, b kind) bool { return a.APIVersion == b.APIVersion && a.Kind == b.Kind }), nil
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
