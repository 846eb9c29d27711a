package lambdazip

import (
	"archive/zip"
	"bytes"
	"context"
	"debug/elf"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestZipIsDeterministic(t *testing.T) {
	a, err := Zip([]byte("binary"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Zip([]byte("binary"))
	c, _ := Zip([]byte("binary2"))
	if !bytes.Equal(a, b) || bytes.Equal(a, c) {
		t.Fatal("Zip must depend on the content only")
	}
}

// TestBuildsAreReproducible builds every Lambda twice, into different
// directories, and requires byte-identical zips holding one executable
// linux/arm64 "bootstrap".
func TestBuildsAreReproducible(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-compiles every Lambda twice")
	}
	fns := []Function{
		{Name: "validation", Package: "github.com/acme-payments/xpaymentplatform/lambda/validation"},
		{Name: "rollback", Package: "github.com/acme-payments/xpaymentplatform/lambda/rollback"},
		{Name: "dmsuser", Package: "github.com/acme-payments/xpaymentplatform/lambda/dmsuser"},
	}
	var runs [2][]Artifact
	first := 0
	if dir := os.Getenv("LAMBDA_ZIP_DIR"); dir != "" {
		// `make test-lambda` has just run `make lambdas`: compare a new
		// build with those zips.
		for _, fn := range fns {
			p := filepath.Join(dir, fn.Name+".zip")
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatalf("LAMBDA_ZIP_DIR: %v", err)
			}
			sum, _ := os.ReadFile(p + ".sha256")
			runs[0] = append(runs[0], Artifact{Name: fn.Name, Path: p, SHA256: strings.TrimSpace(string(sum)), Size: int64(len(b))})
		}
		first = 1
	}
	for i := first; i < len(runs); i++ {
		arts, err := Build(context.Background(), Options{OutDir: filepath.Join(t.TempDir(), "out"), Go: os.Getenv("GO"), Stderr: io.Discard}, fns)
		if err != nil {
			t.Fatal(err)
		}
		runs[i] = arts
	}
	for i := range fns {
		a, b := runs[0][i], runs[1][i]
		za, _ := os.ReadFile(a.Path)
		zb, _ := os.ReadFile(b.Path)
		if !bytes.Equal(za, zb) || a.SHA256 != b.SHA256 {
			t.Errorf("%s: two builds differ (%s vs %s)", a.Name, a.SHA256, b.SHA256)
		}
		sum, _ := os.ReadFile(a.Path + ".sha256")
		if string(sum) != a.SHA256+"\n" {
			t.Errorf("%s.sha256 = %q", a.Name, sum)
		}
		zr, err := zip.NewReader(bytes.NewReader(za), int64(len(za)))
		if err != nil {
			t.Fatal(err)
		}
		if len(zr.File) != 1 || zr.File[0].Name != "bootstrap" || zr.File[0].Mode().Perm() != 0o755 || !zr.File[0].Modified.Equal(ModTime) {
			t.Fatalf("%s: zip entries %+v", a.Name, zr.File)
		}
		rc, _ := zr.File[0].Open()
		bin, _ := io.ReadAll(rc)
		rc.Close()
		f, err := elf.NewFile(bytes.NewReader(bin))
		if err != nil {
			t.Fatalf("%s: bootstrap is not ELF: %v", a.Name, err)
		}
		if f.Machine != elf.EM_AARCH64 || f.FileHeader.OSABI != elf.ELFOSABI_NONE && f.FileHeader.OSABI != elf.ELFOSABI_LINUX {
			t.Errorf("%s: bootstrap is %v/%v, want linux arm64", a.Name, f.Machine, f.FileHeader.OSABI)
		}
		if bytes.Contains(bin, []byte("/work/main")) || bytes.Contains(bin, []byte(os.Getenv("HOME")+"/go/pkg/mod")) {
			t.Errorf("%s: bootstrap embeds local paths (-trimpath missing?)", a.Name)
		}
	}
}
