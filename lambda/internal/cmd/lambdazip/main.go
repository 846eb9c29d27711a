// Command lambdazip builds the Lambdas' reproducible provided.al2023 zips
// and prints each one's base64 SHA-256 (Lambda's sourceCodeHash).
//
//	go run ./lambda/internal/cmd/lambdazip -out _output/lambda validation=./lambda/validation rollback=./lambda/rollback
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/acme-payments/xpaymentplatform/lambda/lambdazip"
)

func main() {
	out := flag.String("out", "_output/lambda", "output directory")
	goarch := flag.String("goarch", "arm64", "target architecture")
	flag.Parse()
	var fns []lambdazip.Function
	for _, a := range flag.Args() {
		name, pkg, ok := strings.Cut(a, "=")
		if !ok {
			fmt.Fprintf(os.Stderr, "lambdazip: argument %q is not name=package\n", a)
			os.Exit(2)
		}
		fns = append(fns, lambdazip.Function{Name: name, Package: pkg})
	}
	if len(fns) == 0 {
		fmt.Fprintln(os.Stderr, "usage: lambdazip [-out dir] name=package...")
		os.Exit(2)
	}
	arts, err := lambdazip.Build(context.Background(), lambdazip.Options{OutDir: *out, GOARCH: *goarch, Go: os.Getenv("GO")}, fns)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, a := range arts {
		fmt.Printf("%s\t%d bytes\tsourceCodeHash %s\n", a.Path, a.Size, a.SHA256)
	}
}
