package v1alpha1

// DatabaseSpec is the Aurora PostgreSQL Serverless v2 cluster.
//
// +kubebuilder:validation:XValidation:rule="!has(self.minCapacity) || !has(self.maxCapacity) || self.minCapacity <= self.maxCapacity",message="spec.database.minCapacity must not exceed spec.database.maxCapacity"
// +kubebuilder:validation:XValidation:rule="!has(self.engineVersion) || !has(oldSelf.engineVersion) || self.engineVersion.split('.')[0] == oldSelf.engineVersion.split('.')[0]",message="spec.database.engineVersion: a major version upgrade is not done by editing the claim (it needs a blue/green upgrade); only minor versions may change"
type DatabaseSpec struct {
	// EngineVersion is the Aurora PostgreSQL version, major.minor, set at
	// creation. 16 by default: standard support until 2029-02-28 (AWS's
	// Aurora PostgreSQL release calendar), and DMS (engine 3.5.3 or later)
	// writes a PostgreSQL 14 source into it. 14.x pins the on-prem source's
	// major: its standard support ends 2027-02-28, and from 2027-03-01 RDS
	// Extended Support is charged per ACU-hour (status.dbEngine and
	// status.costEstimate.extendedSupport show the date and the cost).
	// AWS applies minor upgrades itself: a lower minor here is never
	// applied (no downgrade), a higher one upgrades. Only the minor may
	// change once created.
	// +kubebuilder:default="16.6"
	// +kubebuilder:validation:Pattern=`^(14|15|16|17)\.[0-9]{1,2}$`
	// +kubebuilder:validation:MaxLength=5
	// +optional
	EngineVersion string `json:"engineVersion,omitempty"`

	// MinCapacity is the Serverless v2 floor in ACUs (0.5 steps).
	// +kubebuilder:default=1
	// +kubebuilder:validation:Minimum=0.5
	// +kubebuilder:validation:Maximum=256
	// +kubebuilder:validation:XValidation:rule="double(int(self * 2.0)) == self * 2.0",message="spec.database.minCapacity: must be in 0.5 ACU steps"
	// +kubebuilder:validation:XValidation:rule="self >= 0.5",message="spec.database.minCapacity must be at least 0.5 ACU"
	// +optional
	MinCapacity float64 `json:"minCapacity,omitempty"`

	// MaxCapacity is the Serverless v2 ceiling in ACUs (0.5 steps).
	// +kubebuilder:default=8
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=256
	// +kubebuilder:validation:XValidation:rule="double(int(self * 2.0)) == self * 2.0",message="spec.database.maxCapacity: must be in 0.5 ACU steps"
	// +optional
	MaxCapacity float64 `json:"maxCapacity,omitempty"`

	// Instances is how many db.serverless instances the cluster has, one per
	// AZ: the writer and readers it fails over to.
	// +kubebuilder:default=2
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=3
	// +optional
	Instances int `json:"instances,omitempty"`

	// DatabaseName is the database created in the cluster. Immutable.
	// +kubebuilder:default="payments"
	// +kubebuilder:validation:Pattern=`^[a-z][a-z0-9_]{0,62}$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="spec.database.databaseName is immutable"
	// +optional
	DatabaseName string `json:"databaseName,omitempty"`

	// MasterUsername is the master user; its password is generated and
	// rotated by RDS in Secrets Manager, never seen by anyone. Immutable.
	// +kubebuilder:default="dbadmin"
	// +kubebuilder:validation:Pattern=`^[a-z][a-z0-9_]{0,15}$`
	// +kubebuilder:validation:XValidation:rule="!(self in ['postgres', 'rdsadmin', 'admin', 'root'])",message="spec.database.masterUsername: postgres, rdsadmin, admin and root are reserved"
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="spec.database.masterUsername is immutable"
	// +optional
	MasterUsername string `json:"masterUsername,omitempty"`

	// BackupRetentionDays keeps automated backups this long (1-35). Defaults
	// to 7, and 35 in prod.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=35
	// +optional
	BackupRetentionDays int `json:"backupRetentionDays,omitempty"`

	// DeletionProtection stops the cluster from being deleted. Defaults to
	// true in prod and staging, false in dev.
	// +optional
	DeletionProtection *bool `json:"deletionProtection,omitempty"`

	// PerformanceInsights turns on Performance Insights (7 days, encrypted
	// with the platform key).
	// +kubebuilder:default=true
	// +optional
	PerformanceInsights *bool `json:"performanceInsights,omitempty"`

	// BackupWindow is the daily backup window, UTC hh:mm-hh:mm.
	// +kubebuilder:default="03:00-04:00"
	// +kubebuilder:validation:Pattern=`^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$`
	// +optional
	BackupWindow string `json:"backupWindow,omitempty"`

	// MaintenanceWindow is the weekly maintenance window, UTC
	// ddd:hh:mm-ddd:hh:mm; it must not overlap the backup window.
	// +kubebuilder:default="sun:04:30-sun:05:30"
	// +kubebuilder:validation:Pattern=`^(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]-(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]$`
	// +optional
	MaintenanceWindow string `json:"maintenanceWindow,omitempty"`
}

