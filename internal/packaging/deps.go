package packaging

import (
	"fmt"
	"slices"
	"strings"

	"github.com/Masterminds/semver"
	"sigs.k8s.io/yaml"
)

// Provider-aws family providers: every <svc>.aws.upbound.io group is served
// by xpkg.upbound.io/upbound/provider-aws-<svc>.
const (
	awsGroupSuffix     = ".aws.upbound.io"
	awsProviderPackage = "xpkg.upbound.io/upbound/provider-aws-"
)

// Dependency is one spec.dependsOn entry of a package's crossplane.yaml, in
// the current style (apiVersion/kind/package/version).
type Dependency struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Package    string `json:"package"`
	Version    string `json:"version"`
	// The deprecated style names the package by kind; it must not be used.
	DeprecatedProvider      string `json:"provider,omitempty"`
	DeprecatedConfiguration string `json:"configuration,omitempty"`
	DeprecatedFunction      string `json:"function,omitempty"`
}

// PackageMeta is the part of a crossplane.yaml the dependency checks read.
type PackageMeta struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec struct {
		Crossplane struct {
			Version string `json:"version"`
		} `json:"crossplane"`
		DependsOn []Dependency `json:"dependsOn"`
	} `json:"spec"`
}

// ParseMeta parses a crossplane.yaml.
func ParseMeta(raw []byte) (PackageMeta, error) {
	m := PackageMeta{}
	err := yaml.Unmarshal(raw, &m)
	return m, err
}

// AWSProviderPackage maps a provider-aws API group to the family provider
// serving it; ok is false for any other group.
func AWSProviderPackage(group string) (string, bool) {
	svc, ok := strings.CutSuffix(group, awsGroupSuffix)
	if !ok || svc == "" || strings.Contains(svc, ".") {
		return "", false
	}
	return awsProviderPackage + svc, true
}

// GroupOf is the API group of an apiVersion ("" for the core group).
func GroupOf(apiVersion string) string {
	g, _, ok := strings.Cut(apiVersion, "/")
	if !ok {
		return ""
	}
	return g
}

// RequiredProviders returns, sorted, the provider packages the objects'
// API groups need. Groups in builtin (Kubernetes, Crossplane core, our own
// XRD, render's Result) need none; any other group that is not a
// provider-aws group is returned in unknown.
func RequiredProviders(objs []map[string]any, builtin map[string]bool) (providers, unknown []string) {
	for _, o := range objs {
		av, _ := o["apiVersion"].(string)
		g := GroupOf(av)
		if builtin[g] {
			continue
		}
		if p, ok := AWSProviderPackage(g); ok {
			providers = append(providers, p)
			continue
		}
		kind, _ := o["kind"].(string)
		unknown = append(unknown, av+"/"+kind)
	}
	slices.Sort(providers)
	slices.Sort(unknown)
	return slices.Compact(providers), slices.Compact(unknown)
}

// DependencyYAML renders Provider dependsOn entries for packages with the
// version constraint, ready to paste into crossplane.yaml.
func DependencyYAML(packages []string, constraint string) string {
	var b strings.Builder
	for _, p := range packages {
		fmt.Fprintf(&b, "    - apiVersion: pkg.crossplane.io/v1\n      kind: Provider\n      package: %s\n      version: %q\n", p, constraint)
	}
	return b.String()
}

// ToDNSLabel is how Crossplane names the package object it creates for a
// dependency: the repository path with '/', '.', ':' and '-' as '-', other
// characters dropped, at most 63 characters (crossplane internal/xpkg).
func ToDNSLabel(s string) string {
	var cut strings.Builder
	for i := range len(s) {
		b := s[i]
		if ('a' <= b && b <= 'z') || ('0' <= b && b <= '9') {
			cut.WriteByte(b)
		}
		if (b == '.' || b == '/' || b == ':' || b == '-') && (i != 0 && i != 62 && i != len(s)-1) {
			cut.WriteByte('-')
		}
		if i == 62 {
			break
		}
	}
	return strings.Trim(cut.String(), "-")
}

// RepositoryPath is a package reference's repository without the registry
// host, tag or digest: xpkg.crossplane.io/acme/fn:v1 -> acme/fn.
func RepositoryPath(ref string) string {
	if i := strings.Index(ref, "@"); i >= 0 {
		ref = ref[:i]
	}
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		ref = ref[:i]
	}
	if host, rest, ok := strings.Cut(ref, "/"); ok && (strings.ContainsAny(host, ".:") || host == "localhost") {
		return rest
	}
	return ref
}

// SplitTag splits a package reference into repository and tag.
func SplitTag(ref string) (repo, tag string) {
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		return ref[:i], ref[i+1:]
	}
	return ref, ""
}

// CheckFunctionVersion fails unless the Configuration's dependency on the
// Function named function admits version: a Configuration built at a
// version must pull the Function built with it. Constraints are parsed as
// Crossplane parses them (Masterminds/semver v1).
func CheckFunctionVersion(meta PackageMeta, function, version string) error {
	v, err := semver.NewVersion(version)
	if err != nil {
		return fmt.Errorf("version %q is not a semantic version: %w", version, err)
	}
	for _, d := range meta.Spec.DependsOn {
		if d.Kind != "Function" || !strings.HasSuffix(d.Package, "/"+function) {
			continue
		}
		c, err := semver.NewConstraint(d.Version)
		if err != nil {
			return fmt.Errorf("dependsOn %s: version %q: %w", d.Package, d.Version, err)
		}
		if !c.Check(v) {
			return fmt.Errorf("crossplane.yaml depends on %s %q, which does not admit %s: set it (and examples/functions.yaml) to %s", d.Package, d.Version, version, version)
		}
		return nil
	}
	return fmt.Errorf("crossplane.yaml does not depend on the Function %s", function)
}
