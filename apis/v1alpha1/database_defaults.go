package v1alpha1

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Database and migration defaults.
const (
	DefaultEngineVersion       = "16.6"
	DefaultMinCapacity         = 1.0
	DefaultMaxCapacity         = 8.0
	DefaultInstances           = 2
	DefaultDatabaseName        = "payments"
	DefaultMasterUsername      = "dbadmin"
	DefaultBackupWindow        = "03:00-04:00"
	DefaultMaintenanceWindow   = "sun:04:30-sun:05:30"
	DefaultReplicationInstance = "dms.r5.large"
	DefaultSourceUsername      = "dms_replicator"
	DefaultSourceSizeGB        = 500
)

func (db *DatabaseSpec) defaultFor(d defaulter, env Environment) {
	setDefault(d, "engineVersion", &db.EngineVersion, DefaultEngineVersion)
	setDefault(d, "minCapacity", &db.MinCapacity, DefaultMinCapacity)
	setDefault(d, "maxCapacity", &db.MaxCapacity, DefaultMaxCapacity)
	setDefault(d, "instances", &db.Instances, DefaultInstances)
	setDefault(d, "databaseName", &db.DatabaseName, DefaultDatabaseName)
	setDefault(d, "masterUsername", &db.MasterUsername, DefaultMasterUsername)
	setDefault(d, "backupWindow", &db.BackupWindow, DefaultBackupWindow)
	setDefault(d, "maintenanceWindow", &db.MaintenanceWindow, DefaultMaintenanceWindow)
	if db.PerformanceInsights == nil {
		db.PerformanceInsights = ptrTo(true)
	}
	// Not in the XRD: depend on the environment.
	retention := 7
	if env == EnvironmentProd {
		retention = 35
	}
	setDefault(d, "backupRetentionDays", &db.BackupRetentionDays, retention)
	if db.DeletionProtection == nil {
		db.DeletionProtection = ptrTo(env != EnvironmentDev)
	}
}

func (m *MigrationSpec) defaultFor(d defaulter, env Environment) {
	if m.Enabled == nil {
		m.Enabled = ptrTo(true)
	}
	s, sd := &m.Source, d.in("source")
	setDefault(sd, "port", &s.Port, 5432)
	setDefault(sd, "databaseName", &s.DatabaseName, DefaultDatabaseName)
	setDefault(sd, "username", &s.Username, DefaultSourceUsername)
	setDefault(sd, "sslMode", &s.SSLMode, "require")
	setDefault(sd, "sizeGb", &s.SizeGB, DefaultSourceSizeGB)
	setDefault(sd.in("credentialsSecretRef"), "key", &s.CredentialsSecretRef.Key, "password")
	if s.CACertificateSecretRef != nil {
		setDefault(sd.in("caCertificateSecretRef"), "key", &s.CACertificateSecretRef.Key, "ca.crt")
	}
	setDefault(d, "replicationInstanceClass", &m.ReplicationInstanceClass, DefaultReplicationInstance)
	if len(m.TableMappings) == 0 && d.absent("tableMappings") {
		m.TableMappings = []TableMapping{{}}
	}
	for i := range m.TableMappings {
		t, td := &m.TableMappings[i], d.in(fmt.Sprintf("tableMappings[%d]", i))
		setDefault(td, "schema", &t.Schema, "public")
		setDefault(td, "table", &t.Table, "%")
		setDefault(td, "action", &t.Action, "include")
	}
	for _, b := range []**bool{&m.Validation, &m.StartReplication} {
		if *b == nil {
			*b = ptrTo(true)
		}
	}
	if m.ManageAccountRoles == nil {
		m.ManageAccountRoles = ptrTo(false)
	}
	if m.SchemaReady == nil {
		m.SchemaReady = ptrTo(false)
	}
	// Not in the XRD: depend on the source and the environment.
	if a, err := netip.ParseAddr(s.Host); err == nil && a.Is4() {
		setDefault(sd, "cidr", &s.CIDR, a.String()+"/32")
	}
	setDefault(d, "allocatedStorageGb", &m.AllocatedStorageGB, DefaultStorageGB(s.SizeGB))
	if m.MultiAZ == nil {
		m.MultiAZ = ptrTo(env == EnvironmentProd)
	}
}

