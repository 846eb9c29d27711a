package providersim

import (
	"context"
	"fmt"
	"sort"
	"strings"

	kerrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
)

// cacheReader is the client.Reader the generated resolvers read reference
// targets through: like the provider's manager client it reads from the
// informer caches. Objects are served in the version the caller asks for
// (the CRDs convert with strategy None, so that is what the API server
// would do too).
type cacheReader struct {
	s *Simulator
}

var _ client.Reader = cacheReader{}

func (r cacheReader) Get(_ context.Context, key client.ObjectKey, obj client.Object, _ ...client.GetOption) error {
	gvk, err := apiutil.GVKForObject(obj, r.s.scheme)
	if err != nil {
		return err
	}
	w := r.s.watchFor(gvk.GroupKind())
	if w == nil {
		return &meta.NoKindMatchError{GroupKind: gvk.GroupKind(), SearchedVersions: []string{gvk.Version}}
	}
	k := key.Name
	if key.Namespace != "" {
		k = key.Namespace + "/" + key.Name
	}
	item, ok, err := w.informer.GetIndexer().GetByKey(k)
	if err != nil {
		return err
	}
	if !ok {
		return kerrors.NewNotFound(schema.GroupResource{Group: gvk.Group, Resource: w.gvr.Resource}, key.Name)
	}
	return convertTo(item, gvk, obj)
}

func (r cacheReader) List(_ context.Context, list client.ObjectList, opts ...client.ListOption) error {
	lo := (&client.ListOptions{}).ApplyOptions(opts)
	lgvk, err := apiutil.GVKForObject(list, r.s.scheme)
	if err != nil {
		return err
	}
	gvk := lgvk.GroupVersion().WithKind(strings.TrimSuffix(lgvk.Kind, "List"))
	w := r.s.watchFor(gvk.GroupKind())
	if w == nil {
		return &meta.NoKindMatchError{GroupKind: gvk.GroupKind(), SearchedVersions: []string{gvk.Version}}
	}
	items := w.informer.GetIndexer().List()
	sort.Slice(items, func(i, j int) bool {
		return items[i].(*unstructured.Unstructured).GetName() < items[j].(*unstructured.Unstructured).GetName()
	})
	out := make([]runtime.Object, 0, len(items))
	for _, item := range items {
		u := item.(*unstructured.Unstructured)
		if lo.Namespace != "" && u.GetNamespace() != lo.Namespace {
			continue
		}
		if lo.LabelSelector != nil && !lo.LabelSelector.Matches(labels.Set(u.GetLabels())) {
			continue
		}
		obj, err := r.s.scheme.New(gvk)
		if err != nil {
			return err
		}
		if err := convertTo(u, gvk, obj); err != nil {
			return err
		}
		out = append(out, obj)
	}
	return meta.SetList(list, out)
}

// convertTo fills a typed object from a cached unstructured one, served as
// version gvk.
func convertTo(item any, gvk schema.GroupVersionKind, obj runtime.Object) error {
	u, ok := item.(*unstructured.Unstructured)
	if !ok {
		return fmt.Errorf("unexpected cache item %T", item)
	}
	c := u.DeepCopy()
	c.SetAPIVersion(gvk.GroupVersion().String())
	c.SetKind(gvk.Kind)
	return runtime.DefaultUnstructuredConverter.FromUnstructured(c.Object, obj)
}
