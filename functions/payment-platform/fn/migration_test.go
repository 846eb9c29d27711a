package fn

import (
	"encoding/json"
	"fmt"
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
	// DMS creates its replication slot: a slotName would have to name an
	// existing slot and the task a CDC start position.
	if get(src, "spec.forProvider.postgresSettings.slotName") != nil || get(src, "spec.forProvider.postgresSettings.pluginName") != "test_decoding" ||
		get(src, "spec.forProvider.certificateArn") != nil {
		t.Errorf("source endpoint postgresSettings = %v, certificateArn %v", get(src, "spec.forProvider.postgresSettings"), get(src, "spec.forProvider.certificateArn"))
	}
	// The target logs in as DMS's own user, from its own secret (never the
	// RDS-managed master secret, which has no host or port), with foreign
	// keys and triggers off in its sessions.
	tgt := desired(t, rsp, "dms-target-endpoint")
	if get(tgt, "spec.forProvider.serverName") != "payment-aurora-prod.cluster-x.us-east-2.rds.amazonaws.com" ||
		get(tgt, "spec.forProvider.sslMode") != "require" || label(tgt, "spec.forProvider.secretsManagerAccessRoleArnSelector") != "dms-secrets-role" ||
		get(tgt, "spec.forProvider.secretsManagerArn") != "arn:aws:svc:us-east-2:123456789012:dms-user-secret" ||
		get(tgt, "spec.forProvider.postgresSettings.afterConnectScript") != "SET session_replication_role = 'replica'" {
		t.Errorf("target endpoint = %v", get(tgt, "spec.forProvider"))
	}
	if pol := get(desired(t, rsp, "dms-secrets-policy"), "spec.forProvider.policy").(string); strings.Contains(pol, "rds!cluster") ||
		!strings.Contains(pol, "arn:aws:svc:us-east-2:123456789012:dms-user-secret") {
		t.Errorf("DMS secrets policy = %s, want DMS's own secret only", pol)
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
			v.Migration = MigrationView{TaskARN: "arn:aws:dms:us-east-2:123456789012:task:T1", TaskStatus: status, UserSecretARN: "arn:dms-user"}
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
		"WaitingForSchema": {spec: strings.Replace(prodSpec, "  schemaReady: true\n", "", 1), views: known("ready"), target: true, phase: "WaitingForSchema", resources: true, wantReason: "WaitingForSchema"},
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

// TestSchemaGate: the task is created but starts only once the claim says
// the target schema is loaded.
func TestSchemaGate(t *testing.T) {
	for spec, want := range map[string]bool{
		prodSpec: true,
		strings.Replace(prodSpec, "  schemaReady: true\n", "", 1):                                                 false,
		strings.Replace(prodSpec, "  schemaReady: true\n", "  schemaReady: true\n  startReplication: false\n", 1): false,
	} {
		rsp := run(t, withClaim(newRequest(t, spec, readyWorld(t, spec))))
		if got := get(desired(t, rsp, "migration"), "spec.forProvider.startReplicationTask"); got != want {
			t.Errorf("startReplicationTask = %v, want %v for\n%s", got, want, spec)
		}
	}
}

// TestSourceTLS: verify-full imports the claim's CA into DMS and the source
// endpoint verifies against it, waiting for the certificate's ARN; without
// a CA the claim is refused, naming the field.
func TestSourceTLS(t *testing.T) {
	spec := strings.Replace(prodSpec, "    credentialsSecretRef: {name: source-db}\n",
		"    credentialsSecretRef: {name: source-db}\n    sslMode: verify-full\n    caCertificateSecretRef: {name: source-ca}\n", 1)
	rsp := run(t, withClaim(newRequest(t, spec, readyWorld(t, spec))))
	ca := desired(t, rsp, "dms-source-ca")
	if ca["kind"] != "Certificate" || get(ca, "spec.forProvider.certificatePemSecretRef.name") != "source-ca" ||
		get(ca, "spec.forProvider.certificatePemSecretRef.key") != "ca.crt" || get(ca, "spec.forProvider.certificatePemSecretRef.namespace") != "payments" {
		t.Errorf("CA certificate = %v", ca)
	}
	src := desired(t, rsp, "dms-source-endpoint")
	if get(src, "spec.forProvider.sslMode") != "verify-full" || get(src, "spec.forProvider.certificateArn") != "arn:aws:dms:us-east-2:123456789012:cert:SOURCECA" {
		t.Errorf("source endpoint = %v", get(src, "spec.forProvider"))
	}
	if composes(migration(tierPlan(t, spec, nil, nil)), ResDMSSourceEndpoint) {
		t.Error("source endpoint composed before the CA certificate's ARN is known")
	}
	noCA := strings.Replace(prodSpec, "    credentialsSecretRef: {name: source-db}\n", "    credentialsSecretRef: {name: source-db}\n    sslMode: verify-ca\n", 1)
	if msg := fatal(run(t, withClaim(newRequest(t, noCA, nil)))); !strings.Contains(msg, "spec.migration.source.caCertificateSecretRef") {
		t.Errorf("verify-ca without a CA: fatal %q, want one naming spec.migration.source.caCertificateSecretRef", msg)
	}
}

// TestDMSUser: DMS's own user comes from an empty secret and a rotation
// Lambda that Secrets Manager alone may invoke, for that secret; the first
// rotation waits for that permission; nothing carries a password.
func TestDMSUser(t *testing.T) {
	if part := migration(tierPlan(t, prodSpec, nil, nil)); composes(part, ResDMSUserSecret) || composes(part, ResDMSUserRotator) {
		t.Error("DMS user composed before Aurora's endpoint, ARN and master secret are known")
	}
	rsp := run(t, withClaim(newRequest(t, prodSpec, readyWorld(t, prodSpec))))
	secret := desired(t, rsp, "dms-user-secret")
	if get(secret, "spec.forProvider.name") != "payment-dms-user-secret-prod" || label(secret, "spec.forProvider.kmsKeyIdSelector") != "kms-key" ||
		get(secret, "spec.forProvider.recoveryWindowInDays") != 30.0 {
		t.Errorf("DMS user secret = %v", get(secret, "spec.forProvider"))
	}
	rot := desired(t, rsp, "dms-user-rotation")
	if label(rot, "spec.forProvider.secretIdSelector") != "dms-user-secret" || label(rot, "spec.forProvider.rotationLambdaArnSelector") != "dms-user-rotator" ||
		get(rot, "spec.forProvider.rotationRules.automaticallyAfterDays") != 30.0 || get(rot, "spec.forProvider.rotateImmediately") != true {
		t.Errorf("rotation = %v", get(rot, "spec.forProvider"))
	}
	perm := desired(t, rsp, "dms-user-rotator-permission")
	if get(perm, "spec.forProvider.principal") != "secretsmanager.amazonaws.com" || get(perm, "spec.forProvider.sourceArn") != "arn:aws:svc:us-east-2:123456789012:dms-user-secret" {
		t.Errorf("permission = %v", get(perm, "spec.forProvider"))
	}
	fn := desired(t, rsp, "dms-user-rotator")
	env, _ := get(fn, "spec.forProvider.environment.variables").(map[string]any)
	for k, v := range map[string]string{"MASTER_SECRET_ARN": "arn:aws:secretsmanager:us-east-2:123456789012:secret:rds!cluster-abc",
		"DB_HOST": "payment-aurora-prod.cluster-x.us-east-2.rds.amazonaws.com", "DB_PORT": "5432", "DMS_USERNAME": "dms_migration",
		"TARGET_DATABASE": "payments"} {
		if env[k] != v {
			t.Errorf("rotator env %s = %v, want %s", k, env[k], v)
		}
	}
	if get(fn, "spec.forProvider.s3Key") != "payment-platform/v0.1.0/dmsuser.zip" {
		t.Errorf("rotator zip = %v", get(fn, "spec.forProvider.s3Key"))
	}
	for _, n := range names(rsp) {
		if m := desired(t, rsp, n); strings.Contains(strings.ToLower(fmt.Sprint(get(m, "spec.forProvider"))), "password\":") {
			t.Errorf("%s carries a password field", n)
		}
	}
	// Until Secrets Manager may invoke the function, the rotation waits.
	p := tierPlan(t, prodSpec, nil, func(v *Views) {
		v.Database = DatabaseView{ClusterARN: "arn:c", Endpoint: "w", SecretARN: "arn:s"}
		v.Migration.UserSecretARN = "arn:dms-user"
	})
	part := migration(p)
	if !composes(part, ResDMSUserPermission) || composes(part, ResDMSUserRotation) {
		t.Error("the first rotation does not wait for the invoke permission")
	}
	// The rotation Lambda comes with every migration, the validator only
	// with its secrets.
	if composes(lambdas(p), ResValidation) {
		t.Error("validator composed without sourceSecretArn and hmacSecretArn")
	}
}
