package packaging

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"sigs.k8s.io/yaml"

	"github.com/acme-payments/xpaymentplatform/internal/render"
)

// testVersion is the version the packages are built and pushed as: the one
// crossplane.yaml depends on and examples/functions.yaml renders with.
const testVersion = "v0.1.0"

// build is one package build shared by the tests of this package.
type build struct {
	root, cli, hostArch string
	meta                Metadata
	res                 Result
}

var (
	buildOnce sync.Once
	built     *build
	buildErr  error
	buildDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		_ = os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// crossplaneCLI returns the crossplane binary (see render.CLIPath).
func crossplaneCLI(t *testing.T) string { t.Helper(); return render.CLIPath(t, repoRoot) }

// testArches are the architectures the package build makes: the host's
// (its binary is run) and, unless XPKG_TEST_ARCHES narrows them, the other
// published one, cross-compiled, so the push makes a real multi-platform
// index.
func testArches() []string {
	arches := []string{runtime.GOARCH}
	list := Arches
	if env := os.Getenv("XPKG_TEST_ARCHES"); env != "" {
		list = strings.Split(env, ",")
	}
	for _, a := range list {
		if !slices.Contains(arches, a) {
			arches = append(arches, a)
		}
	}
	return arches
}

// goCmd is the go command: env GO (the Makefile sets it), else go.
func goCmd() string {
	if g := os.Getenv("GO"); g != "" {
		return g
	}
	return "go"
}

// sharedBuild builds the packages once per test binary, exactly as make xpkg.
func sharedBuild(t *testing.T) *build {
	t.Helper()
	cli := crossplaneCLI(t)
	buildOnce.Do(func() {
		root, err := filepath.Abs(repoRoot)
		if err != nil {
			buildErr = err
			return
		}
		if buildDir, err = os.MkdirTemp("", "xpkg-test-"); err != nil {
			buildErr = err
			return
		}
		md, err := GitMetadata(context.Background(), root, testVersion)
		if err != nil {
			buildErr = err
			return
		}
		var logBuf bytes.Buffer
		start := time.Now()
		res, err := Build(context.Background(), Options{
			Root: root, Out: buildDir, Version: testVersion, Arches: testArches(), CLI: cli, Go: goCmd(), Metadata: &md, Log: &logBuf,
		})
		if err != nil {
			buildErr = fmt.Errorf("%w\n%s", err, logBuf.String())
			return
		}
		log.Printf("packages built in %s:\n%s", time.Since(start).Round(time.Second), logBuf.String())
		built = &build{root: root, cli: cli, hostArch: runtime.GOARCH, meta: md, res: res}
	})
	if buildErr != nil {
		t.Fatalf("package build: %v", buildErr)
	}
	return built
}

// TestRegistryRoundTrip pushes both packages with crossplane xpkg push to a
// registry on 127.0.0.1, pulls them back, and checks what a cluster would
// get: the Configuration's package layer carries our XRD and Composition;
// the Function is an index of one image per platform whose config runs the
// function as the non-root user; and the binary in the pulled image,
// started like the runtime would, serves crossplane render of the prod
// example exactly as the golden render.
func TestRegistryRoundTrip(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("runs the linux binary from the image")
	}
	b := sharedBuild(t)
	ctx := context.Background()

	reg := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer reg.Close()
	host := strings.TrimPrefix(reg.URL, "http://")
	fnRef := host + "/acme-payments/" + b.res.FunctionName + ":" + testVersion
	cfgRef := host + "/acme-payments/" + b.res.ConfigurationName + ":" + testVersion
	if err := Push(ctx, b.cli, b.root, nil, fnRef, b.res.FunctionPackages...); err != nil {
		t.Fatal(err)
	}
	if err := Push(ctx, b.cli, b.root, nil, cfgRef, b.res.ConfigurationPackage); err != nil {
		t.Fatal(err)
	}

	t.Run("Configuration", func(t *testing.T) {
		img := pullImage(t, cfgRef)
		pkg := packageLayer(t, img)
		checkConfigurationPackage(t, b.root, pkg)
	})

	var hostImage v1.Image
	t.Run("Function", func(t *testing.T) {
		images := pullPlatforms(t, fnRef)
		var platforms []string
		for p, img := range images {
			platforms = append(platforms, p)
			arch := strings.TrimPrefix(p, "linux/")
			checkFunctionImage(t, img, arch, b.meta)
			if arch == b.hostArch {
				hostImage = img
			}
		}
		var want []string
		for _, a := range testArches() {
			want = append(want, "linux/"+a)
		}
		slices.Sort(platforms)
		slices.Sort(want)
		if diff := cmp.Diff(want, platforms); diff != "" {
			t.Errorf("pushed platforms -want +got:\n%s", diff)
		}
	})

	t.Run("ServesRender", func(t *testing.T) {
		if hostImage == nil {
			t.Fatalf("no linux/%s image in the pushed index", b.hostArch)
		}
		bin := extractFile(t, hostImage, strings.TrimPrefix(Entrypoint, "/"))
		path := filepath.Join(t.TempDir(), "function")
		if err := os.WriteFile(path, bin, 0o755); err != nil {
			t.Fatal(err)
		}
		addr, err := render.FreeAddr()
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		cmd := exec.Command(path, "--insecure", "--address="+addr)
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}()
		if err := render.WaitForListener(addr, 20*time.Second); err != nil {
			t.Fatalf("%v\n%s", err, out.String())
		}
		ex := filepath.Join(b.root, "examples")
		got, err := render.Run(ctx, render.Options{
			CLI: b.cli, XR: filepath.Join(ex, "xr", "claim-prod.yaml"),
			Composition: filepath.Join(b.root, "compositions", "composition.yaml"),
			Functions:   filepath.Join(ex, "functions.yaml"),
			XRD:         filepath.Join(b.root, "apis", "xpaymentplatforms", "definition.yaml"),
			Target:      addr, Results: true,
		})
		if err != nil {
			t.Fatalf("render against the pulled binary: %v\nfunction log:\n%s", err, out.String())
		}
		want, err := os.ReadFile(filepath.Join(ex, "golden", "claim-prod.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(want, got) {
			t.Errorf("render with the pulled linux/%s binary differs from examples/golden/claim-prod.yaml; -want +got:\n%s", b.hostArch, cmp.Diff(string(want), string(got)))
		}
	})
}

