package fn

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	xpv1 "github.com/crossplane/crossplane-runtime/v2/apis/common/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	"github.com/acme-payments/xpaymentplatform/apis/v1alpha1"
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
	// DependsOn names resources this one needs composed first beyond those
	// its selectors name (see deferUnselectable): a ClusterUsage names its
	// two resources by metadata.name.
	DependsOn []resource.Name
	// WaitsFor names resources whose observed values this one needs and
	// does not have yet (see KMSKeyARN): it is not composed until they are
	// observed. A live resource that waits is carried over as observed.
	WaitsFor []resource.Name
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

// deferUnselectable takes out of dcds every resource this render built that
// is not yet live and selects — by the resource label Sel sets — one the
// render neither composes nor observes, and then what selects those, until
// none is left. Such a resource could only wait: a provider retries a
// selector that matches nothing (reconcile error "no resources matched
// selector"), and a render with dangling references is not a configuration
// anyone can check (make scan converts every render to Terraform and fails
// on them). A resource already observed stays: it is live and its
// references were resolved when it was created. A resource whose tier
// marked it WaitsFor is taken out the same way (keepObserved carries a live
// one over unchanged). It returns what each deferred resource waits for.
func (p *Plan) deferUnselectable(dcds map[resource.Name]*resource.DesiredComposed, built []Desired) map[resource.Name][]resource.Name {
	waiting := map[resource.Name][]resource.Name{}
	for changed := true; changed; {
		changed = false
		for _, d := range built {
			dc, ok := dcds[d.Name]
			if !ok {
				continue
			}
			_, live := p.Observed[d.Name]
			if len(d.WaitsFor) > 0 {
				delete(dcds, d.Name)
				if !live {
					waiting[d.Name] = d.WaitsFor
				}
				changed = true
				continue
			}
			if live {
				continue
			}
			var missing []resource.Name
			for _, n := range append(selected(dc.Resource.Object["spec"]), d.DependsOn...) {
				_, composed := dcds[n]
				_, observed := p.Observed[n]
				if !composed && !observed && !slices.Contains(missing, n) {
					missing = append(missing, n)
				}
			}
			if len(missing) > 0 {
				delete(dcds, d.Name)
				waiting[d.Name] = missing
				changed = true
			}
		}
	}
	return waiting
}

// selected are the composition-resource names a resource's selectors
// (any field named *Selector, at any depth) match by LabelResource.
func selected(v any) []resource.Name {
	var out []resource.Name
	switch v := v.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			if sel, ok := v[k].(map[string]any); ok && strings.HasSuffix(k, "Selector") {
				if ml, ok := sel["matchLabels"].(map[string]any); ok {
					if n, ok := ml[LabelResource].(string); ok {
						out = append(out, resource.Name(n))
					}
				}
				continue
			}
			out = append(out, selected(v[k])...)
		}
	case []any:
		for _, e := range v {
			out = append(out, selected(e)...)
		}
	}
	return out
}
