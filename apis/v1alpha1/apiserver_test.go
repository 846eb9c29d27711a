package v1alpha1

// What the API server builds from our XRD, run in-process: Crossplane's
// XRD → CRD generation (mirrored from internal/xcrd of
// github.com/crossplane/crossplane/v2 v2.2.0), the CRD creation check
// (structural schema, defaults, CEL compilation and cost), and per object
// the decoding (pruning, structural defaulting) and the strategy's
// validation (OpenAPI schema, then CEL), as k8s.io/apiextensions-apiserver
// does them for a create or an update.

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	extv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	crdvalidation "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/validation"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel/model"
	structuraldefaulting "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	structurallisttype "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/listtype"
	schemaobjectmeta "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/objectmeta"
	structuralpruning "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	apiservervalidation "k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"k8s.io/apiserver/pkg/cel/common"
	"k8s.io/apiserver/pkg/cel/environment"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"
)

const xrdPath = "../xpaymentplatforms/definition.yaml"

// xrdFile is the part of the CompositeResourceDefinition (apiextensions.crossplane.io/v1)
// that shapes the CRDs Crossplane generates.
type xrdFile struct {
	Metadata metav1.ObjectMeta `json:"metadata"`
	Spec     struct {
		Group                          string                               `json:"group"`
		Names                          extv1.CustomResourceDefinitionNames  `json:"names"`
		ClaimNames                     *extv1.CustomResourceDefinitionNames `json:"claimNames"`
		Scope                          string                               `json:"scope"`
		DefaultCompositeDeletePolicy   *string                              `json:"defaultCompositeDeletePolicy"`
		DefaultCompositionUpdatePolicy *string                              `json:"defaultCompositionUpdatePolicy"`
		Versions                       []struct {
			Name          string `json:"name"`
			Served        bool   `json:"served"`
			Referenceable bool   `json:"referenceable"`
			Schema        struct {
				OpenAPIV3Schema extv1.JSONSchemaProps `json:"openAPIV3Schema"`
			} `json:"schema"`
			AdditionalPrinterColumns []extv1.CustomResourceColumnDefinition `json:"additionalPrinterColumns"`
		} `json:"versions"`
	} `json:"spec"`
}

func readXRD() (*xrdFile, error) {
	raw, err := os.ReadFile(xrdPath)
	if err != nil {
		return nil, err
	}
	j, err := yaml.YAMLToJSON(raw)
	if err != nil {
		return nil, err
	}
	x := &xrdFile{}
	if err := json.Unmarshal(j, x); err != nil {
		return nil, err
	}
	if len(x.Spec.Versions) != 1 || x.Spec.ClaimNames == nil {
		return nil, fmt.Errorf("want one version and claim names, got %d versions", len(x.Spec.Versions))
	}
	return x, nil
}

// crossplaneSpecKeywords are the keywords of the XRD's spec schema that
// xcrd.genCrdVersion carries into the CRD: every other keyword at that level
// (default, minProperties, anyOf, nullable, …) is silently dropped.
var crossplaneSpecKeywords = []string{"type", "description", "properties", "required", "x-kubernetes-validations", "x-kubernetes-preserve-unknown-fields", "oneOf"}

