package fn

import (
	"encoding/json"
	"fmt"
	"slices"

	"k8s.io/utils/ptr"

	"github.com/acme-payments/xpaymentplatform/apis/v1alpha1"
	xpv1 "github.com/crossplane/crossplane-runtime/v2/apis/common/v1"
	"github.com/crossplane/function-sdk-go/resource"

	"maps"
	"reflect"

	"github.com/crossplane/function-sdk-go/resource/composed"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Managed is what every typed resource a tier returns offers: provider-aws
// cluster-scoped managed resources, and Crossplane objects such as
// ClusterUsage.
type Managed interface {
	runtime.Object
	metav1.Object
}

// providerConfigured is a managed resource with a provider config.
type providerConfigured interface {
	SetProviderConfigReference(r *xpv1.Reference)
}

// assemble turns one tier's typed resource into the desired composed
// resource: the one place that sets metadata.name, labels, external name,
// providerConfigRef, region and tags, converts with composed.From and strips
// what composed.From adds but no one asked for.
func (p *Plan) assemble(d Desired) (*composed.Unstructured, error) {
	o := d.Object
	o.SetName(p.Name(d.Name))
	labels := maps.Clone(o.GetLabels())
	if labels == nil {
		labels = map[string]string{}
	}
	labels[LabelResource] = string(d.Name)
	labels[LabelSuffix] = p.Spec.EnvironmentSuffix
	o.SetLabels(labels)
	if d.ExternalName != "" {
		a := maps.Clone(o.GetAnnotations())
		if a == nil {
			a = map[string]string{}
		}
		a[AnnotationExternalName] = d.ExternalName
		o.SetAnnotations(a)
	}
	if mr, ok := o.(providerConfigured); ok {
		mr.SetProviderConfigReference(&xpv1.Reference{Name: p.Spec.ProviderConfigName})
		if err := p.setForProvider(o, o.GetName()); err != nil {
			return nil, fmt.Errorf("%s: %w", d.Name, err)
		}
	}
	u, err := composed.From(o)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", d.Name, err)
	}
	delete(u.Object, "status")
	for _, path := range slices.Sorted(maps.Keys(d.Set)) {
		if err := u.SetValue(path, d.Set[path]); err != nil {
			return nil, fmt.Errorf("%s: set %s: %w", d.Name, path, err)
		}
	}
	return u, nil
}

// setForProvider sets spec.forProvider.region and merges the platform tags
// (plus Name) under whatever tags the tier set, on every kind that has them.
// IAM kinds are global and have no region; some kinds have no tags.
func (p *Plan) setForProvider(o Managed, name string) error {
	v := reflect.ValueOf(o)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("%T is not a pointer to a struct", o)
	}
	fp := v.Elem().FieldByName("Spec").FieldByName("ForProvider")
	if !fp.IsValid() {
		return fmt.Errorf("%T has no spec.forProvider", o)
	}
	if r := fp.FieldByName("Region"); r.IsValid() && r.Type() == reflect.TypeFor[*string]() {
		r.Set(reflect.ValueOf(ptr.To(p.Region())))
	}
	if t := fp.FieldByName("Tags"); t.IsValid() && t.Type() == reflect.TypeFor[map[string]*string]() {
		tags := map[string]*string{"Name": ptr.To(name)}
		for k, v := range p.Tags {
			tags[k] = ptr.To(v)
		}
		if !t.IsNil() {
			for k, v := range t.Interface().(map[string]*string) {
				tags[k] = v
			}
		}
		t.Set(reflect.ValueOf(tags))
	}
	return nil
}

// sortedNames returns map keys in order so every loop over resources is
// deterministic.
func sortedNames[V any](m map[resource.Name]V) []resource.Name {
	return slices.Sorted(maps.Keys(m))
}

// Desired is one typed managed resource a tier wants, before assembly.
type Desired struct {
	// Name is the composition-resource name: stable, part of the API.
	Name resource.Name
	// Object is the typed provider-aws managed resource with its
	// forProvider filled in; name, labels, tags, region and providerConfig
	// are set by assembly.
	Object Managed
	// ExternalName, when set, pins the AWS name of the resource.
	ExternalName string
	// Set holds field paths set after conversion, for what the typed value
	// cannot carry through composed.From: an empty object (such as a WAF
	// default action of allow: {}) is dropped by its omitempty handling.
	Set map[string]any
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "" // plain structs of strings, ints and bools always marshal
	}
	return string(b)
}

// Part is what one tier produces: its resources, its own part of the XR's
// status, and the conditions and warnings it reports. The report only
// merges the parts.
type Part struct {
	Resources  []Desired
	Status     v1alpha1.XPaymentPlatformStatus
	Conditions []Condition
	Warnings   []string
}

// Condition is a condition a tier sets on the XR and its claim.
type Condition struct {
	Type    string
	Status  bool
	Reason  string
	Message string
}
