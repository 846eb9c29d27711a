//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/acme-payments/xpaymentplatform/internal/providersim"
)

// usedBy are resources a ClusterUsage protects until the cluster is gone.
var usedByAurora = []string{"db-subnet-group", "kms-key", "sg-database"}

// deletion deletes both claims: everything they composed is deleted
// (garbage-collected through the XR's Foreground deletion), the Usages
// make the provider delete the Aurora cluster before what it uses, and
// nothing is left.
func deletion(t *testing.T) {
	for _, claim := range []string{prodClaim, devClaim} {
		t.Run(claim, func(t *testing.T) {
			ctx := context.Background()
			xr, err := xrOf(ctx, claim)
			if err != nil {
				t.Fatal(err)
			}
			before := takeSnapshot(t, xr)
			start := time.Now()
			deleteClaim(t, claim)
			eventually(t, 5*time.Minute, "every composed resource of "+xr+" deleted", func(ctx context.Context) error {
				left, err := composedOf(ctx, xr)
				if err != nil {
					return err
				}
				if len(left) > 0 {
					return fmt.Errorf("%d left, e.g. %s %s", len(left), left[0].GetKind(), left[0].GetName())
				}
				if _, err := get(ctx, xrGVR, "", xr); err == nil {
					return fmt.Errorf("XR %s still exists", xr)
				}
				return nil
			})
			t.Logf("%s: %d composed resources deleted in %s", claim, len(before), time.Since(start).Round(time.Second))
			deleted := map[string]time.Time{}
			for _, e := range simEvents(start, before, providersim.EventDelete) {
				deleted[nameOf(before, e)] = e.Time
			}
			for n, o := range before {
				if o.GetKind() != "ClusterUsage" {
					if _, ok := deleted[n]; !ok {
						t.Errorf("%s (%s) was never deleted by the provider", n, o.GetKind())
					}
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
