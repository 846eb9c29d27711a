package controlplane

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	"github.com/acme-payments/xpaymentplatform/internal/render"
)

// FieldManager is the server-side apply field manager of the test harness.
const FieldManager = "e2e-harness"

// InstallProviderCRDs applies provider-aws's CRDs (from crdDir, the
// provider-aws module's package/crds) for every kind among objs, as the
// provider package would install them, with one change: the version objs
// use becomes the storage version. Without the provider's conversion
// webhook, an object written in a version other than the stored one is
// pruned against the stored schema.
func (s *Stack) InstallProviderCRDs(ctx context.Context, crdDir string, objs []map[string]any) (int, error) {
	start := time.Now()
	emitted := map[string]string{} // group/kind -> version
	for _, o := range objs {
		av, _ := o["apiVersion"].(string)
		kind, _ := o["kind"].(string)
		if g, v, ok := strings.Cut(av, "/"); ok && strings.HasSuffix(g, ".aws.upbound.io") {
			if prev, dup := emitted[g+"/"+kind]; dup && prev != v {
				return 0, fmt.Errorf("%s/%s is composed in two versions (%s, %s): one storage version cannot serve both", g, kind, prev, v)
			}
			emitted[g+"/"+kind] = v
		}
	}
	dir := filepath.Join(s.Dir, "provider-crds")
	if err := render.ProviderCRDs(crdDir, dir, objs); err != nil {
		return 0, err
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return 0, err
	}
	cs, err := apiextclient.NewForConfig(s.Config)
	if err != nil {
		return 0, err
	}
	var names []string
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return 0, err
		}
		var crd apiextv1.CustomResourceDefinition
		if err := yaml.Unmarshal(raw, &crd); err != nil {
			return 0, fmt.Errorf("%s: %w", f, err)
		}
		v := emitted[crd.Spec.Group+"/"+crd.Spec.Names.Kind]
		found := false
		for i := range crd.Spec.Versions {
			crd.Spec.Versions[i].Storage = crd.Spec.Versions[i].Name == v
			found = found || crd.Spec.Versions[i].Storage
		}
		if !found {
			return 0, fmt.Errorf("%s has no version %s", crd.Name, v)
		}
		crd.APIVersion, crd.Kind = "apiextensions.k8s.io/v1", "CustomResourceDefinition"
		body, err := yaml.Marshal(&crd)
		if err != nil {
			return 0, err
		}
		// Server-side apply: these CRDs are too large for the
		// last-applied annotation of client-side apply.
		json, err := yaml.YAMLToJSON(body)
		if err != nil {
			return 0, err
		}
		if _, err := cs.ApiextensionsV1().CustomResourceDefinitions().Patch(ctx, crd.Name, types.ApplyPatchType, json,
			metav1.PatchOptions{FieldManager: FieldManager, Force: ptr.To(true)}); err != nil {
			return 0, fmt.Errorf("apply %s: %w", crd.Name, err)
		}
		names = append(names, crd.Name)
	}
	for _, n := range names {
		if err := waitFor(ctx, nil, "CRD "+n+" Established", time.Minute, func(ctx context.Context) error {
			crd, err := cs.ApiextensionsV1().CustomResourceDefinitions().Get(ctx, n, metav1.GetOptions{})
			if err != nil {
				return err
			}
			for _, c := range crd.Status.Conditions {
				if c.Type == apiextv1.Established && c.Status == apiextv1.ConditionTrue {
					return nil
				}
			}
			return fmt.Errorf("%s not Established", n)
		}); err != nil {
			return 0, err
		}
	}
	s.timed(fmt.Sprintf("provider CRDs (%d)", len(names)), start)
	return len(names), nil
}
