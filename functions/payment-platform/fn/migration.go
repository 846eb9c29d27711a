package fn

import (
	"fmt"
	"strconv"

	xpv1 "github.com/crossplane/crossplane-runtime/v2/apis/common/v1"
	"github.com/crossplane/function-sdk-go/resource"
	dms "github.com/upbound/provider-aws/v2/apis/cluster/dms/v1beta1"
	dmsv2 "github.com/upbound/provider-aws/v2/apis/cluster/dms/v1beta2"
	ec2 "github.com/upbound/provider-aws/v2/apis/cluster/ec2/v1beta1"
	iam "github.com/upbound/provider-aws/v2/apis/cluster/iam/v1beta1"
	kms "github.com/upbound/provider-aws/v2/apis/cluster/kms/v1beta1"
	"k8s.io/utils/ptr"

	"github.com/acme-payments/xpaymentplatform/apis/v1alpha1"
)

// migrationResources composes DMS full load + CDC from the on-prem PostgreSQL into
// Aurora: a subnet group on the app subnets (they route to the source), a
// private, encrypted replication instance, a TLS source endpoint whose
// password the provider reads from the claim's secret (and, for verify-ca
// and verify-full, the source's CA imported into DMS), DMS's own Aurora
// user and its rotated secret, a TLS target endpoint on the Aurora writer
// that reads that secret through a role limited to it, and the
// full-load-and-cdc task, started once the claim says the schema is
// loaded. The account-wide roles
// DMS requires by name come too unless the claim says another platform has
// them.
func migrationResources(p *Plan) []Desired {
	if !p.Spec.MigrationEnabled() {
		return nil
	}
	m := p.Spec.Migration
	src := m.Source
	instance := &dms.ReplicationInstance{Spec: dms.ReplicationInstanceSpec{ForProvider: dms.ReplicationInstanceParameters{
		ReplicationInstanceClass:         ptr.To(m.ReplicationInstanceClass),
		AllocatedStorage:                 ptr.To(float64(m.AllocatedStorageGB)),
		MultiAz:                          m.MultiAZ,
		PubliclyAccessible:               ptr.To(false),
		KMSKeyArn:                        p.KMSKeyARN(),
		ReplicationSubnetGroupIDSelector: p.Sel(ResDMSSubnetGroup),
		VPCSecurityGroupIDSelector:       p.Sel(ResSGDMS),
		AutoMinorVersionUpgrade:          ptr.To(true),
		ApplyImmediately:                 ptr.To(!p.Spec.IsProd()),
		PreferredMaintenanceWindow:       ptr.To(p.Spec.Database.MaintenanceWindow),
	}}}
	// verify-ca and verify-full check the server's certificate against a CA
	// imported into DMS (DMS user guide, "Using SSL with AWS Database
	// Migration Service": verify-ca/verify-full need the CA certificate,
	// imported with ImportCertificate, on the endpoint). The provider reads
	// the PEM from the claim's secret; the endpoint waits for its ARN.
	var caCert []Desired
	var caARN *string
	var sourceWaits []resource.Name
	if ca := src.CACertificateSecretRef; src.SSLMode != "require" {
		caCert = []Desired{{
			Name:         ResDMSSourceCA,
			ExternalName: p.Name(ResDMSSourceCA),
			Object: &dms.Certificate{Spec: dms.CertificateSpec{ForProvider: dms.CertificateParameters{
				CertificatePemSecretRef: p.claimSecret(ca.Name, ca.Namespace, ca.Key),
			}}},
		}}
		if caARN = ptr.To(p.View.Migration.SourceCAARN); *caARN == "" {
			sourceWaits = []resource.Name{ResDMSSourceCA}
		}
	}
	var out []Desired
	if subnets := p.TierSubnetIDs(TierApp); subnets != nil {
		out = append(out, Desired{
			Name:         ResDMSSubnetGroup,
			ExternalName: p.Name(ResDMSSubnetGroup),
			Object: &dms.ReplicationSubnetGroup{Spec: dms.ReplicationSubnetGroupSpec{ForProvider: dms.ReplicationSubnetGroupParameters{
				ReplicationSubnetGroupDescription: ptr.To("DMS on the app subnets of payment-" + p.Spec.EnvironmentSuffix),
				SubnetIds:                         subnets,
			}}},
		})
	}
	out = append(out, []Desired{
		{Name: ResDMSInstance, Object: instance, WaitsFor: p.waitsForKey()},
		// The task logs (EnableLogging) go to the group DMS names
		// dms-tasks-<replication instance identifier> and creates, never
		// expiring and unencrypted, unless it exists (DMS user guide,
		// "Logging task settings": "AWS DMS assigns CloudWatch group and
		// stream names as follows... You can't set these values directly").
		// Created here, it keeps events as long as every other log group
		// and under the platform key.
		LogGroup(p, ResDMSTaskLogGroup, "dms-tasks-"+p.Name(ResDMSInstance), p.LogRetentionDays()),
		{
			Name:     ResDMSSourceEndpoint,
			WaitsFor: sourceWaits,
			Object: &dmsv2.Endpoint{Spec: dmsv2.EndpointSpec{ForProvider: dmsv2.EndpointParameters{
				EndpointType:      ptr.To("source"),
				EngineName:        ptr.To("postgres"),
				ServerName:        ptr.To(src.Host),
				Port:              ptr.To(float64(src.Port)),
				DatabaseName:      ptr.To(src.DatabaseName),
				Username:          ptr.To(src.Username),
				PasswordSecretRef: p.claimSecret(src.CredentialsSecretRef.Name, src.CredentialsSecretRef.Namespace, src.CredentialsSecretRef.Key),
				SSLMode:           ptr.To(string(src.SSLMode)),
				KMSKeyArnSelector: p.Sel(ResKMSKey),
				CertificateArn:    caARN,
				// DMS creates and manages the logical replication slot
				// itself: a SlotName would have to name a slot that already
				// exists, with a CDC start position on the task (DMS API,
				// PostgreSQLSettings.SlotName: "If the specified slot doesn't
				// exist or the task doesn't have a valid CdcStartPosition
				// setting, DMS raises an error"). test_decoding ships with
				// PostgreSQL; pglogical would need the extension installed
				// on the source. The runbook lists what the source provides.
				PostgresSettings: &dmsv2.PostgresSettingsParameters{
					HeartbeatEnable:     ptr.To(true), // keeps the replication slot's WAL from piling up on a quiet source
					HeartbeatFrequency:  ptr.To(5.0),
					CaptureDdls:         ptr.To(false),
					PluginName:          ptr.To("test_decoding"),
					MapBooleanAsBoolean: ptr.To(true),
				},
			}}},
		},
	}...)
	out = append(out, caCert...)
	// The target is the Aurora writer, as DMS's own user (see
	// migration_user.go); its address exists once RDS has created the
	// cluster, and the user's secret once the platform has created it.
	out = append(out, dmsUserResources(p)...)
	if host, secret := p.View.Database.Endpoint, p.View.Migration.UserSecretARN; host != "" && secret != "" {
		out = append(out, Desired{
			Name: ResDMSTargetEndpoint,
			Object: &dmsv2.Endpoint{Spec: dmsv2.EndpointSpec{ForProvider: dmsv2.EndpointParameters{
				EndpointType:                        ptr.To("target"),
				EngineName:                          ptr.To(AuroraEngine),
				ServerName:                          ptr.To(host),
				Port:                                ptr.To(float64(PostgresPort)),
				DatabaseName:                        ptr.To(p.Spec.Database.DatabaseName),
				SecretsManagerArn:                   ptr.To(secret),
				SecretsManagerAccessRoleArnSelector: p.Sel(ResDMSSecretsRole),
				SSLMode:                             ptr.To("require"),
				KMSKeyArnSelector:                   p.Sel(ResKMSKey),
				// Foreign keys and triggers of the loaded schema stay off in
				// DMS's sessions: tables load one by one in any order (DMS
				// user guide, "Using a PostgreSQL database as a target":
				// afterConnectScript=SET session_replication_role='replica'
				// turns off foreign keys and triggers during the full load).
				PostgresSettings: &dmsv2.PostgresSettingsParameters{
					AfterConnectScript: ptr.To(TargetAfterConnectScript),
				},
			}}},
		})
	}
	out = append(out,
		Desired{
			Name: ResMigrationTask,
			Object: &dms.ReplicationTask{Spec: dms.ReplicationTaskSpec{ForProvider: dms.ReplicationTaskParameters{
				MigrationType:                  ptr.To("full-load-and-cdc"),
				ReplicationInstanceArnSelector: p.Sel(ResDMSInstance),
				SourceEndpointArnSelector:      p.Sel(ResDMSSourceEndpoint),
				TargetEndpointArnSelector:      p.Sel(ResDMSTargetEndpoint),
				TableMappings:                  ptr.To(TableMappingsJSON(p)),
				ReplicationTaskSettings:        ptr.To(TaskSettingsJSON(p)),
				// Only into a loaded schema (spec.migration.schemaReady).
				StartReplicationTask: ptr.To(*m.StartReplication && *m.SchemaReady),
			}}},
		},
		Desired{
			Name: ResDMSSecretsRole,
			Object: &iam.Role{Spec: iam.RoleSpec{ForProvider: iam.RoleParameters{
				Description:      ptr.To("DMS reads its own Aurora user's secret of payment-" + p.Spec.EnvironmentSuffix),
				AssumeRolePolicy: p.TrustPolicy("dms."+p.Region()+".amazonaws.com", ""),
			}}},
		},
		Desired{
			Name: ResDMSSecretsPolicy,
			Object: &iam.RolePolicy{Spec: iam.RolePolicySpec{ForProvider: iam.RolePolicyParameters{
				RoleSelector: p.Sel(ResDMSSecretsRole),
				Policy: Policy(
					Allow("ReadDMSUserSecret", []string{"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"},
						orPattern(p.View.Migration.UserSecretARN, p.ARN("secretsmanager", "secret:"+p.Name(ResDMSUserSecret)+"-??????"))),
					Allow("DecryptWithPlatformKey", []string{"kms:Decrypt"}, p.KMSKeyARNOrPattern()),
				),
			}}},
		},
		p.Usage(migrationUsagePrefix+"kms-key", ResKMSKey, &kms.Key{}, ResDMSInstance, instance),
		p.Usage(migrationUsagePrefix+"sg-dms", ResSGDMS, &ec2.SecurityGroup{}, ResDMSInstance, instance),
		p.Usage(migrationUsagePrefix+"subnet-group", ResDMSSubnetGroup, &dms.ReplicationSubnetGroup{}, ResDMSInstance, instance),
	)
	if *m.ManageAccountRoles {
		for _, r := range DMSAccountRoles {
			out = append(out, p.dmsAccountRole(r)...)
		}
	}
	return out
}

