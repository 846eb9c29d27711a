package packaging

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestStageConfiguration: the Configuration's package root holds
// crossplane.yaml and the YAML under apis/ and compositions/, nothing else.
func TestStageConfiguration(t *testing.T) {
	root := t.TempDir()
	files := map[string]bool{ // path -> staged
		"crossplane.yaml":                                        true,
		"apis/xpaymentplatforms/definition.yaml":                 true,
		"apis/v1alpha1/types.go":                                 false,
		"apis/v1alpha1/testdata/x.json":                          false,
		"compositions/composition.yaml":                          true,
		"compositions/extra/other.yml":                           true,
		"examples/claim.yaml":                                    false,
		"functions/payment-platform/package/crossplane.yaml":     false,
		".cache/crd/platform.payments.io_xpaymentplatforms.yaml": false,
		"README.md": false,
	}
	for f := range files {
		p := filepath.Join(root, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("content of "+f+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dst := filepath.Join(t.TempDir(), "stage")
	// A stale file from an earlier build must go.
	if err := os.MkdirAll(filepath.Join(dst, "apis"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dst, "apis", "stale.yaml"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := StageConfiguration(root, dst); err != nil {
		t.Fatal(err)
	}
	var want, got []string
	for f, staged := range files {
		if staged {
			want = append(want, f)
		}
	}
	err := filepath.WalkDir(dst, func(p string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		r, _ := filepath.Rel(dst, p)
		got = append(got, filepath.ToSlash(r))
		raw, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if string(raw) != "content of "+filepath.ToSlash(r)+"\n" {
			t.Errorf("%s: content %q", r, raw)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(want)
	slices.Sort(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("staged files -want +got:\n%s", diff)
	}
}
