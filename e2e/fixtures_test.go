//go:build e2e

package e2e

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// updateFixtures (E2E_UPDATE=1, make fixtures) writes the observed worlds
// crossplane render needs for the example renders (examples/observed/)
// from what this control plane and the provider simulator produced, so the
// render goldens never rest on hand-written conditions.
var updateFixtures = os.Getenv("E2E_UPDATE") != ""

// fixedTime replaces every timestamp in a fixture, so fixtures change only
// when what is observed changes; the simulator reports fixtureTime as the
// time of what it creates.
const fixedTime = "2026-01-01T00:00:00Z"

var fixtureTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// volatileAnnotations carry times of the run.
var volatileAnnotations = []string{
	"crossplane.io/external-create-pending", "crossplane.io/external-create-succeeded", "crossplane.io/external-create-failed",
}

// captureWorld writes the composed resources of a claim's XR, as observed
// now, to examples/observed/<name>.yaml.
func captureWorld(t *testing.T, claim, name string) {
	t.Helper()
	if !updateFixtures {
		return
	}
	// The world a render is made in is a settled one.
	waitClaimReady(t, claim, 3*time.Minute)
	ctx := context.Background()
	xr, err := xrOf(ctx, claim)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := composedOf(ctx, xr)
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(objs, func(a, b unstructured.Unstructured) int { return strings.Compare(crn(a), crn(b)) })
	var b strings.Builder
	b.WriteString("# Observed composed resources, captured from the end-to-end control plane (kube-apiserver, Crossplane core,\n" +
		"# the provider simulator) by make fixtures. Timestamps are normalised; nothing here is hand-written.\n")
	for i, o := range objs {
		raw, err := yaml.Marshal(fixture(o, xr, claim))
		if err != nil {
			t.Fatal(err)
		}
		if i > 0 {
			b.WriteString("---\n")
		}
		b.Write(raw)
	}
	path := filepath.Join(repo, "examples", "observed", name+".yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s (%d resources)", path, len(objs))
}

// fixture is an observed object as crossplane render takes it: metadata
// without server-set fields, the generated XR name replaced by the claim's
// (the examples' XRs are named after their claims), times fixed.
func fixture(o unstructured.Unstructured, xr, claim string) map[string]any {
	u := o.DeepCopy()
	for _, f := range []string{"uid", "resourceVersion", "generation", "creationTimestamp", "managedFields", "ownerReferences"} {
		unstructured.RemoveNestedField(u.Object, "metadata", f)
	}
	labels := u.GetLabels()
	for k, v := range labels {
		if v == xr {
			labels[k] = claim
		}
	}
	u.SetLabels(labels)
	ann := u.GetAnnotations()
	for _, a := range volatileAnnotations {
		if _, ok := ann[a]; ok {
			ann[a] = fixedTime
		}
	}
	u.SetAnnotations(ann)
	if conds, ok, _ := unstructured.NestedSlice(u.Object, "status", "conditions"); ok {
		for _, c := range conds {
			if m, ok := c.(map[string]any); ok {
				m["lastTransitionTime"] = fixedTime
				delete(m, "observedGeneration")
			}
		}
		// The order of conditions is the order they were first set in.
		slices.SortFunc(conds, func(a, b any) int {
			ta, _ := a.(map[string]any)["type"].(string)
			tb, _ := b.(map[string]any)["type"].(string)
			return strings.Compare(ta, tb)
		})
		_ = unstructured.SetNestedSlice(u.Object, conds, "status", "conditions")
	}
	return u.Object
}