// dmsAccountRole is one of the roles DMS looks up by its exact name, with
// the AWS managed policy made for it. Both are orphaned on deletion: the
// role is the account's, and other platforms' DMS instances use it.
func (p *Plan) dmsAccountRole(r DMSAccountRole) []Desired {
	role := &iam.Role{Spec: iam.RoleSpec{ForProvider: iam.RoleParameters{
		Description:      ptr.To("Required by AWS DMS under this exact name (account-wide; never deleted with a platform)"),
		AssumeRolePolicy: p.TrustPolicy("dms.amazonaws.com", ""),
	}}}
	role.Spec.DeletionPolicy = xpv1.DeletionOrphan
	attachment := &iam.RolePolicyAttachment{Spec: iam.RolePolicyAttachmentSpec{ForProvider: iam.RolePolicyAttachmentParameters{
		RoleSelector: p.Sel(r.Role),
		PolicyArn:    ptr.To("arn:" + p.Partition() + ":iam::aws:policy/" + r.Policy),
	}}}
	attachment.Spec.DeletionPolicy = xpv1.DeletionOrphan
	return []Desired{{Name: r.Role, ExternalName: r.Name, Object: role}, {Name: r.Attachment, Object: attachment}}
}

// tableMappings is DMS's table-mapping document.
type tableMappings struct {
	Rules []mappingRule `json:"rules"`
}

