// Command xpkg builds the Crossplane packages with the real crossplane CLI
// (make xpkg): the function's runtime image per architecture (as fnimage),
// the Function package per architecture (crossplane xpkg build
// --embed-runtime-image-tarball) and the Configuration package from
// crossplane.yaml, apis/ and compositions/. With -push it then pushes both
// (crossplane xpkg push; the Function as a multi-platform index).
//
//	go run ./cmd/xpkg -crossplane bin/crossplane -version v0.1.0 [-push xpkg.crossplane.io/acme-payments]
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
	o := packaging.Options{Log: os.Stdout}
	var arches, push string
	flag.StringVar(&o.Version, "version", "v0.1.0", "package version (the tag pushed)")
	flag.StringVar(&o.Out, "out", "_output", "output directory")
	flag.StringVar(&o.CLI, "crossplane", "bin/crossplane", "crossplane CLI")
	flag.StringVar(&o.Go, "go", "go", "go command")
	flag.StringVar(&o.Root, "root", ".", "repository root (the main module)")
	flag.StringVar(&arches, "arch", strings.Join(packaging.Arches, ","), "comma-separated architectures of the Function")
	flag.StringVar(&push, "push", "", "after building, push to REGISTRY/ORG (e.g. xpkg.crossplane.io/acme-payments)")
	flag.Parse()
	o.Arches = strings.Split(arches, ",")
	if err := run(o, push); err != nil {
		fmt.Fprintln(os.Stderr, "xpkg:", err)
		os.Exit(1)
	}
}

func run(o packaging.Options, push string) error {
	ctx := context.Background()
	cli, err := filepath.Abs(o.CLI)
	if err != nil {
		return err
	}
	o.CLI = cli
	res, err := packaging.Build(ctx, o)
	if err != nil {
		return err
	}
	fmt.Printf("Function packages: %s\nConfiguration package: %s\n",
		strings.Join(res.FunctionPackages, " "), res.ConfigurationPackage)
	if push == "" {
		return nil
	}
	root, err := filepath.Abs(o.Root)
	if err != nil {
		return err
	}
	push = strings.TrimSuffix(push, "/")
	if err := packaging.Push(ctx, cli, root, o.Log, push+"/"+res.FunctionName+":"+o.Version, res.FunctionPackages...); err != nil {
		return err
	}
	return packaging.Push(ctx, cli, root, o.Log, push+"/"+res.ConfigurationName+":"+o.Version, res.ConfigurationPackage)
}
