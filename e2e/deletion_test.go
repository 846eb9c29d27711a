//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/acme-payments/xpaymentplatform/internal/providersim"
)

// usedBy are resources a ClusterUsage protects until the cluster is gone.
var usedByAurora = []string{"db-subnet-group", "kms-key", "sg-database"}

// deletion deletes both claims: everything they composed is deleted
// (garbage-collected through the XR's Foreground deletion) except what is
// orphaned by policy, which stays in AWS; the Usages
// make the provider delete the Aurora cluster before what it uses, and
// nothing is left.
func deletion(t *testing.T) {
	ctx := context.Background()
	type platform struct {
		claim, xr string
		before    snapshot
	}
	var platforms []platform
	for _, claim := range []string{prodClaim, devClaim} {
		xr, err := xrOf(ctx, claim)
		if err != nil {
			t.Fatal(err)
		}
		platforms = append(platforms, platform{claim: claim, xr: xr, before: takeSnapshot(t, xr)})
	}
	start := time.Now()
	for _, p := range platforms {
		if err := world.dyn.Resource(claimGVR).Namespace(claimNamespace).Delete(ctx, p.claim, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range platforms {
		t.Run(p.claim, func(t *testing.T) {
			eventually(t, 5*time.Minute, "every composed resource of "+p.xr+" deleted", func(ctx context.Context) error {
				left, err := composedOf(ctx, p.xr)
				if err != nil {
					return err
				}
				if len(left) > 0 {
					return fmt.Errorf("%d left, e.g. %s %s", len(left), left[0].GetKind(), left[0].GetName())
				}
				if _, err := get(ctx, xrGVR, "", p.xr); err == nil {
					return fmt.Errorf("XR %s still exists", p.xr)
				}
				if _, err := get(ctx, claimGVR, claimNamespace, p.claim); err == nil {
					return fmt.Errorf("claim %s still exists", p.claim)
				}
				return nil
			})
			t.Logf("%s: %d composed resources deleted within %s", p.claim, len(p.before), time.Since(start).Round(time.Second))
			deleted := map[string]time.Time{}
			for _, e := range simEvents(start, p.before, providersim.EventDelete) {
				deleted[nameOf(p.before, e)] = e.Time
			}
			// Everything is deleted in AWS but what has deletionPolicy
			// Orphan (the account's DMS roles, when managed), which stays.
			var all []string
			for n, o := range p.before {
				if o.GetKind() != "ClusterUsage" {
					all = append(all, n)
				}
			}
			orphans := checkOrphans(t, start, p.before, all)
			for _, n := range all {
				if _, ok := deleted[n]; !ok && !slices.Contains(orphans, n) {
					t.Errorf("%s (%s) was never deleted by the provider", n, p.before[n].GetKind())
				}
			}
			aurora, ok := deleted["aurora"]
			if !ok {
				t.Fatal("the Aurora cluster was not deleted")
			}
			for _, n := range usedByAurora {
				if d, ok := deleted[n]; ok && d.Before(aurora) {
					t.Errorf("%s was deleted before the Aurora cluster that uses it", n)
				}
			}
		})
	}
}

// checkOrphans: of the named resources of a snapshot that Crossplane has
// since deleted, those with deletionPolicy Orphan were orphaned by the
// provider and never deleted in AWS. It returns their names.
func checkOrphans(t *testing.T, start time.Time, before snapshot, names []string) []string {
	t.Helper()
	deleted, orphaned := map[string]bool{}, map[string]bool{}
	for _, e := range simEvents(start, before, providersim.EventDelete) {
		deleted[nameOf(before, e)] = true
	}
	for _, e := range simEvents(start, before, providersim.EventOrphan) {
		orphaned[nameOf(before, e)] = true
	}
	var out []string
	for _, n := range names {
		o, ok := before[n]
		if !ok {
			continue
		}
		if policy, _, _ := unstructured.NestedString(o.Object, "spec", "deletionPolicy"); policy == "Orphan" {
			out = append(out, n)
			if deleted[n] || !orphaned[n] {
				t.Errorf("%s (%s) has deletionPolicy Orphan: deleted in AWS %t, orphaned %t", n, o.GetKind(), deleted[n], orphaned[n])
			}
		}
	}
	return out
}