// MigrationEnabled reports whether DMS replication is wanted.
func (s *XPaymentPlatformSpec) MigrationEnabled() bool {
	return s.Migration != nil && s.Migration.Enabled != nil && *s.Migration.Enabled
}

// DMS storage limits: the instance's storage holds task logs and the
// changes cached during the full load, at least a fifth of the source.
const (
	MinAllocatedStorageGB = 50
	MaxAllocatedStorageGB = 6144
)

// MinStorageGB is the least DMS storage for a source of the given size;
// above MaxAllocatedStorageGB no storage fits.
func MinStorageGB(sourceGB int) int { return max(MinAllocatedStorageGB, (sourceGB+4)/5) }

// DefaultStorageGB is the DMS storage given to a source of the given size:
// a quarter of it, at least 100 GB, at most MaxAllocatedStorageGB.
func DefaultStorageGB(sourceGB int) int { return min(MaxAllocatedStorageGB, max(100, (sourceGB+3)/4)) }

var (
	engineRE      = regexp.MustCompile(`^(14|15|16|17)\.[0-9]{1,2}$`)
	dbNameRE      = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)
	userRE        = regexp.MustCompile(`^[a-z][a-z0-9_]{0,15}$`)
	backupWinRE   = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$`)
	maintWinRE    = regexp.MustCompile(`^(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]-(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]$`)
	dmsClassRE    = regexp.MustCompile(`^dms\.(t3|c5|c6i|r5|r6i|c7i|r7i)\.(micro|small|medium|large|xlarge|[248]xlarge|12xlarge|16xlarge|24xlarge)$`)
	hostRE        = regexp.MustCompile(`^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?$`)
	pgIdentRE     = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_$]{0,62}$`)
	mappingNameRE = regexp.MustCompile(`^[A-Za-z0-9_%$]{1,63}$`)
)

// EngineMajor is the major version of the engine, e.g. "16".
func (d *DatabaseSpec) EngineMajor() string {
	major, _, _ := strings.Cut(d.EngineVersion, ".")
	return major
}

