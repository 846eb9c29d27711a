package providersim

import (
	"crypto/md5" //nolint:gosec // the expected Terraform ID
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func invocation(t *testing.T, name, scope, input string) *unstructured.Unstructured {
	u := kInvocation.obj(t, name, "spec:\n  forProvider: {region: us-east-2, functionName: validator}\n")
	fp := map[string]any{"region": "us-east-2", "functionName": "validator", "input": input}
	if scope != "" {
		fp["lifecycleScope"] = scope
	}
	_ = unstructured.SetNestedMap(u.Object, fp, "spec", "forProvider")
	return u
}

func setInput(input string) func(u *unstructured.Unstructured) {
	return func(u *unstructured.Unstructured) {
		_ = unstructured.SetNestedField(u.Object, input, "spec", "forProvider", "input")
	}
}

func markDeleted(u *unstructured.Unstructured) {
	now := metav1.Now()
	u.SetDeletionTimestamp(&now)
}

func TestInvocationLifecycle(t *testing.T) {
	const refusal = `update failed: async update failed: refuse to update the external resource because the following update requires replacing it: ` +
		`cannot change the value of the argument "input" from "{\"a\":1}" to "{\"a\":2}"`
	cases := map[string]struct {
		scope string
		// wantPayloads after create, after the input edit, after deletion.
		wantPayloads [3][]string
		wantSynced   cond // after the input edit
		wantResultA  float64
	}{
		"CreateOnlyInvokesOnceAndRefusesAnInputChange": {
			scope: "",
			wantPayloads: [3][]string{
				{`{"a":1}`},
				{`{"a":1}`},
				{`{"a":1}`},
			},
			wantSynced:  cond{"False", "ReconcileError", refusal},
			wantResultA: 1,
		},
		"CRUDInvokesOnCreateUpdateAndDelete": {
			scope: "CRUD",
			wantPayloads: [3][]string{
				{`{"a":1,"tf":{"action":"create","prev_input":null}}`},
				{`{"a":1,"tf":{"action":"create","prev_input":null}}`, `{"a":2,"tf":{"action":"update","prev_input":{"a":1}}}`},
				{`{"a":1,"tf":{"action":"create","prev_input":null}}`, `{"a":2,"tf":{"action":"update","prev_input":{"a":1}}}`,
					`{"a":2,"tf":{"action":"delete","prev_input":{"a":2}}}`},
			},
			wantSynced:  cond{"True", "ReconcileSuccess", ""},
			wantResultA: 2,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, Options{}, invocation(t, "run", tc.scope, `{"a":1}`))
			e.eventually("invoked and available", func() error {
				u := e.get(kInvocation, "run")
				if conditionOf(u, "Ready").status != "True" {
					return errors.New("not ready")
				}
				return nil
			})
			u := e.get(kInvocation, "run")
			if got := e.inv.payloads(); fmt.Sprint(got) != fmt.Sprint(tc.wantPayloads[0]) {
				t.Fatalf("payloads after create = %q, want %q", got, tc.wantPayloads[0])
			}
			wantID := fmt.Sprintf("validator,$LATEST,%x", md5.Sum([]byte(tc.wantPayloads[0][0]))) //nolint:gosec // as Terraform
			if got := str(u, "status", "atProvider", "id"); got != wantID {
				t.Errorf("atProvider.id = %q, want %q", got, wantID)
			}
			if got := meta.GetExternalName(u); got != wantID {
				t.Errorf("external name = %q, want %q", got, wantID)
			}
			if inv := e.events("run", EventInvoke); len(inv) != 1 || inv[0].ExternalName != "" {
				t.Errorf("Invoke events = %+v, want one, before any external name (IdentifierFromProvider)", inv)
			}
			if got := str(u, "status", "atProvider", "result"); !strings.Contains(got, `"success":true`) {
				t.Errorf("atProvider.result = %q, want the function's answer", got)
			}

			e.edit(kInvocation, "run", setInput(`{"a":2}`))
			e.eventually("input edit reconciled", func() error {
				u := e.get(kInvocation, "run")
				if got := conditionOf(u, "Synced"); got != tc.wantSynced {
					return fmt.Errorf("Synced = %+v, want %+v", got, tc.wantSynced)
				}
				if got := e.inv.payloads(); fmt.Sprint(got) != fmt.Sprint(tc.wantPayloads[1]) {
					return fmt.Errorf("payloads = %q, want %q", got, tc.wantPayloads[1])
				}
				res := str(u, "status", "atProvider", "result")
				if want := fmt.Sprintf(`"a":%g`, tc.wantResultA); !strings.Contains(res, want) {
					return fmt.Errorf("atProvider.result = %s, want one with %s", res, want)
				}
				if got := conditionOf(u, "Ready"); got.status != "True" {
					return fmt.Errorf("Ready = %+v", got)
				}
				return nil
			})
			time.Sleep(300 * time.Millisecond) // refusals are retried: no invocation on a retry
			if got := e.inv.payloads(); fmt.Sprint(got) != fmt.Sprint(tc.wantPayloads[1]) {
				t.Fatalf("payloads after retries = %q, want %q", got, tc.wantPayloads[1])
			}

			e.edit(kInvocation, "run", markDeleted)
			e.eventually("deleted", func() error {
				u := e.get(kInvocation, "run")
				if meta.FinalizerExists(u, managed.FinalizerName) {
					return errors.New("finalizer still there")
				}
				if got := e.inv.payloads(); fmt.Sprint(got) != fmt.Sprint(tc.wantPayloads[2]) {
					return fmt.Errorf("payloads = %q, want %q", got, tc.wantPayloads[2])
				}
				if len(e.events("run", EventDelete)) != 1 {
					return fmt.Errorf("Delete events: %d", len(e.events("run", EventDelete)))
				}
				return nil
			})
		})
	}
}

