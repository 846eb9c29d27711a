// Command catalog generates the platform's Backstage self-service from the
// XRD (make catalog): a software template with one form page per parameter
// group of the claim and a skeleton that renders the claim, and a
// catalog-info.yaml with the claim API. Run it after every XRD change; a
// test fails while the checked-in files differ from what it generates.
//
//	go run ./cmd/catalog -xrd apis/xpaymentplatforms/definition.yaml -out examples/catalog
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/acme-payments/xpaymentplatform/internal/catalog"
)

func main() {
	xrd := flag.String("xrd", catalog.XRDPath, "the XRD")
	out := flag.String("out", catalog.Dir, "directory to write the catalog to")
	flag.Parse()
	if err := run(*xrd, *out); err != nil {
		fmt.Fprintln(os.Stderr, "catalog:", err)
		os.Exit(1)
	}
}

func run(xrd, out string) error {
	raw, err := os.ReadFile(xrd)
	if err != nil {
		return err
	}
	files, err := catalog.Generate(raw)
	if err != nil {
		return fmt.Errorf("%s: %w", xrd, err)
	}
	// Generated YAML files that are no longer generated go.
	var stale []string
	err = filepath.WalkDir(out, func(p string, e os.DirEntry, err error) error {
		if os.IsNotExist(err) {
			return filepath.SkipAll
		}
		if err != nil || e.IsDir() || !strings.HasSuffix(p, ".yaml") {
			return err
		}
		r, err := filepath.Rel(out, p)
		if err != nil {
			return err
		}
		if _, ok := files[filepath.ToSlash(r)]; !ok {
			stale = append(stale, p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, p := range stale {
		if err := os.Remove(p); err != nil {
			return err
		}
		fmt.Println("removed", p)
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		p := filepath.Join(out, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, files[n], 0o644); err != nil {
			return err
		}
		fmt.Println("wrote", p)
	}
	return nil
}
