package fn

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"google.golang.org/protobuf/types/known/structpb"
)

// prodSpec is a prod claim with the data tier and migration.
const prodSpec = `environmentSuffix: prod
environment: prod
database: {minCapacity: 2, maxCapacity: 16, instances: 3}
migration:
  source:
    host: pg.corp.example.com
    cidr: 192.168.10.0/24
    credentialsSecretRef: {name: source-db}
`

// withClaim puts the XR under a claim in namespace payments.
func withClaim(req *fnv1.RunFunctionRequest) *fnv1.RunFunctionRequest {
	spec := req.GetObserved().GetComposite().GetResource().GetFields()["spec"].GetStructValue()
	spec.Fields["claimRef"] = structpb.NewStructValue(&structpb.Struct{Fields: map[string]*structpb.Value{
		"apiVersion": structpb.NewStringValue("platform.payments.io/v1alpha1"),
		"kind":       structpb.NewStringValue("PaymentPlatform"),
		"name":       structpb.NewStringValue("payments"),
		"namespace":  structpb.NewStringValue("payments"),
	}})
	return req
}

// readyWorld runs the spec until every resource it composes is observed
// Ready, with what the provider reports for the data tier and the edge.
func readyWorld(t testing.TB, spec string) map[string]*fnv1.Resource { return edgeWorld(t, spec) }

func TestDataTierBadInput(t *testing.T) {
	cases := map[string]struct {
		spec string
		want []string
	}{
		"MaxBelowMin": {
			spec: "environmentSuffix: t\ndatabase: {minCapacity: 8, maxCapacity: 4}",
			want: []string{"spec.database.maxCapacity: Invalid value: 4", "at least spec.database.minCapacity (8)"},
		},
		"UnknownEngineVersion": {
			spec: "environmentSuffix: t\ndatabase: {engineVersion: '13.4'}",
			want: []string{`spec.database.engineVersion: Invalid value: "13.4"`, "14, 15, 16 or 17"},
		},
		"EngineVersionNotMajorMinor": {
			spec: "environmentSuffix: t\ndatabase: {engineVersion: latest}",
			want: []string{`spec.database.engineVersion: Invalid value: "latest"`},
		},
		"MoreInstancesThanAZs": {
			spec: "environmentSuffix: t\nnetwork: {availabilityZones: 2}\ndatabase: {instances: 3}",
			want: []string{"spec.database.instances: Invalid value: 3", "1 to 2"},
		},
		"ReservedMasterUser": {
			spec: "environmentSuffix: t\ndatabase: {masterUsername: postgres}",
			want: []string{"spec.database.masterUsername: Forbidden"},
		},
		"SourceWithoutSecretRef": {
			spec: "environmentSuffix: t\nmigration: {source: {host: 10.1.1.1}}",
			want: []string{"spec.migration.source.credentialsSecretRef.name: Required value"},
		},
		"SourceHostnameWithoutCIDR": {
			spec: "environmentSuffix: t\nmigration: {source: {host: db.corp, credentialsSecretRef: {name: s}}}",
			want: []string{"spec.migration.source.cidr: Required value"},
		},
		"SourceCIDRAnywhere": {
			spec: "environmentSuffix: t\nmigration: {source: {host: db.corp, cidr: 0.0.0.0/0, credentialsSecretRef: {name: s}}}",
			want: []string{`spec.migration.source.cidr: Invalid value: "0.0.0.0/0"`},
		},
		"StorageBelowSourceNeeds": {
			spec: "environmentSuffix: t\nmigration: {allocatedStorageGb: 60, source: {host: 10.1.1.1, sizeGb: 500, credentialsSecretRef: {name: s}}}",
			want: []string{"spec.migration.allocatedStorageGb: Invalid value: 60", "must be 100 to 6144 GB", "500 GB source"},
		},
		"BurstableDMSInProd": {
			spec: "environmentSuffix: t\nenvironment: prod\nmigration: {replicationInstanceClass: dms.t3.medium, source: {host: 10.1.1.1, credentialsSecretRef: {name: s}}}",
			want: []string{`spec.migration.replicationInstanceClass: Invalid value: "dms.t3.medium"`, "prod"},
		},
		"SSLDisabled": {
			spec: "environmentSuffix: t\nmigration: {source: {host: 10.1.1.1, sslMode: disable, credentialsSecretRef: {name: s}}}",
			want: []string{`spec.migration.source.sslMode: Unsupported value: "disable"`},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rsp := run(t, withClaim(newRequest(t, tc.spec, nil)))
			msg := fatal(rsp)
			if msg == "" || len(rsp.GetResults()) != 1 {
				t.Fatalf("want exactly one Fatal result, got %v", rsp.GetResults())
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("Fatal message lacks %q:\n%s", w, msg)
				}
			}
		})
	}
	// An unclaimed XR must name the secret's namespace.
	rsp := run(t, newRequest(t, "environmentSuffix: t\nmigration: {source: {host: 10.1.1.1, credentialsSecretRef: {name: s}}}", nil))
	if msg := fatal(rsp); !strings.Contains(msg, "spec.migration.source.credentialsSecretRef.namespace: Required value") {
		t.Errorf("unclaimed XR without secret namespace: %q", msg)
	}
}