func TestInvocationErrors(t *testing.T) {
	cases := map[string]struct {
		answer  func([]byte) ([]byte, error)
		message string
	}{
		"FunctionError": {
			answer: func([]byte) ([]byte, error) {
				return nil, &FunctionError{Payload: []byte(`{"errorMessage":"mismatch"}`)}
			},
			message: `create failed: async create failed: failed to create the resource: [{0 invoking Lambda Function (validator): {"errorMessage":"mismatch"}  []}]`,
		},
		"InvokeError": {
			answer:  func([]byte) ([]byte, error) { return nil, errors.New("connection refused") },
			message: `create failed: async create failed: failed to create the resource: [{0 invoking Lambda Function (validator): connection refused  []}]`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			inv := &recordingInvoker{answer: tc.answer}
			e := newEnv(t, Options{Invoker: inv}, invocation(t, "run", "", `{"a":1}`))
			e.eventually("failed and retried", func() error {
				u := e.get(kInvocation, "run")
				if got := conditionOf(u, "Synced"); got != (cond{"False", "ReconcileError", tc.message}) {
					return fmt.Errorf("Synced = %+v", got)
				}
				if got, want := conditionOf(u, "LastAsyncOperation"), (cond{"False", "AsyncCreateFailure", strings.TrimPrefix(tc.message, "create failed: ")}); got != want {
					return fmt.Errorf("LastAsyncOperation = %+v, want %+v", got, want)
				}
				if got := conditionOf(u, "Ready"); got != (cond{"False", "Creating", ""}) {
					return fmt.Errorf("Ready = %+v", got)
				}
				if _, ok, _ := unstructured.NestedFieldNoCopy(u.Object, "status", "atProvider", "result"); ok {
					return errors.New("a failed invocation has a result")
				}
				if len(inv.payloads()) < 2 {
					return errors.New("the create is not retried")
				}
				return nil
			})
			inv.mu.Lock()
			inv.answer = nil
			inv.mu.Unlock()
			e.eventually("recovered", func() error {
				u := e.get(kInvocation, "run")
				if got := conditionOf(u, "Synced"); got.status != "True" || str(u, "status", "atProvider", "result") == "" {
					return fmt.Errorf("Synced = %+v, result %q", got, str(u, "status", "atProvider", "result"))
				}
				return nil
			})
		})
	}
}
