package fn

import (
	"github.com/crossplane/function-sdk-go/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// ClusterUsage blocks deleting Of while By exists, so Crossplane deletes a
// platform in dependency order (the cluster before its subnet group, key and
// security group) instead of leaving AWS to refuse.
type ClusterUsage struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              UsageSpec `json:"spec"`
}

// UsageSpec is the spec of a ClusterUsage.
type UsageSpec struct {
	Of             UsageResource `json:"of"`
	By             UsageResource `json:"by"`
	ReplayDeletion bool          `json:"replayDeletion,omitempty"`
}

// UsageResource names a used or using resource.
type UsageResource struct {
	APIVersion  string       `json:"apiVersion"`
	Kind        string       `json:"kind"`
	ResourceRef *ResourceRef `json:"resourceRef,omitempty"`
}

// ResourceRef names a cluster-scoped resource.
type ResourceRef struct {
	Name string `json:"name"`
}

// DeepCopyObject implements runtime.Object.
func (u *ClusterUsage) DeepCopyObject() runtime.Object {
	out := *u
	u.ObjectMeta.DeepCopyInto(&out.ObjectMeta)
	return &out
}

// Usage says the resource `by` uses the resource `of` (both composed by this
// platform, named by their composition-resource names and typed values).
func (p *Plan) Usage(name resource.Name, of resource.Name, ofObj Managed, by resource.Name, byObj Managed) Desired {
	ref := func(n resource.Name, o Managed) UsageResource {
		gvks, _, _ := schemeKinds(o)
		return UsageResource{APIVersion: gvks.GroupVersion().String(), Kind: gvks.Kind, ResourceRef: &ResourceRef{Name: p.Name(n)}}
	}
	return Desired{Name: name, Object: &ClusterUsage{
		Spec: UsageSpec{Of: ref(of, ofObj), By: ref(by, byObj), ReplayDeletion: true},
	}}
}