// pullPlatforms pulls a Function package by platform (see PullPlatforms).
func pullPlatforms(t *testing.T, ref string) map[string]v1.Image {
	t.Helper()
	out, err := PullPlatforms(ref)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func pullImage(t *testing.T, ref string) v1.Image {
	t.Helper()
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	img, err := remote.Image(r)
	if err != nil {
		t.Fatalf("pull %s: %v", ref, err)
	}
	return img
}

// packageLayer returns package.yaml from the layer crossplane xpkg push
// annotated io.crossplane.xpkg: base, which is where Crossplane reads it.
func packageLayer(t *testing.T, img v1.Image) []byte {
	t.Helper()
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	var found []v1.Hash
	for _, l := range m.Layers {
		if l.Annotations["io.crossplane.xpkg"] == "base" {
			found = append(found, l.Digest)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d layers annotated io.crossplane.xpkg: base, want 1", len(found))
	}
	l, err := img.LayerByDigest(found[0])
	if err != nil {
		t.Fatal(err)
	}
	files := layerFiles(t, l)
	if len(files) != 1 || files[0].hdr.Name != "package.yaml" {
		t.Fatalf("package layer holds %d files, want only package.yaml", len(files))
	}
	return files[0].body
}

// checkFunctionImage checks one platform's Function package image: the
// runtime config survives packaging and pushing, and its package layer is
// our Function's metadata.
func checkFunctionImage(t *testing.T, img v1.Image, arch string, md Metadata) {
	t.Helper()
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cf.OS != "linux" || cf.Architecture != arch {
		t.Errorf("%s: image config platform %s/%s", arch, cf.OS, cf.Architecture)
	}
	if diff := cmp.Diff([]string{Entrypoint}, cf.Config.Entrypoint); diff != "" {
		t.Errorf("%s: entrypoint -want +got:\n%s", arch, diff)
	}
	if cf.Config.User != User {
		t.Errorf("%s: user %q, want %q", arch, cf.Config.User, User)
	}
	if _, ok := cf.Config.ExposedPorts[Port]; !ok {
		t.Errorf("%s: ports %v, want %s", arch, cf.Config.ExposedPorts, Port)
	}
	for k, v := range map[string]string{LabelSource: md.Source, LabelVersion: md.Version, LabelRevision: md.Revision} {
		if got := cf.Config.Labels[k]; got != v {
			t.Errorf("%s: label %s = %q, want %q", arch, k, got, v)
		}
	}
	docs, err := render.Docs(packageLayer(t, img))
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 1 || docs[0]["kind"] != "Function" || docs[0]["apiVersion"] != "meta.pkg.crossplane.io/v1beta1" {
		t.Fatalf("%s: package.yaml holds %d documents, want our Function metadata", arch, len(docs))
	}
	if n := docs[0]["metadata"].(map[string]any)["name"]; n != "function-payment-platform" {
		t.Errorf("%s: Function package named %v", arch, n)
	}
	// The runtime layer is exactly the binary: the flattened image holds
	// the function and package.yaml, nothing else.
	var names []string
	rc := mutate.Extract(img)
	defer rc.Close() //nolint:errcheck // test
	for _, f := range tarFiles(t, rc) {
		names = append(names, f.hdr.Name)
	}
	slices.Sort(names)
	if diff := cmp.Diff([]string{"function", "package.yaml"}, names); diff != "" {
		t.Errorf("%s: image files -want +got:\n%s", arch, diff)
	}
}

func extractFile(t *testing.T, img v1.Image, path string) []byte {
	t.Helper()
	b, err := ExtractFile(img, path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkConfigurationPackage compares the Configuration's package.yaml with
// the files it is built from. crossplane xpkg build decodes every object
// into its Go type and encodes it again (sigs.k8s.io/yaml: keys sorted,
// comments dropped, a zero status added to some kinds), so: every document
// of package.yaml must be in that canonical form; with a zero status
// dropped it must equal, byte for byte, the canonical form of its source
// object; a source file already in canonical form (the generated XRD) must
// appear verbatim in the layer; and the package holds exactly the
// Configuration metadata, the XRDs and the Compositions of the repository.
func checkConfigurationPackage(t *testing.T, root string, pkg []byte) {
	t.Helper()
	var sources []string
	// What the Configuration is made of, stated here rather than taken
	// from ConfigurationDirs, so a wrong list there fails this test.
	for _, d := range []string{"apis", "compositions"} {
		err := filepath.WalkDir(filepath.Join(root, d), func(p string, e os.DirEntry, err error) error {
			if err == nil && e.Type().IsRegular() && isYAML(p) {
				sources = append(sources, p)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	want := map[string][]byte{} // kind/name -> canonical source
	var verbatim [][]byte
	for _, p := range append([]string{filepath.Join(root, ConfigurationMeta)}, sources...) {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		docs, err := render.Docs(raw)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range docs {
			c, err := yaml.Marshal(d)
			if err != nil {
				t.Fatal(err)
			}
			want[objKey(d)] = c
		}
		if body := stripComments(raw); len(docs) == 1 && bytes.Equal(body, want[objKey(docs[0])]) {
			verbatim = append(verbatim, body)
		}
	}
	got := map[string][]byte{}
	for _, raw := range bytes.Split(pkg, []byte("\n---\n")) {
		raw = bytes.TrimPrefix(raw, []byte("---\n"))
		if len(bytes.TrimSpace(raw)) == 0 {
			continue
		}
		raw = append(bytes.TrimRight(raw, "\n"), '\n')
		obj := map[string]any{}
		if err := yaml.Unmarshal(raw, &obj); err != nil {
			t.Fatal(err)
		}
		canon, err := yaml.Marshal(obj)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(canon, raw) {
			t.Errorf("%s: package.yaml document is not in canonical form; the comparison would not be byte for byte", objKey(obj))
		}
		if st, ok := obj["status"]; ok && zero(st) {
			delete(obj, "status")
		}
		if canon, err = yaml.Marshal(obj); err != nil {
			t.Fatal(err)
		}
		got[objKey(obj)] = canon
	}
	var wantKeys, gotKeys []string
	for k := range want {
		wantKeys = append(wantKeys, k)
	}
	for k := range got {
		gotKeys = append(gotKeys, k)
	}
	slices.Sort(wantKeys)
	slices.Sort(gotKeys)
	if diff := cmp.Diff(wantKeys, gotKeys); diff != "" {
		t.Errorf("package.yaml objects -want +got:\n%s", diff)
	}
	for k, w := range want {
		if g, ok := got[k]; ok && !bytes.Equal(w, g) {
			t.Errorf("%s differs from its source; -source +package:\n%s", k, cmp.Diff(string(w), string(g)))
		}
	}
	if !slices.ContainsFunc(wantKeys, func(k string) bool { return strings.HasPrefix(k, "CompositeResourceDefinition/") }) ||
		!slices.ContainsFunc(wantKeys, func(k string) bool { return strings.HasPrefix(k, "Composition/") }) {
		t.Errorf("the sources hold no XRD or no Composition: %v", wantKeys)
	}
	if len(verbatim) == 0 {
		t.Error("no source file is in canonical form; the generated XRD should be")
	}
	for _, v := range verbatim {
		if !bytes.Contains(pkg, v) {
			t.Errorf("package.yaml does not contain, verbatim, the %d bytes of a canonical source file", len(v))
		}
	}
}

func objKey(o map[string]any) string {
	md, _ := o["metadata"].(map[string]any)
	return fmt.Sprintf("%v/%v", o["kind"], md["name"])
}

// stripComments drops leading comment lines (the generated-file header).
func stripComments(raw []byte) []byte {
	for bytes.HasPrefix(raw, []byte("#")) {
		i := bytes.IndexByte(raw, '\n')
		if i < 0 {
			return nil
		}
		raw = raw[i+1:]
	}
	return raw
}

// zero reports whether v holds nothing but empty strings, maps and lists.
func zero(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case string:
		return v == ""
	case map[string]any:
		for _, e := range v {
			if !zero(e) {
				return false
			}
		}
		return true
	case []any:
		return len(v) == 0
	default:
		return false
	}
}