// generateCRD mirrors xcrd.ForCompositeResource (claim=false, LegacyCluster
// scope) and xcrd.ForCompositeResourceClaim (claim=true) of Crossplane
// v2.2.0 for what reaches the API server: names, scope, and the schema —
// Crossplane's BaseProps root, metadata.name at most 63 characters, the
// XRD's root description and CEL rules, the XRD's spec (required, CEL
// rules, oneOf, preserve-unknown-fields, description, properties) with
// Crossplane's own spec fields copied over it, and the XRD's status.
// Crossplane's status fields (conditions, connectionDetails, …) are left
// out: they do not touch spec.
func generateCRD(x *xrdFile, claim bool) (*extv1.CustomResourceDefinition, error) {
	v := x.Spec.Versions[0]
	s := v.Schema.OpenAPIV3Schema.DeepCopy()
	names, scope := x.Spec.Names, extv1.ClusterScoped
	var props map[string]extv1.JSONSchemaProps
	if claim {
		names, scope = *x.Spec.ClaimNames, extv1.NamespaceScoped
		props = claimSpecProps(x.Spec.DefaultCompositeDeletePolicy)
	} else {
		if x.Spec.Scope != "LegacyCluster" {
			return nil, fmt.Errorf("scope %q: the mirror covers LegacyCluster XRs only", x.Spec.Scope)
		}
		props = legacyXRSpecProps(x.Spec.DefaultCompositionUpdatePolicy)
	}
	names.Categories = append(slices.Clone(names.Categories), map[bool]string{true: "claim", false: "composite"}[claim])

	xSpec, xStatus := s.Properties["spec"], s.Properties["status"]
	for name := range props {
		if _, ok := xSpec.Properties[name]; ok {
			return nil, fmt.Errorf("spec.%s: Crossplane defines this field itself and overwrites ours", name)
		}
	}
	spec := extv1.JSONSchemaProps{
		Type:                   "object",
		Description:            xSpec.Description,
		Required:               xSpec.Required,
		XPreserveUnknownFields: xSpec.XPreserveUnknownFields,
		XValidations:           xSpec.XValidations,
		OneOf:                  xSpec.OneOf,
		Properties:             maps.Clone(xSpec.Properties),
	}
	maps.Copy(spec.Properties, props)
	status := extv1.JSONSchemaProps{
		Type:         "object",
		Description:  xStatus.Description,
		Required:     xStatus.Required,
		XValidations: xStatus.XValidations,
		OneOf:        xStatus.OneOf,
		Properties:   xStatus.Properties,
	}
	root := &extv1.JSONSchemaProps{
		Type:         "object",
		Description:  s.Description,
		Required:     []string{"spec"},
		XValidations: s.XValidations,
		Properties: map[string]extv1.JSONSchemaProps{
			"apiVersion": {Type: "string"},
			"kind":       {Type: "string"},
			"metadata": {Type: "object", Properties: map[string]extv1.JSONSchemaProps{
				"name": {Type: "string", MaxLength: ptr.To[int64](63)},
			}},
			"spec":   spec,
			"status": status,
		},
	}
	crd := &extv1.CustomResourceDefinition{
		ObjectMeta: metav1.ObjectMeta{Name: names.Plural + "." + x.Spec.Group},
		Spec: extv1.CustomResourceDefinitionSpec{
			Group: x.Spec.Group,
			Names: names,
			Scope: scope,
			Versions: []extv1.CustomResourceDefinitionVersion{{
				Name:                     v.Name,
				Served:                   v.Served,
				Storage:                  v.Referenceable,
				AdditionalPrinterColumns: v.AdditionalPrinterColumns,
				Schema:                   &extv1.CustomResourceValidation{OpenAPIV3Schema: root},
				Subresources:             &extv1.CustomResourceSubresources{Status: &extv1.CustomResourceSubresourceStatus{}},
			}},
		},
	}
	extv1.SetObjectDefaults_CustomResourceDefinition(crd)
	return crd, nil
}

func refProps(required ...string) extv1.JSONSchemaProps {
	p := extv1.JSONSchemaProps{Type: "object", Required: required, Properties: map[string]extv1.JSONSchemaProps{}}
	for _, r := range []string{"apiVersion", "kind", "name", "namespace"} {
		p.Properties[r] = extv1.JSONSchemaProps{Type: "string"}
	}
	return p
}

func selectorProps() extv1.JSONSchemaProps {
	return extv1.JSONSchemaProps{Type: "object", Required: []string{"matchLabels"}, Properties: map[string]extv1.JSONSchemaProps{
		"matchLabels": {Type: "object", AdditionalProperties: &extv1.JSONSchemaPropsOrBool{Allows: true, Schema: &extv1.JSONSchemaProps{Type: "string"}}},
	}}
}

func enumProps(def *string, values ...string) extv1.JSONSchemaProps {
	p := extv1.JSONSchemaProps{Type: "string"}
	for _, v := range values {
		p.Enum = append(p.Enum, extv1.JSON{Raw: []byte(`"` + v + `"`)})
	}
	if def != nil {
		p.Default = &extv1.JSON{Raw: []byte(`"` + *def + `"`)}
	}
	return p
}