// immutable are the fields of stateful resources that AWS cannot change in
// place (a change would replace or break the resource) plus their identity.
var immutable = map[string][]string{
	"aurora": {"metadata.name", "spec.forProvider.engine", "spec.forProvider.kmsKeyIdSelector", "spec.forProvider.masterUsername",
		"spec.forProvider.databaseName", "spec.forProvider.storageEncrypted", "spec.forProvider.dbSubnetGroupNameSelector",
		"spec.forProvider.masterUserSecretKmsKeyIdSelector", "spec.forProvider.manageMasterUserPassword"},
	"kms-key":            {"metadata.name", "spec.forProvider.keyUsage", "spec.forProvider.multiRegion"},
	"kms-alias":          {"metadata.name", "metadata.annotations"},
	"db-subnet-group":    {"metadata.name"},
	"db-secret-rotation": {"metadata.name", "spec.forProvider.secretId"},
	"aurora-instance-a":  {"metadata.name", "spec.forProvider.availabilityZone", "spec.forProvider.clusterIdentifierSelector"},
}

// TestClaimEditsKeepStatefulResources: none of these edits removes or
// replaces the Aurora cluster, its key or its secret; turning migration off
// removes exactly the DMS resources.
func TestClaimEditsKeepStatefulResources(t *testing.T) {
	obs := readyWorld(t, prodSpec)
	base := run(t, withClaim(newRequest(t, prodSpec, obs)))
	if u := unreadyNames(base); len(u) != 0 {
		t.Fatalf("base world not ready: %v", u)
	}
	for name, spec := range safetyEdits(prodSpec) {
		t.Run(name, func(t *testing.T) {
			rsp := run(t, withClaim(newRequest(t, spec, obs)))
			if msg := fatal(rsp); msg != "" {
				t.Fatal(msg)
			}
			for res, paths := range immutable {
				before, after := desired(t, base, res), desired(t, rsp, res)
				for _, path := range paths {
					if diff := cmp.Diff(get(before, path), get(after, path)); diff != "" {
						t.Errorf("%s %s changed:\n%s", res, path, diff)
					}
				}
			}
			gone := slices.DeleteFunc(names(base), func(n string) bool { return slices.Contains(names(rsp), n) })
			var want []string
			if name == "FewerInstances" {
				want = []string{"aurora-instance-c"}
			}
			if strings.HasPrefix(name, "Migration") {
				for _, n := range names(base) {
					if IsMigrationResource(resource.Name(n)) {
						want = append(want, n)
					}
				}
				if len(want) < 10 {
					t.Fatalf("too few migration resources to be meaningful: %v", want)
				}
			}
			if diff := cmp.Diff(want, gone, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("removed resources (-want +got):\n%s", diff)
			}
		})
	}
}

func unreadyNames(rsp *fnv1.RunFunctionResponse) []string {
	var out []string
	for _, n := range names(rsp) {
		if rsp.GetDesired().GetResources()[n].GetReady() != fnv1.Ready_READY_TRUE {
			out = append(out, n)
		}
	}
	return out
}

