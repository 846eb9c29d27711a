// Package examples holds the example claims, the XRs and observed fixtures
// crossplane render needs, and the golden renders. This test renders every
// example with the real crossplane CLI against the function (served here,
// in-process, like the Development runtime expects), compares with the
// golden files, and validates everything with crossplane beta validate
// against the real provider-aws CRDs, our XRD and Crossplane's core CRDs.
//
//	go test ./examples -update   # regenerate XRs, observed fixtures, goldens
package examples

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	function "github.com/crossplane/function-sdk-go"
	"github.com/crossplane/function-sdk-go/logging"
	"github.com/google/go-cmp/cmp"

	"github.com/acme-payments/xpaymentplatform/apis/v1alpha1"
	"github.com/acme-payments/xpaymentplatform/functions/payment-platform/fn"
	"github.com/acme-payments/xpaymentplatform/internal/render"
)

var update = flag.Bool("update", false, "rewrite generated XRs, observed fixtures and golden renders")

const (
	composition = "../compositions/composition.yaml"
	functions   = "functions.yaml"
	xrd         = "../apis/xpaymentplatforms/definition.yaml"
)

// Case is one render: a claim, optionally in a world observed from another
// case's render.
type Case struct {
	Name  string
	Claim string
	// ObservedFrom names the case whose render, made Ready, is the observed
	// state of this one.
	ObservedFrom string
}

// Cases are every example render. Order matters: observed fixtures are
// generated from earlier cases.
var Cases = []Case{
	{Name: "claim", Claim: "claim.yaml"},
	{Name: "claim-ready", Claim: "claim.yaml", ObservedFrom: "claim"},
	{Name: "claim-prod", Claim: "claim-prod.yaml"},
	{Name: "claim-prod-ready", Claim: "claim-prod.yaml", ObservedFrom: "claim-prod"},
	// The cutover, each step rendered in the world the previous one left.
	{Name: "cutover-step-10", Claim: "cutover/step-10.yaml", ObservedFrom: "claim-prod-ready"},
	{Name: "cutover-step-50", Claim: "cutover/step-50.yaml", ObservedFrom: "cutover-step-10"},
	{Name: "cutover-step-100", Claim: "cutover/step-100.yaml", ObservedFrom: "cutover-step-50"},
	{Name: "cutover-rollback", Claim: "cutover/rollback.yaml", ObservedFrom: "cutover-step-100"},
	// Skipping a step is refused: the step stays at 0 with a Warning.
	{Name: "cutover-skip-held", Claim: "cutover/step-50.yaml", ObservedFrom: "claim-prod-ready"},
}

// cutoverClaims are derived from claim-prod.yaml by setting the step (and
// rollback), so they never drift from it.
var cutoverClaims = map[string]struct {
	step     string
	rollback bool
}{
	"cutover/step-10.yaml":  {step: "10"},
	"cutover/step-50.yaml":  {step: "50"},
	"cutover/step-100.yaml": {step: "100"},
	"cutover/rollback.yaml": {step: "100", rollback: true},
}

func cutoverClaim(t *testing.T, file string) []byte {
	t.Helper()
	base, err := os.ReadFile("claim-prod.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c := cutoverClaims[file]
	s := strings.Replace(string(base), "    step: 0\n", "    step: "+c.step+"\n", 1)
	if c.rollback {
		s = strings.Replace(s, "    rollback: false\n", "    rollback: true\n", 1)
	}
	if s == string(base) {
		t.Fatalf("claim-prod.yaml has no cutover step to set")
	}
	return []byte("# Generated from claim-prod.yaml by the examples test (make golden): the cutover at step " + c.step +
		map[bool]string{true: " with rollback", false: ""}[c.rollback] + ".\n" + s)
}

var target string

func TestMain(m *testing.M) {
	flag.Parse()
	addr, err := render.FreeAddr()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	go func() {
		err := function.Serve(&fn.Function{Log: nopLogger()}, function.Listen("tcp", addr), function.Insecure(true), function.WithMetricsServer(""))
		fmt.Fprintln(os.Stderr, "function server stopped:", err)
	}()
	if err := render.WaitForListener(addr, 10*time.Second); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	target = addr
	os.Exit(m.Run())
}

// CLI returns the crossplane binary (make builds it into bin/).
func CLI(t testing.TB) string { t.Helper(); return render.CLIPath(t, "..") }

func xrPath(c Case) string { return filepath.Join("xr", strings.ReplaceAll(c.Claim, "/", "-")) }

func observedPath(c Case) string {
	if c.ObservedFrom == "" {
		return ""
	}
	return filepath.Join("observed", c.Name+".yaml")
}

func goldenPath(c Case) string { return filepath.Join("golden", c.Name+".yaml") }

// checkOrWrite compares got with the file, or writes it under -update.
func checkOrWrite(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%s: %v (run make golden)", path, err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s is out of date (run make golden to accept); -want +got:\n%s", path, diff)
	}
}

// renderCase renders one case with the real CLI.
func renderCase(t *testing.T, cli string, c Case) []byte {
	t.Helper()
	out, err := render.Run(context.Background(), render.Options{
		CLI: cli, XR: xrPath(c), Composition: composition, Functions: functions, XRD: xrd,
		Observed: observedPath(c), Target: target, Results: true,
	})
	if err != nil {
		t.Fatalf("render %s: %v", c.Name, err)
	}
	return out
}