// SSLMode is how DMS connects to the source database.
// +kubebuilder:validation:Enum=require;verify-ca;verify-full
type SSLMode string

// MigrationSpec is the DMS replication from the on-prem database.
//
// +kubebuilder:validation:XValidation:rule="!has(self.source.sizeGb) || self.source.sizeGb <= 5 * (has(self.allocatedStorageGb) ? self.allocatedStorageGb : 6144)",message="spec.migration.allocatedStorageGb: DMS needs at least a fifth of spec.migration.source.sizeGb for task logs and changes cached during the full load (at most 6144 GB: a source of up to 30720 GB)",fieldPath=".allocatedStorageGb"
type MigrationSpec struct {
	// Enabled keeps the DMS resources. Setting it to false after cutover
	// removes only the DMS resources (and their IAM roles).
	// +kubebuilder:default=true
	// +optional
	Enabled *bool `json:"enabled,omitempty"`

	// Source is the on-prem PostgreSQL 14 database.
	Source SourceDatabase `json:"source"`

	// ReplicationInstanceClass sizes the DMS instance. dms.r5.large (the
	// default) handles a 500 GB full load in hours; dms.t3.* is for dev and
	// staging only.
	// +kubebuilder:default="dms.r5.large"
	// +kubebuilder:validation:Pattern=`^dms\.(t3|c5|c6i|r5|r6i|c7i|r7i)\.(micro|small|medium|large|xlarge|[248]xlarge|12xlarge|16xlarge|24xlarge)$`
	// +optional
	ReplicationInstanceClass string `json:"replicationInstanceClass,omitempty"`

	// AllocatedStorageGB is the DMS instance's storage for task logs and
	// changes cached during the full load: at least a fifth of the source
	// size (and 50 GB). Defaults to a quarter of the source size, at least
	// 100 GB.
	// +kubebuilder:validation:Minimum=50
	// +kubebuilder:validation:Maximum=6144
	// +optional
	AllocatedStorageGB int `json:"allocatedStorageGb,omitempty"`

	// MultiAZ runs a standby replication instance in another AZ. Defaults
	// to true in prod.
	// +optional
	MultiAZ *bool `json:"multiAz,omitempty"`

	// TableMappings select what is replicated, in order: at least one.
	// Defaults to every table of schema public.
	// +kubebuilder:default={{schema:public,table:"%",action:include}}
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=50
	// +optional
	TableMappings []TableMapping `json:"tableMappings,omitempty"`

	// Validation turns on DMS data validation (row-by-row comparison of
	// source and target during and after the full load).
	// +kubebuilder:default=true
	// +optional
	Validation *bool `json:"validation,omitempty"`

	// StartReplication starts the task once spec.migration.schemaReady is
	// true; set false to create everything and start it by hand.
	// +kubebuilder:default=true
	// +optional
	StartReplication *bool `json:"startReplication,omitempty"`

	// SchemaReady says the target schema is loaded in Aurora (pg_dump
	// --schema-only from the source, restored as the master user: the
	// runbook gives the commands). DMS carries rows, not constraints,
	// indexes or sequences, and the task loads into existing tables
	// (TargetTablePrepMode DO_NOTHING), so until this is true the task is
	// created but never started and the status says what to do.
	// +kubebuilder:default=false
	// +optional
	SchemaReady *bool `json:"schemaReady,omitempty"`

	// ManageAccountRoles creates the IAM roles AWS DMS looks up by exact
	// name, dms-vpc-role and dms-cloudwatch-logs-role, if the account lacks
	// them (an existing role is adopted). They exist once per AWS account
	// and other platforms use them, so a claim never deletes them: deleting
	// the claim or turning this off leaves them in AWS (deletionPolicy
	// Orphan). Default false: the account provides them (the runbook gives
	// the commands); set true on one claim per account at most.
	// +kubebuilder:default=false
	// +optional
	ManageAccountRoles *bool `json:"manageAccountRoles,omitempty"`
}