func nameRef() extv1.JSONSchemaProps {
	return extv1.JSONSchemaProps{Type: "object", Required: []string{"name"}, Properties: map[string]extv1.JSONSchemaProps{"name": {Type: "string"}}}
}

// legacyXRSpecProps mirrors xcrd.CompositeResourceSpecProps for a
// LegacyCluster XR.
func legacyXRSpecProps(updatePolicy *string) map[string]extv1.JSONSchemaProps {
	return map[string]extv1.JSONSchemaProps{
		"compositionRef":              nameRef(),
		"compositionSelector":         selectorProps(),
		"compositionRevisionRef":      nameRef(),
		"compositionRevisionSelector": selectorProps(),
		"compositionUpdatePolicy":     enumProps(updatePolicy, "Automatic", "Manual"),
		"resourceRefs": {Type: "array", XListType: ptr.To("atomic"), Items: &extv1.JSONSchemaPropsOrArray{
			Schema: ptr.To(refProps("apiVersion", "kind")),
		}},
		"claimRef": refProps("apiVersion", "kind", "namespace", "name"),
		"writeConnectionSecretToRef": {Type: "object", Required: []string{"name", "namespace"}, Properties: map[string]extv1.JSONSchemaProps{
			"name": {Type: "string"}, "namespace": {Type: "string"},
		}},
	}
}

// claimSpecProps mirrors xcrd.CompositeResourceClaimSpecProps.
func claimSpecProps(deletePolicy *string) map[string]extv1.JSONSchemaProps {
	ref := refProps("apiVersion", "kind", "name")
	delete(ref.Properties, "namespace")
	return map[string]extv1.JSONSchemaProps{
		"compositionRef":              nameRef(),
		"compositionSelector":         selectorProps(),
		"compositionRevisionRef":      nameRef(),
		"compositionRevisionSelector": selectorProps(),
		"compositionUpdatePolicy":     enumProps(nil, "Automatic", "Manual"),
		"compositeDeletePolicy":       enumProps(deletePolicy, "Background", "Foreground"),
		"resourceRef":                 ref,
		"writeConnectionSecretToRef":  nameRef(),
	}
}

// crossplaneFields are the spec fields Crossplane adds to the claim and the
// XR: not part of XPaymentPlatformSpec.
var crossplaneFields = func() []string {
	all := legacyXRSpecProps(nil)
	maps.Copy(all, claimSpecProps(nil))
	return slices.Sorted(maps.Keys(all))
}()

// servedCRD is what the API server serves a CRD version with.
type servedCRD struct {
	apiVersion, kind string
	structural       *structuralschema.Structural
	validator        apiservervalidation.SchemaValidator
	cel              *cel.Validator
}

// installCRD does what the API server does with a CRD: validate it as on
// create (structural schema, defaults, CEL compilation, per-expression and
// per-CRD cost limits), then build what customresource_handler.go serves
// it with.
func installCRD(crd *extv1.CustomResourceDefinition) (*servedCRD, field.ErrorList, error) {
	internal := &apiextensions.CustomResourceDefinition{}
	if err := extv1.Convert_v1_CustomResourceDefinition_To_apiextensions_CustomResourceDefinition(crd, internal, nil); err != nil {
		return nil, nil, err
	}
	internal.Status = apiextensions.CustomResourceDefinitionStatus{StoredVersions: []string{crd.Spec.Versions[0].Name}}
	if errs := crdvalidation.ValidateCustomResourceDefinition(context.Background(), internal); len(errs) > 0 {
		return nil, errs, nil
	}
	validation := &apiextensions.CustomResourceValidation{}
	if err := extv1.Convert_v1_CustomResourceValidation_To_apiextensions_CustomResourceValidation(crd.Spec.Versions[0].Schema, validation, nil); err != nil {
		return nil, nil, err
	}
	schema := validation.OpenAPIV3Schema
	s, err := structuralschema.NewStructural(schema)
	if err != nil {
		return nil, nil, err
	}
	s = s.DeepCopy()
	if err := structuraldefaulting.PruneDefaults(s); err != nil {
		return nil, nil, err
	}
	v, _, err := apiservervalidation.NewSchemaValidator(schema)
	if err != nil {
		return nil, nil, err
	}
	return &servedCRD{
		apiVersion: crd.Spec.Group + "/" + crd.Spec.Versions[0].Name,
		kind:       crd.Spec.Names.Kind,
		structural: s,
		validator:  v,
		cel:        cel.NewValidator(s, true, celconfig.PerCallLimit),
	}, nil, nil
}

