package fn

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/crossplane/function-sdk-go/resource"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	rds "github.com/upbound/provider-aws/v2/apis/cluster/rds/v1beta1"
	rdsv2 "github.com/upbound/provider-aws/v2/apis/cluster/rds/v1beta2"
	secretsmanagerv2 "github.com/upbound/provider-aws/v2/apis/cluster/secretsmanager/v1beta2"
)

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
			spec: "environmentSuffix: t\nmigration: {source: {host: 198.51.100.1}}\n" + dmsUserSpec,
			want: []string{"spec.migration.source.credentialsSecretRef.name: Required value"},
		},
		"SourceHostnameWithoutCIDR": {
			spec: "environmentSuffix: t\nmigration: {source: {host: db.corp, credentialsSecretRef: {name: s}}}\n" + dmsUserSpec,
			want: []string{"spec.migration.source.cidr: Required value"},
		},
		"SourceCIDRAnywhere": {
			spec: "environmentSuffix: t\nmigration: {source: {host: db.corp, cidr: 0.0.0.0/0, credentialsSecretRef: {name: s}}}\n" + dmsUserSpec,
			want: []string{`spec.migration.source.cidr: Invalid value: "0.0.0.0/0"`},
		},
		"StorageBelowSourceNeeds": {
			spec: "environmentSuffix: t\nmigration: {allocatedStorageGb: 60, source: {host: 198.51.100.1, sizeGb: 500, credentialsSecretRef: {name: s}}}\n" + dmsUserSpec,
			want: []string{"spec.migration.allocatedStorageGb: Invalid value: 60", "must be 100 to 6144 GB", "500 GB source"},
		},
		"BurstableDMSInProd": {
			spec: "environmentSuffix: t\nenvironment: prod\nmigration: {replicationInstanceClass: dms.t3.medium, source: {host: 198.51.100.1, credentialsSecretRef: {name: s}}}\n" + dmsUserSpec,
			want: []string{`spec.migration.replicationInstanceClass: Invalid value: "dms.t3.medium"`, "prod"},
		},
		"SSLDisabled": {
			spec: "environmentSuffix: t\nmigration: {source: {host: 198.51.100.1, sslMode: disable, credentialsSecretRef: {name: s}}}\n" + dmsUserSpec,
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
	rsp := run(t, newRequest(t, "environmentSuffix: t\nmigration: {source: {host: 198.51.100.1, credentialsSecretRef: {name: s}}}\n"+dmsUserSpec, nil))
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
					// Stateful kinds (DMS's user secret) stay: they go with
					// the platform.
					if IsMigrationResource(resource.Name(n)) && !IsStateful(base.GetDesired().GetResources()[n].GetResource().AsMap()["kind"].(string)) {
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
	// The cluster selects its subnet group, composed once every data subnet
	// is observed: until then it waits, named in the status.
	if _, ok := first.GetDesired().GetResources()["aurora"]; ok {
		t.Error("aurora composed before its subnet group")
	}
	if got := get(first.GetDesired().GetComposite().GetResource().AsMap(), "status.unreadyResources"); !slices.Contains(got.([]any), any("aurora")) {
		t.Errorf("unreadyResources = %v, want aurora among them", got)
	}
	placed := run(t, withClaim(newRequest(t, prodSpec, observedReady(t, first))))
	a := desired(t, placed, "aurora")
	for path, want := range map[string]any{
		"metadata.name":                   "payment-aurora-prod",
		"spec.forProvider.engine":         "aurora-postgresql",
		"spec.forProvider.engineMode":     "provisioned",
		"spec.initProvider.engineVersion": "16.6",
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
	params := get(desired(t, placed, "db-cluster-params"), "spec.forProvider").(map[string]any)
	if params["family"] != "aurora-postgresql16" || !strings.Contains(mustMarshal(params["parameter"]), `"name":"rds.force_ssl","value":"1"`) {
		t.Errorf("parameter group = %v", params)
	}
	for i, az := range []string{"a", "b", "c"} {
		inst := desired(t, placed, "aurora-instance-"+az)
		if get(inst, "spec.forProvider.instanceClass") != "db.serverless" || get(inst, "spec.forProvider.availabilityZone") != "us-east-2"+az ||
			get(inst, "spec.forProvider.publiclyAccessible") != false || get(inst, "spec.forProvider.promotionTier") != float64(i) {
			t.Errorf("instance %s = %v", az, get(inst, "spec.forProvider"))
		}
		// By ARN (Terraform's ValidARN), not by selector (the key's ID).
		if get(inst, "spec.forProvider.performanceInsightsKmsKeyId") != "arn:aws:svc:us-east-2:123456789012:kms-key" || get(inst, "spec.forProvider.performanceInsightsKmsKeyIdSelector") != nil {
			t.Errorf("instance %s performance insights key = %v", az, get(inst, "spec.forProvider"))
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

// TestUsages: each Usage names a resource this platform composes, by its
// real kind and name, so deletion waits for the cluster and DMS.
func TestUsages(t *testing.T) {
	rsp := run(t, withClaim(newRequest(t, prodSpec, readyWorld(t, prodSpec))))
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

// TestDatabaseTier: by environment, the cluster keeps a final snapshot and
// refuses deletion outside dev; one serverless instance per requested AZ,
// the first the preferred writer; the master secret's rotation waits for
// RDS to report the secret; the status shows the endpoints and the
// secret's ARN only.
func TestDatabaseTier(t *testing.T) {
	const secret = "arn:aws:secretsmanager:us-east-2:123456789012:secret:rds!cluster-1"
	cases := map[string]struct {
		spec              string
		views             func(*Views)
		protect, snapshot bool
		instances         []resource.Name
		rotation          bool
	}{
		"Dev": {spec: "environmentSuffix: d", instances: []resource.Name{"aurora-instance-a", "aurora-instance-b"}},
		"Prod": {spec: "environmentSuffix: p\nenvironment: prod\ndatabase: {instances: 3}", protect: true, snapshot: true,
			instances: []resource.Name{"aurora-instance-a", "aurora-instance-b", "aurora-instance-c"}},
		"SecretKnown": {spec: "environmentSuffix: d\ndatabase: {instances: 1}", instances: []resource.Name{"aurora-instance-a"}, rotation: true,
			views: func(v *Views) {
				v.Database = DatabaseView{Endpoint: "w.example", ReaderEndpoint: "r.example", ClusterARN: "arn:c", SecretARN: secret}
			}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			part := database(tierPlan(t, tc.spec, nil, tc.views))
			c := object[*rdsv2.Cluster](t, part, ResAurora).Spec.ForProvider
			if !deref(c.StorageEncrypted) || !deref(c.ManageMasterUserPassword) || !deref(c.EnableHTTPEndpoint) || deref(c.AllowMajorVersionUpgrade) ||
				deref(c.DeletionProtection) != tc.protect || deref(c.SkipFinalSnapshot) == tc.snapshot || (c.FinalSnapshotIdentifier != nil) != tc.snapshot {
				t.Errorf("cluster = %+v", c)
			}
			var got []resource.Name
			for _, d := range part.Resources {
				if i, ok := d.Object.(*rds.ClusterInstance); ok {
					got = append(got, d.Name)
					if deref(i.Spec.ForProvider.InstanceClass) != "db.serverless" || deref(i.Spec.ForProvider.PubliclyAccessible) {
						t.Errorf("%s = %+v", d.Name, i.Spec.ForProvider)
					}
				}
			}
			if !slices.Equal(got, tc.instances) {
				t.Errorf("instances %v, want %v", got, tc.instances)
			}
			if composes(part, ResDBSecretRotation) != tc.rotation {
				t.Errorf("rotation composed = %t, want %t", !tc.rotation, tc.rotation)
			}
			if tc.rotation {
				r := object[*secretsmanagerv2.SecretRotation](t, part, ResDBSecretRotation).Spec.ForProvider
				if deref(r.SecretID) != secret || deref(r.RotationRules.AutomaticallyAfterDays) != SecretRotationDays {
					t.Errorf("rotation = %+v", r)
				}
				if st := part.Status; st.DBClusterEndpoint != "w.example" || st.DBReaderEndpoint != "r.example" || st.DBSecretARN != secret {
					t.Errorf("status = %+v", st)
				}
			}
		})
	}
}

// TestEngineVersionAtCreation: the claim's version is set at creation only;
// after that the cluster's forProvider carries one only to upgrade above
// what Aurora runs (AWS applies minor upgrades itself, and provider-aws
// would otherwise try to take a cluster back down). The status shows what
// runs and the major's support dates.
func TestEngineVersionAtCreation(t *testing.T) {
	cases := map[string]struct {
		actual      string
		wantForProv any
		wantVersion string
	}{
		"NotCreated":    {actual: "", wantForProv: nil, wantVersion: "16.6"},
		"AWSUpgraded":   {actual: "16.8", wantForProv: nil, wantVersion: "16.8"},
		"Same":          {actual: "16.6", wantForProv: nil, wantVersion: "16.6"},
		"UpgradeAsked":  {actual: "16.4", wantForProv: "16.6", wantVersion: "16.4"},
		"TwoDigitMinor": {actual: "16.10", wantForProv: nil, wantVersion: "16.10"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := tierPlan(t, prodSpec, nil, func(v *Views) { v.Database.EngineVersionActual = tc.actual })
			part := database(p)
			for _, d := range part.Resources {
				if d.Name != ResAurora {
					continue
				}
				c := d.Object.(*rdsv2.Cluster)
				if got := c.Spec.InitProvider.EngineVersion; got == nil || *got != "16.6" {
					t.Errorf("initProvider.engineVersion = %v, want 16.6", got)
				}
				var got any
				if v := c.Spec.ForProvider.EngineVersion; v != nil {
					got = *v
				}
				if got != tc.wantForProv {
					t.Errorf("forProvider.engineVersion = %v, want %v", got, tc.wantForProv)
				}
			}
			e := part.Status.DBEngine
			if e == nil || e.Version != tc.wantVersion || e.EndOfStandardSupport != "2029-02-28" || e.ExtendedSupportFrom != "2029-03-01" {
				t.Errorf("status.dbEngine = %+v", e)
			}
		})
	}
}
