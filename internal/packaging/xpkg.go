package packaging

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"sigs.k8s.io/yaml"
)

// Paths in the repository.
const (
	// FunctionPackageRoot holds the Function's crossplane.yaml.
	FunctionPackageRoot = "functions/payment-platform/package"
	// ConfigurationMeta is the Configuration's crossplane.yaml.
	ConfigurationMeta = "crossplane.yaml"
)

// ConfigurationDirs are the directories whose YAML files make up the
// Configuration package, besides crossplane.yaml. Everything else (examples,
// tests, caches, the function's own package) stays out.
var ConfigurationDirs = []string{"apis", "compositions"}

// Options of a package build.
type Options struct {
	// Root is the repository root (the main module's directory).
	Root string
	// Out is the output directory (_output).
	Out string
	// Version tags the packages and labels the runtime image.
	Version string
	// Arches to build the Function for (default Arches).
	Arches []string
	// CLI is the crossplane binary.
	CLI string
	// Go is the go command (default "go").
	Go string
	// Metadata stamps the runtime image; zero means GitMetadata of Root.
	Metadata *Metadata
	// Log receives the commands run and what was written (default discard).
	Log io.Writer
}

// Result lists what a build wrote, all under Options.Out.
type Result struct {
	// Images are the runtime image tarballs per architecture.
	Images map[string]string
	// ImageDigests are the runtime images' digests per architecture.
	ImageDigests map[string]string
	// FunctionPackages are the Function's xpkg files, in Arches order.
	FunctionPackages []string
	// ConfigurationPackage is the Configuration's xpkg file.
	ConfigurationPackage string
	// FunctionName and ConfigurationName are the packages' metadata.name.
	FunctionName, ConfigurationName string
}

// Build builds the runtime image per architecture, the Function package
// per architecture (crossplane xpkg build --embed-runtime-image-tarball),
// and the Configuration package from crossplane.yaml, apis/ and
// compositions/.
//
// Layout under Out:
//
//	image/<function>-<arch>.tar                   runtime image tarballs
//	xpkg/<function>-<version>-<arch>.xpkg         Function packages
//	xpkg/<configuration>-<version>.xpkg           Configuration package
//	stage/configuration/                          the Configuration's package root
func Build(ctx context.Context, o Options) (Result, error) {
	res := Result{Images: map[string]string{}, ImageDigests: map[string]string{}}
	if o.Log == nil {
		o.Log = io.Discard
	}
	if len(o.Arches) == 0 {
		o.Arches = Arches
	}
	var err error
	if o.Root, err = filepath.Abs(o.Root); err != nil {
		return res, err
	}
	if o.Out, err = filepath.Abs(o.Out); err != nil {
		return res, err
	}
	if res.FunctionName, err = MetaName(filepath.Join(o.Root, FunctionPackageRoot, "crossplane.yaml")); err != nil {
		return res, err
	}
	if res.ConfigurationName, err = MetaName(filepath.Join(o.Root, ConfigurationMeta)); err != nil {
		return res, err
	}
	rawMeta, err := os.ReadFile(filepath.Join(o.Root, ConfigurationMeta))
	if err != nil {
		return res, err
	}
	meta, err := ParseMeta(rawMeta)
	if err != nil {
		return res, err
	}
	if err := CheckFunctionVersion(meta, res.FunctionName, o.Version); err != nil {
		return res, err
	}
	md := o.Metadata
	if md == nil {
		m, err := GitMetadata(ctx, o.Root, o.Version)
		if err != nil {
			return res, err
		}
		md = &m
	}
	work := filepath.Join(o.Out, "bin")
	for _, d := range []string{work, filepath.Join(o.Out, "image"), filepath.Join(o.Out, "xpkg")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return res, err
		}
	}
	for _, arch := range o.Arches {
		img, err := BuildImage(ctx, o.Go, o.Root, work, arch, *md)
		if err != nil {
			return res, err
		}
		tarPath := filepath.Join(o.Out, "image", res.FunctionName+"-"+arch+".tar")
		if err := WriteImage(tarPath, "runtime-"+arch+":"+o.Version, img); err != nil {
			return res, err
		}
		d, err := img.Digest()
		if err != nil {
			return res, err
		}
		res.Images[arch], res.ImageDigests[arch] = tarPath, d.String()
		fmt.Fprintf(o.Log, "runtime image linux/%s %s -> %s\n", arch, d, rel(o.Root, tarPath))

		pkg := filepath.Join(o.Out, "xpkg", fmt.Sprintf("%s-%s-%s.xpkg", res.FunctionName, o.Version, arch))
		if err := XpkgBuild(ctx, o.CLI, o.Root, o.Log, filepath.Join(o.Root, FunctionPackageRoot), tarPath, pkg); err != nil {
			return res, err
		}
		res.FunctionPackages = append(res.FunctionPackages, pkg)
	}

	stage := filepath.Join(o.Out, "stage", "configuration")
	if err := StageConfiguration(o.Root, stage); err != nil {
		return res, err
	}
	res.ConfigurationPackage = filepath.Join(o.Out, "xpkg", fmt.Sprintf("%s-%s.xpkg", res.ConfigurationName, o.Version))
	if err := XpkgBuild(ctx, o.CLI, o.Root, o.Log, stage, "", res.ConfigurationPackage); err != nil {
		return res, err
	}
	return res, nil
}

