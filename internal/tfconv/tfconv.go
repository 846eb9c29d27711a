package tfconv

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strings"

	"github.com/crossplane/crossplane-runtime/v2/pkg/fieldpath"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	ujresource "github.com/crossplane/upjet/v2/pkg/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	kyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"
)

// AnnotationResourceName names a composed resource in its composition; it
// is the resource's Terraform label.
const AnnotationResourceName = "crossplane.io/composition-resource-name"

// Terraformed is what the conversion needs of a typed provider-aws object:
// upjet's resource interface.
type Terraformed = ujresource.Terraformed

// referenceResolver is the generated ResolveReferences of the kinds that
// have references.
type referenceResolver interface {
	ResolveReferences(ctx context.Context, r client.Reader) error
}

// Skipped is a render document that is not converted, and why.
type Skipped struct {
	APIVersion, Kind, Name, Reason string
}

// Resource is a converted composed resource.
type Resource struct {
	Type, Label, APIVersion, Kind, Name string
}

// Address is the resource's Terraform address.
func (r Resource) Address() string { return r.Type + "." + r.Label }

// Result is a converted render.
type Result struct {
	// HCL is the Terraform configuration: the resources, and a sensitive
	// variable per secret reference.
	HCL []byte
	// JSON is the same configuration in Terraform's JSON syntax (for
	// checks that need nested blocks, which trivy's terraform-raw input
	// does not export).
	JSON      []byte
	Resources []Resource
	Skipped   []Skipped
	// XR is the render's composite resource.
	XR *unstructured.Unstructured
}

// Reasons documents are skipped.
const (
	ReasonXR      = "the composite resource (XR), not an AWS resource"
	ReasonResult  = "a render Result (function output), not a resource"
	ReasonUsage   = "a Crossplane Usage (deletion ordering inside Crossplane), not an AWS resource"
	protectionGrp = "protection.crossplane.io"
	renderGroup   = "render.crossplane.io"
)

type composed struct {
	doc   map[string]any // the document as rendered
	obj   Terraformed
	typ   string
	label string
}

func (c *composed) String() string {
	return fmt.Sprintf("%s %s (%s.%s)", c.obj.GetObjectKind().GroupVersionKind().Kind, c.obj.GetName(), c.typ, c.label)
}

// EnvironmentDir is the directory of an environment's renders in a scan
// tree: env-<environment> (trivy's filesystem walker skips top-level
// directories named dev, proc and sys).
func EnvironmentDir(environment string) string { return "env-" + environment }

// Convert converts a render (multi-document YAML) into Terraform HCL.
func Convert(ctx context.Context, render []byte, s *Schema) (*Result, error) {
	sch, err := typedScheme()
	if err != nil {
		return nil, err
	}
	docs, err := splitDocuments(render)
	if err != nil {
		return nil, err
	}
	res := &Result{}
	var cs []*composed
	seen := map[string]*composed{}
	for i, d := range docs {
		u := &unstructured.Unstructured{Object: d}
		gvk := u.GroupVersionKind()
		switch {
		case gvk.Group == renderGroup:
			res.Skipped = append(res.Skipped, Skipped{u.GetAPIVersion(), u.GetKind(), u.GetName(), ReasonResult})
			continue
		case gvk.Group == protectionGrp:
			res.Skipped = append(res.Skipped, Skipped{u.GetAPIVersion(), u.GetKind(), u.GetName(), ReasonUsage})
			continue
		case u.GetAnnotations()[AnnotationResourceName] == "":
			if res.XR != nil {
				return nil, fmt.Errorf("document %d (%s %s): not a composed resource (no %s annotation) and not the first such document (the XR is %s %s)", i, u.GetKind(), u.GetName(), AnnotationResourceName, res.XR.GetKind(), res.XR.GetName())
			}
			res.XR = u
			res.Skipped = append(res.Skipped, Skipped{u.GetAPIVersion(), u.GetKind(), u.GetName(), ReasonXR})
			continue
		}
		c, err := decode(sch, d)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", u.GetKind(), u.GetName(), err)
		}
		if _, ok := s.Resources[c.typ]; !ok {
			return nil, fmt.Errorf("%s: resource type %s is not in the Terraform provider schema", c, c.typ)
		}
		if o := seen[c.typ+"."+c.label]; o != nil {
			return nil, fmt.Errorf("%s and %s have the same Terraform address", o, c)
		}
		seen[c.typ+"."+c.label] = c
		cs = append(cs, c)
	}
	if res.XR == nil {
		return nil, errors.New("the render has no composite resource")
	}

	reader, err := newRenderReader(sch, s, cs)
	if err != nil {
		return nil, err
	}
	w := newWriter(s)
	// Every resource is converted; the errors of all are reported.
	var errs []error
	for _, c := range cs {
		params, vars, err := parameters(ctx, c, reader, s)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", c, err))
			continue
		}
		if err := w.resource(c.typ, c.label, params); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", c, err))
			continue
		}
		for _, v := range vars {
			w.variable(v)
		}
		gvk := c.obj.GetObjectKind().GroupVersionKind()
		res.Resources = append(res.Resources, Resource{Type: c.typ, Label: c.label, APIVersion: gvk.GroupVersion().String(), Kind: gvk.Kind, Name: c.obj.GetName()})
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	res.HCL = w.bytes()
	if res.JSON, err = w.jsonBytes(); err != nil {
		return nil, err
	}
	return res, nil
}