type mappingRule struct {
	RuleType      string        `json:"rule-type"`
	RuleID        string        `json:"rule-id"`
	RuleName      string        `json:"rule-name"`
	ObjectLocator objectLocator `json:"object-locator"`
	RuleAction    string        `json:"rule-action"`
}

type objectLocator struct {
	SchemaName string `json:"schema-name"`
	TableName  string `json:"table-name"`
}

// TableMappingsJSON renders the claim's table mappings as DMS selection
// rules, in order.
func TableMappingsJSON(p *Plan) string {
	var tm tableMappings
	for i, t := range p.Spec.Migration.TableMappings {
		id := strconv.Itoa(i + 1)
		tm.Rules = append(tm.Rules, mappingRule{
			RuleType: "selection", RuleID: id, RuleName: t.Action + "-" + id,
			ObjectLocator: objectLocator{SchemaName: t.Schema, TableName: t.Table},
			RuleAction:    t.Action,
		})
	}
	return mustJSON(tm)
}

// taskSettings is the part of DMS task settings the platform sets.
type taskSettings struct {
	TargetMetadata     targetMetadata     `json:"TargetMetadata"`
	FullLoadSettings   fullLoadSettings   `json:"FullLoadSettings"`
	Logging            taskLogging        `json:"Logging"`
	ValidationSettings validationSettings `json:"ValidationSettings"`
}

