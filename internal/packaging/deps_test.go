package packaging

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/Masterminds/semver"
	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"

	"github.com/acme-payments/xpaymentplatform/internal/render"
)

// repoRoot is the repository root, two directories above this package.
const repoRoot = "../.."

func TestAWSProviderPackage(t *testing.T) {
	cases := map[string]struct {
		group string
		want  string
		ok    bool
	}{
		"EC2":            {group: "ec2.aws.upbound.io", want: "xpkg.upbound.io/upbound/provider-aws-ec2", ok: true},
		"CloudWatchLogs": {group: "cloudwatchlogs.aws.upbound.io", want: "xpkg.upbound.io/upbound/provider-aws-cloudwatchlogs", ok: true},
		"ELBv2":          {group: "elbv2.aws.upbound.io", want: "xpkg.upbound.io/upbound/provider-aws-elbv2", ok: true},
		"NamespacedEC2":  {group: "ec2.aws.m.upbound.io", ok: false},
		"Crossplane":     {group: "protection.crossplane.io", ok: false},
		"BareSuffix":     {group: ".aws.upbound.io", ok: false},
		"Core":           {group: "", ok: false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, ok := AWSProviderPackage(tc.group)
			if got != tc.want || ok != tc.ok {
				t.Errorf("AWSProviderPackage(%q) = %q, %v; want %q, %v", tc.group, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestRequiredProviders(t *testing.T) {
	builtin := map[string]bool{"": true, "platform.payments.io": true, "protection.crossplane.io": true}
	obj := func(av, kind string) map[string]any { return map[string]any{"apiVersion": av, "kind": kind} }
	cases := map[string]struct {
		objs        []map[string]any
		wantP, want []string
	}{
		"DedupedAndSorted": {
			objs: []map[string]any{
				obj("kms.aws.upbound.io/v1beta1", "Key"), obj("ec2.aws.upbound.io/v1beta1", "VPC"),
				obj("ec2.aws.upbound.io/v1beta2", "Route"), obj("platform.payments.io/v1alpha1", "XPaymentPlatform"),
				obj("protection.crossplane.io/v1beta1", "ClusterUsage"), obj("v1", "Secret"),
			},
			wantP: []string{"xpkg.upbound.io/upbound/provider-aws-ec2", "xpkg.upbound.io/upbound/provider-aws-kms"},
		},
		"UnknownGroup": {
			objs:  []map[string]any{obj("s3.gcp.upbound.io/v1beta1", "Bucket"), obj("rds.aws.upbound.io/v1beta1", "Cluster")},
			wantP: []string{"xpkg.upbound.io/upbound/provider-aws-rds"},
			want:  []string{"s3.gcp.upbound.io/v1beta1/Bucket"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p, u := RequiredProviders(tc.objs, builtin)
			if diff := cmp.Diff(tc.wantP, p); diff != "" {
				t.Errorf("providers -want +got:\n%s", diff)
			}
			if diff := cmp.Diff(tc.want, u); diff != "" {
				t.Errorf("unknown -want +got:\n%s", diff)
			}
		})
	}
}

func TestReferences(t *testing.T) {
	cases := map[string]struct {
		ref, repoPath, label, repo, tag string
	}{
		"Upbound":      {ref: "xpkg.crossplane.io/acme-payments/function-payment-platform:v0.1.0", repoPath: "acme-payments/function-payment-platform", label: "acme-payments-function-payment-platform", repo: "xpkg.crossplane.io/acme-payments/function-payment-platform", tag: "v0.1.0"},
		"RegistryPort": {ref: "127.0.0.1:5000/acme-payments/function-payment-platform:v0.1.0", repoPath: "acme-payments/function-payment-platform", label: "acme-payments-function-payment-platform", repo: "127.0.0.1:5000/acme-payments/function-payment-platform", tag: "v0.1.0"},
		"ECR":          {ref: "123456789012.dkr.ecr.us-east-2.amazonaws.com/acme-payments/function-payment-platform", repoPath: "acme-payments/function-payment-platform", label: "acme-payments-function-payment-platform", repo: "123456789012.dkr.ecr.us-east-2.amazonaws.com/acme-payments/function-payment-platform"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := RepositoryPath(tc.ref); got != tc.repoPath {
				t.Errorf("RepositoryPath = %q, want %q", got, tc.repoPath)
			}
			if got := ToDNSLabel(RepositoryPath(tc.ref)); got != tc.label {
				t.Errorf("ToDNSLabel = %q, want %q", got, tc.label)
			}
			if repo, tag := SplitTag(tc.ref); repo != tc.repo || tag != tc.tag {
				t.Errorf("SplitTag = %q, %q; want %q, %q", repo, tag, tc.repo, tc.tag)
			}
		})
	}
}

// TestDependsOn keeps crossplane.yaml's dependsOn equal to what the function
// really composes: the golden renders of every example (kept equal to fresh
// renders by the examples test) name every composed resource's API group;
// each provider-aws group needs its family provider, and every Provider
// listed must be needed. The Function dependency must be the function
// examples/functions.yaml renders with, under the name the Composition's
// functionRef uses.
func TestDependsOn(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(repoRoot, ConfigurationMeta))
	if err != nil {
		t.Fatal(err)
	}
	meta, err := ParseMeta(raw)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("CurrentStyle", func(t *testing.T) {
		if meta.APIVersion != "meta.pkg.crossplane.io/v1" || meta.Kind != "Configuration" {
			t.Errorf("crossplane.yaml is %s %s, want meta.pkg.crossplane.io/v1 Configuration", meta.APIVersion, meta.Kind)
		}
		seen := map[string]bool{}
		for _, d := range meta.Spec.DependsOn {
			if d.DeprecatedProvider+d.DeprecatedConfiguration+d.DeprecatedFunction != "" {
				t.Errorf("dependsOn %+v uses the deprecated provider/configuration/function key; use package", d)
			}
			if d.APIVersion != "pkg.crossplane.io/v1" && !(d.Kind == "Function" && d.APIVersion == "pkg.crossplane.io/v1beta1") {
				t.Errorf("dependsOn %s: apiVersion %q, want pkg.crossplane.io/v1", d.Package, d.APIVersion)
			}
			if d.Kind != "Provider" && d.Kind != "Function" && d.Kind != "Configuration" {
				t.Errorf("dependsOn %s: kind %q", d.Package, d.Kind)
			}
			if d.Package == "" || d.Version == "" {
				t.Errorf("dependsOn %+v: package and version are required", d)
			}
			if _, err := semver.NewConstraint(d.Version); err != nil {
				t.Errorf("dependsOn %s: version %q is not a constraint Crossplane parses: %v", d.Package, d.Version, err)
			}
			if seen[d.Package] {
				t.Errorf("dependsOn lists %s twice", d.Package)
			}
			seen[d.Package] = true
		}
	})

	t.Run("CrossplaneVersion", func(t *testing.T) {
		c, err := semver.NewConstraint(meta.Spec.Crossplane.Version)
		if err != nil {
			t.Fatalf("spec.crossplane.version %q: %v", meta.Spec.Crossplane.Version, err)
		}
		for v, want := range map[string]bool{"v2.0.0": true, "v2.2.0": true, "v1.20.0": false} {
			if got := c.Check(semver.MustParse(v)); got != want {
				t.Errorf("spec.crossplane.version %q admits %s = %v, want %v", meta.Spec.Crossplane.Version, v, got, want)
			}
		}
	})

	t.Run("ProvidersComposed", func(t *testing.T) {
		objs := goldenObjects(t)
		providers, unknown := RequiredProviders(objs, builtinGroups(t))
		if len(providers) == 0 {
			t.Fatal("the goldens compose no provider-aws resource; the check would be vacuous")
		}
		for _, u := range unknown {
			t.Errorf("composed %s: its API group is neither provider-aws, Kubernetes, Crossplane nor ours; add its provider to dependsOn and teach this test the mapping", u)
		}
		listed := map[string]Dependency{}
		for _, d := range meta.Spec.DependsOn {
			if d.Kind == "Provider" {
				listed[d.Package] = d
			}
		}
		var missing []string
		for _, p := range providers {
			if _, ok := listed[p]; !ok {
				missing = append(missing, p)
			}
			delete(listed, p)
		}
		if len(missing) > 0 {
			t.Errorf("the renders compose groups of providers crossplane.yaml does not depend on; add to spec.dependsOn:\n%s", DependencyYAML(missing, providerConstraint(t)))
		}
		for p := range listed {
			t.Errorf("crossplane.yaml depends on %s but no render composes any of its groups; remove it", p)
		}
	})

	t.Run("ProviderVersions", func(t *testing.T) {
		// The function is compiled against these provider-aws CRDs (go.mod):
		// every family provider's constraint must admit that version and
		// exclude the next major (new CRD versions, removed fields).
		v := semver.MustParse(moduleVersion(t, "github.com/upbound/provider-aws/v2"))
		next := semver.MustParse("v3.0.0")
		for _, d := range meta.Spec.DependsOn {
			if d.Kind != "Provider" {
				continue
			}
			c, err := semver.NewConstraint(d.Version)
			if err != nil {
				continue // reported by CurrentStyle
			}
			if !c.Check(v) {
				t.Errorf("%s %q does not admit provider-aws %s, whose CRDs the function composes", d.Package, d.Version, v.Original())
			}
			if c.Check(next) {
				t.Errorf("%s %q admits %s: pin below the next major", d.Package, d.Version, next.Original())
			}
		}
	})

	t.Run("Function", func(t *testing.T) {
		var fns []Dependency
		for _, d := range meta.Spec.DependsOn {
			if d.Kind == "Function" {
				fns = append(fns, d)
			}
		}
		if len(fns) != 1 {
			t.Fatalf("dependsOn has %d Functions, want exactly ours", len(fns))
		}
		dep := fns[0]

		fn := struct {
			Metadata struct {
				Name string `json:"name"`
			} `json:"metadata"`
			Spec struct {
				Package string `json:"package"`
			} `json:"spec"`
		}{}
		readYAML(t, filepath.Join(repoRoot, "examples", "functions.yaml"), &fn)
		repo, tag := SplitTag(fn.Spec.Package)
		if repo != dep.Package {
			t.Errorf("examples/functions.yaml renders with %s, crossplane.yaml depends on %s", repo, dep.Package)
		}
		if tag != dep.Version {
			c, err := semver.NewConstraint(dep.Version)
			if tag == "" || err != nil || !c.Check(semver.MustParse(tag)) {
				t.Errorf("examples/functions.yaml renders with version %q, crossplane.yaml depends on %q", tag, dep.Version)
			}
		}
		// Crossplane installs the dependency as a Function named after its
		// repository; the Composition must reference that name.
		want := ToDNSLabel(RepositoryPath(dep.Package))
		if fn.Metadata.Name != want {
			t.Errorf("examples/functions.yaml names the function %q, Crossplane names the dependency %q", fn.Metadata.Name, want)
		}
		comp := struct {
			Spec struct {
				Pipeline []struct {
					Step        string `json:"step"`
					FunctionRef struct {
						Name string `json:"name"`
					} `json:"functionRef"`
				} `json:"pipeline"`
			} `json:"spec"`
		}{}
		readYAML(t, filepath.Join(repoRoot, "compositions", "composition.yaml"), &comp)
		if len(comp.Spec.Pipeline) == 0 {
			t.Fatal("the Composition has no pipeline")
		}
		for _, s := range comp.Spec.Pipeline {
			if s.FunctionRef.Name != want {
				t.Errorf("pipeline step %s references function %q, Crossplane names the dependency %s %q", s.Step, s.FunctionRef.Name, dep.Package, want)
			}
		}
		fnMeta, err := MetaName(filepath.Join(repoRoot, FunctionPackageRoot, "crossplane.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(dep.Package, "/"+fnMeta) {
			t.Errorf("the Function package is named %q but dependsOn pulls %s", fnMeta, dep.Package)
		}
	})
}

// providerConstraint is the range new provider entries get: from the
// provider-aws version the function is compiled against to the next major.
func providerConstraint(t *testing.T) string {
	t.Helper()
	v := semver.MustParse(moduleVersion(t, "github.com/upbound/provider-aws/v2"))
	return fmt.Sprintf(">=%s, <v%d.0.0", v.Original(), v.Major()+1)
}

// goldenObjects are every document of every golden render.
func goldenObjects(t *testing.T) []map[string]any {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(repoRoot, "examples", "golden", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden renders in examples/golden: %v", err)
	}
	var objs []map[string]any
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs, err := render.Docs(raw)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		objs = append(objs, docs...)
	}
	return objs
}

// builtinGroups are the groups no provider serves: Kubernetes' core group,
// render's Result, our XRD's group, and Crossplane's own (from its CRDs).
func builtinGroups(t *testing.T) map[string]bool {
	t.Helper()
	xrd := struct {
		Spec struct {
			Group string `json:"group"`
		} `json:"spec"`
	}{}
	readYAML(t, filepath.Join(repoRoot, "apis", "xpaymentplatforms", "definition.yaml"), &xrd)
	groups := map[string]bool{"": true, "render.crossplane.io": true, xrd.Spec.Group: true}
	crds, err := filepath.Glob(filepath.Join(toolsModuleDir(t, "github.com/crossplane/crossplane/v2"), "cluster", "crds", "*.yaml"))
	if err != nil || len(crds) == 0 {
		t.Fatalf("no Crossplane core CRDs: %v", err)
	}
	for _, c := range crds {
		g, _, _ := strings.Cut(filepath.Base(c), "_")
		groups[g] = true
	}
	if !groups["protection.crossplane.io"] || !groups["apiextensions.crossplane.io"] {
		t.Fatalf("Crossplane core groups not found in %v", crds)
	}
	return groups
}

func readYAML(t *testing.T, path string, into any) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, into); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// moduleVersion is the version of a module the main module requires.
func moduleVersion(t *testing.T, mod string) string {
	t.Helper()
	return goList(t, repoRoot, "{{.Version}}", mod)
}

// toolsModuleDir is the directory of a module the tools module requires.
func toolsModuleDir(t *testing.T, mod string) string {
	t.Helper()
	return goList(t, filepath.Join(repoRoot, "tools"), "{{.Dir}}", mod)
}

func goList(t *testing.T, dir, format, mod string) string {
	t.Helper()
	cmd := exec.Command(goCmd(), "list", "-m", "-f", format, mod)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -m %s in %s: %v", mod, dir, err)
	}
	s := strings.TrimSpace(string(out))
	if s == "" || slices.Contains([]string{"<nil>"}, s) {
		t.Fatalf("go list -m %s in %s: empty", mod, dir)
	}
	return s
}

func TestCheckFunctionVersion(t *testing.T) {
	meta := func(v string) PackageMeta {
		m := PackageMeta{}
		m.Spec.DependsOn = []Dependency{
			{Kind: "Provider", Package: "xpkg.upbound.io/upbound/provider-aws-ec2", Version: ">=v2.5.0, <v3.0.0"},
			{Kind: "Function", Package: "xpkg.crossplane.io/acme-payments/function-payment-platform", Version: v},
		}
		return m
	}
	cases := map[string]struct {
		meta    PackageMeta
		version string
		err     string
	}{
		"Exact":        {meta: meta("v0.1.0"), version: "v0.1.0"},
		"Range":        {meta: meta(">=v0.1.0, <v0.2.0"), version: "v0.1.3"},
		"Mismatch":     {meta: meta("v0.1.0"), version: "v0.2.0", err: "does not admit v0.2.0"},
		"NotSemver":    {meta: meta("v0.1.0"), version: "latest", err: "not a semantic version"},
		"BadRange":     {meta: meta(">=v0.1.0 <v0.2.0"), version: "v0.1.0", err: "improper constraint"},
		"NoDependency": {meta: PackageMeta{}, version: "v0.1.0", err: "does not depend on the Function"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := CheckFunctionVersion(tc.meta, "function-payment-platform", tc.version)
			if (tc.err == "" && err != nil) || (tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err))) {
				t.Errorf("CheckFunctionVersion = %v, want error containing %q", err, tc.err)
			}
		})
	}
}

// TestPublishingDoc keeps docs/publishing.md's list of what a cluster pulls
// equal to crossplane.yaml's dependsOn.
func TestPublishingDoc(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(repoRoot, ConfigurationMeta))
	if err != nil {
		t.Fatal(err)
	}
	meta, err := ParseMeta(raw)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile(filepath.Join(repoRoot, "docs", "publishing.md"))
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `([^`]+)` \\| (.+) \\|$")
	listed := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(string(doc), -1) {
		if strings.HasPrefix(m[1], awsProviderPackage) || strings.Contains(m[1], "/function-") {
			listed[m[1]] = m[2]
		}
	}
	want := map[string]string{}
	for _, d := range meta.Spec.DependsOn {
		if d.Kind == "Function" {
			want[d.Package] = "`" + d.Version + "` exactly"
			continue
		}
		want[d.Package] = "the newest `" + d.Version + "`"
	}
	if diff := cmp.Diff(want, listed); diff != "" {
		t.Errorf("docs/publishing.md's dependency table -crossplane.yaml +doc:\n%s", diff)
	}
}
