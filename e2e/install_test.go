//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/acme-payments/xpaymentplatform/internal/controlplane"
)

// install: the packages install the real way and the XRD is usable: the
// API server accepted the CRDs Crossplane made from it (Established) and the
// claim CRD too (Offered). A package reports Healthy even when its XRD's
// CRDs are refused, so the XRD's own conditions are what count.
func install(t *testing.T) {
	eventually(t, 3*time.Minute, "XRD Established and Offered", func(ctx context.Context) error {
		xrd, err := get(ctx, controlplane.XRDGVR, "", "xpaymentplatforms.platform.payments.io")
		if err != nil {
			return err
		}
		err = conditionIs(xrd, "Established", "True", "")
		if err == nil {
			err = conditionIs(xrd, "Offered", "True", "")
		}
		if err != nil {
			// A CRD the API server refuses shows only as an event.
			if evs, _ := warningEvents(ctx, "", xrd.GetKind(), xrd.GetName()); len(evs) > 0 {
				return fmt.Errorf("%w; last warning: %s", err, short(evs[len(evs)-1].Message, 600))
			}
		}
		return err
	})
	eventually(t, time.Minute, "Configuration and Function Healthy", func(ctx context.Context) error {
		c, err := get(ctx, controlplane.ConfigurationGVR, "", world.pkgs.ConfigurationName)
		if err != nil {
			return err
		}
		if err := conditionIs(c, "Healthy", "True", ""); err != nil {
			return err
		}
		f, err := get(ctx, controlplane.FunctionGVR, "", world.pkgs.FunctionName)
		if err != nil {
			return err
		}
		return conditionIs(f, "Healthy", "True", "")
	})
}
