//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"
)

// Kinds the tests read.
var (
	claimGVR = schema.GroupVersionResource{Group: "platform.payments.io", Version: "v1alpha1", Resource: "paymentplatforms"}
	xrGVR    = schema.GroupVersionResource{Group: "platform.payments.io", Version: "v1alpha1", Resource: "xpaymentplatforms"}
)

// condition returns a condition of an object: status, reason, message.
func condition(u *unstructured.Unstructured, typ string) (status, reason, message string) {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		m, _ := c.(map[string]any)
		if m["type"] == typ {
			s, _ := m["status"].(string)
			r, _ := m["reason"].(string)
			msg, _ := m["message"].(string)
			return s, r, msg
		}
	}
	return "", "", ""
}

// eventually polls check until it returns nil or the timeout passes, then
// fails the test with the last error.
func eventually(t *testing.T, timeout time.Duration, what string, check func(context.Context) error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var last error
	for {
		if last = check(ctx); last == nil {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s: not within %s: %v", what, timeout, last)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// get reads an object (cluster-scoped when ns is empty).
func get(ctx context.Context, gvr schema.GroupVersionResource, ns, name string) (*unstructured.Unstructured, error) {
	if ns == "" {
		return world.dyn.Resource(gvr).Get(ctx, name, metav1.GetOptions{})
	}
	return world.dyn.Resource(gvr).Namespace(ns).Get(ctx, name, metav1.GetOptions{})
}

// conditionIs checks one condition's status (and reason, when given).
func conditionIs(u *unstructured.Unstructured, typ, status, reason string) error {
	s, r, msg := condition(u, typ)
	if s != status || (reason != "" && r != reason) {
		return fmt.Errorf("%s %s: %s=%q reason %q (want %q %q): %s", u.GetKind(), u.GetName(), typ, s, r, status, reason, msg)
	}
	return nil
}

// apply server-side applies a YAML object as the test's field manager.
func apply(ctx context.Context, gvr schema.GroupVersionResource, raw []byte) (*unstructured.Unstructured, error) {
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal(raw, &u.Object); err != nil {
		return nil, err
	}
	j, err := u.MarshalJSON()
	if err != nil {
		return nil, err
	}
	r := world.dyn.Resource(gvr)
	opts := metav1.PatchOptions{FieldManager: "e2e-user", Force: ptr.To(true)}
	if ns := u.GetNamespace(); ns != "" {
		return r.Namespace(ns).Patch(ctx, u.GetName(), types.ApplyPatchType, j, opts)
	}
	return r.Patch(ctx, u.GetName(), types.ApplyPatchType, j, opts)
}

func short(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
