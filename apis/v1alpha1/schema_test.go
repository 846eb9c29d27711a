package v1alpha1

import (
	"encoding/json"
	"fmt"
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
			if name == "-" {
				continue
			}
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

// TestXRDContract checks what users rely on beyond the spec's rules (those
// are TestXRDAgreesWithGo's): names, scope, the required suffix and the
// printer columns.
func TestXRDContract(t *testing.T) {
	x, err := readXRD()
	if err != nil {
		t.Fatal(err)
	}
	if x.Spec.Scope != "LegacyCluster" || x.Spec.Names.Kind != Kind || x.Spec.ClaimNames.Kind != ClaimKind || x.Spec.Group != Group {
		t.Errorf("scope %s, kinds %s/%s, group %s", x.Spec.Scope, x.Spec.Names.Kind, x.Spec.ClaimNames.Kind, x.Spec.Group)
	}
	v := x.Spec.Versions[0]
	if v.Name != Version || !v.Served || !v.Referenceable {
		t.Errorf("version %s served %t referenceable %t", v.Name, v.Served, v.Referenceable)
	}
	if spec := v.Schema.OpenAPIV3Schema.Properties["spec"]; !slices.Equal(spec.Required, []string{"environmentSuffix"}) {
		t.Errorf("spec requires %v, want only environmentSuffix", spec.Required)
	}
	var cols []string
	for _, c := range v.AdditionalPrinterColumns {
		cols = append(cols, c.Name)
	}
	if want := []string{"READY", "SYNCED", "ENVIRONMENT", "SUFFIX", "PHASE", "RESOURCES", "AGE"}; !slices.Equal(cols, want) {
		t.Errorf("printer columns %v, want %v", cols, want)
	}
}

// TestGoOnlyDefaults pins the defaults the XRD cannot express
// (goOnlyDefaults): the agreement test takes them from Default().
func TestGoOnlyDefaults(t *testing.T) {
	const src = "migration: {source: {host: 198.51.100.3, credentialsSecretRef: {name: s}}}\nlambdas: {artifactBucket: a-artifacts, version: v0.1.0, sourceCodeHashes: {dmsUser: F7xYCKe2nHFc0BQf+6KXt6rMPgPW9RHJi3pZf5fX/kc=}}\n"
	cases := map[string]struct {
		spec string
		want map[string]any
	}{
		"Dev": {"environmentSuffix: x\n" + src, map[string]any{
			"network.natMode": "Single", "network.subnetPrefixLength": 20, "database.backupRetentionDays": 7,
			"database.deletionProtection": false, "migration.multiAz": false, "migration.source.cidr": "198.51.100.3/32", "migration.allocatedStorageGb": 125,
		}},
		"Staging": {"environmentSuffix: x\nenvironment: staging\n" + src, map[string]any{
			"network.natMode": "PerAZ", "database.backupRetentionDays": 7, "database.deletionProtection": true, "migration.multiAz": false,
		}},
		"Prod": {"environmentSuffix: x\nenvironment: prod\n" + src, map[string]any{
			"network.natMode": "PerAZ", "database.backupRetentionDays": 35, "database.deletionProtection": true, "migration.multiAz": true,
		}},
		"SmallVPC":       {"environmentSuffix: x\nnetwork: {vpcCidr: 10.1.0.0/22}", map[string]any{"network.subnetPrefixLength": 26}},
		"HostnameSource": {"environmentSuffix: x\nmigration: {source: {host: db.corp, cidr: 198.51.100.0/24, credentialsSecretRef: {name: s}}}\nlambdas: {artifactBucket: a-artifacts, version: v0.1.0, sourceCodeHashes: {dmsUser: F7xYCKe2nHFc0BQf+6KXt6rMPgPW9RHJi3pZf5fX/kc=}}\n", map[string]any{"migration.source.cidr": "198.51.100.0/24"}},
		"SmallSource":    {"environmentSuffix: x\nmigration: {source: {host: 198.51.100.3, sizeGb: 100, credentialsSecretRef: {name: s}}}\nlambdas: {artifactBucket: a-artifacts, version: v0.1.0, sourceCodeHashes: {dmsUser: F7xYCKe2nHFc0BQf+6KXt6rMPgPW9RHJi3pZf5fX/kc=}}\n", map[string]any{"migration.allocatedStorageGb": 100}},
		"HugeSource":     {"environmentSuffix: x\nmigration: {source: {host: 198.51.100.3, sizeGb: 30000, credentialsSecretRef: {name: s}}}\nlambdas: {artifactBucket: a-artifacts, version: v0.1.0, sourceCodeHashes: {dmsUser: F7xYCKe2nHFc0BQf+6KXt6rMPgPW9RHJi3pZf5fX/kc=}}\n", map[string]any{"migration.allocatedStorageGb": 6144}},
		"UserValuesKept": {"environmentSuffix: x\nnetwork: {natMode: PerAZ, subnetPrefixLength: 24}\ndatabase: {backupRetentionDays: 3, deletionProtection: true}", map[string]any{
			"network.natMode": "PerAZ", "network.subnetPrefixLength": 24, "database.backupRetentionDays": 3, "database.deletionProtection": true,
		}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			b, err := yaml.YAMLToJSON([]byte(tc.spec))
			if err != nil {
				t.Fatal(err)
			}
			s := &XPaymentPlatformSpec{}
			if err := json.Unmarshal(b, s); err != nil {
				t.Fatal(err)
			}
			s.Default()
			if errs := s.Validate(); len(errs) > 0 {
				t.Fatalf("defaulted spec invalid: %v", errs)
			}
			got := goJSON(s)
			for p, want := range tc.want {
				v, _ := pathOf(p).get(got)
				if fmt.Sprint(v) != fmt.Sprint(want) {
					t.Errorf("%s = %v, want %v", p, v, want)
				}
			}
		})
	}
}

// TestDefaultGoBuiltSpec: in a spec built in Go (not decoded from JSON) a
// zero value is absent, and Default fills it.
func TestDefaultGoBuiltSpec(t *testing.T) {
	s := XPaymentPlatformSpec{EnvironmentSuffix: "x", API: &APISpec{ImageURI: "123456789012.dkr.ecr.us-east-2.amazonaws.com/a:b"}}
	s.Default()
	if errs := s.Validate(); len(errs) > 0 {
		t.Fatalf("defaulted spec invalid: %v", errs)
	}
	if s.Region != DefaultRegion || s.Network.NATMode != NATSingle || s.Monitoring.BudgetMonthlyUSD != 3000 || s.API.ProvisionedConcurrency.Min != 2 {
		t.Errorf("not defaulted: %+v", s)
	}
}

// TestRegionZoneLimitsInXRD: the XRD's rule on regions with fewer zones
// names every region of RegionZoneLimits (the table is the one source; CEL
// cannot read it).
func TestRegionZoneLimitsInXRD(t *testing.T) {
	raw, err := os.ReadFile("../xpaymentplatforms/definition.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for region, limit := range RegionZoneLimits {
		if !strings.Contains(string(raw), "'"+region+"'") || !strings.Contains(string(raw), fmt.Sprintf("availabilityZones <= %d", limit)) {
			t.Errorf("the XRD's zone rule does not name %s with at most %d zones", region, limit)
		}
	}
}
