package fn

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// TestMigrationTier: DMS is private and encrypted, both endpoints use TLS,
// the source password stays in the claim's secret, the task is full load +
// CDC with the claim's mappings and validation.
func TestMigrationTier(t *testing.T) {
	rsp := run(t, withClaim(newRequest(t, prodSpec, readyWorld(t, prodSpec))))
	inst := desired(t, rsp, "dms")
	if get(inst, "metadata.name") != "payment-dms-prod" || get(inst, "spec.forProvider.publiclyAccessible") != false ||
		get(inst, "spec.forProvider.multiAz") != true || get(inst, "spec.forProvider.kmsKeyArn") != "arn:aws:svc:us-east-2:123456789012:kms-key" ||
		get(inst, "spec.forProvider.replicationInstanceClass") != "dms.r5.large" || get(inst, "spec.forProvider.allocatedStorage") != 125.0 {
		t.Errorf("replication instance = %v", get(inst, "spec.forProvider"))
	}
	// The replication instance takes the key by ARN (Terraform validates
	// kms_key_arn, ForceNew, as an ARN; a selector resolves to the key ID),
	// so it waits for the key.
	if composes(migration(tierPlan(t, prodSpec, nil, nil)), ResDMSInstance) {
		t.Error("replication instance composed before the key's ARN is known")
	}
	if !composes(migration(tierPlan(t, prodSpec, nil, func(v *Views) { v.Encryption.KeyARN = testKeyARN })), ResDMSInstance) {
		t.Error("replication instance not composed once the key's ARN is known")
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
	// The account's DMS roles are the account's by default; a claim that
	// manages them adopts or creates them and never deletes them.
	if slices.ContainsFunc(names(rsp), func(n string) bool { return strings.HasPrefix(n, "dms-vpc-role") }) {
		t.Error("account roles composed although manageAccountRoles defaults to false")
	}
	managedSpec := strings.Replace(prodSpec, "migration:\n", "migration:\n  manageAccountRoles: true\n", 1)
	managed := run(t, withClaim(newRequest(t, managedSpec, readyWorld(t, managedSpec))))
	for _, r := range DMSAccountRoles {
		role, att := desired(t, managed, string(r.Role)), desired(t, managed, string(r.Attachment))
		if ann, _ := get(role, "metadata.annotations").(map[string]any); ann[AnnotationExternalName] != r.Name {
			t.Errorf("%s external name = %v", r.Name, ann)
		}
		if get(role, "spec.deletionPolicy") != "Orphan" || get(att, "spec.deletionPolicy") != "Orphan" {
			t.Errorf("%s: deletionPolicy %v / %v, want Orphan for the role and its attachment", r.Name, get(role, "spec.deletionPolicy"), get(att, "spec.deletionPolicy"))
		}
		if !strings.HasSuffix(get(att, "spec.forProvider.policyArn").(string), ":iam::aws:policy/"+r.Policy) {
			t.Errorf("%s policy = %v", r.Name, get(att, "spec.forProvider.policyArn"))
		}
	}
}

// TestMigrationTierStatus: the target endpoint waits for the Aurora writer
// and its secret; the phase and the MigrationHealthy condition follow the
// task; turning migration off composes nothing and says so.
func TestMigrationTierStatus(t *testing.T) {
	known := func(status string) func(*Views) {
		return func(v *Views) {
			v.Database = DatabaseView{Endpoint: "w.example", SecretARN: "arn:s"}
			v.Migration = MigrationView{TaskARN: "arn:aws:dms:us-east-2:123456789012:task:T1", TaskStatus: status}
		}
	}
	cases := map[string]struct {
		spec       string
		views      func(*Views)
		target     bool
		phase      string
		healthy    bool
		resources  bool
		wantReason string
	}{
		"WaitingForAurora": {spec: prodSpec, phase: "Provisioning", resources: true, wantReason: "Provisioning"},
		"Running":          {spec: prodSpec, views: known("running"), target: true, phase: "Replicating", healthy: true, resources: true, wantReason: "Replicating"},
		"Failed":           {spec: prodSpec, views: known("failed"), target: true, phase: "Failed", resources: true, wantReason: "Failed"},
		"Stopped":          {spec: prodSpec, views: known("stopped"), target: true, phase: "Stopped", resources: true, wantReason: "Stopped"},
		"Off":              {spec: strings.Replace(prodSpec, "migration:\n", "migration:\n  enabled: false\n", 1), phase: "Disabled", healthy: true, wantReason: "Disabled"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			part := migration(tierPlan(t, tc.spec, nil, tc.views))
			if (len(part.Resources) > 0) != tc.resources || composes(part, ResDMSTargetEndpoint) != tc.target {
				t.Errorf("%d resources, target endpoint %t", len(part.Resources), composes(part, ResDMSTargetEndpoint))
			}
			if ms := part.Status.Migration; ms == nil || ms.Phase != tc.phase {
				t.Errorf("status.migration = %+v, want phase %s", ms, tc.phase)
			}
			if len(part.Conditions) != 1 || part.Conditions[0].Type != ConditionMigrationHealthy || part.Conditions[0].Status != tc.healthy || part.Conditions[0].Reason != tc.wantReason {
				t.Errorf("conditions = %+v", part.Conditions)
			}
		})
	}
	if part := migration(tierPlan(t, "environmentSuffix: t", nil, nil)); len(part.Resources) != 0 || part.Status.Migration != nil || len(part.Conditions) != 0 {
		t.Errorf("no migration: part = %+v", part)
	}
}
