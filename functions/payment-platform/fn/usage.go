package fn

import (
	"github.com/crossplane/function-sdk-go/resource"
	"k8s.io/utils/ptr"

	protectionv1beta1 "github.com/crossplane/crossplane/v2/apis/protection/v1beta1"
)

// Usage says the resource `by` uses the resource `of` (both composed by this
// platform, named by their composition-resource names and typed values): a
// Crossplane ClusterUsage blocks deleting Of while By exists, so Crossplane
// deletes a platform in dependency order (the cluster before its subnet
// group, key and security group) instead of leaving AWS to refuse.
func (p *Plan) Usage(name resource.Name, of resource.Name, ofObj Managed, by resource.Name, byObj Managed) Desired {
	ref := func(n resource.Name, o Managed) *protectionv1beta1.Resource {
		gvk, _, _ := schemeKinds(o)
		return &protectionv1beta1.Resource{APIVersion: gvk.GroupVersion().String(), Kind: gvk.Kind, ResourceRef: &protectionv1beta1.ResourceRef{Name: p.Name(n)}}
	}
	return Desired{Name: name, Object: &protectionv1beta1.ClusterUsage{
		Spec: protectionv1beta1.ClusterUsageSpec{Of: *ref(of, ofObj), By: ref(by, byObj), ReplayDeletion: ptr.To(true)},
	}, DependsOn: []resource.Name{of, by}}
}
