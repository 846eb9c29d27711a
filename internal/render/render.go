// Package render drives the real crossplane CLI (render and beta validate)
// against the function, and turns claims into the XRs render needs. The
// examples test, make render and make validate all go through it.
package render

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"sigs.k8s.io/yaml"
)

// AnnotationTarget points render's Development runtime at a function.
const AnnotationTarget = "render.crossplane.io/runtime-development-target"

// Options of one render.
type Options struct {
	// CLI is the crossplane binary.
	CLI string
	// XR, Composition, Functions and XRD are file paths.
	XR, Composition, Functions, XRD string
	// Observed is an optional file of observed composed resources.
	Observed string
	// Target is host:port of the running function.
	Target string
	// Results includes function results (warnings) as kind: Result.
	Results bool
}

// Run renders and returns stdout. A non-zero exit is an error carrying
// stderr (render prints a Fatal result's message there).
func Run(ctx context.Context, o Options) ([]byte, error) {
	args := []string{"render", o.XR, o.Composition, o.Functions, "--include-full-xr",
		"--function-annotations=" + AnnotationTarget + "=" + o.Target, "--timeout=60s"}
	if o.XRD != "" {
		args = append(args, "--xrd="+o.XRD)
	}
	if o.Observed != "" {
		args = append(args, "--observed-resources="+o.Observed)
	}
	if o.Results {
		args = append(args, "--include-function-results")
	}
	return run(ctx, o.CLI, args...)
}

// Validate runs crossplane beta validate of resources against extensions
// with an offline cache (see SeedCache).
func Validate(ctx context.Context, cli, extensions, resources, cacheDir string) ([]byte, error) {
	return run(ctx, cli, "beta", "validate", extensions, resources, "--cache-dir="+cacheDir, "--error-on-missing-schemas")
}

func run(ctx context.Context, cli string, args ...string) ([]byte, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, cli, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.Bytes(), fmt.Errorf("crossplane %s: %w: %s%s", args[0], err, stderr.String(), tail(stdout.String()))
	}
	return stdout.Bytes(), nil
}

func tail(s string) string {
	if len(s) > 4000 {
		return "\n..." + s[len(s)-4000:]
	}
	return "\n" + s
}

// FreeAddr returns a free 127.0.0.1 port.
func FreeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close() //nolint:errcheck // best effort
	return l.Addr().String(), nil
}