// XpkgBuild runs crossplane xpkg build of the package root into out,
// embedding the runtime image tarball when given. The examples root points
// at a directory that does not exist, so no examples layer is added (the
// CLI's default, ./examples, would pick up this repository's examples).
func XpkgBuild(ctx context.Context, cli, dir string, log io.Writer, root, runtimeTarball, out string) error {
	args := []string{"xpkg", "build", "--package-root=" + root,
		"--examples-root=" + filepath.Join(root, "no-examples"), "--package-file=" + out}
	if runtimeTarball != "" {
		args = append(args, "--embed-runtime-image-tarball="+runtimeTarball)
	}
	if _, err := os.Stat(filepath.Join(root, "no-examples")); err == nil {
		return fmt.Errorf("%s/no-examples exists; it must not", root)
	}
	_, err := Crossplane(ctx, cli, dir, log, args...)
	return err
}

// Push runs crossplane xpkg push of the package files to ref (one file: an
// image; several: an image index of them, one per platform).
func Push(ctx context.Context, cli, dir string, log io.Writer, ref string, files ...string) error {
	_, err := Crossplane(ctx, cli, dir, log, "xpkg", "push", "--package-files="+strings.Join(files, ","), ref)
	return err
}

// Crossplane runs the crossplane CLI in dir, logging the command line with
// paths relative to dir.
func Crossplane(ctx context.Context, cli, dir string, log io.Writer, args ...string) ([]byte, error) {
	if log == nil {
		log = io.Discard
	}
	shown := make([]string, len(args))
	for i, a := range args {
		shown[i] = strings.ReplaceAll(a, dir+string(filepath.Separator), "")
	}
	fmt.Fprintf(log, "+ %s %s\n", rel(dir, cli), strings.Join(shown, " "))
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, cli, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.Bytes(), fmt.Errorf("crossplane %s: %w: %s%s", strings.Join(args[:2], " "), err, stderr.String(), stdout.String())
	}
	return stdout.Bytes(), nil
}

// StageConfiguration copies crossplane.yaml and the YAML files under
// ConfigurationDirs into dst (emptied first), keeping relative paths.
func StageConfiguration(root, dst string) error {
	if err := os.RemoveAll(dst); err != nil {
		return err
	}
	files := []string{ConfigurationMeta}
	for _, d := range ConfigurationDirs {
		err := filepath.WalkDir(filepath.Join(root, d), func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if e.Type().IsRegular() && isYAML(p) {
				r, err := filepath.Rel(root, p)
				if err != nil {
					return err
				}
				files = append(files, r)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	for _, f := range files {
		raw, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dst, f)), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dst, f), raw, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func isYAML(p string) bool {
	ext := filepath.Ext(p)
	return ext == ".yaml" || ext == ".yml"
}

// MetaName is metadata.name of a package's crossplane.yaml.
func MetaName(path string) (string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	m := struct {
		Metadata struct {
			Name string `json:"name"`
		} `json:"metadata"`
	}{}
	if err := yaml.Unmarshal(raw, &m); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	if m.Metadata.Name == "" {
		return "", fmt.Errorf("%s: no metadata.name", path)
	}
	return m.Metadata.Name, nil
}

func rel(base, p string) string {
	if r, err := filepath.Rel(base, p); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return p
}