func (d *DatabaseSpec) validate(p *field.Path, s *XPaymentPlatformSpec) field.ErrorList {
	var errs field.ErrorList
	if !engineRE.MatchString(d.EngineVersion) {
		errs = append(errs, field.Invalid(p.Child("engineVersion"), d.EngineVersion, "must be an Aurora PostgreSQL major.minor version of 14, 15, 16 or 17, e.g. 16.6 (14.x matches the on-prem source)"))
	}
	if d.MinCapacity < 0.5 || d.MinCapacity > 256 || !halfStep(d.MinCapacity) {
		errs = append(errs, field.Invalid(p.Child("minCapacity"), d.MinCapacity, "must be 0.5 to 256 ACUs in 0.5 steps"))
	}
	if d.MaxCapacity < 1 || d.MaxCapacity > 256 || !halfStep(d.MaxCapacity) {
		errs = append(errs, field.Invalid(p.Child("maxCapacity"), d.MaxCapacity, "must be 1 to 256 ACUs in 0.5 steps"))
	}
	if d.MaxCapacity < d.MinCapacity {
		errs = append(errs, field.Invalid(p.Child("maxCapacity"), d.MaxCapacity, fmt.Sprintf("must be at least spec.database.minCapacity (%g)", d.MinCapacity)))
	}
	if d.Instances < 1 || d.Instances > s.Network.AvailabilityZones {
		errs = append(errs, field.Invalid(p.Child("instances"), d.Instances, fmt.Sprintf("must be 1 to %d: one instance per availability zone", s.Network.AvailabilityZones)))
	}
	if !dbNameRE.MatchString(d.DatabaseName) {
		errs = append(errs, field.Invalid(p.Child("databaseName"), d.DatabaseName, "must start with a letter and contain only a-z, 0-9 and _ (at most 63)"))
	}
	switch {
	case !userRE.MatchString(d.MasterUsername):
		errs = append(errs, field.Invalid(p.Child("masterUsername"), d.MasterUsername, "must start with a letter and contain only a-z, 0-9 and _ (at most 16)"))
	case d.MasterUsername == "postgres" || d.MasterUsername == "rdsadmin" || d.MasterUsername == "admin" || d.MasterUsername == "root":
		errs = append(errs, field.Forbidden(p.Child("masterUsername"), "postgres, rdsadmin, admin and root are reserved"))
	}
	if d.BackupRetentionDays < 1 || d.BackupRetentionDays > 35 {
		errs = append(errs, field.Invalid(p.Child("backupRetentionDays"), d.BackupRetentionDays, "must be 1 to 35 days"))
	}
	if !backupWinRE.MatchString(d.BackupWindow) {
		errs = append(errs, field.Invalid(p.Child("backupWindow"), d.BackupWindow, "must be hh:mm-hh:mm in UTC, e.g. 03:00-04:00"))
	}
	if !maintWinRE.MatchString(d.MaintenanceWindow) {
		errs = append(errs, field.Invalid(p.Child("maintenanceWindow"), d.MaintenanceWindow, "must be ddd:hh:mm-ddd:hh:mm in UTC, e.g. sun:04:30-sun:05:30"))
	}
	return errs
}

func halfStep(v float64) bool { return v*2 == float64(int(v*2)) }

