package packaging

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

var testMeta = Metadata{
	Version:  "v0.1.0",
	Revision: "0123456789abcdef0123456789abcdef01234567",
	Source:   Source,
	Created:  time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
}

// TestImage checks the shape of the runtime image: one layer holding only
// /function (executable, the fixed time), the entrypoint, the non-root
// user, the port, the platform and the OCI labels.
func TestImage(t *testing.T) {
	binary := []byte("\x7fELF not really a binary, but bytes the image must carry unchanged")
	for _, arch := range []string{"amd64", "arm64"} {
		t.Run(arch, func(t *testing.T) {
			img, err := Image(binary, arch, testMeta)
			if err != nil {
				t.Fatal(err)
			}
			mt, err := img.MediaType()
			if err != nil {
				t.Fatal(err)
			}
			if mt != types.OCIManifestSchema1 {
				t.Errorf("media type %s, want %s", mt, types.OCIManifestSchema1)
			}
			cf, err := img.ConfigFile()
			if err != nil {
				t.Fatal(err)
			}
			want := v1.Config{
				Entrypoint:   []string{"/function"},
				User:         "65532:65532",
				WorkingDir:   "/",
				ExposedPorts: map[string]struct{}{"9443/tcp": {}},
				Labels: map[string]string{
					"org.opencontainers.image.source":   "https://github.com/acme-payments/xpaymentplatform",
					"org.opencontainers.image.version":  "v0.1.0",
					"org.opencontainers.image.revision": testMeta.Revision,
					"org.opencontainers.image.created":  "2026-01-02T03:04:05Z",
					"org.opencontainers.image.title":    "function-payment-platform",
					"org.opencontainers.image.licenses": "Apache-2.0",
				},
			}
			if diff := cmp.Diff(want, cf.Config); diff != "" {
				t.Errorf("config -want +got:\n%s", diff)
			}
			if cf.OS != "linux" || cf.Architecture != arch {
				t.Errorf("platform %s/%s, want linux/%s", cf.OS, cf.Architecture, arch)
			}
			if !cf.Created.Equal(testMeta.Created) {
				t.Errorf("created %s, want %s", cf.Created, testMeta.Created)
			}
			for _, h := range cf.History {
				if !h.Created.Equal(testMeta.Created) {
					t.Errorf("history %q created %s, want %s", h.CreatedBy, h.Created, testMeta.Created)
				}
			}
			layers, err := img.Layers()
			if err != nil {
				t.Fatal(err)
			}
			if len(layers) != 1 {
				t.Fatalf("%d layers, want 1 (empty base + the binary)", len(layers))
			}
			files := layerFiles(t, layers[0])
			if len(files) != 1 || files[0].hdr.Name != "function" {
				t.Fatalf("layer holds %v, want only function", files)
			}
			hdr := files[0].hdr
			if hdr.Mode != 0o755 || hdr.Uid != 0 || hdr.Gid != 0 || !hdr.ModTime.Equal(testMeta.Created) {
				t.Errorf("function: mode %o uid %d gid %d mtime %s; want 755, 0, 0, %s", hdr.Mode, hdr.Uid, hdr.Gid, hdr.ModTime, testMeta.Created)
			}
			if !bytes.Equal(files[0].body, binary) {
				t.Error("the layer's function differs from the binary")
			}
		})
	}
}

// TestImageDigest shows the digest is a function of the inputs only: the
// same inputs twice give the same digest, any input changed changes it.
func TestImageDigest(t *testing.T) {
	binary := []byte("function bytes")
	base := digestOf(t, binary, "amd64", testMeta)
	other := testMeta
	other.Revision = "fedcba9876543210fedcba9876543210fedcba98"
	later := testMeta
	later.Created = testMeta.Created.Add(time.Second)
	cases := map[string]struct {
		binary []byte
		arch   string
		md     Metadata
		same   bool
	}{
		"SameInputs":    {binary: []byte("function bytes"), arch: "amd64", md: testMeta, same: true},
		"OtherBinary":   {binary: []byte("function bytes!"), arch: "amd64", md: testMeta},
		"OtherArch":     {binary: binary, arch: "arm64", md: testMeta},
		"OtherRevision": {binary: binary, arch: "amd64", md: other},
		"OtherTime":     {binary: binary, arch: "amd64", md: later},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := digestOf(t, tc.binary, tc.arch, tc.md)
			if (got == base) != tc.same {
				t.Errorf("digest %s vs %s: same = %v, want %v", got, base, got == base, tc.same)
			}
		})
	}
}