// object wraps a spec into a resource of the CRD.
func (c *servedCRD) object(spec any) map[string]any {
	meta := map[string]any{"name": "payments"}
	if c.kind == ClaimKind {
		meta["namespace"] = "payments"
	}
	return map[string]any{"apiVersion": c.apiVersion, "kind": c.kind, "metadata": meta, "spec": runtime.DeepCopyJSONValue(spec)}
}

// decode is what the API server's codec does to a request body on the way
// in: unknown fields are pruned (and, with fieldValidation=Strict as
// kubectl sends it, reported), nulls without a default dropped, defaults
// applied, and the result pruned again on conversion to the storage version.
func (c *servedCRD) decode(obj map[string]any) (unknown []string) {
	unknown = structuralpruning.PruneWithOptions(obj, c.structural, true, structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true})
	structuraldefaulting.PruneNonNullableNullsWithoutDefaults(obj, c.structural)
	structuraldefaulting.Default(obj, c.structural)
	structuralpruning.Prune(obj, c.structural, true)
	return unknown
}

// create admits a new object as customResourceStrategy.Validate does:
// OpenAPI schema, embedded objects and list types, then — unless one of
// those errors blocks it — the CEL rules with the runtime cost budget.
// It returns the stored (defaulted) object.
func (c *servedCRD) create(spec any) (map[string]any, field.ErrorList) {
	obj := c.object(spec)
	if unknown := c.decode(obj); len(unknown) > 0 {
		return nil, unknownFieldErrors(unknown)
	}
	errs := apiservervalidation.ValidateCustomResource(nil, obj, c.validator)
	errs = append(errs, schemaobjectmeta.Validate(nil, obj, c.structural, false)...)
	errs = append(errs, structurallisttype.ValidateListSetsAndMaps(nil, c.structural, obj)...)
	return obj, c.validateCEL(errs, obj, nil)
}

// update admits a change of a stored object as
// customResourceStrategy.ValidateUpdate does, with validation ratcheting
// (GA and locked on since Kubernetes 1.33): transition rules see oldSelf,
// and errors of unchanged values are ratcheted.
func (c *servedCRD) update(old map[string]any, spec any) (map[string]any, field.ErrorList) {
	obj := c.object(spec)
	if unknown := c.decode(obj); len(unknown) > 0 {
		return nil, unknownFieldErrors(unknown)
	}
	corr := common.NewCorrelatedObject(obj, old, &model.Structural{Structural: c.structural})
	errs := apiservervalidation.ValidateCustomResourceUpdate(nil, obj, old, c.validator, apiservervalidation.WithRatcheting(corr))
	errs = append(errs, schemaobjectmeta.Validate(nil, obj, c.structural, false)...)
	if len(structurallisttype.ValidateListSetsAndMaps(nil, c.structural, old)) == 0 {
		errs = append(errs, structurallisttype.ValidateListSetsAndMaps(nil, c.structural, obj)...)
	}
	return obj, c.validateCEL(errs, obj, old, cel.WithRatcheting(corr))
}

func (c *servedCRD) validateCEL(errs field.ErrorList, obj, old map[string]any, opts ...cel.Option) field.ErrorList {
	if c.cel == nil {
		return errs
	}
	for _, e := range errs {
		switch e.Type {
		case field.ErrorTypeNotSupported, field.ErrorTypeRequired, field.ErrorTypeTooLong, field.ErrorTypeTooMany, field.ErrorTypeTypeInvalid:
			// hasBlockingErr: the CEL rules are not run.
			return append(errs, field.Invalid(nil, nil, "some validation rules were not checked because the object was invalid; correct the existing errors to complete validation"))
		}
	}
	var oldObj any
	if old != nil {
		oldObj = old
	}
	celErrs, _ := c.cel.Validate(context.Background(), nil, c.structural, obj, oldObj, celconfig.RuntimeCELCostBudget, opts...)
	return append(errs, celErrs...)
}

