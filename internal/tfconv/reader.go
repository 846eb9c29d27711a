package tfconv

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	kmeta "k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Placeholders: the reader's copies of the render's resources carry them
// where a resolver's extractor reads (the external name, the observation,
// the string parameters); the writer turns them into Terraform references.
const markPrefix = "\x00tfconv\x00"

const (
	markRef = "ref" // <type>.<label>.<attribute>
	markExt = "ext" // the external name of <type>.<label>
	markVar = "var" // var.<name>
)

func marker(kind, typ, label, attr string) string {
	return markPrefix + strings.Join([]string{kind, typ, label, attr}, "\x00")
}

type mark struct{ kind, typ, label, attr string }

func parseMarker(s string) (mark, bool) {
	rest, ok := strings.CutPrefix(s, markPrefix)
	if !ok {
		return mark{}, false
	}
	p := strings.Split(rest, "\x00")
	if len(p) != 4 {
		return mark{}, false
	}
	return mark{p[0], p[1], p[2], p[3]}, true
}

// renderReader is the client.Reader the generated resolvers read their
// targets through: the render's resources, each with placeholders.
type renderReader struct {
	sch  *runtime.Scheme
	byGK map[schema.GroupKind][]*unstructured.Unstructured
}

var _ client.Reader = (*renderReader)(nil)

func newRenderReader(sch *runtime.Scheme, s *Schema, cs []*composed) (*renderReader, error) {
	r := &renderReader{sch: sch, byGK: map[schema.GroupKind][]*unstructured.Unstructured{}}
	for _, c := range cs {
		cp := c.obj.DeepCopyObject().(Terraformed)
		meta.SetExternalName(cp, marker(markExt, c.typ, c.label, ""))
		obs := map[string]any{}
		for name, a := range s.Resources[c.typ].Attributes {
			t, err := a.attrType()
			if err != nil {
				return nil, fmt.Errorf("%s: schema of %s: %w", c, name, err)
			}
			if t.Kind == "string" {
				obs[name] = marker(markRef, c.typ, c.label, name)
			}
		}
		if err := cp.SetObservation(obs); err != nil {
			return nil, fmt.Errorf("%s: cannot set the placeholder observation: %w", c, err)
		}
		params, err := cp.GetParameters()
		if err != nil {
			return nil, fmt.Errorf("%s: cannot get the parameters: %w", c, err)
		}
		for k, v := range params {
			if _, ok := v.(string); ok {
				params[k] = marker(markRef, c.typ, c.label, k)
			}
		}
		if err := cp.SetParameters(params); err != nil {
			return nil, fmt.Errorf("%s: cannot set the placeholder parameters: %w", c, err)
		}
		m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(cp)
		if err != nil {
			return nil, err
		}
		u := &unstructured.Unstructured{Object: m}
		gvk := c.obj.GetObjectKind().GroupVersionKind()
		u.SetGroupVersionKind(gvk)
		r.byGK[gvk.GroupKind()] = append(r.byGK[gvk.GroupKind()], u)
	}
	for _, l := range r.byGK {
		sort.Slice(l, func(i, j int) bool { return l[i].GetName() < l[j].GetName() })
	}
	return r, nil
}

func (r *renderReader) gvk(o runtime.Object) (schema.GroupVersionKind, error) {
	kinds, _, err := r.sch.ObjectKinds(o)
	if err != nil {
		return schema.GroupVersionKind{}, err
	}
	return kinds[0], nil
}

func (r *renderReader) Get(_ context.Context, key client.ObjectKey, obj client.Object, _ ...client.GetOption) error {
	gvk, err := r.gvk(obj)
	if err != nil {
		return err
	}
	for _, u := range r.byGK[gvk.GroupKind()] {
		if u.GetName() == key.Name {
			return convertTo(u, gvk, obj)
		}
	}
	return kerrors.NewNotFound(schema.GroupResource{Group: gvk.Group, Resource: gvk.Kind}, key.Name)
}

func (r *renderReader) List(_ context.Context, list client.ObjectList, opts ...client.ListOption) error {
	lo := (&client.ListOptions{}).ApplyOptions(opts)
	lgvk, err := r.gvk(list)
	if err != nil {
		return err
	}
	gvk := lgvk.GroupVersion().WithKind(strings.TrimSuffix(lgvk.Kind, "List"))
	var out []runtime.Object
	for _, u := range r.byGK[gvk.GroupKind()] {
		if lo.LabelSelector != nil && !lo.LabelSelector.Matches(labels.Set(u.GetLabels())) {
			continue
		}
		o, err := r.sch.New(gvk)
		if err != nil {
			return err
		}
		if err := convertTo(u, gvk, o); err != nil {
			return err
		}
		out = append(out, o)
	}
	return kmeta.SetList(list, out)
}

// convertTo fills a typed object of version gvk from a stored one (the
// provider's CRDs convert between versions with strategy None).
func convertTo(u *unstructured.Unstructured, gvk schema.GroupVersionKind, obj runtime.Object) error {
	c := u.DeepCopy()
	c.SetAPIVersion(gvk.GroupVersion().String())
	c.SetKind(gvk.Kind)
	return runtime.DefaultUnstructuredConverter.FromUnstructured(c.Object, obj)
}

// unmatchedSelectors are the selectors of the object's spec whose labels
// no resource of the render has (of any kind), as path (labels).
func (r *renderReader) unmatchedSelectors(o runtime.Object) []string {
	var out []string
	for _, f := range []string{"ForProvider", "InitProvider"} {
		v, err := specField(o, f)
		if err != nil {
			continue
		}
		forEachSelector(v, "spec."+strings.ToLower(f[:1])+f[1:], func(path string, ls map[string]string) {
			sel := labels.SelectorFromSet(ls)
			for _, us := range r.byGK {
				for _, u := range us {
					if sel.Matches(labels.Set(u.GetLabels())) {
						return
					}
				}
			}
			out = append(out, fmt.Sprintf("%s (%s)", path, sel))
		})
	}
	sort.Strings(out)
	return out
}