// TestRender keeps XRs in sync with claims, renders every case and compares
// with its golden file.
func TestRender(t *testing.T) {
	cli := CLI(t)
	for _, f := range slices.Sorted(maps.Keys(cutoverClaims)) {
		checkOrWrite(t, f, cutoverClaim(t, f))
	}
	for _, c := range Cases {
		claim, err := os.ReadFile(c.Claim)
		if err != nil {
			t.Fatal(err)
		}
		xr, err := render.ClaimToXR(claim, v1alpha1.Kind)
		if err != nil {
			t.Fatal(err)
		}
		checkOrWrite(t, xrPath(c), xr)
	}
	rendered := map[string][]byte{}
	for _, c := range Cases {
		if c.ObservedFrom != "" {
			checkOrWrite(t, observedPath(c), readyWorld(t, cli, c, rendered[c.ObservedFrom]))
		}
		out := renderCase(t, cli, c)
		rendered[c.Name] = out
		checkOrWrite(t, goldenPath(c), out)
	}
}

// readyWorld is the world a case renders in: the previous case's render,
// observed as Ready, then this case's XR rendered and observed again until
// nothing changes — as a cluster settles: resources that need values only
// known after creation (the DMS target endpoint needs the Aurora endpoint)
// appear in later passes, the validator runs for a requested cutover step,
// and the step moves when everything allows it.
func readyWorld(t *testing.T, cli string, c Case, first []byte) []byte {
	t.Helper()
	obs, err := render.Observe(first)
	if err != nil {
		t.Fatal(err)
	}
	for pass := 0; pass < 5; pass++ {
		f := filepath.Join(t.TempDir(), "observed.yaml")
		if err := os.WriteFile(f, obs, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := render.Run(context.Background(), render.Options{
			CLI: cli, XR: xrPath(c), Composition: composition, Functions: functions, XRD: xrd, Observed: f, Target: target,
		})
		if err != nil {
			t.Fatalf("render %s in an observed world: %v", c.Name, err)
		}
		next, err := render.Observe(out)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(next, obs) {
			return obs
		}
		obs = next
	}
	t.Fatalf("%s: the observed world did not settle after 5 renders", c.Name)
	return nil
}

// TestValidate validates every golden render, XR and claim against the real
// CRDs and our XRD, offline.
func TestValidate(t *testing.T) {
	cli := CLI(t)
	ext, cache := Extensions(t)
	res := t.TempDir()
	var paths []string
	seen := map[string]bool{}
	for _, c := range Cases {
		for _, p := range []string{goldenPath(c), xrPath(c), c.Claim} {
			if !seen[p] {
				seen[p] = true
				paths = append(paths, p)
			}
		}
	}
	for i, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(res, fmt.Sprintf("%02d-%s", i, filepath.Base(p))), stripResults(t, raw), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, err := render.Validate(context.Background(), cli, ext, res, cache)
	if err != nil {
		t.Fatalf("validate: %v\n%s", err, out)
	}
	if !bytes.Contains(out, []byte("Total")) || bytes.Contains(out, []byte("[x]")) {
		t.Fatalf("validate did not validate cleanly:\n%s", out)
	}
	t.Logf("%s", lastLine(out))
}

// TestValidateRejectsBroken shows validate is not a rubber stamp: a managed
// resource with a wrong type and an unknown field, and a claim breaking a CEL
// rule, each fail.
func TestValidateRejectsBroken(t *testing.T) {
	cli := CLI(t)
	ext, cache := Extensions(t)
	for _, f := range []string{"broken/vpc-wrong-types.yaml", "broken/claim-prod-single-nat.yaml"} {
		out, err := render.Validate(context.Background(), cli, ext, f, cache)
		if err == nil {
			t.Errorf("%s: validate passed, want a failure:\n%s", f, out)
			continue
		}
		want, _ := os.ReadFile(f + ".want")
		for _, line := range strings.Split(strings.TrimSpace(string(want)), "\n") {
			if !strings.Contains(string(out)+err.Error(), line) {
				t.Errorf("%s: validate output lacks %q:\n%s\n%v", f, line, out, err)
			}
		}
	}
}

// Extensions prepares (once per test binary) the extensions directory — our
// XRD plus the provider CRDs of exactly the kinds the goldens compose — and
// the validate cache seeded with Crossplane's core CRDs.
func Extensions(t *testing.T) (string, string) {
	t.Helper()
	dir := t.TempDir()
	ext, cache := filepath.Join(dir, "extensions"), filepath.Join(dir, "cache")
	var objs []map[string]any
	for _, c := range Cases {
		raw, err := os.ReadFile(goldenPath(c))
		if err != nil {
			t.Fatal(err)
		}
		docs, err := render.Docs(raw)
		if err != nil {
			t.Fatal(err)
		}
		objs = append(objs, docs...)
	}
	if err := render.ProviderCRDs(moduleDir(t, ".", "github.com/upbound/provider-aws/v2")+"/package/crds", ext, objs); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(xrd)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ext, "definition.yaml"), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := render.SeedCache(cache, moduleDir(t, "../tools", "github.com/crossplane/crossplane/v2")+"/cluster/crds", "v2.2.0"); err != nil {
		t.Fatal(err)
	}
	return ext, cache
}

func moduleDir(t *testing.T, dir, mod string) string {
	t.Helper()
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", mod)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -m %s in %s: %v", mod, dir, err)
	}
	return strings.TrimSpace(string(out))
}

// stripResults drops kind: Result documents (function results) that render
// includes with -r; they are not Kubernetes resources.
func stripResults(t *testing.T, raw []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	for _, d := range bytes.Split(raw, []byte("\n---")) {
		if bytes.Contains(d, []byte("\nkind: Result\n")) || bytes.HasPrefix(bytes.TrimLeft(d, "-\n"), []byte("apiVersion: render.crossplane.io/v1beta1\nkind: Result")) {
			continue
		}
		b.Write(d)
		b.WriteString("\n---")
	}
	return b.Bytes()
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}

func nopLogger() logging.Logger { return logging.NewNopLogger() }