// SourceDatabase is the on-prem PostgreSQL database DMS reads from.
//
// +kubebuilder:validation:XValidation:rule="!has(self.sslMode) || self.sslMode == 'require' || has(self.caCertificateSecretRef)",message="spec.migration.source.caCertificateSecretRef is required when sslMode is verify-ca or verify-full: DMS checks the source's server certificate against that CA (imported as a DMS certificate)"
// +kubebuilder:validation:XValidation:rule="has(self.cidr) || isIP(self.host)",message="spec.migration.source.cidr is required when spec.migration.source.host is a hostname (DMS egress is limited to it)"
type SourceDatabase struct {
	// Host is the source's hostname or IP address, reachable from the app
	// subnets (VPN, Direct Connect or the NAT gateways' public IPs).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?$`
	Host string `json:"host"`

	// CIDR is the network the source lives in; DMS may only connect there.
	// Defaults to host/32 when host is an IPv4 address.
	// +kubebuilder:validation:MaxLength=18
	// +kubebuilder:validation:XValidation:rule="isCIDR(self) && cidr(self).ip().family() == 4 && cidr(self) == cidr(self).masked() && cidr(self).prefixLength() > 0",message="spec.migration.source.cidr must be an IPv4 CIDR without host bits, other than 0.0.0.0/0 (DMS egress is limited to it)"
	// +optional
	CIDR string `json:"cidr,omitempty"`

	// Port of the source.
	// +kubebuilder:default=5432
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	// +optional
	Port int `json:"port,omitempty"`

	// DatabaseName on the source.
	// +kubebuilder:default="payments"
	// +kubebuilder:validation:Pattern=`^[A-Za-z_][A-Za-z0-9_$]{0,62}$`
	// +optional
	DatabaseName string `json:"databaseName,omitempty"`

	// Username DMS logs in with (a replication user with rds_replication or
	// REPLICATION rights). Not a secret: it appears in the DMS endpoint.
	// +kubebuilder:default="dms_replicator"
	// +kubebuilder:validation:Pattern=`^[A-Za-z_][A-Za-z0-9_]{0,62}$`
	// +optional
	Username string `json:"username,omitempty"`

	// CredentialsSecretRef is the Kubernetes secret holding the source
	// password. The provider reads it; it is never copied into a spec or
	// status.
	CredentialsSecretRef SecretKeyRef `json:"credentialsSecretRef"`

	// SSLMode is require (encrypted), verify-ca (encrypted, the server
	// certificate signed by caCertificateSecretRef's CA) or verify-full
	// (verify-ca, and host must match the certificate's name).
	// +kubebuilder:default="require"
	// +optional
	SSLMode SSLMode `json:"sslMode,omitempty"`

	// CACertificateSecretRef is the Kubernetes secret holding the PEM of
	// the CA that signed the source's server certificate (key ca.crt by
	// default). Required with sslMode verify-ca and verify-full: the
	// provider reads it and imports it as a DMS certificate, which the
	// source endpoint verifies the server against.
	// +optional
	CACertificateSecretRef *CertificateSecretRef `json:"caCertificateSecretRef,omitempty"`

	// SizeGB is the size of the source database, for sizing DMS storage.
	// +kubebuilder:default=500
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65536
	// +optional
	SizeGB int `json:"sizeGb,omitempty"`
}

// SecretKeyRef names a key of a Kubernetes secret.
type SecretKeyRef struct {
	// Name of the secret.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
	// Namespace of the secret; defaults to the claim's namespace.
	// +kubebuilder:validation:MaxLength=63
	// +optional
	Namespace string `json:"namespace,omitempty"`
	// Key holding the password.
	// +kubebuilder:default="password"
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +optional
	Key string `json:"key,omitempty"`
}

// CertificateSecretRef names the key of a Kubernetes secret holding a PEM
// certificate.
type CertificateSecretRef struct {
	// Name of the secret.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
	// Namespace of the secret; defaults to the claim's namespace.
	// +kubebuilder:validation:MaxLength=63
	// +optional
	Namespace string `json:"namespace,omitempty"`
	// Key holding the PEM; ca.crt when left out (a default set by the
	// platform, not the schema: a schema default inside this optional
	// object would make forms fill it without a name).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +optional
	Key string `json:"key,omitempty"`
}

// TableMapping is one DMS selection rule.
type TableMapping struct {
	// Schema name; % matches any.
	// +kubebuilder:default="public"
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9_%$]{1,63}$`
	// +optional
	Schema string `json:"schema,omitempty"`
	// Table name; % matches any.
	// +kubebuilder:default="%"
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9_%$]{1,63}$`
	// +optional
	Table string `json:"table,omitempty"`
	// Action includes or excludes the matched tables.
	// +kubebuilder:default="include"
	// +kubebuilder:validation:Enum=include;exclude
	// +optional
	Action string `json:"action,omitempty"`
}