func unknownFieldErrors(paths []string) field.ErrorList {
	var errs field.ErrorList
	for _, p := range paths {
		errs = append(errs, field.Invalid(field.NewPath(p), nil, "unknown field (fieldValidation=Strict)"))
	}
	return errs
}

// apiServer holds the claim and XR CRDs as the API server serves them.
type apiServer struct {
	claim, xr *servedCRD
}

var (
	apiServerOnce sync.Once
	apiServerInst *apiServer
	apiServerErr  error
)

// theAPIServer builds (once per test binary) the served CRDs from the
// checked-in XRD.
func theAPIServer(t testing.TB) *apiServer {
	t.Helper()
	apiServerOnce.Do(func() {
		x, err := readXRD()
		if err != nil {
			apiServerErr = err
			return
		}
		a := &apiServer{}
		for _, claim := range []bool{true, false} {
			crd, err := generateCRD(x, claim)
			if err != nil {
				apiServerErr = err
				return
			}
			served, errs, err := installCRD(crd)
			if err == nil && len(errs) > 0 {
				err = fmt.Errorf("the API server refuses CRD %s: %v", crd.Name, errs.ToAggregate())
			}
			if err != nil {
				apiServerErr = err
				return
			}
			if claim {
				a.claim = served
			} else {
				a.xr = served
			}
		}
		apiServerInst = a
	})
	if apiServerErr != nil {
		t.Fatal(apiServerErr)
	}
	return apiServerInst
}

// admit creates the claim, then (withXR) — as Crossplane's claim
// controller does — the XR with the claim's stored spec (minus the claim's
// own Crossplane fields). It returns the stored spec, without Crossplane's
// fields.
func (a *apiServer) admit(spec any, withXR bool) (map[string]any, field.ErrorList) {
	claim, errs := a.claim.create(spec)
	if len(errs) > 0 || !withXR {
		return stripCrossplane(claim["spec"]), errs
	}
	xr, errs := a.xr.create(stripCrossplane(claim["spec"]))
	if len(errs) > 0 {
		return nil, prefixErrs("the XR Crossplane creates from the admitted claim", errs)
	}
	return stripCrossplane(xr["spec"]), nil
}

// admitUpdate applies an edit to an admitted claim and its XR.
func (a *apiServer) admitUpdate(oldSpec, spec any) field.ErrorList {
	oldClaim, errs := a.claim.create(oldSpec)
	if len(errs) > 0 {
		return prefixErrs("the old object", errs)
	}
	oldXR, errs := a.xr.create(stripCrossplane(oldClaim["spec"]))
	if len(errs) > 0 {
		return prefixErrs("the old XR", errs)
	}
	newClaim, errs := a.claim.update(oldClaim, spec)
	if len(errs) > 0 {
		return errs
	}
	_, errs = a.xr.update(oldXR, stripCrossplane(newClaim["spec"]))
	return prefixErrs("the XR update", errs)
}

func prefixErrs(what string, errs field.ErrorList) field.ErrorList {
	out := make(field.ErrorList, len(errs))
	for i, e := range errs {
		c := *e
		c.Detail = what + ": " + c.Detail
		out[i] = &c
	}
	return out
}

// stripCrossplane copies a spec without the fields Crossplane adds.
func stripCrossplane(spec any) map[string]any {
	m, _ := runtime.DeepCopyJSONValue(spec).(map[string]any)
	for _, f := range crossplaneFields {
		delete(m, f)
	}
	return m
}

