// Package packaging builds the function's runtime image without Docker and
// the two Crossplane packages (the Function, one per architecture, and the
// Configuration) with the real crossplane CLI. make xpkg, cmd/fnimage and
// the registry round-trip test all go through it.
package packaging

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// The runtime image's fixed shape, as crossplane/function-template-go's
// Dockerfile builds it (distroless static, nonroot), minus the base: the
// static binary is all the function needs.
const (
	// Entrypoint is the function binary's path in the image.
	Entrypoint = "/function"
	// User is distroless' nonroot user and group.
	User = "65532:65532"
	// Port is where the function serves gRPC (its --address default).
	Port = "9443/tcp"
	// FunctionPackage is the Go package of the function's main.
	FunctionPackage = "./functions/payment-platform"
	// Source is the repository the OCI source label points to.
	Source = "https://github.com/acme-payments/xpaymentplatform"
)

// OCI annotation keys used as image labels.
const (
	LabelSource   = "org.opencontainers.image.source"
	LabelVersion  = "org.opencontainers.image.version"
	LabelRevision = "org.opencontainers.image.revision"
	LabelCreated  = "org.opencontainers.image.created"
	LabelTitle    = "org.opencontainers.image.title"
	LabelLicenses = "org.opencontainers.image.licenses"
)

// Arches are the architectures the function is published for.
var Arches = []string{"amd64", "arm64"}

// Metadata stamps an image. Created is every timestamp in the image (layer
// file times, config created, history): with the commit's time the same
// commit always gives the same digest.
type Metadata struct {
	Version  string
	Revision string
	Source   string
	Created  time.Time
}

// GitMetadata reads the revision and commit time of HEAD in dir.
// SOURCE_DATE_EPOCH, when set, overrides the commit time (the
// reproducible-builds convention).
func GitMetadata(ctx context.Context, dir, version string) (Metadata, error) {
	md := Metadata{Version: version, Source: Source}
	rev, err := git(ctx, dir, "rev-parse", "HEAD")
	if err != nil {
		return md, err
	}
	md.Revision = rev
	epoch := os.Getenv("SOURCE_DATE_EPOCH")
	if epoch == "" {
		if epoch, err = git(ctx, dir, "log", "-1", "--format=%ct", "HEAD"); err != nil {
			return md, err
		}
	}
	sec, err := strconv.ParseInt(epoch, 10, 64)
	if err != nil {
		return md, fmt.Errorf("commit time %q: %w", epoch, err)
	}
	md.Created = time.Unix(sec, 0).UTC()
	return md, nil
}

func git(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		return "", fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, stderr)
	}
	return strings.TrimSpace(string(out)), nil
}

// BuildBinary cross-compiles the function for linux/arch into out: static
// (CGO_ENABLED=0), no file system paths (-trimpath), no VCS stamp (the
// revision is an image label instead, so a dirty tree does not change the
// binary), stripped. goCmd is the go command ("go" when empty).
func BuildBinary(ctx context.Context, goCmd, moduleDir, arch, out string) error {
	if goCmd == "" {
		goCmd = "go"
	}
	cmd := exec.CommandContext(ctx, goCmd, "build", "-trimpath", "-buildvcs=false",
		"-ldflags=-s -w", "-o", out, FunctionPackage)
	cmd.Dir = moduleDir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build GOARCH=%s: %w\n%s", arch, err, stderr.String())
	}
	return nil
}

// Image assembles the runtime image of one architecture: the binary as
// /function in a single layer on an empty base, run as 65532, port 9443.
func Image(binary []byte, arch string, md Metadata) (v1.Image, error) {
	layer, err := binaryLayer(binary, md.Created)
	if err != nil {
		return nil, err
	}
	created := v1.Time{Time: md.Created.UTC()}
	img, err := mutate.Append(mutate.MediaType(empty.Image, types.OCIManifestSchema1), mutate.Addendum{
		Layer:     layer,
		MediaType: types.OCILayer,
		History: v1.History{
			Created:   created,
			CreatedBy: "fnimage: COPY function " + Entrypoint,
			Comment:   "static linux/" + arch + " build of " + FunctionPackage,
		},
	})
	if err != nil {
		return nil, err
	}
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.Architecture = arch
	cf.OS = "linux"
	cf.Created = created
	cf.Config = v1.Config{
		Entrypoint:   []string{Entrypoint},
		User:         User,
		WorkingDir:   "/",
		ExposedPorts: map[string]struct{}{Port: {}},
		Labels: map[string]string{
			LabelSource:   md.Source,
			LabelVersion:  md.Version,
			LabelRevision: md.Revision,
			LabelCreated:  md.Created.UTC().Format(time.RFC3339),
			LabelTitle:    "function-payment-platform",
			LabelLicenses: "Apache-2.0",
		},
	}
	return mutate.ConfigFile(img, cf)
}

// binaryLayer is a gzip'd tar of one file, /function, mode 0755, owned by
// root (the process runs as 65532 and only needs to execute it), with
// the fixed time. gzip without a name or time is deterministic.
func binaryLayer(binary []byte, mtime time.Time) (v1.Layer, error) {
	var tarBuf bytes.Buffer
	tw := tar.NewWriter(&tarBuf)
	hdr := &tar.Header{
		Typeflag: tar.TypeReg,
		Name:     strings.TrimPrefix(Entrypoint, "/"),
		Mode:     0o755,
		Size:     int64(len(binary)),
		ModTime:  mtime.UTC(),
		Format:   tar.FormatPAX,
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return nil, err
	}
	if _, err := tw.Write(binary); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	var gz bytes.Buffer
	zw, err := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(tarBuf.Bytes()); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	blob := gz.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(blob)), nil
	}, tarball.WithMediaType(types.OCILayer))
}

// WriteImage writes img as an image tarball (what
// crossplane xpkg build --embed-runtime-image-tarball reads), tagged ref.
func WriteImage(path, ref string, img v1.Image) error {
	tag, err := name.NewTag(ref)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return tarball.WriteToFile(path, tag, img)
}

// BuildImage builds the binary for arch under workDir and assembles its
// runtime image.
func BuildImage(ctx context.Context, goCmd, moduleDir, workDir, arch string, md Metadata) (v1.Image, error) {
	bin := filepath.Join(workDir, "function-linux-"+arch)
	if err := BuildBinary(ctx, goCmd, moduleDir, arch, bin); err != nil {
		return nil, err
	}
	raw, err := os.ReadFile(bin)
	if err != nil {
		return nil, err
	}
	return Image(raw, arch, md)
}
