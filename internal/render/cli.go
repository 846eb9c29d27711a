package render

import (
	"os"
	"path/filepath"
	"testing"
)

// CLIPath returns the crossplane binary for a test: env CROSSPLANE (the
// Makefile sets it; absolute or relative to the test's directory), else
// <repoRoot>/bin/crossplane. Missing, it fails under CI and skips otherwise.
func CLIPath(tb testing.TB, repoRoot string) string {
	tb.Helper()
	cli := os.Getenv("CROSSPLANE")
	if cli == "" {
		cli = filepath.Join(repoRoot, "bin", "crossplane")
	}
	abs, err := filepath.Abs(cli)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := os.Stat(abs); err != nil {
		if os.Getenv("CI") != "" {
			tb.Fatalf("crossplane CLI not found at %s: run make test (it builds bin/crossplane from tools/)", abs)
		}
		tb.Skipf("crossplane CLI not found at %s: run make crossplane", abs)
	}
	return abs
}
