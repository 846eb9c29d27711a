package v1alpha1

import (
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// xrdSchema loads the openAPIV3Schema of the checked-in XRD.
func xrdSchema(t *testing.T) map[string]any {
	t.Helper()
	raw, err := os.ReadFile("../xpaymentplatforms/definition.yaml")
	if err != nil {
		t.Fatal(err)
	}
	xrd := map[string]any{}
	if err := yaml.Unmarshal(raw, &xrd); err != nil {
		t.Fatal(err)
	}
	v := xrd["spec"].(map[string]any)["versions"].([]any)[0].(map[string]any)
	return v["schema"].(map[string]any)["openAPIV3Schema"].(map[string]any)
}

// TestXRDMatchesGoTypes fails whenever the Go types and the XRD schema
// differ: a field in one and not the other, or of another type. (make
// check-generate also regenerates the XRD with controller-gen and diffs.)
func TestXRDMatchesGoTypes(t *testing.T) {
	props := xrdSchema(t)["properties"].(map[string]any)
	compare(t, "spec", props["spec"].(map[string]any), reflect.TypeFor[XPaymentPlatformSpec]())
	compare(t, "status", props["status"].(map[string]any), reflect.TypeFor[XPaymentPlatformStatus]())
}

func compare(t *testing.T, path string, schema map[string]any, typ reflect.Type) {
	t.Helper()
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	want := map[reflect.Kind]string{
		reflect.String: "string", reflect.Int: "integer", reflect.Int64: "integer", reflect.Bool: "boolean",
		reflect.Float64: "number", reflect.Struct: "object", reflect.Map: "object", reflect.Slice: "array",
	}[typ.Kind()]
	if got := schema["type"]; got != want {
		t.Errorf("%s: XRD type %v, Go type %s (%v)", path, got, typ, want)
		return
	}
	if d, _ := schema["description"].(string); d == "" && path != "spec" && path != "status" && !strings.HasSuffix(path, "[]") && !strings.HasSuffix(path, "{}") {
		t.Errorf("%s: no description", path)
	}
	switch typ.Kind() {
	case reflect.Slice:
		compare(t, path+"[]", schema["items"].(map[string]any), typ.Elem())
	case reflect.Map:
		compare(t, path+"{}", schema["additionalProperties"].(map[string]any), typ.Elem())
	case reflect.Struct:
		props, _ := schema["properties"].(map[string]any)
		var goFields []string
		for i := 0; i < typ.NumField(); i++ {
			f := typ.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			goFields = append(goFields, name)
			sub, ok := props[name].(map[string]any)
			if !ok {
				t.Errorf("%s.%s: in the Go type, not in the XRD (run make generate)", path, name)
				continue
			}
			compare(t, path+"."+name, sub, f.Type)
		}
		for name := range props {
			if !slices.Contains(goFields, name) {
				t.Errorf("%s.%s: in the XRD, not in the Go type", path, name)
			}
		}
	}
}

// TestXRDContract checks what users rely on beyond field shapes: claim
// names, scope, required suffix, printer columns and the CEL rules.
func TestXRDContract(t *testing.T) {
	raw, err := os.ReadFile("../xpaymentplatforms/definition.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := string(raw)
	for _, want := range []string{
		"scope: LegacyCluster", "kind: PaymentPlatform", "kind: XPaymentPlatform",
		"name: READY", "name: SYNCED", "name: ENVIRONMENT", "name: PHASE", "name: AGE",
		"x-kubernetes-validations", "self.network.natMode == 'PerAZ'", "oldSelf.environmentSuffix",
		"- environmentSuffix", "default: us-east-2", "default: 10.0.0.0/16",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("XRD lacks %q", want)
		}
	}
}

// TestDefaultsFollowEnvironment: defaults the schema cannot express.
func TestDefaultsFollowEnvironment(t *testing.T) {
	cases := map[Environment]NATMode{EnvironmentDev: NATSingle, EnvironmentStaging: NATPerAZ, EnvironmentProd: NATPerAZ}
	for env, nat := range cases {
		s := XPaymentPlatformSpec{EnvironmentSuffix: "x", Environment: env}
		s.Default()
		if s.Network.NATMode != nat || s.Network.SubnetPrefixLength != 20 || s.Region != DefaultRegion {
			t.Errorf("%s: defaults %+v", env, s.Network)
		}
		if errs := s.Validate(); len(errs) != 0 {
			t.Errorf("%s: defaulted spec invalid: %v", env, errs)
		}
	}
	s := XPaymentPlatformSpec{EnvironmentSuffix: "x", Network: NetworkSpec{NATMode: NATPerAZ, VPCCIDR: "10.1.0.0/22"}}
	s.Default()
	if s.Network.NATMode != NATPerAZ || s.Network.SubnetPrefixLength != 26 {
		t.Errorf("user values overridden: %+v", s.Network)
	}
}
