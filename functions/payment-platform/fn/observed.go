package fn

import (
	"strings"

	"github.com/crossplane/crossplane-runtime/v2/pkg/fieldpath"
	"github.com/crossplane/function-sdk-go/resource"
)

// ObservedResource is the read-only part of an observed composed resource
// that the tiers and the status need.
type ObservedResource struct {
	Ready  bool
	Synced bool
	// Reason and Message of the Ready condition when it is not True.
	Reason, Message string
	// AtProvider is status.atProvider.
	AtProvider map[string]any
	// Spec is the observed spec, kept so a resource can be carried over.
	Spec       map[string]any
	APIVersion string
	Kind       string
	Name       string
	// ExternalName is the crossplane.io/external-name annotation.
	ExternalName string
	// Annotations of the observed resource.
	Annotations map[string]string
}

// Observed is a snapshot of the observed composed resources by
// composition-resource name.
type Observed map[resource.Name]ObservedResource

// NewObserved takes the snapshot.
func NewObserved(ocds map[resource.Name]resource.ObservedComposed) Observed {
	out := make(Observed, len(ocds))
	for name, ocd := range ocds {
		u := ocd.Resource
		if u == nil {
			continue
		}
		o := ObservedResource{
			APIVersion:   u.GetAPIVersion(),
			Kind:         u.GetKind(),
			Name:         u.GetName(),
			ExternalName: u.GetAnnotations()[AnnotationExternalName],
			Annotations:  u.GetAnnotations(),
		}
		if ready := u.GetCondition("Ready"); ready.Status == "True" {
			o.Ready = true
		} else {
			o.Reason, o.Message = string(ready.Reason), ready.Message
		}
		o.Synced = u.GetCondition("Synced").Status == "True"
		if s, ok := u.Object["status"].(map[string]any); ok {
			o.AtProvider, _ = s["atProvider"].(map[string]any)
		}
		o.Spec, _ = u.Object["spec"].(map[string]any)
		out[name] = o
	}
	return out
}

// String returns status.atProvider.<key> of a resource, or "".
func (o Observed) String(name resource.Name, key string) string {
	s, _ := o[name].AtProvider[key].(string)
	return s
}

// Path returns a string at a field path of status.atProvider, such as
// masterUserSecret[0].secretArn, or "".
func (o Observed) Path(name resource.Name, path string) string {
	s, err := fieldpath.Pave(o[name].AtProvider).GetString(path)
	if err != nil {
		return ""
	}
	return s
}

// Strings returns a string list of status.atProvider, or nil.
func (o Observed) Strings(name resource.Name, key string) []string {
	l, _ := o[name].AtProvider[key].([]any)
	var out []string
	for _, v := range l {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// ID is status.atProvider.id of a resource, or "".
func (o Observed) ID(name resource.Name) string { return o.String(name, "id") }

// ARN is status.atProvider.arn of a resource, or "".
func (o Observed) ARN(name resource.Name) string { return o.String(name, "arn") }

// AccountID reads the account from the first observed ARN that carries one.
func (o Observed) AccountID() string {
	for _, n := range sortedNames(o) {
		if parts := strings.Split(o.ARN(n), ":"); len(parts) >= 6 && len(parts[4]) == 12 {
			return parts[4]
		}
	}
	return ""
}
