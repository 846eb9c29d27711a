// Package examples holds the example claims, the XRs and observed fixtures
// crossplane render needs, and the golden renders. This test renders every
// example with the real crossplane CLI against the function (served here,
// in-process, like the Development runtime expects), compares with the
// golden files, and validates everything with crossplane beta validate
// against the real provider-aws CRDs, our XRD and Crossplane's core CRDs.
//
//	go test ./examples -update   # regenerate XRs and goldens (observed worlds: make fixtures)
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
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

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

// Case is one render: a claim, optionally in an observed world.
type Case struct {
	Name  string
	Claim string
	// World names the observed world (examples/observed/<World>.yaml) the
	// claim renders in: captured from the end-to-end control plane and
	// provider simulator by make fixtures (e2e/fixtures_test.go), never
	// written by hand. Empty: the first reconcile, nothing observed.
	World string
}

// Cases are every example render.
var Cases = []Case{
	{Name: "claim", Claim: "claim.yaml"},
	{Name: "claim-ready", Claim: "claim.yaml", World: "claim-ready"},
	{Name: "claim-prod", Claim: "claim-prod.yaml"},
	{Name: "claim-prod-ready", Claim: "claim-prod.yaml", World: "claim-prod-ready"},
	// The cutover walk of the dev claim, each step in the world the
	// end-to-end walk observed once the step was in force.
	{Name: "cutover-step-10", Claim: "cutover/step-10.yaml", World: "cutover-step-10"},
	{Name: "cutover-step-50", Claim: "cutover/step-50.yaml", World: "cutover-step-50"},
	{Name: "cutover-step-100", Claim: "cutover/step-100.yaml", World: "cutover-step-100"},
	{Name: "cutover-rollback", Claim: "cutover/rollback.yaml", World: "cutover-rollback"},
	// Skipping a step is refused: the step stays at 0 with a Warning.
	{Name: "cutover-skip-held", Claim: "cutover/step-50.yaml", World: "cutover-skip-held"},
}

// cutoverClaims are derived from claim.yaml (the dev claim, whose cutover
// is gated on the data tier and DMS) by setting the step (and rollback), so
// they never drift from it.
var cutoverClaims = map[string]struct {
	step     int64
	rollback bool
}{
	"cutover/step-10.yaml":  {step: 10},
	"cutover/step-50.yaml":  {step: 50},
	"cutover/step-100.yaml": {step: 100},
	"cutover/rollback.yaml": {step: 100, rollback: true},
}

func cutoverClaim(t *testing.T, file string) []byte {
	t.Helper()
	base, err := os.ReadFile("claim.yaml")
	if err != nil {
		t.Fatal(err)
	}
	obj := map[string]any{}
	if err := yaml.Unmarshal(base, &obj); err != nil {
		t.Fatal(err)
	}
	c := cutoverClaims[file]
	if err := unstructured.SetNestedField(obj, c.step, "spec", "cutover", "step"); err != nil {
		t.Fatal(err)
	}
	if c.rollback {
		if err := unstructured.SetNestedField(obj, true, "spec", "cutover", "rollback"); err != nil {
			t.Fatal(err)
		}
	}
	out, err := yaml.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	return append([]byte(fmt.Sprintf("# Generated from claim.yaml by the examples test (make golden): the cutover at step %d%s.\n",
		c.step, map[bool]string{true: " with rollback", false: ""}[c.rollback])), out...)
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
	if c.World == "" {
		return ""
	}
	return filepath.Join("observed", c.World+".yaml")
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

// TestRender keeps XRs in sync with claims, renders every case (in its
// observed world) and compares with its golden file.
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
	for _, c := range Cases {
		if p := observedPath(c); p != "" {
			if _, err := os.Stat(p); err != nil {
				t.Fatalf("%s: %v (the observed worlds come from the control plane: make fixtures)", c.Name, err)
			}
		}
		checkOrWrite(t, goldenPath(c), renderCase(t, cli, c))
	}
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
