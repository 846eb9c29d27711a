// Command runbook writes the Markdown migration runbook of one
// PaymentPlatform claim: prerequisites, the order of steps with the exact
// commands and the real AWS names of that claim, the cutover, the rollback
// and how long it takes, how to finish, and the estimated monthly cost.
//
//	go run ./cmd/runbook [-o FILE] CLAIM.yaml     (make runbook CLAIM=examples/claim-prod.yaml)
//
// An invalid claim is refused with every problem and its field path (exit
// status 1), as the XRD and the function would refuse it.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("runbook", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "write the runbook to `FILE` instead of stdout")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: runbook [-o FILE] CLAIM.yaml")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	path := fs.Arg(0)
	b, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintln(stderr, "runbook:", err)
		return 1
	}
	c, err := LoadClaim(b)
	if err != nil {
		fmt.Fprintf(stderr, "runbook: %s: %v\n", path, err)
		return 1
	}
	md, err := Render(c, path)
	if err != nil {
		fmt.Fprintf(stderr, "runbook: %s: %v\n", path, err)
		return 1
	}
	if *out == "" {
		if _, err := io.WriteString(stdout, md); err != nil {
			fmt.Fprintln(stderr, "runbook:", err)
			return 1
		}
		return 0
	}
	if err := os.WriteFile(*out, []byte(md), 0o644); err != nil { //nolint:gosec // a Markdown document, meant to be read
		fmt.Fprintln(stderr, "runbook:", err)
		return 1
	}
	return 0
}