// TestAuroraAndRotation: the cluster is encrypted, TLS-only, Data API and
// IAM auth on, master password managed by RDS under the platform key, final
// snapshot and deletion protection in prod; the 30-day rotation appears
// once RDS reports the secret.
func TestAuroraAndRotation(t *testing.T) {
	first := run(t, withClaim(newRequest(t, prodSpec, nil)))
	if _, ok := first.GetDesired().GetResources()["db-secret-rotation"]; ok {
		t.Error("rotation composed before the secret exists")
	}
	if _, ok := first.GetDesired().GetResources()["dms-target-endpoint"]; ok {
		t.Error("DMS target endpoint composed before the Aurora endpoint exists")
	}
	a := desired(t, first, "aurora")
	for path, want := range map[string]any{
		"metadata.name":                  "payment-aurora-prod",
		"spec.forProvider.engine":        "aurora-postgresql",
		"spec.forProvider.engineMode":    "provisioned",
		"spec.forProvider.engineVersion": "16.6",
		"spec.forProvider.serverlessv2ScalingConfiguration.minCapacity": 2.0,
		"spec.forProvider.serverlessv2ScalingConfiguration.maxCapacity": 16.0,
		"spec.forProvider.storageEncrypted":                             true,
		"spec.forProvider.manageMasterUserPassword":                     true,
		"spec.forProvider.enableHttpEndpoint":                           true,
		"spec.forProvider.iamDatabaseAuthenticationEnabled":             true,
		"spec.forProvider.deletionProtection":                           true,
		"spec.forProvider.skipFinalSnapshot":                            false,
		"spec.forProvider.finalSnapshotIdentifier":                      "payment-aurora-prod-final",
		"spec.forProvider.backupRetentionPeriod":                        35.0,
	} {
		if got := get(a, path); got != want {
			t.Errorf("aurora %s = %v, want %v", path, got, want)
		}
	}
	if label(a, "spec.forProvider.kmsKeyIdSelector") != "kms-key" || label(a, "spec.forProvider.masterUserSecretKmsKeyIdSelector") != "kms-key" {
		t.Error("aurora storage or secret not under the platform key")
	}
	params := get(desired(t, first, "db-cluster-params"), "spec.forProvider").(map[string]any)
	if params["family"] != "aurora-postgresql16" || !strings.Contains(mustMarshal(params["parameter"]), `"name":"rds.force_ssl","value":"1"`) {
		t.Errorf("parameter group = %v", params)
	}
	for i, az := range []string{"a", "b", "c"} {
		inst := desired(t, first, "aurora-instance-"+az)
		if get(inst, "spec.forProvider.instanceClass") != "db.serverless" || get(inst, "spec.forProvider.availabilityZone") != "us-east-2"+az ||
			get(inst, "spec.forProvider.publiclyAccessible") != false || get(inst, "spec.forProvider.promotionTier") != float64(i) {
			t.Errorf("instance %s = %v", az, get(inst, "spec.forProvider"))
		}
	}

	ready := run(t, withClaim(newRequest(t, prodSpec, readyWorld(t, prodSpec))))
	rot := desired(t, ready, "db-secret-rotation")
	if get(rot, "spec.forProvider.secretId") != "arn:aws:secretsmanager:us-east-2:123456789012:secret:rds!cluster-abc" ||
		get(rot, "spec.forProvider.rotationRules.automaticallyAfterDays") != 30.0 {
		t.Errorf("rotation = %v", get(rot, "spec.forProvider"))
	}
	st := get(ready.GetDesired().GetComposite().GetResource().AsMap(), "status").(map[string]any)
	if st["dbClusterEndpoint"] == nil || st["dbSecretArn"] == nil || get(st, "migration.phase") != "Replicating" || st["dmsReplicationTaskArn"] == nil {
		t.Errorf("status = %v", st)
	}
	cd := ready.GetDesired().GetComposite().GetConnectionDetails()
	if string(cd["dbName"]) != "payments" || string(cd["dbPort"]) != "5432" || len(cd["dbWriterEndpoint"]) == 0 {
		t.Errorf("connection details = %v", cd)
	}
	for k := range cd {
		if strings.Contains(strings.ToLower(k), "password") {
			t.Errorf("connection secret carries %s", k)
		}
	}
}

