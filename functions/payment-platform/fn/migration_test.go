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
