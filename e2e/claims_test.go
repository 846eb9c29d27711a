//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"

	"github.com/acme-payments/xpaymentplatform/internal/pki"
)

// ClusterUsageGVR is Crossplane's deletion-ordering object.
var clusterUsageGVR = schema.GroupVersionResource{Group: "protection.crossplane.io", Version: "v1beta1", Resource: "clusterusages"}

// claimNamespace is where the example claims live.
const claimNamespace = "payments"

// readClaim reads an example claim and applies edits to its parsed form.
func readClaim(t *testing.T, file string, edits ...func(map[string]any)) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repo, "examples", file))
	if err != nil {
		t.Fatal(err)
	}
	obj := map[string]any{}
	if err := yaml.Unmarshal(raw, &obj); err != nil {
		t.Fatal(err)
	}
	for _, e := range edits {
		e(obj)
	}
	out, err := yaml.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// set returns an edit that sets a field path (dot separated) of a claim.
func set(path string, v any) func(map[string]any) {
	return func(o map[string]any) {
		if err := unstructured.SetNestedField(o, v, strings.Split(path, ".")...); err != nil {
			panic(err)
		}
	}
}

// unset returns an edit that removes a field path of a claim.
func unset(path string) func(map[string]any) {
	return func(o map[string]any) { unstructured.RemoveNestedField(o, strings.Split(path, ".")...) }
}

// prepareNamespace creates the claims' namespace and the source database
// Secret the migration tier reads (a password no output may carry).
func prepareNamespace(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	kube := world.stack.Kube
	if _, err := kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: claimNamespace}}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	sec := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "payments-source-db", Namespace: claimNamespace},
		StringData: map[string]string{"password": sourcePassword},
	}
	if _, err := kube.CoreV1().Secrets(claimNamespace).Create(ctx, sec, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	// The CA of the prod source's server certificate (verify-full).
	ca, err := pki.NewCA("pg-payments.corp.example.com CA")
	if err != nil {
		t.Fatal(err)
	}
	caSecret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "payments-source-ca", Namespace: claimNamespace},
		Data:       map[string][]byte{"ca.crt": ca.CertPEM()},
	}
	if _, err := kube.CoreV1().Secrets(claimNamespace).Create(ctx, caSecret, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
}

// sourcePassword is the on-prem password in the claim's Secret.
const sourcePassword = "s3cr3t-On-Prem-Pa55"

// applyClaim applies a claim (as YAML) and returns its name.
func applyClaim(t *testing.T, raw []byte) string {
	t.Helper()
	u, err := apply(context.Background(), claimGVR, raw)
	if err != nil {
		t.Fatalf("apply claim: %v", err)
	}
	return u.GetName()
}

// xrOf returns the name of a claim's composite resource.
func xrOf(ctx context.Context, claim string) (string, error) {
	c, err := get(ctx, claimGVR, claimNamespace, claim)
	if err != nil {
		return "", err
	}
	name, _, _ := unstructured.NestedString(c.Object, "spec", "resourceRef", "name")
	if name == "" {
		return "", fmt.Errorf("claim %s has no XR yet", claim)
	}
	return name, nil
}

// waitClaimReady waits for the claim and its XR to be Ready and Synced.
func waitClaimReady(t *testing.T, claim string, timeout time.Duration) *unstructured.Unstructured {
	t.Helper()
	var xr *unstructured.Unstructured
	eventually(t, timeout, "claim "+claim+" Ready", func(ctx context.Context) error {
		c, err := get(ctx, claimGVR, claimNamespace, claim)
		if err != nil {
			return err
		}
		name, err := xrOf(ctx, claim)
		if err != nil {
			return err
		}
		if xr, err = get(ctx, xrGVR, "", name); err != nil {
			return err
		}
		for _, o := range []*unstructured.Unstructured{xr, c} {
			for _, typ := range []string{"Synced", "Ready"} {
				if err := conditionIs(o, typ, "True", ""); err != nil {
					_, _, rr := condition(xr, "ResourcesReady")
					return fmt.Errorf("%w (ResourcesReady: %s)", err, short(rr, 400))
				}
			}
		}
		return nil
	})
	return xr
}

// managedGVRs are the provider-aws kinds installed, at their storage
// version (the one the function emits).
func managedGVRs(ctx context.Context) ([]schema.GroupVersionResource, error) {
	cs, err := apiextclient.NewForConfig(world.stack.Config)
	if err != nil {
		return nil, err
	}
	l, err := cs.ApiextensionsV1().CustomResourceDefinitions().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	var out []schema.GroupVersionResource
	for _, crd := range l.Items {
		if !strings.HasSuffix(crd.Spec.Group, ".aws.upbound.io") {
			continue
		}
		for _, v := range crd.Spec.Versions {
			if v.Storage {
				out = append(out, schema.GroupVersionResource{Group: crd.Spec.Group, Version: v.Name, Resource: crd.Spec.Names.Plural})
			}
		}
	}
	slices.SortFunc(out, func(a, b schema.GroupVersionResource) int { return strings.Compare(a.String(), b.String()) })
	return out, nil
}

// composedOf lists the managed resources and ClusterUsages an XR composed,
// by the label Crossplane puts on them.
func composedOf(ctx context.Context, xr string) ([]unstructured.Unstructured, error) {
	gvrs, err := managedGVRs(ctx)
	if err != nil {
		return nil, err
	}
	var out []unstructured.Unstructured
	for _, gvr := range append(gvrs, clusterUsageGVR) {
		l, err := world.dyn.Resource(gvr).List(ctx, metav1.ListOptions{LabelSelector: "crossplane.io/composite=" + xr})
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", gvr.Resource, err)
		}
		out = append(out, l.Items...)
	}
	return out, nil
}

// crn is an object's composition-resource name.
func crn(u unstructured.Unstructured) string {
	return u.GetAnnotations()["crossplane.io/composition-resource-name"]
}

// warningEvents lists Warning events about an object.
func warningEvents(ctx context.Context, ns, kind, name string) ([]corev1.Event, error) {
	if ns == "" {
		ns = metav1.NamespaceDefault
	}
	l, err := world.stack.Kube.CoreV1().Events(ns).List(ctx, metav1.ListOptions{
		FieldSelector: "involvedObject.kind=" + kind + ",involvedObject.name=" + name + ",type=Warning",
	})
	if err != nil {
		return nil, err
	}
	return l.Items, nil
}

// deleteClaim deletes a claim and waits until it is gone.
func deleteClaim(t *testing.T, name string) {
	t.Helper()
	ctx := context.Background()
	err := world.dyn.Resource(claimGVR).Namespace(claimNamespace).Delete(ctx, name, metav1.DeleteOptions{})
	if apierrors.IsNotFound(err) {
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Minute, "claim "+name+" deleted", func(ctx context.Context) error {
		_, err := get(ctx, claimGVR, claimNamespace, name)
		if apierrors.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		return fmt.Errorf("claim %s still exists", name)
	})
}