func (m *MigrationSpec) validate(p *field.Path, s *XPaymentPlatformSpec) field.ErrorList {
	var errs field.ErrorList
	sp := p.Child("source")
	src := m.Source
	if src.Host == "" || len(src.Host) > maxDNSName || !hostRE.MatchString(src.Host) {
		errs = append(errs, field.Required(sp.Child("host"), "the on-prem database's hostname or IPv4 address"))
	}
	if !s.given("migration.source.cidr", src.CIDR != "") {
		errs = append(errs, field.Required(sp.Child("cidr"), "required when host is a hostname: the IPv4 CIDR the source lives in (DMS egress is limited to it)"))
	} else if pfx, err := netip.ParsePrefix(src.CIDR); err != nil || !pfx.Addr().Is4() || pfx.Masked() != pfx {
		errs = append(errs, field.Invalid(sp.Child("cidr"), src.CIDR, "must be an IPv4 CIDR without host bits, e.g. 192.168.10.0/24"))
	} else if pfx.Bits() == 0 {
		errs = append(errs, field.Invalid(sp.Child("cidr"), src.CIDR, "must not be 0.0.0.0/0: DMS egress is limited to the source"))
	}
	if src.Port < 1 || src.Port > 65535 {
		errs = append(errs, field.Invalid(sp.Child("port"), src.Port, "must be 1 to 65535"))
	}
	if !pgIdentRE.MatchString(src.DatabaseName) {
		errs = append(errs, field.Invalid(sp.Child("databaseName"), src.DatabaseName, "must be a PostgreSQL identifier"))
	}
	if !pgIdentRE.MatchString(src.Username) {
		errs = append(errs, field.Invalid(sp.Child("username"), src.Username, "must be a PostgreSQL identifier"))
	}
	ref, rp := src.CredentialsSecretRef, sp.Child("credentialsSecretRef")
	if ref.Name == "" {
		errs = append(errs, field.Required(rp.Child("name"), "the Kubernetes secret holding the source password (key password by default)"))
	}
	errs = append(errs, tooLong(rp.Child("name"), ref.Name, maxSecretRef)...)
	errs = append(errs, tooLong(rp.Child("namespace"), ref.Namespace, maxNamespace)...)
	if ref.Key == "" {
		errs = append(errs, field.Required(rp.Child("key"), "the key of the secret holding the password"))
	}
	errs = append(errs, tooLong(rp.Child("key"), ref.Key, maxSecretRef)...)
	if src.SSLMode != "require" && src.SSLMode != "verify-ca" && src.SSLMode != "verify-full" {
		errs = append(errs, field.NotSupported(sp.Child("sslMode"), src.SSLMode, []string{"require", "verify-ca", "verify-full"}))
	} else if src.SSLMode != "require" && src.CACertificateSecretRef == nil {
		errs = append(errs, field.Required(sp.Child("caCertificateSecretRef"), "required when sslMode is verify-ca or verify-full: DMS checks the source's server certificate against that CA (imported as a DMS certificate)"))
	}
	if ca := src.CACertificateSecretRef; ca != nil {
		cp := sp.Child("caCertificateSecretRef")
		if ca.Name == "" {
			errs = append(errs, field.Required(cp.Child("name"), "the Kubernetes secret holding the source's CA certificate (PEM, key ca.crt by default)"))
		}
		errs = append(errs, tooLong(cp.Child("name"), ca.Name, maxSecretRef)...)
		errs = append(errs, tooLong(cp.Child("namespace"), ca.Namespace, maxNamespace)...)
		if ca.Key == "" {
			errs = append(errs, field.Required(cp.Child("key"), "the key of the secret holding the PEM"))
		}
		errs = append(errs, tooLong(cp.Child("key"), ca.Key, maxSecretRef)...)
	}
	if src.SizeGB < 1 || src.SizeGB > 65536 {
		errs = append(errs, field.Invalid(sp.Child("sizeGb"), src.SizeGB, "must be 1 to 65536"))
	}
	if !dmsClassRE.MatchString(m.ReplicationInstanceClass) {
		errs = append(errs, field.Invalid(p.Child("replicationInstanceClass"), m.ReplicationInstanceClass, "must be a DMS instance class such as dms.r5.large (dms.t3.medium for dev)"))
	} else if s.IsProd() && strings.HasPrefix(m.ReplicationInstanceClass, "dms.t3.") {
		errs = append(errs, field.Invalid(p.Child("replicationInstanceClass"), m.ReplicationInstanceClass, "burstable dms.t3 classes run out of CPU credits during a full load; use dms.r5.large or larger in prod"))
	}
	if need := MinStorageGB(src.SizeGB); m.AllocatedStorageGB < need || m.AllocatedStorageGB > MaxAllocatedStorageGB {
		errs = append(errs, field.Invalid(p.Child("allocatedStorageGb"), m.AllocatedStorageGB,
			fmt.Sprintf("must be %d to %d GB: a %d GB source needs at least a fifth of its size for task logs and changes cached during the full load", need, MaxAllocatedStorageGB, src.SizeGB)))
	}
	if len(m.TableMappings) == 0 {
		errs = append(errs, field.Required(p.Child("tableMappings"), "at least one selection rule (leave it out to replicate every table of schema public)"))
	}
	errs = append(errs, tooMany(p.Child("tableMappings"), len(m.TableMappings), 50)...)
	for i, t := range m.TableMappings {
		tp := p.Child("tableMappings").Index(i)
		if !mappingNameRE.MatchString(t.Schema) {
			errs = append(errs, field.Invalid(tp.Child("schema"), t.Schema, "must be a schema name or %"))
		}
		if !mappingNameRE.MatchString(t.Table) {
			errs = append(errs, field.Invalid(tp.Child("table"), t.Table, "must be a table name or %"))
		}
		if t.Action != "include" && t.Action != "exclude" {
			errs = append(errs, field.NotSupported(tp.Child("action"), t.Action, []string{"include", "exclude"}))
		}
	}
	return errs
}

func ptrTo[T any](v T) *T { return &v }
