//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// scenario is one end-to-end scenario. They share one control plane and
// run in order: later ones start from the world earlier ones left (the
// example claims Ready), so a failed prerequisite stops the run.
type scenario struct {
	name     string
	run      func(*testing.T)
	required bool // later scenarios need it
}

var scenarios = []scenario{
	{"Install", install, true},
	{"Admission", admission, false},
	{"ExampleClaimsReady", exampleClaimsReady, true},
	{"CutoverWalk", cutoverWalk, false},
	{"SafetyEdits", safetyEdits, false},
	{"Deletion", deletion, false},
}

// TestE2E runs the scenarios in order and prints how long each took.
func TestE2E(t *testing.T) {
	var report strings.Builder
	for _, s := range scenarios {
		start := time.Now()
		ok := t.Run(s.name, s.run)
		fmt.Fprintf(&report, "e2e:   %-22s %-4s %s\n", s.name, map[bool]string{true: "ok", false: "FAIL"}[ok], time.Since(start).Round(time.Second))
		if !ok && s.required {
			fmt.Fprintf(&report, "e2e:   (stopped: %s is required by the scenarios after it)\n", s.name)
			break
		}
	}
	fmt.Fprint(os.Stderr, "e2e: scenarios\n"+report.String())
}