// TestWriteImage round-trips the tarball crossplane xpkg build reads.
func TestWriteImage(t *testing.T) {
	img, err := Image([]byte("function bytes"), "arm64", testMeta)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "image.tar")
	if err := WriteImage(path, "runtime-arm64:v0.1.0", img); err != nil {
		t.Fatal(err)
	}
	back, err := tarball.ImageFromPath(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := img.ConfigName()
	got, err := back.ConfigName()
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("config digest after the tarball %s, want %s", got, want)
	}
	layers, err := back.Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("layers %d, %v", len(layers), err)
	}
	if f := layerFiles(t, layers[0]); len(f) != 1 || string(f[0].body) != "function bytes" {
		t.Errorf("tarball layer holds %v", f)
	}
}

// TestReproducible builds the real function again, in another directory,
// and checks the runtime image has the digest of the image the package
// build made: the same commit (sources and metadata) gives the same digest.
func TestReproducible(t *testing.T) {
	b := sharedBuild(t)
	arch := b.hostArch
	img, err := BuildImage(context.Background(), goCmd(), repoRoot, t.TempDir(), arch, b.meta)
	if err != nil {
		t.Fatal(err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	if d.String() != b.res.ImageDigests[arch] {
		t.Errorf("rebuilt linux/%s image %s, the package build made %s", arch, d, b.res.ImageDigests[arch])
	}
	// Packaging is deterministic too: the same runtime image gives the same
	// Function package.
	again := filepath.Join(t.TempDir(), "again.xpkg")
	if err := XpkgBuild(context.Background(), b.cli, b.root, io.Discard, filepath.Join(b.root, FunctionPackageRoot), b.res.Images[arch], again); err != nil {
		t.Fatal(err)
	}
	if got, want := fileImageDigest(t, again), fileImageDigest(t, b.res.FunctionPackages[0]); got != want {
		t.Errorf("Function package rebuilt: %s, first build %s", got, want)
	}
}

// TestGitMetadata: the image metadata is the commit's (hash and time), or
// SOURCE_DATE_EPOCH's time when set; never the wall clock.
func TestGitMetadata(t *testing.T) {
	ctx := context.Background()
	head := strings.TrimSpace(gitOut(t, "rev-parse", "HEAD"))
	commitTime := strings.TrimSpace(gitOut(t, "log", "-1", "--format=%ct", "HEAD"))
	sec, err := strconv.ParseInt(commitTime, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		epoch string
		want  time.Time
		err   bool
	}{
		"CommitTime":      {want: time.Unix(sec, 0).UTC()},
		"SourceDateEpoch": {epoch: "86400", want: time.Date(1970, 1, 2, 0, 0, 0, 0, time.UTC)},
		"BadEpoch":        {epoch: "yesterday", err: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Setenv("SOURCE_DATE_EPOCH", tc.epoch)
			md, err := GitMetadata(ctx, repoRoot, "v9.9.9")
			if tc.err {
				if err == nil {
					t.Fatal("GitMetadata accepted a bad SOURCE_DATE_EPOCH")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := Metadata{Version: "v9.9.9", Revision: head, Source: Source, Created: tc.want}
			if md != want {
				if md.Revision != head && strings.TrimSpace(gitOut(t, "rev-parse", "HEAD")) != head {
					t.Skip("HEAD moved while the test ran")
				}
				t.Errorf("GitMetadata = %+v, want %+v", md, want)
			}
		})
	}
}

func gitOut(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = repoRoot
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git %v: %v", args, err)
	}
	return string(out)
}

type layerFile struct {
	hdr  *tar.Header
	body []byte
}

func layerFiles(t *testing.T, l v1.Layer) []layerFile {
	t.Helper()
	rc, err := l.Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close() //nolint:errcheck // test
	return tarFiles(t, rc)
}

func tarFiles(t *testing.T, r io.Reader) []layerFile {
	t.Helper()
	var out []layerFile
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, layerFile{hdr: hdr, body: body})
	}
}

func digestOf(t *testing.T, binary []byte, arch string, md Metadata) string {
	t.Helper()
	img, err := Image(binary, arch, md)
	if err != nil {
		t.Fatal(err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d.String()
}

func fileImageDigest(t *testing.T, path string) string {
	t.Helper()
	img, err := tarball.ImageFromPath(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d.String()
}

func TestMetaName(t *testing.T) {
	cases := map[string]struct {
		content string
		want    string
		err     bool
	}{
		"Named":   {content: "apiVersion: meta.pkg.crossplane.io/v1\nkind: Configuration\nmetadata:\n  name: cfg\n", want: "cfg"},
		"NoName":  {content: "apiVersion: meta.pkg.crossplane.io/v1\nkind: Configuration\n", err: true},
		"NotYAML": {content: "{", err: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "crossplane.yaml")
			if err := os.WriteFile(p, []byte(tc.content), 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := MetaName(p)
			if (err != nil) != tc.err || got != tc.want {
				t.Errorf("MetaName = %q, %v; want %q, error %v", got, err, tc.want, tc.err)
			}
		})
	}
}
