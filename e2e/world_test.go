//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	"github.com/acme-payments/xpaymentplatform/internal/providersim"
)

// snapshot is the composed objects of an XR by composition-resource name.
type snapshot map[string]*unstructured.Unstructured

func takeSnapshot(t *testing.T, xr string) snapshot {
	t.Helper()
	objs, err := composedOf(context.Background(), xr)
	if err != nil {
		t.Fatal(err)
	}
	out := snapshot{}
	for i := range objs {
		o := &objs[i]
		n := crn(*o)
		if _, dup := out[n]; dup {
			t.Errorf("two composed objects named %s: %s and %s", n, out[n].GetName(), o.GetName())
		}
		out[n] = o
	}
	return out
}

// sameObjects fails when an object of before is gone or was replaced (a
// new UID), except the names in gone; and when after has duplicates.
func sameObjects(t *testing.T, before, after snapshot, gone ...string) {
	t.Helper()
	for _, n := range slices.Sorted(maps.Keys(before)) {
		a, ok := after[n]
		switch {
		case !ok && !slices.Contains(gone, n):
			t.Errorf("%s (%s) was deleted", n, before[n].GetKind())
		case ok && a.GetUID() != before[n].GetUID():
			t.Errorf("%s (%s) was replaced: UID %s -> %s", n, a.GetKind(), before[n].GetUID(), a.GetUID())
		case ok && slices.Contains(gone, n):
			t.Errorf("%s (%s) still exists, want it removed", n, a.GetKind())
		}
	}
}

// simEvents returns the simulator's events since a time, of the given types,
// for the objects of a snapshot (by UID) or any object when s is nil.
func simEvents(since time.Time, s snapshot, kinds ...providersim.EventType) []providersim.Event {
	uids := map[types.UID]bool{}
	for _, o := range s {
		uids[o.GetUID()] = true
	}
	var out []providersim.Event
	for _, e := range world.sim.Events() {
		if e.Time.Before(since) || !slices.Contains(kinds, e.Type) {
			continue
		}
		if s != nil && !uids[e.UID] {
			continue
		}
		out = append(out, e)
	}
	return out
}

// noRefusals fails on any update the provider simulator refused (a ForceNew
// change) or any error it reported since a time, for a snapshot's objects.
func noRefusals(t *testing.T, since time.Time, s snapshot) {
	t.Helper()
	for _, e := range simEvents(since, s, providersim.EventRefuse, providersim.EventError) {
		t.Errorf("provider %s %s %s: %s", e.Type, e.Kind, e.Name, e.Message)
	}
}

// claimStatus reads a field of the claim's status.
func claimStatus(ctx context.Context, claim string, path ...string) (any, error) {
	c, err := get(ctx, claimGVR, claimNamespace, claim)
	if err != nil {
		return nil, err
	}
	v, _, err := unstructured.NestedFieldNoCopy(c.Object, append([]string{"status"}, path...)...)
	return v, err
}

// composedField reads a field of a composed resource by composition-resource name.
func composedField(ctx context.Context, xr, name string, path ...string) (any, *unstructured.Unstructured, error) {
	objs, err := composedOf(ctx, xr)
	if err != nil {
		return nil, nil, err
	}
	for i := range objs {
		if crn(objs[i]) == name {
			v, _, err := unstructured.NestedFieldNoCopy(objs[i].Object, path...)
			return v, &objs[i], err
		}
	}
	return nil, nil, fmt.Errorf("%s has no composed resource %s", xr, name)
}

// editClaim applies edits to an example claim under the claim's name.
func editClaim(t *testing.T, file string, e ...func(map[string]any)) {
	t.Helper()
	applyClaim(t, readClaim(t, file, e...))
}

func num(v any) float64 {
	switch n := v.(type) {
	case int64:
		return float64(n)
	case float64:
		return n
	case int:
		return float64(n)
	}
	return -1
}

func joinNames(es []providersim.Event) string {
	var out []string
	for _, e := range es {
		out = append(out, e.Kind+"/"+e.Name)
	}
	return strings.Join(out, ", ")
}
