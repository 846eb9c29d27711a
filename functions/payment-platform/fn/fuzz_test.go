package fn

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
	"sigs.k8s.io/yaml"
)

// seedSpecs are the example claims' specs and every bad-input case of the
// table tests: make test runs them all as the fuzz seed corpus.
func seedSpecs(t testing.TB) []string {
	t.Helper()
	var out []string
	files, _ := filepath.Glob("../../../examples/claim*.yaml")
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		claim := map[string]any{}
		if err := yaml.Unmarshal(raw, &claim); err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(claim["spec"])
		out = append(out, string(b))
	}
	if len(out) < 2 {
		t.Fatalf("example claims not found (%d)", len(out))
	}
	for _, s := range []string{
		`{"environmentSuffix":""}`, `{"environmentSuffix":"t","network":{"vpcCidr":"10.0.0.0/26"}}`,
		`{"environmentSuffix":"t","network":{"availabilityZones":4}}`, `{"environmentSuffix":"t","tags":{"aws:x":"y"}}`,
		`{"environmentSuffix":"t","database":{"minCapacity":8,"maxCapacity":4}}`, `{"environmentSuffix":"t","migration":{"source":{}}}`,
		`{"environmentSuffix":"t","cutover":{"step":25}}`, `{"environmentSuffix":"t","api":{"imageUri":"x"}}`,
		`{"environmentSuffix":"t","network":{"availabilityZones":"three"}}`, `{"environmentSuffix":"t","network":null}`,
		`{"environmentSuffix":"t","migration":null,"api":null}`, `[]`, `null`, `"x"`, `{"environmentSuffix":"t","network":{"vpcCidr":"10.0.0.0/16","subnetPrefixLength":-1}}`,
	} {
		out = append(out, s)
	}
	return out
}

// FuzzRunFunction: for any spec JSON and any observed state, RunFunction
// never panics, never returns a Go error, and an invalid input gives exactly
// one Fatal result naming a field path.
func FuzzRunFunction(f *testing.F) {
	ready := observedReady(f, run(f, withClaim(newRequest(f, edgeSpec(0, false), nil))))
	obsJSON, _ := json.Marshal(structOf(ready))
	for _, s := range seedSpecs(f) {
		f.Add(s, "{}")
		f.Add(s, string(obsJSON))
	}
	f.Add(`{"environmentSuffix":"x"}`, `{"vpc":{"apiVersion":"v1","kind":"","status":{"atProvider":{"id":7}}}}`)
	f.Add(`{"environmentSuffix":"x"}`, `{"":{"kind":"Key"},"kms-key":{"status":{"atProvider":{"arn":"arn:aws:kms:us-east-2:1:key"}}}}`)
	f.Fuzz(func(t *testing.T, specJSON, observedJSON string) {
		var spec any
		if json.Unmarshal([]byte(specJSON), &spec) != nil {
			return
		}
		obs := map[string]any{}
		if json.Unmarshal([]byte(observedJSON), &obs) != nil {
			return
		}
		xr, err := structpb.NewStruct(map[string]any{
			"apiVersion": "platform.payments.io/v1alpha1", "kind": "XPaymentPlatform",
			"metadata": map[string]any{"name": "fuzz", "labels": map[string]any{"crossplane.io/claim-namespace": "payments"}},
			"spec":     spec,
		})
		if err != nil {
			return
		}
		req := &fnv1.RunFunctionRequest{Observed: &fnv1.State{Composite: &fnv1.Resource{Resource: xr}, Resources: map[string]*fnv1.Resource{}}}
		for name, o := range obs {
			m, ok := o.(map[string]any)
			if !ok {
				continue
			}
			s, err := structpb.NewStruct(m)
			if err != nil {
				return
			}
			req.Observed.Resources[name] = &fnv1.Resource{Resource: s}
		}
		rsp, err := (&Function{}).RunFunction(context.Background(), req)
		if err != nil {
			t.Fatalf("Go error: %v", err)
		}
		var fatals int
		for _, r := range rsp.GetResults() {
			if r.GetSeverity() == fnv1.Severity_SEVERITY_FATAL {
				fatals++
				if msg := r.GetMessage(); strings.HasPrefix(msg, "invalid ") && !strings.Contains(msg, "spec") && !strings.Contains(msg, "metadata.annotations") {
					t.Errorf("Fatal names no field path: %s", msg)
				}
			}
		}
		if fatals > 0 && len(rsp.GetResults()) != 1 {
			t.Errorf("a Fatal must be the only result: %v", rsp.GetResults())
		}
		if fatals > 0 && len(rsp.GetDesired().GetResources()) != 0 {
			t.Errorf("a Fatal response composes nothing")
		}
		if _, err := proto.Marshal(rsp); err != nil {
			t.Errorf("response does not marshal: %v", err)
		}
	})
}

func structOf(m map[string]*fnv1.Resource) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v.GetResource().AsMap()
	}
	return out
}
