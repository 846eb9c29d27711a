package providersim

import (
	"context"
	"encoding/json"

	jsonpatch "github.com/evanphx/json-patch"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/pkg/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// crossplane-runtime's managed.APISimpleReferenceResolver (pkg/reconciler/
// managed/api.go).
const (
	fieldOwnerRefResolver = "managed.crossplane.io/api-simple-reference-resolver"
	errResolveReferences  = "cannot resolve references"
	errPatchManaged       = "cannot patch the managed resource via server-side apply"
)

type referenceResolver interface {
	ResolveReferences(ctx context.Context, r client.Reader) error
}

// resolve runs the provider's generated ResolveReferences of the object's
// typed kind against the informer caches, as APISimpleReferenceResolver
// does: when resolution changed the object, the change is server-side
// applied (a JSON merge patch of the typed object, field manager
// managed.crossplane.io/api-simple-reference-resolver, forced) and the
// applied object returned. Kinds the simulator has no typed API for are
// returned unchanged.
func (s *Simulator) resolve(ctx context.Context, rc dynamic.ResourceInterface, u *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	mg, err := s.scheme.New(u.GroupVersionKind())
	if err != nil {
		return u, nil //nolint:nilerr // not a kind with typed resolvers
	}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, mg); err != nil {
		return nil, errors.Wrap(err, "cannot convert to the typed managed resource")
	}
	rr, ok := mg.(referenceResolver)
	if !ok {
		return u, nil
	}
	existing := mg.DeepCopyObject()
	if err := rr.ResolveReferences(ctx, s.reader); err != nil {
		return nil, errors.Wrap(err, errResolveReferences)
	}
	if cmp.Equal(existing, mg, cmpopts.EquateEmpty()) {
		return u, nil
	}
	patch, err := prepareJSONMerge(existing, mg)
	if err != nil {
		return nil, err
	}
	force := true
	out, err := rc.Patch(ctx, u.GetName(), types.ApplyPatchType, patch, metav1.PatchOptions{FieldManager: fieldOwnerRefResolver, Force: &force})
	return out, errors.Wrap(err, errPatchManaged)
}

// prepareJSONMerge is crossplane-runtime's: the merge patch from existing
// to resolved, with apiVersion and kind.
func prepareJSONMerge(existing, resolved runtime.Object) ([]byte, error) {
	gvk := existing.GetObjectKind().GroupVersionKind()
	defer existing.GetObjectKind().SetGroupVersionKind(gvk)
	existing.GetObjectKind().SetGroupVersionKind(schema.GroupVersionKind{})
	eb, err := json.Marshal(existing)
	if err != nil {
		return nil, errors.Wrap(err, "cannot marshal the existing object into JSON")
	}
	rb, err := json.Marshal(resolved)
	if err != nil {
		return nil, errors.Wrap(err, "cannot marshal the object with the resolved references into JSON")
	}
	patch, err := jsonpatch.CreateMergePatch(eb, rb)
	return patch, errors.Wrap(err, "cannot prepare the JSON merge patch for the resolved object")
}
