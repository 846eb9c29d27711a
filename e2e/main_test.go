//go:build e2e

// Package e2e installs the packages on a real control plane — kube-apiserver
// v1.35.4, etcd, kube-controller-manager and Crossplane v2.2.0 core, built
// from Go modules and run on 127.0.0.1 (internal/controlplane) — with a
// provider simulator playing provider-aws (internal/providersim), and
// checks what spans reconciles: readiness, the cutover walk, edits on a
// live platform, admission, deletion and restarts.
//
//	make e2e            # builds the control plane (cold: 7-9 min) and runs this
//	E2E_KEEP=1 make e2e # keep the stack's directory (logs, kubeconfig)
package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"

	"github.com/acme-payments/xpaymentplatform/internal/controlplane"
	"github.com/acme-payments/xpaymentplatform/internal/providersim"
	"github.com/acme-payments/xpaymentplatform/internal/render"
)

// repo is the repository root, relative to this package.
const repo = ".."

// env is the running world every test shares.
type env struct {
	stack *controlplane.Stack
	pkgs  *controlplane.Packages
	fn    *controlplane.FunctionServer
	dyn   dynamic.Interface
	sim   *providersim.Simulator
}

var world *env

func TestMain(m *testing.M) {
	code, err := run(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

func run(m *testing.M) (code int, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Minute)
	defer cancel()
	root, err := filepath.Abs(repo)
	if err != nil {
		return 1, err
	}
	dir, err := os.MkdirTemp("", "xpp-e2e-")
	if err != nil {
		return 1, err
	}
	keep := os.Getenv("E2E_KEEP") != ""
	bin := os.Getenv("E2E_BIN")
	if bin == "" {
		bin = filepath.Join(root, "bin")
	}
	start := time.Now()
	stack, err := controlplane.Start(ctx, dir, controlplane.BinariesIn(bin))
	if err != nil {
		return 1, fmt.Errorf("%w (logs in %s)", err, dir)
	}
	code = 1
	defer func() {
		stack.Stop()
		if left := stack.Running(); len(left) > 0 {
			fmt.Fprintf(os.Stderr, "e2e: FAIL: processes still running after stop: %v\n", left)
			code = 1
		}
		if keep || code != 0 {
			fmt.Fprintf(os.Stderr, "e2e: logs and kubeconfig in %s\n", dir)
		} else {
			_ = os.RemoveAll(dir)
		}
	}()
	w, err := setup(ctx, root, stack)
	if err != nil {
		return 1, fmt.Errorf("%w (logs in %s)", err, dir)
	}
	world = w
	fmt.Fprintf(os.Stderr, "e2e: stack up in %s\n", time.Since(start).Round(time.Second))
	for _, t := range stack.Timings {
		fmt.Fprintf(os.Stderr, "e2e:   %-28s %s\n", t.Step, t.Duration)
	}
	code = m.Run()
	return code, nil
}

// setup installs everything the tests share: Crossplane core, the provider
// CRDs, the packages, the function and the provider simulator.
func setup(ctx context.Context, root string, stack *controlplane.Stack) (*env, error) {
	xpModule, err := moduleDir(filepath.Join(root, "tools"), "github.com/crossplane/crossplane/v2")
	if err != nil {
		return nil, err
	}
	if err := stack.StartCrossplane(ctx, xpModule); err != nil {
		return nil, err
	}
	awsModule, err := moduleDir(root, "github.com/upbound/provider-aws/v2")
	if err != nil {
		return nil, err
	}
	objs, err := goldenObjects(root)
	if err != nil {
		return nil, err
	}
	if _, err := stack.InstallProviderCRDs(ctx, filepath.Join(awsModule, "package", "crds"), objs); err != nil {
		return nil, err
	}
	goCmd := os.Getenv("GO")
	if goCmd == "" {
		goCmd = "go"
	}
	pkgs, err := stack.InstallPackages(ctx, controlplane.PackageOptions{
		Root: root, CLI: filepath.Join(root, "bin", "crossplane"), Go: goCmd, Version: "v0.1.0",
		PublishedPrefix: "xpkg.crossplane.io/acme-payments/",
	})
	if err != nil {
		return nil, err
	}
	fn, err := stack.StartFunction(ctx, pkgs.FunctionName, pkgs.FunctionBinary)
	if err != nil {
		return nil, err
	}
	dyn, err := dynamic.NewForConfig(stack.Config)
	if err != nil {
		return nil, err
	}
	sim, err := providersim.New(stack.Config, providersim.Options{
		Invoker: lambdaDouble{},
		// AWS takes minutes to create most of these; the order of events,
		// not their pace, is what the suite checks.
		Workers:    8,
		ReadyDelay: 250 * time.Millisecond,
		// Identifiers from names, so the observed worlds captured as
		// fixtures are the same on every run.
		Identity:     func(u *unstructured.Unstructured) string { return u.GetKind() + "/" + u.GetName() },
		ReportedTime: func() time.Time { return fixtureTime },
	})
	if err != nil {
		return nil, err
	}
	simCtx, stopSim := context.WithCancel(context.Background())
	simDone := make(chan error, 1)
	go func() { simDone <- sim.Run(simCtx) }()
	// The simulator stops before the control plane does.
	stack.OnStop(func() {
		stopSim()
		<-simDone
	})
	return &env{stack: stack, pkgs: pkgs, fn: fn, dyn: dyn, sim: sim}, nil
}

// goldenObjects are every object of the golden renders: the kinds the
// function composes.
func goldenObjects(root string) ([]map[string]any, error) {
	files, err := filepath.Glob(filepath.Join(root, "examples", "golden", "*.yaml"))
	if err != nil {
		return nil, err
	}
	var out []map[string]any
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		docs, err := render.Docs(raw)
		if err != nil {
			return nil, err
		}
		out = append(out, docs...)
	}
	return out, nil
}

func moduleDir(dir, mod string) (string, error) {
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", mod)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go list -m %s in %s: %w", mod, dir, err)
	}
	return strings.TrimSpace(string(out)), nil
}
