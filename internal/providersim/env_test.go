package providersim

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	xpv1 "github.com/crossplane/crossplane-runtime/v2/apis/common/v1"
	jsonpatch "github.com/evanphx/json-patch"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic/fake"
	clienttesting "k8s.io/client-go/testing"
	"sigs.k8s.io/yaml"
)

// testKind is a provider CRD of the test API server.
type testKind struct {
	group, version, kind, plural string
}

var (
	kVPC        = testKind{"ec2.aws.upbound.io", "v1beta1", "VPC", "vpcs"}
	kSubnet     = testKind{"ec2.aws.upbound.io", "v1beta1", "Subnet", "subnets"}
	kTopic      = testKind{"sns.aws.upbound.io", "v1beta1", "Topic", "topics"}
	kAlias      = testKind{"kms.aws.upbound.io", "v1beta1", "Alias", "aliases"}
	kFunction   = testKind{"lambda.aws.upbound.io", "v1beta2", "Function", "functions"}
	kInvocation = testKind{"lambda.aws.upbound.io", "v1beta1", "Invocation", "invocations"}
	kCluster    = testKind{"rds.aws.upbound.io", "v1beta2", "Cluster", "clusters"}
	kSG         = testKind{"ec2.aws.upbound.io", "v1beta1", "SecurityGroup", "securitygroups"}
	testKinds   = []testKind{kVPC, kSubnet, kTopic, kAlias, kFunction, kInvocation, kCluster, kSG}
)

func (k testKind) gvr() schema.GroupVersionResource {
	return schema.GroupVersionResource{Group: k.group, Version: k.version, Resource: k.plural}
}

func (k testKind) crd() *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
		"metadata": map[string]any{"name": k.plural + "." + k.group},
		"spec": map[string]any{
			"group": k.group, "scope": "Cluster",
			"names":    map[string]any{"kind": k.kind, "plural": k.plural, "listKind": k.kind + "List"},
			"versions": []any{map[string]any{"name": k.version, "served": true, "storage": true}},
		},
		"status": map[string]any{"conditions": []any{map[string]any{"type": "Established", "status": "True"}}},
	}}
}

// obj builds a managed resource from YAML; name and uid are set.
func (k testKind) obj(t *testing.T, name, body string) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(body), &u.Object); err != nil {
		t.Fatal(err)
	}
	if u.Object == nil {
		u.Object = map[string]any{}
	}
	u.SetAPIVersion(k.group + "/" + k.version)
	u.SetKind(k.kind)
	u.SetName(name)
	u.SetUID(types.UID("uid-" + name))
	u.SetGeneration(1)
	return u
}

// env is a simulator running against a fake dynamic client.
type env struct {
	t   *testing.T
	dyn *fake.FakeDynamicClient
	sim *Simulator
	inv *recordingInvoker
	// applies are the server-side applies the simulator sent.
	applies *appliesLog
}

// appliesLog serves server-side apply, which the fake client cannot do for
// unstructured objects, as a JSON merge patch, and records each apply.
type appliesLog struct {
	mu  sync.Mutex
	log []string
}

func (a *appliesLog) react(dyn *fake.FakeDynamicClient) clienttesting.ReactionFunc {
	return func(action clienttesting.Action) (bool, runtime.Object, error) {
		pa, ok := action.(clienttesting.PatchActionImpl)
		if !ok || pa.GetPatchType() != types.ApplyPatchType {
			return false, nil, nil
		}
		force := pa.PatchOptions.Force != nil && *pa.PatchOptions.Force
		a.mu.Lock()
		a.log = append(a.log, fmt.Sprintf("%s %s force=%t %s", pa.GetName(), pa.PatchOptions.FieldManager, force, pa.GetPatch()))
		a.mu.Unlock()
		obj, err := dyn.Tracker().Get(pa.GetResource(), pa.GetNamespace(), pa.GetName())
		if err != nil {
			return true, nil, err
		}
		cur, err := json.Marshal(obj)
		if err != nil {
			return true, nil, err
		}
		merged, err := jsonpatch.MergePatch(cur, pa.GetPatch())
		if err != nil {
			return true, nil, err
		}
		out := &unstructured.Unstructured{}
		if err := json.Unmarshal(merged, &out.Object); err != nil {
			return true, nil, err
		}
		return true, out, dyn.Tracker().Update(pa.GetResource(), out, pa.GetNamespace())
	}
}

