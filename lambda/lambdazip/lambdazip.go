// Package lambdazip builds Go Lambda functions for the provided.al2023
// runtime as reproducible zips: one entry, "bootstrap", built with
// -trimpath and no build ID or VCS stamp, stored with a fixed mtime and
// mode, so that two builds of the same sources are byte-identical and their
// SHA-256 (Lambda's sourceCodeHash) only changes when the code does.
package lambdazip

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"time"
)

// ModTime is the fixed timestamp of the zip entry.
var ModTime = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// Function names a Lambda and the Go package of its main.
type Function struct {
	Name    string
	Package string
}

// Options of a build.
type Options struct {
	Go     string // go command (default "go")
	GOOS   string // default linux
	GOARCH string // default arm64
	OutDir string
	// Stderr receives the compiler's output.
	Stderr io.Writer
}

// Artifact is a built zip.
type Artifact struct {
	Name   string
	Path   string
	SHA256 string // base64, as Lambda's sourceCodeHash
	Size   int64
}

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// Build compiles and zips each function into OutDir/<name>.zip and writes
// OutDir/<name>.zip.sha256 (base64).
func Build(ctx context.Context, o Options, fns []Function) ([]Artifact, error) {
	if o.Go == "" {
		o.Go = "go"
	}
	if o.GOOS == "" {
		o.GOOS = "linux"
	}
	if o.GOARCH == "" {
		o.GOARCH = "arm64"
	}
	if o.OutDir == "" {
		return nil, fmt.Errorf("lambdazip: an output directory is required")
	}
	if o.Stderr == nil {
		o.Stderr = os.Stderr
	}
	if err := os.MkdirAll(o.OutDir, 0o755); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "lambdazip-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	var out []Artifact
	for _, fn := range fns {
		if !nameRE.MatchString(fn.Name) || fn.Package == "" {
			return nil, fmt.Errorf("lambdazip: bad function %q=%q", fn.Name, fn.Package)
		}
		bin := filepath.Join(tmp, fn.Name, "bootstrap")
		cmd := exec.CommandContext(ctx, o.Go, "build", "-trimpath", "-buildvcs=false", "-tags", "lambda.norpc",
			"-ldflags", "-s -w -buildid=", "-o", bin, fn.Package)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+o.GOOS, "GOARCH="+o.GOARCH, "GOFLAGS=-mod=readonly")
		cmd.Stdout, cmd.Stderr = o.Stderr, o.Stderr
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("lambdazip: go build %s: %w", fn.Package, err)
		}
		data, err := os.ReadFile(bin)
		if err != nil {
			return nil, err
		}
		z, err := Zip(data)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(z)
		a := Artifact{Name: fn.Name, Path: filepath.Join(o.OutDir, fn.Name+".zip"),
			SHA256: base64.StdEncoding.EncodeToString(sum[:]), Size: int64(len(z))}
		if err := os.WriteFile(a.Path, z, 0o644); err != nil {
			return nil, err
		}
		if err := os.WriteFile(a.Path+".sha256", []byte(a.SHA256+"\n"), 0o644); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// Zip returns a zip holding bootstrap (mode 0755, fixed mtime).
func Zip(bootstrap []byte) ([]byte, error) {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	w.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, flate.BestCompression)
	})
	h := &zip.FileHeader{Name: "bootstrap", Method: zip.Deflate, Modified: ModTime}
	h.SetMode(0o755)
	f, err := w.CreateHeader(h)
	if err != nil {
		return nil, err
	}
	if _, err := f.Write(bootstrap); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
