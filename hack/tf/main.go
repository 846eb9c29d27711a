// Command tf converts `crossplane render` outputs of the payment platform
// into Terraform HCL (internal/tfconv), one directory per render:
//
//	go run ./hack/tf -out _output/tf examples/golden/*.yaml
//
// writes _output/tf/env-<environment>/<render>/main.tf (HCL, what trivy's
// Terraform checks read) and terraform.json (the same configuration in
// Terraform's JSON syntax, which the custom checks in security/checks read:
// trivy's terraform-raw input has no nested blocks). <environment> is the
// XR's spec.environment, so that accepted findings can be scoped to
// environments by path (env-dev, not dev: trivy skips a top-level dev
// directory, as it skips proc and sys).
//
// A render fails, naming each resource and field, when a reference cannot
// be resolved or a field would be dropped; every render is tried, and the
// command fails if any did. It reports what it does not convert: the XR,
// the Results and protection.crossplane.io (Cluster)Usages, which are not
// AWS resources.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/acme-payments/xpaymentplatform/internal/tfconv"
)

func main() {
	out := flag.String("out", "_output/tf", "directory to write env-<environment>/<render>/{main.tf,terraform.json} into")
	providerDir := flag.String("provider", "", "provider-aws module directory with config/schema.json and config/externalname.go (default: the version go.mod requires)")
	quiet := flag.Bool("q", false, "print nothing but errors")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: tf [-out dir] [-provider dir] [-q] render.yaml...")
		os.Exit(2)
	}
	if err := run(*out, *providerDir, *quiet, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "tf:", err)
		os.Exit(1)
	}
}

func run(out, providerDir string, quiet bool, renders []string) error {
	s, err := tfconv.LoadProvider(providerDir)
	if err != nil {
		return err
	}
	var failed []string
	for _, r := range renders {
		b, err := os.ReadFile(r)
		if err != nil {
			return err
		}
		res, err := tfconv.Convert(context.Background(), b, s)
		if err != nil {
			// Every render is tried; the ones that fail are reported
			// and make the command fail.
			fmt.Fprintf(os.Stderr, "tf: %s: %v\n", r, err)
			failed = append(failed, r)
			continue
		}
		env, _, _ := unstructured.NestedString(res.XR.Object, "spec", "environment")
		if env == "" {
			fmt.Fprintf(os.Stderr, "tf: %s: the XR has no spec.environment\n", r)
			failed = append(failed, r)
			continue
		}
		dir := filepath.Join(out, tfconv.EnvironmentDir(env), strings.TrimSuffix(filepath.Base(r), filepath.Ext(r)))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		dst := filepath.Join(dir, "main.tf")
		if err := os.WriteFile(dst, res.HCL, 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, "terraform.json"), res.JSON, 0o644); err != nil {
			return err
		}
		if quiet {
			continue
		}
		skipped := map[string]int{}
		for _, sk := range res.Skipped {
			skipped[sk.Kind+" ("+sk.Reason+")"]++
		}
		var parts []string
		for k, n := range skipped {
			parts = append(parts, fmt.Sprintf("%d %s", n, k))
		}
		sort.Strings(parts)
		fmt.Printf("%s -> %s: %d resources; not converted: %s\n", r, dst, len(res.Resources), strings.Join(parts, "; "))
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d of %d renders not converted: %s", len(failed), len(renders), strings.Join(failed, ", "))
	}
	return nil
}
