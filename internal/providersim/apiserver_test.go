//go:build e2e

package providersim

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/go-logr/logr/testr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/yaml"

	"github.com/acme-payments/xpaymentplatform/internal/controlplane"
)

// TestRealAPIServer runs the simulator against a real kube-apiserver (no
// Crossplane) with provider-aws's CRDs: status subresource, pruning,
// server-side apply of resolved references, finalizers and deletion as the
// API server does them. It needs the control-plane binaries (make
// controlplane) and runs with -tags e2e.
func TestRealAPIServer(t *testing.T) {
	bin, err := filepath.Abs("../../bin")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(bin, "kube-apiserver")); err != nil {
		t.Skipf("no control plane binaries (make controlplane): %v", err)
	}
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/upbound/provider-aws/v2").Output()
	if err != nil {
		t.Fatal(err)
	}
	crds := filepath.Join(strings.TrimSpace(string(out)), "package", "crds")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	stack, err := controlplane.Start(ctx, t.TempDir(), controlplane.BinariesIn(bin))
	if err != nil {
		t.Fatal(err)
	}
	defer stack.Stop()
	owner, err := stack.Kube.CoreV1().ConfigMaps("default").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "xr"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	own := fmt.Sprintf("  ownerReferences: [{apiVersion: v1, kind: ConfigMap, name: xr, uid: %s, controller: true}]\n", owner.UID)
	docs := []string{
		"apiVersion: ec2.aws.upbound.io/v1beta1\nkind: VPC\nmetadata:\n  name: net\n  labels: {resource: vpc}\n" + own + "spec:\n  forProvider: {region: us-east-2, cidrBlock: 10.0.0.0/16, enableDnsSupport: true}\n",
		"apiVersion: ec2.aws.upbound.io/v1beta1\nkind: Subnet\nmetadata:\n  name: sub\n" + own + "spec:\n  forProvider: {region: us-east-2, cidrBlock: 10.0.1.0/24, vpcIdSelector: {matchControllerRef: true, matchLabels: {resource: vpc}}}\n",
		"apiVersion: kms.aws.upbound.io/v1beta1\nkind: Alias\nmetadata:\n  name: alias\n  annotations: {crossplane.io/external-name: alias/payment-dev}\nspec:\n  forProvider: {region: us-east-2, targetKeyId: abc}\n",
		"apiVersion: lambda.aws.upbound.io/v1beta2\nkind: Function\nmetadata:\n  name: api\n  labels: {resource: api}\n" + own + "spec:\n  forProvider: {region: us-east-2, publish: true, packageType: Image, imageUri: x, role: arn:aws:iam::1:role/r}\n",
		"apiVersion: lambda.aws.upbound.io/v1beta1\nkind: Invocation\nmetadata:\n  name: run\n" + own + "spec:\n  forProvider: {region: us-east-2, lifecycleScope: CRUD, input: '{\"a\":1}', functionNameSelector: {matchControllerRef: true, matchLabels: {resource: api}}}\n",
		"apiVersion: rds.aws.upbound.io/v1beta2\nkind: Cluster\nmetadata:\n  name: db\nspec:\n  forProvider: {region: us-east-2, engine: aurora-postgresql, manageMasterUserPassword: true, masterUsername: u}\n",
	}
	var objs []map[string]any
	for _, d := range docs {
		var m map[string]any
		if err := yaml.Unmarshal([]byte(d), &m); err != nil {
			t.Fatal(err)
		}
		objs = append(objs, m)
	}
	if _, err := stack.InstallProviderCRDs(ctx, crds, objs); err != nil {
		t.Fatal(err)
	}
	inv := &recordingInvoker{answer: func([]byte) ([]byte, error) { return []byte(`{"ok":true}`), nil }}
	sim, err := New(stack.Config, Options{Log: testr.NewWithOptions(t, testr.Options{Verbosity: 1}), Invoker: inv})
	if err != nil {
		t.Fatal(err)
	}
	simCtx, simCancel := context.WithCancel(ctx)
	done := make(chan error)
	go func() { done <- sim.Run(simCtx) }()
	defer func() { simCancel(); <-done }()

	dyn := dynamic.NewForConfigOrDie(stack.Config)
	res := func(m map[string]any) dynamic.ResourceInterface {
		u := &unstructured.Unstructured{Object: m}
		gvk := u.GroupVersionKind()
		plural := strings.ToLower(gvk.Kind) + "s"
		if gvk.Kind == "Alias" {
			plural = "aliases"
		}
		return dyn.Resource(gvk.GroupVersion().WithResource(plural))
	}
	for _, m := range objs {
		if _, err := res(m).Create(ctx, &unstructured.Unstructured{Object: m}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	wait := func(what string, f func() error) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for {
			err := f()
			if err == nil {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: %v", what, err)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	get := func(i int) *unstructured.Unstructured {
		u, err := res(objs[i]).Get(ctx, objs[i]["metadata"].(map[string]any)["name"].(string), metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	for i := range objs {
		wait(fmt.Sprint("ready ", i), func() error {
			u := get(i)
			if c := condition(u, "Ready"); c.Status != "True" {
				return fmt.Errorf("%s Ready %+v Synced %+v", u.GetName(), c, condition(u, "Synced"))
			}
			return nil
		})
	}
	for i := range objs {
		u := get(i)
		if !meta.FinalizerExists(u, "finalizer.managedresource.crossplane.io") {
			t.Errorf("%s: finalizers %v", u.GetName(), u.GetFinalizers())
		}
		if s := condition(u, "Synced"); s.Status != "True" {
			t.Errorf("%s: Synced %+v", u.GetName(), s)
		}
		if _, ok, _ := unstructured.NestedString(u.Object, "status", "atProvider", "id"); !ok {
			t.Errorf("%s: no status.atProvider.id", u.GetName())
		}
	}
	sub := get(1)
	var applied bool
	for _, mf := range sub.GetManagedFields() {
		applied = applied || mf.Manager == "managed.crossplane.io/api-simple-reference-resolver" && mf.Operation == metav1.ManagedFieldsOperationApply
	}
	if !applied {
		t.Errorf("the subnet's references were not server-side applied: %v", sub.GetManagedFields())
	}
	if secret, _, _ := unstructured.NestedSlice(get(5).Object, "status", "atProvider", "masterUserSecret"); len(secret) != 1 {
		t.Errorf("cluster masterUserSecret = %v", secret)
	}
	if got := meta.GetExternalName(get(2)); got != "payment-dev" {
		t.Errorf("alias external name = %q", got)
	}
	if v := str(get(1), "spec", "forProvider", "vpcId"); !strings.HasPrefix(v, "vpc-") {
		t.Errorf("subnet vpcId = %q", v)
	}
	// CRUD invocation: edit, then delete.
	run := get(4)
	_ = unstructured.SetNestedField(run.Object, `{"a":2}`, "spec", "forProvider", "input")
	if _, err := res(objs[4]).Update(ctx, run, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	wait("updated", func() error {
		if len(inv.payloads()) < 2 {
			return errors.New("no update invocation")
		}
		return nil
	})
	if err := res(objs[4]).Delete(ctx, "run", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	wait("deleted", func() error {
		_, err := res(objs[4]).Get(ctx, "run", metav1.GetOptions{})
		if err == nil {
			return errors.New("still there")
		}
		return nil
	})
	want := []string{
		`{"a":1,"tf":{"action":"create","prev_input":null}}`,
		`{"a":2,"tf":{"action":"update","prev_input":{"a":1}}}`,
		`{"a":2,"tf":{"action":"delete","prev_input":{"a":2}}}`,
	}
	if got := inv.payloads(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("invocations = %q, want %q", got, want)
	}
	inv.mu.Lock()
	fn := append([]string(nil), inv.function...)
	inv.mu.Unlock()
	if len(fn) == 0 || fn[0] != "api:$LATEST" {
		t.Errorf("invoked %v, want api:$LATEST (the resolved functionName)", fn)
	}
	for _, e := range sim.Events() {
		if e.Type == EventError || e.Type == EventRefuse {
			t.Errorf("event %s %s/%s: %s", e.Type, e.Kind, e.Name, e.Message)
		}
	}
}