// TestXRDInstallsOnAPIServer: the API server accepts both CRDs Crossplane
// generates from the XRD — structural schema, defaults valid against the
// schema and its CEL rules, every rule compiled within the per-expression
// and per-CRD cost limits — and Crossplane's generation changes nothing of
// the spec's rules.
func TestXRDInstallsOnAPIServer(t *testing.T) {
	x, err := readXRD()
	if err != nil {
		t.Fatal(err)
	}
	// xcrd carries only some keywords of the spec schema into the CRD:
	// any other would silently be lost.
	dropped := x.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"]
	dropped.Type, dropped.Description, dropped.Properties, dropped.Required = "", "", nil, nil
	dropped.XValidations, dropped.XPreserveUnknownFields, dropped.OneOf = nil, nil, nil
	if b, _ := json.Marshal(dropped); string(b) != "{}" {
		t.Errorf("the XRD's spec schema has keywords Crossplane drops from the CRD (it keeps %v): %s", crossplaneSpecKeywords, b)
	}
	served := map[bool]*servedCRD{}
	for _, claim := range []bool{true, false} {
		crd, err := generateCRD(x, claim)
		if err != nil {
			t.Fatal(err)
		}
		s, errs, err := installCRD(crd)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range errs {
			t.Errorf("the API server refuses CRD %s: %v", crd.Name, e)
		}
		served[claim] = s
	}
	if t.Failed() {
		return
	}
	// The claim and the XR serve the same spec, but for Crossplane's fields.
	ours := func(s *servedCRD) structuralschema.Structural {
		orig := s.structural.Properties["spec"]
		spec := *orig.DeepCopy()
		for _, f := range crossplaneFields {
			delete(spec.Properties, f)
		}
		return spec
	}
	if diff := cmp.Diff(ours(served[true]), ours(served[false])); diff != "" {
		t.Errorf("the claim's and the XR's spec schemas differ (-claim +XR):\n%s", diff)
	}
	// Every rule's estimated cost, as the CRD check computes it before
	// applying the limits (per expression: StaticEstimatedCostLimit).
	spec := served[true].structural.Properties["spec"]
	var costs []string
	walkSchema(&spec, "spec", func(path string, s *structuralschema.Structural) {
		if len(s.XValidations) == 0 {
			return
		}
		results, err := cel.Compile(s, model.SchemaDeclType(s, false), celconfig.PerCallLimit, environment.MustBaseEnvSet(environment.DefaultCompatibilityVersion()), cel.NewExpressionsEnvLoader())
		if err != nil {
			t.Errorf("%s: %v", path, err)
			return
		}
		for i, r := range results {
			if r.Error != nil {
				t.Errorf("%s: rule %d: %v", path, i, r.Error)
			}
			costs = append(costs, fmt.Sprintf("%9d %s[%d]", r.MaxCost, path, i))
		}
	})
	slices.Sort(costs)
	t.Logf("estimated CEL cost per rule (limit %d per expression, %d per CRD):\n%s", crdvalidation.StaticEstimatedCostLimit, crdvalidation.StaticEstimatedCRDCostLimit, strings.Join(costs, "\n"))
	// The cost limits bite: without the maxLength of the tag values the
	// rule on their characters is too expensive and the CRD is refused.
	bare := *x
	bare.Spec.Versions = slices.Clone(x.Spec.Versions)
	bare.Spec.Versions[0].Schema.OpenAPIV3Schema = *x.Spec.Versions[0].Schema.OpenAPIV3Schema.DeepCopy()
	tags := bare.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"].Properties["tags"]
	tags.AdditionalProperties.Schema.MaxLength = nil
	crd, err := generateCRD(&bare, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, errs, _ := installCRD(crd); !strings.Contains(errs.ToAggregate().Error(), "estimated rule cost exceeds budget") {
		t.Errorf("without maxLength on the tag values, want the CRD refused for its CEL cost, got %v", errs)
	}
	// The Go-only defaults are not in the XRD.
	for _, d := range goOnlyDefaults {
		s := &spec
		for _, part := range strings.Split(d.path, ".") {
			p := s.Properties[part]
			s = &p
		}
		if s.Type == "" {
			t.Errorf("%s: not in the XRD", d.path)
		} else if s.Default.Object != nil {
			t.Errorf("%s: the XRD has a default (%v), yet it is listed as Go-only (%s)", d.path, s.Default.Object, d.reason)
		}
	}
}

// walkSchema calls fn for s and every schema under it.
func walkSchema(s *structuralschema.Structural, path string, fn func(string, *structuralschema.Structural)) {
	fn(path, s)
	for _, k := range slices.Sorted(maps.Keys(s.Properties)) {
		p := s.Properties[k]
		walkSchema(&p, path+"."+k, fn)
	}
	if s.Items != nil {
		walkSchema(s.Items, path+"[]", fn)
	}
	if s.AdditionalProperties != nil && s.AdditionalProperties.Structural != nil {
		walkSchema(s.AdditionalProperties.Structural, path+"{}", fn)
	}
}