// TestMigrationTier: DMS is private and encrypted, both endpoints use TLS,
// the source password stays in the claim's secret, the task is full load +
// CDC with the claim's mappings and validation.
func TestMigrationTier(t *testing.T) {
	rsp := run(t, withClaim(newRequest(t, prodSpec, readyWorld(t, prodSpec))))
	inst := desired(t, rsp, "dms")
	if get(inst, "metadata.name") != "payment-dms-prod" || get(inst, "spec.forProvider.publiclyAccessible") != false ||
		get(inst, "spec.forProvider.multiAz") != true || label(inst, "spec.forProvider.kmsKeyArnSelector") != "kms-key" ||
		get(inst, "spec.forProvider.replicationInstanceClass") != "dms.r5.large" || get(inst, "spec.forProvider.allocatedStorage") != 125.0 {
		t.Errorf("replication instance = %v", get(inst, "spec.forProvider"))
	}
	src := desired(t, rsp, "dms-source-endpoint")
	if get(src, "spec.forProvider.sslMode") != "require" || get(src, "spec.forProvider.passwordSecretRef.name") != "source-db" ||
		get(src, "spec.forProvider.passwordSecretRef.namespace") != "payments" || get(src, "spec.forProvider.passwordSecretRef.key") != "password" {
		t.Errorf("source endpoint = %v", get(src, "spec.forProvider"))
	}
	tgt := desired(t, rsp, "dms-target-endpoint")
	if get(tgt, "spec.forProvider.serverName") != "payment-aurora-prod.cluster-x.us-east-2.rds.amazonaws.com" ||
		get(tgt, "spec.forProvider.sslMode") != "require" || label(tgt, "spec.forProvider.secretsManagerAccessRoleArnSelector") != "dms-secrets-role" {
		t.Errorf("target endpoint = %v", get(tgt, "spec.forProvider"))
	}
	task := desired(t, rsp, "migration")
	if get(task, "metadata.name") != "payment-migration-prod" || get(task, "spec.forProvider.migrationType") != "full-load-and-cdc" ||
		get(task, "spec.forProvider.startReplicationTask") != true {
		t.Errorf("task = %v", get(task, "spec.forProvider"))
	}
	var mappings struct {
		Rules []map[string]any `json:"rules"`
	}
	if err := json.Unmarshal([]byte(get(task, "spec.forProvider.tableMappings").(string)), &mappings); err != nil || len(mappings.Rules) != 1 ||
		mappings.Rules[0]["rule-action"] != "include" || get(mappings.Rules[0], "object-locator.schema-name") != "public" {
		t.Errorf("table mappings = %v (%v)", mappings, err)
	}
	var settings map[string]any
	if err := json.Unmarshal([]byte(get(task, "spec.forProvider.replicationTaskSettings").(string)), &settings); err != nil ||
		get(settings, "ValidationSettings.EnableValidation") != true || get(settings, "TargetMetadata.LimitedSizeLobMode") != true {
		t.Errorf("task settings = %v (%v)", settings, err)
	}
	// DMS may only reach Aurora and the source network.
	rule := desired(t, rsp, "sgr-dms-out-source")
	if get(rule, "spec.forProvider.cidrIpv4") != "192.168.10.0/24" || get(rule, "spec.forProvider.fromPort") != 5432.0 || rule["kind"] != "SecurityGroupEgressRule" {
		t.Errorf("DMS egress to source = %v", get(rule, "spec.forProvider"))
	}
	for _, role := range []string{"dms-vpc-role", "dms-cloudwatch-logs-role"} {
		if ann, _ := get(desired(t, rsp, role), "metadata.annotations").(map[string]any); ann[AnnotationExternalName] != role {
			t.Errorf("%s external name = %v", role, ann)
		}
	}
	// Turning the account roles off (another platform has them) drops them.
	noRoles := run(t, withClaim(newRequest(t, strings.Replace(prodSpec, "migration:\n", "migration:\n  manageAccountRoles: false\n", 1), nil)))
	if slices.ContainsFunc(names(noRoles), func(n string) bool { return strings.HasPrefix(n, "dms-vpc-role") }) {
		t.Error("account roles composed although manageAccountRoles is false")
	}
}

// TestUsages: each Usage names a resource this platform composes, by its
// real kind and name, so deletion waits for the cluster and DMS.
func TestUsages(t *testing.T) {
	rsp := run(t, withClaim(newRequest(t, prodSpec, nil)))
	byName := map[string]map[string]any{}
	for _, n := range names(rsp) {
		r := desired(t, rsp, n)
		byName[get(r, "metadata.name").(string)] = r
	}
	var usages int
	for _, n := range names(rsp) {
		u := desired(t, rsp, n)
		if u["kind"] != "ClusterUsage" {
			continue
		}
		usages++
		if u["apiVersion"] != "protection.crossplane.io/v1beta1" || get(u, "spec.replayDeletion") != true {
			t.Errorf("%s = %v", n, u)
		}
		for _, side := range []string{"of", "by"} {
			ref := get(u, "spec."+side).(map[string]any)
			target, ok := byName[get(ref, "resourceRef.name").(string)]
			if !ok || target["kind"] != ref["kind"] || target["apiVersion"] != ref["apiVersion"] {
				t.Errorf("%s.%s points at %v, which is not composed as such", n, side, ref)
			}
		}
	}
	if usages != 6 {
		t.Errorf("%d usages, want 6 (aurora: subnet group, key, SG; dms: subnet group, key, SG)", usages)
	}
}

// TestNoSecretValuesInDesiredState: no desired resource or XR status carries
// a password.
func TestNoSecretValuesInDesiredState(t *testing.T) {
	rsp := run(t, withClaim(newRequest(t, prodSpec, readyWorld(t, prodSpec))))
	for _, n := range names(rsp) {
		s := mustMarshal(desired(t, rsp, n))
		for _, bad := range []string{`"password":`, `"masterPassword"`, "secretString"} {
			if strings.Contains(s, bad) {
				t.Errorf("%s carries %s", n, bad)
			}
		}
	}
	st := mustMarshal(rsp.GetDesired().GetComposite().GetResource().AsMap())
	if strings.Contains(strings.ToLower(st), "password") {
		t.Errorf("XR status mentions a password: %s", st)
	}
	_ = maps.Keys[map[string]int]
}

func mustMarshal(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