func (a *appliesLog) all() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.log...)
}

func newEnv(t *testing.T, o Options, objs ...*unstructured.Unstructured) *env {
	t.Helper()
	listKinds := map[schema.GroupVersionResource]string{crdGVR: "CustomResourceDefinitionList"}
	var all []runtime.Object
	for _, k := range testKinds {
		listKinds[k.gvr()] = k.kind + "List"
		all = append(all, k.crd())
	}
	for _, o := range objs {
		all = append(all, o)
	}
	dyn := fake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), listKinds, all...)
	applies := &appliesLog{}
	dyn.PrependReactor("patch", "*", applies.react(dyn))
	inv := &recordingInvoker{}
	if o.Invoker == nil {
		o.Invoker = inv
	}
	if o.ReadyDelay == 0 {
		o.ReadyDelay = 200 * time.Millisecond
	}
	o.RetryBase, o.RetryMax = 20*time.Millisecond, 200*time.Millisecond
	o.Region = "us-east-2"
	sim, err := newSimulator(dyn, o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := sim.Run(ctx); err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	return &env{t: t, dyn: dyn, sim: sim, inv: inv, applies: applies}
}

func (e *env) get(k testKind, name string) *unstructured.Unstructured {
	e.t.Helper()
	u, err := e.dyn.Resource(k.gvr()).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		e.t.Fatalf("get %s %s: %v", k.kind, name, err)
	}
	return u
}

func (e *env) create(u *unstructured.Unstructured) {
	e.t.Helper()
	k := schema.GroupVersionResource{Group: u.GroupVersionKind().Group, Version: u.GroupVersionKind().Version}
	for _, tk := range testKinds {
		if tk.group == k.Group && tk.version == k.Version && tk.kind == u.GetKind() {
			if _, err := e.dyn.Resource(tk.gvr()).Create(context.Background(), u, metav1.CreateOptions{}); err != nil {
				e.t.Fatal(err)
			}
			return
		}
	}
	e.t.Fatalf("no test kind for %s", u.GroupVersionKind())
}

// edit changes an object's spec as a user or Crossplane would: the
// generation goes up.
func (e *env) edit(k testKind, name string, f func(u *unstructured.Unstructured)) {
	e.t.Helper()
	u := e.get(k, name)
	f(u)
	u.SetGeneration(u.GetGeneration() + 1)
	if _, err := e.dyn.Resource(k.gvr()).Update(context.Background(), u, metav1.UpdateOptions{}); err != nil {
		e.t.Fatal(err)
	}
}

// eventually retries check until it returns nil or the time is up.
func (e *env) eventually(what string, check func() error) {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("%s: %v\nevents: %s", what, err, e.eventsString())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// events of one object and type.
func (e *env) events(name string, t EventType) []Event {
	var out []Event
	for _, ev := range e.sim.Events() {
		if ev.Name == name && ev.Type == t {
			out = append(out, ev)
		}
	}
	return out
}

func (e *env) eventsString() string {
	var b strings.Builder
	for _, ev := range e.sim.Events() {
		fmt.Fprintf(&b, "\n  %s %s/%s ext=%q %s", ev.Type, ev.Kind, ev.Name, ev.ExternalName, ev.Message)
	}
	return b.String()
}

type cond struct{ status, reason, message string }

func conditionOf(u *unstructured.Unstructured, t string) cond {
	c := condition(u, xpv1.ConditionType(t))
	return cond{string(c.Status), string(c.Reason), c.Message}
}

func str(u *unstructured.Unstructured, path ...string) string {
	s, _, _ := unstructured.NestedString(u.Object, path...)
	return s
}

// recordingInvoker answers every invocation with answer (or fails) and
// records the payloads.
type recordingInvoker struct {
	mu       sync.Mutex
	calls    []string
	answer   func(payload []byte) ([]byte, error)
	function []string
}

func (r *recordingInvoker) Invoke(_ context.Context, function, qualifier string, payload []byte) ([]byte, error) {
	r.mu.Lock()
	r.calls = append(r.calls, string(payload))
	r.function = append(r.function, function+":"+qualifier)
	answer := r.answer
	r.mu.Unlock()
	if answer != nil {
		return answer(payload)
	}
	var in map[string]any
	_ = json.Unmarshal(payload, &in)
	return json.Marshal(map[string]any{"success": true, "echo": in})
}

func (r *recordingInvoker) payloads() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.calls...)
}