// WaitForListener waits until something accepts connections on addr.
func WaitForListener(addr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			return c.Close()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("nothing listens on %s after %s: %w", addr, timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// ClaimToXR turns a claim into the XR Crossplane would create for it: the
// same spec under the XR kind, cluster scoped, with the claim's
// writeConnectionSecretToRef moved to the namespace the composition writes
// XR secrets to.
func ClaimToXR(claim []byte, xrKind string) ([]byte, error) {
	obj := map[string]any{}
	if err := yaml.Unmarshal(claim, &obj); err != nil {
		return nil, err
	}
	md, _ := obj["metadata"].(map[string]any)
	spec, _ := obj["spec"].(map[string]any)
	if md == nil || spec == nil {
		return nil, fmt.Errorf("claim has no metadata or spec")
	}
	name, _ := md["name"].(string)
	ns, _ := md["namespace"].(string)
	xrSpec := map[string]any{}
	for k, v := range spec {
		if k != "writeConnectionSecretToRef" {
			xrSpec[k] = v
		}
	}
	xrSpec["claimRef"] = map[string]any{
		"apiVersion": obj["apiVersion"], "kind": obj["kind"], "name": name, "namespace": ns,
	}
	xr := map[string]any{
		"apiVersion": obj["apiVersion"],
		"kind":       xrKind,
		"metadata": map[string]any{
			"name": name,
			"labels": map[string]any{
				"crossplane.io/claim-name":      name,
				"crossplane.io/claim-namespace": ns,
			},
		},
		"spec": xrSpec,
	}
	out, err := yaml.Marshal(xr)
	if err != nil {
		return nil, err
	}
	return append([]byte("# Generated from the claim of the same name by the examples test (make golden). DO NOT EDIT.\n"), out...), nil
}

// Docs splits a multi-document YAML stream into objects.
func Docs(stream []byte) ([]map[string]any, error) {
	var out []map[string]any
	for _, d := range bytes.Split(stream, []byte("\n---")) {
		d = bytes.TrimPrefix(bytes.TrimSpace(d), []byte("---"))
		if len(bytes.TrimSpace(d)) == 0 {
			continue
		}
		m := map[string]any{}
		if err := yaml.Unmarshal(d, &m); err != nil {
			return nil, err
		}
		if len(m) > 0 {
			out = append(out, m)
		}
	}
	return out, nil
}

// SeedCache writes Crossplane's core CRDs where beta validate looks for the
// Crossplane image's schemas, so it never downloads the image.
func SeedCache(cacheDir, coreCRDDir, version string) error {
	dir := filepath.Join(cacheDir, "xpkg.crossplane.io", "crossplane", "crossplane@"+version)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	files, err := filepath.Glob(filepath.Join(coreCRDDir, "*.yaml"))
	if err != nil || len(files) == 0 {
		return fmt.Errorf("no core CRDs in %s: %v", coreCRDDir, err)
	}
	slices.Sort(files)
	var b bytes.Buffer
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		b.Write(raw)
		b.WriteString("\n---\n")
	}
	return os.WriteFile(filepath.Join(dir, "package.yaml"), b.Bytes(), 0o644)
}

// ProviderCRDs copies the provider CRDs of exactly the (group, kind) pairs in
// objs into dir, so validate loads only what the renders use. It fails if a
// kind has no CRD.
func ProviderCRDs(crdDir, dir string, objs []map[string]any) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	want := map[string]bool{}
	for _, o := range objs {
		av, _ := o["apiVersion"].(string)
		kind, _ := o["kind"].(string)
		group, _, ok := strings.Cut(av, "/")
		if ok && strings.HasSuffix(group, ".aws.upbound.io") {
			want[group+"/"+kind] = true
		}
	}
	files, err := filepath.Glob(filepath.Join(crdDir, "*.aws.upbound.io_*.yaml"))
	if err != nil {
		return err
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		crd := struct {
			Spec struct {
				Group string `json:"group"`
				Names struct {
					Kind string `json:"kind"`
				} `json:"names"`
			} `json:"spec"`
		}{}
		if err := yaml.Unmarshal(raw, &crd); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		key := crd.Spec.Group + "/" + crd.Spec.Names.Kind
		if !want[key] {
			continue
		}
		delete(want, key)
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), raw, 0o644); err != nil {
			return err
		}
	}
	if len(want) > 0 {
		return fmt.Errorf("no provider CRD for %v", want)
	}
	return nil
}

// GVK is an apiVersion and kind.
type GVK struct{ APIVersion, Kind string }

// ProviderKinds lists, sorted and once each, the provider-aws kinds
// (groups *.aws.upbound.io) of the renders in dir (*.yaml): what the
// function composes.
func ProviderKinds(dir string) ([]GVK, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no renders in %s: %v", dir, err)
	}
	seen := map[GVK]bool{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		docs, err := Docs(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for _, d := range docs {
			av, _ := d["apiVersion"].(string)
			kind, _ := d["kind"].(string)
			if g, _, _ := strings.Cut(av, "/"); strings.HasSuffix(g, ".aws.upbound.io") {
				seen[GVK{av, kind}] = true
			}
		}
	}
	out := slices.Collect(maps.Keys(seen))
	slices.SortFunc(out, func(a, b GVK) int { return strings.Compare(a.APIVersion+" "+a.Kind, b.APIVersion+" "+b.Kind) })
	return out, nil
}