type targetMetadata struct {
	SupportLobs        bool `json:"SupportLobs"`
	FullLobMode        bool `json:"FullLobMode"`
	LimitedSizeLobMode bool `json:"LimitedSizeLobMode"`
	LobMaxSize         int  `json:"LobMaxSize"`
	BatchApplyEnabled  bool `json:"BatchApplyEnabled"`
}

type fullLoadSettings struct {
	TargetTablePrepMode string `json:"TargetTablePrepMode"`
	MaxFullLoadSubTasks int    `json:"MaxFullLoadSubTasks"`
	CommitRate          int    `json:"CommitRate"`
}

type taskLogging struct {
	EnableLogging bool           `json:"EnableLogging"`
	LogComponents []logComponent `json:"LogComponents"`
}

type logComponent struct {
	ID       string `json:"Id"`
	Severity string `json:"Severity"`
}

type validationSettings struct {
	EnableValidation bool   `json:"EnableValidation"`
	ValidationMode   string `json:"ValidationMode"`
	ThreadCount      int    `json:"ThreadCount"`
	FailureMaxCount  int    `json:"FailureMaxCount"`
}

// TaskSettingsJSON: the target schema is created beforehand (DMS does not
// carry constraints and indexes), so tables are not dropped; LOBs in limited
// mode (payment rows carry small JSON documents, 32 KB is ample and keeps
// the full load fast); transactional apply (no batch apply) so CDC keeps
// commit order; source capture and target apply logged; validation as the
// claim says.
func TaskSettingsJSON(p *Plan) string {
	return mustJSON(taskSettings{
		TargetMetadata:   targetMetadata{SupportLobs: true, LimitedSizeLobMode: true, LobMaxSize: 32},
		FullLoadSettings: fullLoadSettings{TargetTablePrepMode: "DO_NOTHING", MaxFullLoadSubTasks: 8, CommitRate: 10000},
		Logging: taskLogging{EnableLogging: true, LogComponents: []logComponent{
			{ID: "SOURCE_CAPTURE", Severity: "LOGGER_SEVERITY_DEFAULT"},
			{ID: "SOURCE_UNLOAD", Severity: "LOGGER_SEVERITY_DEFAULT"},
			{ID: "TARGET_APPLY", Severity: "LOGGER_SEVERITY_DEFAULT"},
			{ID: "TARGET_LOAD", Severity: "LOGGER_SEVERITY_DEFAULT"},
			{ID: "TASK_MANAGER", Severity: "LOGGER_SEVERITY_DEFAULT"},
		}},
		ValidationSettings: validationSettings{EnableValidation: *p.Spec.Migration.Validation, ValidationMode: "ROW_LEVEL", ThreadCount: 5, FailureMaxCount: 10000},
	})
}

