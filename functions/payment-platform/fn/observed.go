package fn

import (
	"strings"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"google.golang.org/protobuf/types/known/structpb"
	"k8s.io/apimachinery/pkg/runtime"
)

// ObservedResource is one observed composed resource, read straight from
// the request's protobuf Struct: identity, conditions and external name
// for everyone; status.atProvider decoded on demand into the provider's
// own typed observation (AtProvider), so a field the provider renames
// breaks the build, not the status.
type ObservedResource struct {
	APIVersion string
	Kind       string
	Name       string
	// ExternalName is the crossplane.io/external-name annotation.
	ExternalName string
	// Annotations of the observed resource.
	Annotations map[string]string
	// Ready and Synced are the conditions of those types with status True.
	Ready, Synced bool
	// Reason and Message of the Ready condition when it is not True.
	Reason, Message string

	obj *structpb.Struct
}

// Observed is a snapshot of the observed composed resources by
// composition-resource name, taken once per request.
type Observed map[resource.Name]ObservedResource

// NewObserved takes the snapshot from the request's observed resources,
// without converting them to JSON or unstructured objects.
func NewObserved(rs map[string]*fnv1.Resource) Observed {
	out := make(Observed, len(rs))
	for name, r := range rs {
		s := r.GetResource()
		if s == nil {
			continue
		}
		f := s.GetFields()
		md := f["metadata"].GetStructValue().GetFields()
		o := ObservedResource{
			APIVersion:  f["apiVersion"].GetStringValue(),
			Kind:        f["kind"].GetStringValue(),
			Name:        md["name"].GetStringValue(),
			Annotations: stringMap(md["annotations"].GetStructValue()),
			obj:         s,
		}
		o.ExternalName = o.Annotations[AnnotationExternalName]
		for _, c := range f["status"].GetStructValue().GetFields()["conditions"].GetListValue().GetValues() {
			cf := c.GetStructValue().GetFields()
			isTrue := cf["status"].GetStringValue() == "True"
			switch cf["type"].GetStringValue() {
			case "Ready":
				o.Ready = isTrue
				if !isTrue {
					o.Reason, o.Message = cf["reason"].GetStringValue(), cf["message"].GetStringValue()
				}
			case "Synced":
				o.Synced = isTrue
			}
		}
		out[resource.Name(name)] = o
	}
	return out
}

func stringMap(s *structpb.Struct) map[string]string {
	if len(s.GetFields()) == 0 {
		return nil
	}
	m := make(map[string]string, len(s.GetFields()))
	for k, v := range s.GetFields() {
		m[k] = v.GetStringValue()
	}
	return m
}

// IsReady is readiness as the owner of the kind reports it. A managed
// resource is ready when its provider says Ready and it is in sync (an
// update the provider refuses leaves it Ready but Synced=False). A
// ClusterUsage is reconciled by Crossplane's Usage controller, which only
// ever sets Ready: waiting for Synced there would wait forever.
func (o ObservedResource) IsReady() bool {
	if o.Kind == ClusterUsageGVK.Kind && strings.HasPrefix(o.APIVersion, ClusterUsageGVK.Group+"/") {
		return o.Ready
	}
	return o.Ready && o.Synced
}

// Spec is the observed spec, to carry a resource over unchanged.
func (o ObservedResource) Spec() map[string]any {
	if s := o.obj.GetFields()["spec"].GetStructValue(); s != nil {
		return s.AsMap()
	}
	return nil
}

// AtProvider decodes status.atProvider into a provider-aws observation
// type (e.g. *rdsv2.ClusterObservation); false when there is none.
func (o ObservedResource) AtProvider(into any) bool {
	s := o.obj.GetFields()["status"].GetStructValue().GetFields()["atProvider"].GetStructValue()
	if len(s.GetFields()) == 0 {
		return false
	}
	return runtime.DefaultUnstructuredConverter.FromUnstructured(s.AsMap(), into) == nil
}

// atProvider decodes a resource's status.atProvider into a new T; the zero
// T when the resource is not observed (yet) or has no observation.
func atProvider[T any](o Observed, name resource.Name) T {
	var t T
	if r, ok := o[name]; ok {
		r.AtProvider(&t)
	}
	return t
}

// str dereferences an observed string field.
func str(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// accountOf reads the account from an ARN ("" when it has none).
func accountOf(arn string) string {
	if parts := strings.Split(arn, ":"); len(parts) >= 6 && len(parts[4]) == 12 {
		return parts[4]
	}
	return ""
}