// splitDocuments reads the render's YAML documents.
func splitDocuments(render []byte) ([]map[string]any, error) {
	r := kyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(render)))
	var out []map[string]any
	for {
		b, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("cannot read the render: %w", err)
		}
		j, err := yaml.YAMLToJSON(b)
		if err != nil {
			return nil, fmt.Errorf("cannot parse a render document: %w", err)
		}
		var d map[string]any
		if err := json.Unmarshal(j, &d); err != nil {
			return nil, fmt.Errorf("cannot parse a render document: %w", err)
		}
		if len(d) == 0 {
			continue
		}
		out = append(out, d)
	}
}

// decode decodes a composed resource strictly into its typed object.
func decode(sch *runtime.Scheme, d map[string]any) (*composed, error) {
	u := &unstructured.Unstructured{Object: d}
	gvk := u.GroupVersionKind()
	o, err := sch.New(gvk)
	if err != nil {
		return nil, fmt.Errorf("not a provider-aws kind this converter knows (internal/awsapis): %w", err)
	}
	tr, ok := o.(Terraformed)
	if !ok {
		return nil, fmt.Errorf("%s is not an upjet Terraformed resource", gvk)
	}
	j, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.DisallowUnknownFields()
	if err := dec.Decode(tr); err != nil {
		return nil, fmt.Errorf("cannot decode into %T: %w", tr, err)
	}
	tr.GetObjectKind().SetGroupVersionKind(gvk)
	if err := roundTrip(d, tr); err != nil {
		return nil, err
	}
	return &composed{doc: d, obj: tr, typ: tr.GetTerraformResourceType(), label: tr.GetAnnotations()[AnnotationResourceName]}, nil
}

// roundTrip checks that the typed spec.forProvider and spec.initProvider
// hold every value the document has (nothing lost in decoding).
func roundTrip(d map[string]any, tr Terraformed) error {
	j, err := json.Marshal(tr)
	if err != nil {
		return err
	}
	var back map[string]any
	if err := json.Unmarshal(j, &back); err != nil {
		return err
	}
	for _, f := range []string{"forProvider", "initProvider"} {
		want, _, _ := unstructured.NestedFieldNoCopy(d, "spec", f)
		got, _, _ := unstructured.NestedFieldNoCopy(back, "spec", f)
		if p := firstDifference(want, got, "spec."+f); p != "" {
			return fmt.Errorf("field %s does not survive decoding into the typed object", p)
		}
	}
	return nil
}

// firstDifference is the path of the first value in want that got lacks
// or has differently (empty when got holds all of want).
func firstDifference(want, got any, path string) string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			if len(w) == 0 && got == nil {
				return ""
			}
			return path
		}
		keys := make([]string, 0, len(w))
		for k := range w {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if p := firstDifference(w[k], g[k], path+"."+k); p != "" {
				return p
			}
		}
		return ""
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			if len(w) == 0 && got == nil {
				return ""
			}
			return path
		}
		for i := range w {
			if p := firstDifference(w[i], g[i], fmt.Sprintf("%s[%d]", path, i)); p != "" {
				return p
			}
		}
		return ""
	case nil:
		return ""
	default:
		if fmt.Sprint(want) != fmt.Sprint(got) {
			return path
		}
		return ""
	}
}

