package providersim

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
)

// existing is a resource the provider created earlier and that is now
// being deleted, as the API server holds it.
const existing = `
metadata:
  finalizers: [%s]
  annotations: {crossplane.io/external-name: vpc-0123456789abcdef0}
spec:
  deletionPolicy: %s
  forProvider: {region: us-east-2, cidrBlock: 10.0.0.0/16}
status:
  atProvider: {id: vpc-0123456789abcdef0, cidrBlock: 10.0.0.0/16}
`

func TestDeletion(t *testing.T) {
	cases := map[string]struct {
		finalizers    string
		policy        string
		wantFinalizer []string
		wantEvent     EventType // "" for none
	}{
		"DeletesAndRemovesTheFinalizer": {
			finalizers: managed.FinalizerName, policy: "Delete",
			wantFinalizer: nil, wantEvent: EventDelete,
		},
		"OrphanRemovesTheFinalizerOnly": {
			finalizers: managed.FinalizerName, policy: "Orphan",
			wantFinalizer: nil, wantEvent: EventOrphan,
		},
		"WaitsForOtherFinalizers": {
			finalizers: managed.FinalizerName + ", example.org/other", policy: "Delete",
			wantFinalizer: []string{managed.FinalizerName, "example.org/other"}, wantEvent: "",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			u := kVPC.obj(t, "net", fmt.Sprintf(existing, tc.finalizers, tc.policy))
			markDeleted(u)
			e := newEnv(t, Options{}, u)
			if tc.wantEvent == "" {
				time.Sleep(500 * time.Millisecond)
			}
			e.eventually("reconciled", func() error {
				u := e.get(kVPC, "net")
				if fmt.Sprint(u.GetFinalizers()) != fmt.Sprint(tc.wantFinalizer) {
					return fmt.Errorf("finalizers = %v, want %v", u.GetFinalizers(), tc.wantFinalizer)
				}
				var ev []Event
				for _, typ := range []EventType{EventDelete, EventOrphan} {
					ev = append(ev, e.events("net", typ)...)
				}
				if tc.wantEvent == "" {
					if len(ev) != 0 {
						return fmt.Errorf("deleted while another finalizer is there: %+v", ev)
					}
					return nil
				}
				if len(ev) != 1 || ev[0].Type != tc.wantEvent || ev[0].ExternalName != "vpc-0123456789abcdef0" {
					return fmt.Errorf("events = %+v, want one %s", ev, tc.wantEvent)
				}
				return nil
			})
			if len(e.events("net", EventCreate)) != 0 {
				t.Errorf("a deleted resource was created: %s", e.eventsString())
			}
		})
	}
}

func TestOrphanedCRUDInvocationIsNotInvoked(t *testing.T) {
	u := invocation(t, "run", "CRUD", `{"a":1}`)
	u.SetFinalizers([]string{managed.FinalizerName})
	_ = setNested(u, "Orphan", "spec", "deletionPolicy")
	_ = setNested(u, map[string]any{"id": "validator,$LATEST,x", "input": `{"a":1}`, "lifecycleScope": "CRUD"}, "status", "atProvider")
	markDeleted(u)
	e := newEnv(t, Options{}, u)
	e.eventually("finalizer removed", func() error {
		if meta.FinalizerExists(e.get(kInvocation, "run"), managed.FinalizerName) {
			return errors.New("finalizer still there")
		}
		return nil
	})
	if p := e.inv.payloads(); len(p) != 0 {
		t.Errorf("orphaned invocation invoked: %q", p)
	}
	if len(e.events("run", EventOrphan)) != 1 || len(e.events("run", EventDelete)) != 0 {
		t.Errorf("events = %s, want one Orphan", e.eventsString())
	}
}

func setNested(u interface{ UnstructuredContent() map[string]any }, v any, path ...string) error {
	m := u.UnstructuredContent()
	for _, p := range path[:len(path)-1] {
		n, ok := m[p].(map[string]any)
		if !ok {
			n = map[string]any{}
			m[p] = n
		}
		m = n
	}
	m[path[len(path)-1]] = v
	return nil
}
