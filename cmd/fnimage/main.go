// Command fnimage builds the function's runtime image without Docker: a
// static linux binary per architecture, one layer on an empty base, run as
// 65532, port 9443, OCI labels, every timestamp the commit's time (the same
// commit gives the same digest). It writes one image tarball per
// architecture, what crossplane xpkg build --embed-runtime-image-tarball
// reads.
//
//	go run ./cmd/fnimage -version v0.1.0 -out _output/image
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/acme-payments/xpaymentplatform/internal/packaging"
)

func main() {
	version := flag.String("version", "v0.1.0", "version label and tag of the image")
	out := flag.String("out", "_output/image", "directory to write <name>-<arch>.tar into")
	arches := flag.String("arch", strings.Join(packaging.Arches, ","), "comma-separated architectures")
	goCmd := flag.String("go", "go", "go command")
	root := flag.String("root", ".", "repository root (the main module)")
	flag.Parse()
	if err := run(*version, *out, *arches, *goCmd, *root); err != nil {
		fmt.Fprintln(os.Stderr, "fnimage:", err)
		os.Exit(1)
	}
}

func run(version, out, arches, goCmd, root string) error {
	ctx := context.Background()
	md, err := packaging.GitMetadata(ctx, root, version)
	if err != nil {
		return err
	}
	name, err := packaging.MetaName(filepath.Join(root, packaging.FunctionPackageRoot, "crossplane.yaml"))
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "fnimage-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work) //nolint:errcheck // best effort
	for _, arch := range strings.Split(arches, ",") {
		img, err := packaging.BuildImage(ctx, goCmd, root, work, arch, md)
		if err != nil {
			return err
		}
		path := filepath.Join(out, name+"-"+arch+".tar")
		if err := packaging.WriteImage(path, "runtime-"+arch+":"+version, img); err != nil {
			return err
		}
		d, err := img.Digest()
		if err != nil {
			return err
		}
		fmt.Printf("%s linux/%s %s (revision %s)\n", path, arch, d, md.Revision)
	}
	return nil
}
