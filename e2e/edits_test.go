//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crossplane/function-sdk-go/resource"

	"github.com/acme-payments/xpaymentplatform/functions/payment-platform/fn"
	"github.com/acme-payments/xpaymentplatform/internal/providersim"
)

const (
	prodClaimFile = "claim-prod.yaml"
	prodClaim     = "payments-prod"
)

// stateful are the composed resources that hold data or keys: an edit must
// never delete or replace them.
var stateful = []string{"aurora", "kms-key", "kms-alias", "db-subnet-group", "db-secret-rotation"}

// safetyEdit is one claim edit applied on top of the previous ones to the
// Ready prod platform.
type safetyEdit struct {
	name  string
	edits []func(map[string]any)
	// settled says the platform reflects the edit.
	settled func(ctx context.Context, xr string) error
	// gone are the composition-resource names the edit explicitly removes.
	gone func(before snapshot) []string
	// protected: the edit drops resources the platform keeps, with the
	// ResourcesProtected condition.
	protected bool
	// orphans is how many of the removed resources stay in AWS
	// (deletionPolicy Orphan).
	orphans int
}

func forProvider(path ...string) []string { return append([]string{"spec", "forProvider"}, path...) }

// wantField waits for a composed resource's field to have a value.
func wantField(name string, want any, path ...string) func(ctx context.Context, xr string) error {
	return func(ctx context.Context, xr string) error {
		got, _, err := composedField(ctx, xr, name, path...)
		if err != nil {
			return err
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			return fmt.Errorf("%s %s = %v, want %v", name, strings.Join(path, "."), got, want)
		}
		return nil
	}
}

var safetyEdits_ = []safetyEdit{
	{
		name:    "Capacity",
		edits:   edits(set("spec.database.minCapacity", int64(4)), set("spec.database.maxCapacity", int64(32))),
		settled: wantField("aurora", 32, forProvider("serverlessv2ScalingConfiguration", "maxCapacity")...),
	},
	{
		name:    "Tags",
		edits:   edits(set("spec.tags.Owner", "payments-oncall")),
		settled: wantField("kms-key", "payments-oncall", forProvider("tags", "Owner")...),
	},
	{
		name:  "EngineMinorVersion",
		edits: edits(set("spec.database.engineVersion", "16.8")),
		// The version was set at creation (initProvider); a higher one in
		// the claim is an upgrade the provider applies, and once Aurora
		// runs it the claim asks for nothing more.
		settled: wantField("aurora", "16.8", "status", "atProvider", "engineVersionActual"),
	},
	{
		name:    "SourceHost",
		edits:   edits(set("spec.migration.source.host", "pg2-payments.corp.example.com")),
		settled: wantField("dms-source-endpoint", "pg2-payments.corp.example.com", forProvider("serverName")...),
	},
	{
		name:    "FewerInstances",
		edits:   edits(set("spec.database.instances", int64(2))),
		settled: absent("aurora-instance-c"),
		gone:    func(snapshot) []string { return []string{"aurora-instance-c"} },
	},
	{
		name: "FewerZones",
		edits: edits(set("spec.network.availabilityZones", int64(2)),
			set("spec.network.availabilityZoneNames", []any{"us-east-2a", "us-east-2b"})),
		settled:   protectedCondition,
		protected: true,
	},
	{
		name:    "MigrationOff",
		edits:   edits(set("spec.migration.enabled", false)),
		settled: absent("migration"),
		gone: func(before snapshot) []string {
			var out []string
			for n, o := range before {
				// Stateful kinds (DMS's user secret) stay: a spec edit
				// never deletes them; they go with the platform.
				if fn.IsStateful(o.GetKind()) {
					continue
				}
				if fn.IsMigrationResource(resource.Name(n)) || fn.IsLambdaResource(resource.Name(n)) {
					out = append(out, n)
				}
			}
			return out
		},
		// The prod claim manages the account's DMS roles: they leave the
		// platform but stay in the account.
		orphans: 2 * len(fn.DMSAccountRoles),
	},
}

func absent(name string) func(ctx context.Context, xr string) error {
	return func(ctx context.Context, xr string) error {
		if _, _, err := composedField(ctx, xr, name); err == nil {
			return fmt.Errorf("%s still exists", name)
		}
		return nil
	}
}

func protectedCondition(ctx context.Context, _ string) error {
	c, err := get(ctx, claimGVR, claimNamespace, prodClaim)
	if err != nil {
		return err
	}
	return conditionIs(c, "ResourcesProtected", "True", "KeptAfterSpecEdit")
}

// safetyEdits applies the safety table's edits, one after another, to the
// Ready prod platform: each settles without the provider refusing an
// update, the stateful resources keep their UIDs, and only what an edit
// explicitly removes is deleted; dropping zones keeps their resources with
// ResourcesProtected.
func safetyEdits(t *testing.T) {
	xr, err := xrOf(context.Background(), prodClaim)
	if err != nil {
		t.Fatal(err)
	}
	var applied []func(map[string]any)
	for _, e := range safetyEdits_ {
		t.Run(e.name, func(t *testing.T) {
			before := takeSnapshot(t, xr)
			start := time.Now()
			applied = append(applied, e.edits...)
			editClaim(t, prodClaimFile, applied...)
			eventually(t, 4*time.Minute, e.name+" settled", func(ctx context.Context) error { return e.settled(ctx, xr) })
			if !e.protected {
				waitClaimReady(t, prodClaim, 4*time.Minute)
			}
			var gone []string
			if e.gone != nil {
				gone = e.gone(before)
			}
			// What the edit removes goes in dependency order (Usages
			// hold a subnet group until the instance using it is gone).
			eventually(t, 4*time.Minute, e.name+": removed resources gone", func(ctx context.Context) error {
				for _, n := range gone {
					if err := absent(n)(ctx, xr); err != nil {
						return err
					}
				}
				return nil
			})
			after := takeSnapshot(t, xr)
			sameObjects(t, before, after, gone...)
			noRefusals(t, start, before)
			for _, n := range stateful {
				_, was := before[n]
				if _, is := after[n]; was && !is {
					t.Errorf("stateful %s is gone", n)
				}
			}
			if orphans := checkOrphans(t, start, before, gone); len(orphans) != e.orphans {
				t.Errorf("orphaned %v, want %d resources", orphans, e.orphans)
			}
			deleted := simEvents(start, before, providersim.EventDelete)
			for _, d := range deleted {
				if n := nameOf(before, d); !slices.Contains(gone, n) {
					t.Errorf("the provider deleted %s (%s %s)", n, d.Kind, d.Name)
				}
			}
		})
	}
}

func nameOf(s snapshot, e providersim.Event) string {
	for n, o := range s {
		if o.GetUID() == e.UID {
			return n
		}
	}
	return ""
}
