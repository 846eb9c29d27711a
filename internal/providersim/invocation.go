package providersim

import (
	"context"
	"crypto/md5" //nolint:gosec // the Terraform resource ID's hash, as terraform-provider-aws computes it
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	tfdiag "github.com/hashicorp/terraform-plugin-sdk/v2/diag"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// An Invoker runs a Lambda function synchronously, as aws_lambda_invocation
// calls lambda:Invoke (RequestResponse): function and qualifier as
// configured, the payload Terraform built. It returns the function's
// response payload, or a *FunctionError when the function ran and failed.
type Invoker interface {
	Invoke(ctx context.Context, function, qualifier string, payload []byte) ([]byte, error)
}

// InvokerFunc adapts a function to Invoker.
type InvokerFunc func(ctx context.Context, function, qualifier string, payload []byte) ([]byte, error)

// Invoke calls f.
func (f InvokerFunc) Invoke(ctx context.Context, function, qualifier string, payload []byte) ([]byte, error) {
	return f(ctx, function, qualifier, payload)
}

// A FunctionError is an invocation whose function failed (Lambda's
// X-Amz-Function-Error): Payload is the error document it returned.
type FunctionError struct {
	Payload []byte
}

func (e *FunctionError) Error() string { return string(e.Payload) }

// aws_lambda_invocation's lifecycle_scope values and actions
// (internal/service/lambda/consts.go).
const (
	scopeCreateOnly = "CREATE_ONLY"
	scopeCRUD       = "CRUD"

	actionCreate = "create"
	actionUpdate = "update"
	actionDelete = "delete"
)

func isInvocation(gvk schema.GroupVersionKind) bool {
	return gvk.Group == "lambda"+GroupSuffix && gvk.Kind == "Invocation"
}

// invocationDefaults are the schema's defaults, which Terraform stores.
func invocationDefaults(p map[string]any) map[string]any {
	out := make(map[string]any, len(p)+3)
	for k, v := range p {
		out[k] = v
	}
	for k, v := range map[string]string{"lifecycleScope": scopeCreateOnly, "qualifier": "$LATEST", "terraformKey": "tf"} {
		if s, _ := out[k].(string); s == "" {
			out[k] = v
		}
	}
	return out
}

// invoke is terraform-provider-aws's invoke (internal/service/lambda/
// invocation.go): build the payload for the action, call lambda:Invoke and
// return the result and the resource ID (function,qualifier,md5(payload)).
// p are the resource's arguments (with defaults); oldInput is the input in
// the state before this action ("" on create); id the current ID.
func (s *Simulator) invoke(ctx context.Context, u *unstructured.Unstructured, p map[string]any, action, oldInput, id string) (string, string, tfdiag.Diagnostics) {
	str := func(k string) string { v, _ := p[k].(string); return v }
	function, qualifier, input := str("functionName"), str("qualifier"), str("input")
	payload, err := buildInput(str("lifecycleScope"), str("terraformKey"), oldInput, input, action)
	if err != nil {
		return "", "", tfdiag.Errorf("Lambda Invocation (%s) input transformation failed for input (%s): %s", id, input, err)
	}
	s.record(EventInvoke, u, string(payload))
	var out []byte
	if s.o.Invoker == nil {
		err = errors.New("providersim: no Invoker configured")
	} else {
		out, err = s.o.Invoker.Invoke(ctx, function, qualifier, payload)
	}
	var fe *FunctionError
	switch {
	case errors.As(err, &fe):
		return "", "", tfdiag.Errorf("invoking Lambda Function (%s): %s", function, string(fe.Payload))
	case err != nil:
		return "", "", tfdiag.Errorf("invoking Lambda Function (%s): %s", function, err)
	}
	parts := []string{function, qualifier, fmt.Sprintf("%x", md5.Sum(payload))} //nolint:gosec // see import
	for i, part := range parts {
		if part == "" {
			return "", "", tfdiag.FromErr(fmt.Errorf("unexpected format for ID parts (%v), the following id parts indexes are blank (%v)", parts, []int{i}))
		}
	}
	return string(out), strings.Join(parts, ","), nil
}

// buildInput is terraform-provider-aws's buildInput: under CREATE_ONLY the
// input as configured; otherwise the input object with the lifecycle key
// added: {"action": ..., "prev_input": <the previous input object or null>}.
func buildInput(scope, key, oldInput, newInput, action string) ([]byte, error) {
	if scope == scopeCreateOnly {
		return []byte(newInput), nil
	}
	oldMap, err := objectFromJSON(oldInput)
	if err != nil {
		return nil, err
	}
	newMap, err := objectFromJSON(newInput)
	if err != nil {
		return nil, err
	}
	if newMap == nil {
		newMap = make(map[string]any)
	}
	newMap[key] = map[string]any{"action": action, "prev_input": oldMap}
	return json.Marshal(&newMap)
}

func objectFromJSON(s string) (map[string]any, error) {
	if len(s) == 0 {
		return nil, nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, err
	}
	return m, nil
}

// createInvocation is resourceInvocationCreate.
func (s *Simulator) createInvocation(ctx context.Context, u *unstructured.Unstructured, params map[string]any) (map[string]any, error) {
	p := invocationDefaults(params)
	result, id, diags := s.invoke(ctx, u, p, actionCreate, "", "")
	if diags.HasError() {
		return nil, fmt.Errorf("failed to create the resource: %v", diags)
	}
	p["result"], p["id"] = result, id
	return p, nil
}

// updateInvocation is resourceInvocationUpdate: it invokes under either
// scope (under CREATE_ONLY only arguments that are not ForceNew can change,
// e.g. lifecycle_scope itself).
func (s *Simulator) updateInvocation(ctx context.Context, u *unstructured.Unstructured, state, desired map[string]any) (map[string]any, error) {
	p := make(map[string]any, len(state))
	for k, v := range state {
		p[k] = v
	}
	for k, v := range desired {
		p[k] = v
	}
	p = invocationDefaults(p)
	oldInput, _ := state["input"].(string)
	id, _ := state["id"].(string)
	result, newID, diags := s.invoke(ctx, u, p, actionUpdate, oldInput, id)
	if diags.HasError() {
		return nil, fmt.Errorf("failed to update the resource: %v", diags)
	}
	p["result"], p["id"] = result, newID
	return p, nil
}

// deleteInvocation is resourceInvocationDelete: only a CRUD invocation is
// invoked, with the state's input as both the input and prev_input.
func (s *Simulator) deleteInvocation(ctx context.Context, u *unstructured.Unstructured, state map[string]any) error {
	p := invocationDefaults(state)
	if p["lifecycleScope"] == scopeCreateOnly {
		return nil
	}
	input, _ := p["input"].(string)
	id, _ := p["id"].(string)
	if _, _, diags := s.invoke(ctx, u, p, actionDelete, input, id); diags.HasError() {
		return fmt.Errorf("failed to delete the resource: %v", diags)
	}
	return nil
}