// migration is DMS; the status shows the task and its phase, and the
// MigrationHealthy condition follows it.
func migration(p *Plan) Part {
	part := Part{Resources: migrationResources(p)}
	ms := p.migrationStatus()
	if ms == nil {
		return part
	}
	part.Status = v1alpha1.XPaymentPlatformStatus{Migration: ms, DMSReplicationTaskARN: p.View.Migration.TaskARN}
	switch ms.Phase {
	case "Replicating":
		part.Conditions = append(part.Conditions, Condition{Type: ConditionMigrationHealthy, Status: true, Reason: "Replicating",
			Message: "DMS task " + p.Name(ResMigrationTask) + " is running full load and CDC; CDC latency is on the dashboard and alarms above " +
				fmt.Sprint(p.Spec.Monitoring.Thresholds.DMSCDCLatencySeconds) + " s"})
	case "Disabled":
		part.Conditions = append(part.Conditions, Condition{Type: ConditionMigrationHealthy, Status: true, Reason: "Disabled", Message: ms.Message})
	default:
		part.Conditions = append(part.Conditions, Condition{Type: ConditionMigrationHealthy, Reason: ms.Phase,
			Message: fmt.Sprintf("DMS task status %q: %s", ms.TaskStatus, ms.Message)})
	}
	return part
}

// migrationStatus reads the DMS task's state.
func (p *Plan) migrationStatus() *v1alpha1.MigrationStatus {
	if p.Spec.Migration == nil {
		return nil
	}
	ms := &v1alpha1.MigrationStatus{Enabled: p.Spec.MigrationEnabled()}
	if !ms.Enabled {
		ms.Phase, ms.Message = "Disabled", "spec.migration.enabled is false: DMS resources are removed"
		return ms
	}
	ms.TaskStatus = p.View.Migration.TaskStatus
	switch {
	case p.View.Database.Endpoint == "" || p.View.Database.SecretARN == "":
		ms.Phase, ms.Message = "Provisioning", "waiting for the Aurora writer endpoint and master secret before creating DMS's own user and the DMS target endpoint"
	case !*p.Spec.Migration.SchemaReady && (ms.TaskStatus == "" || ms.TaskStatus == "creating" || ms.TaskStatus == "ready"):
		ms.Phase, ms.Message = "WaitingForSchema", "the replication task is created but not started: load the target schema into Aurora (pg_dump --schema-only from the source, restored as the master user; the runbook gives the commands), then set spec.migration.schemaReady: true"
	case ms.TaskStatus == "running":
		ms.Phase, ms.Message = "Replicating", "full load and change data capture are running"
	case ms.TaskStatus == "stopped" || ms.TaskStatus == "ready" && !*p.Spec.Migration.StartReplication:
		ms.Phase, ms.Message = "Stopped", "the replication task is not running (spec.migration.startReplication or a stop)"
	case ms.TaskStatus == "failed":
		ms.Phase, ms.Message = "Failed", "the replication task failed: see its CloudWatch logs"
	default:
		ms.Phase, ms.Message = "Provisioning", "the replication task is being created or started"
	}
	return ms
}

// claimSecret selects a key of a Kubernetes secret the claim names; its
// namespace defaults to the claim's.
func (p *Plan) claimSecret(name, namespace, key string) *xpv1.SecretKeySelector {
	if namespace == "" {
		namespace = p.ClaimNamespace
	}
	return &xpv1.SecretKeySelector{SecretReference: xpv1.SecretReference{Name: name, Namespace: namespace}, Key: key}
}