// parameters resolves the resource's references against the render and
// returns its Terraform arguments, and the sensitive variables its secret
// references become.
func parameters(ctx context.Context, c *composed, r *renderReader, s *Schema) (map[string]any, []string, error) {
	if src, ok := configurationInjectors[c.typ]; ok && injectors[c.typ] == nil {
		return nil, nil, fmt.Errorf("provider-aws injects Terraform arguments for %s (TerraformConfigurationInjector in %s), which the converter does not mirror", c.typ, src)
	}
	tr := c.obj.DeepCopyObject().(Terraformed)
	for _, f := range []string{"ForProvider", "InitProvider"} {
		v, err := specField(tr, f)
		if err != nil {
			return nil, nil, err
		}
		clearResolvedValues(v)
	}
	if rr, ok := tr.(referenceResolver); ok {
		if err := rr.ResolveReferences(ctx, r); err != nil {
			if u := r.unmatchedSelectors(c.obj); len(u) > 0 {
				return nil, nil, fmt.Errorf("cannot resolve references in the render: %w (no resource of the render has the labels of %s)", err, strings.Join(u, ", "))
			}
			return nil, nil, fmt.Errorf("cannot resolve references in the render: %w", err)
		}
	}
	fp, err := specField(tr, "ForProvider")
	if err != nil {
		return nil, nil, err
	}
	ip, err := specField(tr, "InitProvider")
	if err != nil {
		return nil, nil, err
	}
	// Secret references the provider maps to Terraform arguments.
	secretArgs := map[string]string{} // spec path (relative) -> tf path
	for tfPath, specPath := range tr.GetConnectionDetailsMapping() {
		secretArgs[specPath] = tfPath
	}
	var unmapped []string
	usedSecrets := map[string]bool{}
	for _, part := range []struct {
		name string
		v    reflect.Value
	}{{"spec.forProvider", fp}, {"spec.initProvider", ip}} {
		if err := walkSpec(part.v, part.name, "", secretArgs, usedSecrets, &unmapped); err != nil {
			return nil, nil, err
		}
	}
	if len(unmapped) > 0 {
		return nil, nil, fmt.Errorf("set but not emitted (not a Terraform argument, reference or mapped secret): %s", strings.Join(unmapped, ", "))
	}
	params, err := tr.GetMergedParameters(true)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot get the Terraform parameters: %w", err)
	}
	if err := setIdentifierArgument(c, s, params); err != nil {
		return nil, nil, err
	}
	if inject := injectors[c.typ]; inject != nil {
		inject(params)
	}
	var vars []string
	for specPath := range usedSecrets {
		tfPath := secretArgs[specPath]
		if strings.ContainsAny(tfPath, ".[*") {
			return nil, nil, fmt.Errorf("secret reference %s maps to the nested Terraform argument %s, which the converter does not emit", specPath, tfPath)
		}
		name := c.label + "_" + tfPath
		params[tfPath] = marker(markVar, "var", name, "")
		vars = append(vars, name)
	}
	sort.Strings(vars)
	return params, vars, nil
}

// setIdentifierArgument sets the argument upjet sets from the external
// name (SetIdentifierArgumentFn): the external name is the
// crossplane.io/external-name annotation or, for the kinds whose managed
// reconciler initializes it, metadata.name.
func setIdentifierArgument(c *composed, s *Schema, params map[string]any) error {
	en, ok := s.ExternalNames[c.typ]
	if !ok {
		return fmt.Errorf("provider-aws has no external-name configuration for %s", c.typ)
	}
	if en.Unknown != "" {
		return fmt.Errorf("the external-name configuration of %s is not understood: %s", c.typ, en.Unknown)
	}
	ext := meta.GetExternalName(c.obj)
	if ext == "" && en.NameInitializer {
		ext = c.obj.GetName()
	}
	if ext == "" {
		return nil
	}
	switch {
	case en.CustomArgument:
		f, ok := customIdentifierArguments[c.typ]
		if !ok {
			return fmt.Errorf("the external-name configuration of %s sets the identifier argument with its own function (provider-aws config/externalname.go), which the converter does not mirror", c.typ)
		}
		f(params, ext)
	case en.Argument != "":
		if err := fieldpath.Pave(params).SetString(en.Argument, ext); err != nil {
			return fmt.Errorf("cannot set the identifier argument %s to the external name: %w", en.Argument, err)
		}
	}
	return nil
}

// configurationInjectors are the resource types whose provider-aws
// configuration injects Terraform arguments (TerraformConfigurationInjector),
// and where.
var configurationInjectors = map[string]string{
	"aws_security_group_rule":                   "config/cluster/ec2/config.go",
	"aws_ami_copy":                              "config/cluster/ec2/config.go",
	"aws_cloudformation_stack_set_instance":     "config/cluster/cloudformation/config.go",
	"aws_secretsmanager_secret":                 "config/cluster/secretsmanager/config.go",
	"aws_opensearchserverless_security_policy":  "config/cluster/opensearchserverless/config.go",
	"aws_opensearchserverless_lifecycle_policy": "config/cluster/opensearchserverless/config.go",
	"aws_opensearchserverless_access_policy":    "config/cluster/opensearchserverless/config.go",
	"aws_s3_bucket":                             "config/cluster/s3/config.go",
	"aws_s3_object":                             "config/cluster/s3/config.go",
}

// injectors mirror the TerraformConfigurationInjectors of
// configurationInjectors the converter supports.
var injectors = map[string]func(params map[string]any){
	// config/cluster/secretsmanager/config.go.
	"aws_secretsmanager_secret": func(params map[string]any) { params["name_prefix"] = "" },
}

// specField is the value of spec.<name> of the typed object
// (ForProvider or InitProvider).
func specField(o runtime.Object, name string) (reflect.Value, error) {
	v := reflect.ValueOf(o)
	for v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	spec := v.FieldByName("Spec")
	if !spec.IsValid() {
		return reflect.Value{}, fmt.Errorf("%T has no spec", o)
	}
	f := spec.FieldByName(name)
	if !f.IsValid() {
		return reflect.Value{}, fmt.Errorf("%T has no spec.%s", o, name)
	}
	return f, nil
}
