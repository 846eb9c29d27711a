package providersim

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/acme-payments/xpaymentplatform/internal/render"
)

// TestResolverTargetsRegistered: every kind a composed kind's generated
// resolvers look up (provider-aws's zz_generated.resolvers.go) is in the
// simulator's scheme; a missing one fails that resolver for every object
// of the kind, whether or not its field is set.
func TestResolverTargetsRegistered(t *testing.T) {
	kinds, err := render.ProviderKinds("../../examples/golden")
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/upbound/provider-aws/v2").Output()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "apis", "cluster")
	sch, err := typedScheme()
	if err != nil {
		t.Fatal(err)
	}
	target := regexp.MustCompile(`GetManagedResource\("([^"]+)", "([^"]+)", "([^"]+)"`)
	for _, k := range kinds {
		gv, err := schema.ParseGroupVersion(k.APIVersion)
		if err != nil {
			t.Fatal(err)
		}
		src, err := os.ReadFile(filepath.Join(dir, strings.TrimSuffix(gv.Group, GroupSuffix), gv.Version, "zz_generated.resolvers.go"))
		if err != nil {
			t.Fatal(err)
		}
		body := string(src)
		start := strings.Index(body, "func (mg *"+k.Kind+") ResolveReferences(")
		if start < 0 {
			continue // no references
		}
		end := strings.Index(body[start+1:], "\nfunc ")
		if end < 0 {
			end = len(body) - start - 1
		}
		for _, m := range target.FindAllStringSubmatch(body[start:start+1+end], -1) {
			gvk := schema.GroupVersionKind{Group: m[1], Version: m[2], Kind: m[3]}
			if !sch.Recognizes(gvk) {
				t.Errorf("%s %s resolves references to %s, which the simulator's scheme lacks (scheme.go)", k.APIVersion, k.Kind, gvk)
			}
		}
	}
}
