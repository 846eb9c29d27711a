//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/acme-payments/xpaymentplatform/functions/payment-platform/fn"
)

// devClaim is the dev example: a cutover without the validation Lambdas,
// gated on the data tier and the DMS task (the walk with the validation
// gate comes with the cutover-safety work).
const (
	devClaimFile = "claim.yaml"
	devClaim     = "payments-dev"
)

// cutoverWalk walks the dev claim 0 -> 10 -> 50 -> 100, with a skipped step
// held, the function killed and restarted and Crossplane core restarted in
// the middle, then rolls back and forward again. After every move no
// composed resource was deleted, replaced, duplicated or refused by the
// provider.
func cutoverWalk(t *testing.T) {
	xr, err := xrOf(context.Background(), devClaim)
	if err != nil {
		t.Fatal(err)
	}
	before := takeSnapshot(t, xr)
	start := time.Now()

	t.Run("SkipIsHeld", func(t *testing.T) {
		editClaim(t, devClaimFile, set("spec.cutover.step", int64(50)))
		waitCutover(t, xr, 0, 100, 0, "StepHeld", "steps are taken in order: from 0 the next step is 10, not 50")
		captureWorld(t, devClaim, "cutover-skip-held")
	})
	t.Run("Step10", func(t *testing.T) {
		editClaim(t, devClaimFile, set("spec.cutover.step", int64(10)))
		waitCutover(t, xr, 10, 90, 10, "", "")
		captureWorld(t, devClaim, "cutover-step-10")
	})
	t.Run("Step50AcrossAFunctionCrash", func(t *testing.T) {
		world.stack.KillFunction(world.fn)
		editClaim(t, devClaimFile, set("spec.cutover.step", int64(50)))
		time.Sleep(5 * time.Second) // Crossplane meets a dead function
		if err := world.stack.RestartFunction(context.Background(), world.fn, world.pkgs.FunctionBinary); err != nil {
			t.Fatal(err)
		}
		waitCutover(t, xr, 50, 50, 50, "", "")
		captureWorld(t, devClaim, "cutover-step-50")
	})
	t.Run("Step100AcrossACrossplaneRestart", func(t *testing.T) {
		if err := world.stack.RestartCrossplane(context.Background()); err != nil {
			t.Fatal(err)
		}
		editClaim(t, devClaimFile, set("spec.cutover.step", int64(100)))
		waitCutover(t, xr, 100, 0, 100, "", "")
		captureWorld(t, devClaim, "cutover-step-100")
	})
	t.Run("Rollback", func(t *testing.T) {
		editClaim(t, devClaimFile, set("spec.cutover.step", int64(100)), set("spec.cutover.rollback", true))
		waitCutover(t, xr, 100, 100, 0, "", "")
		captureWorld(t, devClaim, "cutover-rollback")
	})
	t.Run("BackAfterRollback", func(t *testing.T) {
		editClaim(t, devClaimFile, set("spec.cutover.step", int64(100)))
		waitCutover(t, xr, 100, 0, 100, "", "")
	})

	// The new-system record exists only while AWS takes traffic: not at
	// step 0 (before the walk) nor during the rollback, so it is the one
	// resource the walk adds.
	after := takeSnapshot(t, xr)
	if _, ok := before["record-new"]; ok {
		t.Error("a new-system record at step 0")
	}
	sameObjects(t, before, after)
	if len(after) != len(before)+1 {
		t.Errorf("%d composed resources before the walk, %d after; want one more (record-new)", len(before), len(after))
	}
	noRefusals(t, start, after)
	if w := waitClaimReady(t, devClaim, 3*time.Minute); w == nil {
		t.Fatal("the claim is not Ready after the walk")
	}
}

// waitCutover waits until the claim's status shows the step and weights,
// the new record carries the new weight, and CutoverReady has the reason
// (when given) with the message.
func waitCutover(t *testing.T, xr string, step, oldW, newW int, reason, message string) {
	t.Helper()
	eventually(t, 4*time.Minute, fmt.Sprintf("cutover at step %d (old %d, new %d)", step, oldW, newW), func(ctx context.Context) error {
		st, err := claimStatus(ctx, devClaim, "cutover")
		if err != nil {
			return err
		}
		m, _ := st.(map[string]any)
		w, _ := m["weights"].(map[string]any)
		if num(m["step"]) != float64(step) || num(w["old"]) != float64(oldW) || num(w["new"]) != float64(newW) {
			return fmt.Errorf("claim status.cutover = %v", m)
		}
		// Weight 0 is not "no traffic" (Route 53 answers with zero-weight
		// records when every weighted one is unhealthy): at weight 0 the
		// new-system record is gone.
		got, rec, err := composedField(ctx, xr, "record-new", "spec", "forProvider", "weightedRoutingPolicy", "weight")
		switch {
		case newW == 0 && err == nil:
			return fmt.Errorf("record-new exists (weight %v) at weight 0", got)
		case newW == 0:
		case err != nil:
			return err
		case num(got) != float64(newW):
			return fmt.Errorf("record-new weight %v, want %d", got, newW)
		default:
			if err := conditionIs(rec, "Synced", "True", ""); err != nil {
				return err
			}
		}
		// The old record, always there, carries the step in force.
		inForce, _, err := composedField(ctx, xr, "record-old", "metadata", "annotations", fn.AnnotationCutoverStep)
		if err != nil || inForce != fmt.Sprint(step) {
			return fmt.Errorf("record-old step annotation %v, want %d (%v)", inForce, step, err)
		}
		if reason != "" {
			c, err := get(ctx, claimGVR, claimNamespace, devClaim)
			if err != nil {
				return err
			}
			if err := conditionIs(c, "CutoverReady", "False", reason); err != nil {
				return err
			}
			if _, _, msg := condition(c, "CutoverReady"); !strings.Contains(msg, message) {
				return fmt.Errorf("CutoverReady message %q lacks %q", msg, message)
			}
		}
		return nil
	})
}
