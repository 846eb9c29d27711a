package fn

import (
	"fmt"
	protectionv1beta1 "github.com/crossplane/crossplane/v2/apis/protection/v1beta1"
	"github.com/crossplane/function-sdk-go/resource"

	"strings"
)

// The platform's vocabulary, which every step and tier uses: the
// composition-resource names of every tier (part of the API: a rename is a
// breaking change, TestStableNames pins them), labels, annotations and
// kinds. Constants and pure functions of them only.

// ClusterUsageGVK is Crossplane v2's cluster-scoped deletion-ordering object.
var ClusterUsageGVK = protectionv1beta1.ClusterUsageGroupVersionKind

// Security groups every tier uses, by composition-resource name.
const (
	ResSGALB      = resource.Name("sg-alb")
	ResSGApp      = resource.Name("sg-app")
	ResSGDatabase = resource.Name("sg-database")
	ResSGDMS      = resource.Name("sg-dms")
)

// PostgresPort is the port Aurora PostgreSQL and the source database listen on.
const PostgresPort = 5432

// Composition-resource names of the routing (cutover) tier.
const (
	ResZone               = resource.Name("zone")
	ResRecordOld          = resource.Name("record-old")
	ResRecordNew          = resource.Name("record-new")
	ResHealthOld          = resource.Name("health-old")
	ResHealthNewEndpoint  = resource.Name("health-new-endpoint")
	ResHealthNew          = resource.Name("health-new")
	ResGuardAlarm5xx      = resource.Name("cutover-guard-5xx")
	ResGuardAlarmLatency  = resource.Name("cutover-guard-latency")
	ResGuardAlarmRollback = resource.Name("cutover-guard-rollback")

	// AnnotationCutoverStep records on the new record the step in force, so
	// the next reconcile knows where the cutover is even during a rollback.
	AnnotationCutoverStep = "platform.payments.io/cutover-step"
	// LabelCutoverGuard marks the health checks the new side's calculated
	// health check combines.
	LabelCutoverGuard = "platform.payments.io/cutover-guard"
)

// Labels every composed resource carries. LabelResource is what selectors
// match on (together with matchControllerRef), so a tier finds another tier's
// resource by its composition-resource name and nothing else.
const (
	LabelResource = "platform.payments.io/resource"
	LabelSuffix   = "platform.payments.io/environment-suffix"
	// AnnotationExternalName is Crossplane's external-name annotation.
	AnnotationExternalName = "crossplane.io/external-name"
)

// Subnet tiers, in slot order.
const (
	TierPublic = "public"
	TierApp    = "app"
	TierData   = "data"
)

// SubnetTiers lists the tiers in the order their slots are carved.
var SubnetTiers = []string{TierPublic, TierApp, TierData}

// AZ is one availability zone the platform spans.
type AZ struct {
	// Name is the AWS zone name, e.g. us-east-2a: the claim's, or derived
	// from the region, or (with zone IDs) the one AWS reports for the
	// zone's subnets once they exist.
	Name string
	// ID is the zone ID the claim pins (e.g. use2-az1), if any.
	ID string
	// Key is the stable short key used in composition-resource names: a, b,
	// c by position, whatever the zone is called.
	Key string
}

// Composition-resource names of the network tier that other tiers and the
// status read.
const (
	ResVPC = resource.Name("vpc")
	ResIGW = resource.Name("igw")
)

// LabelSubnetTier marks subnets by tier so subnet groups select them all.
const LabelSubnetTier = "platform.payments.io/subnet-tier"

// SubnetName is the composition-resource name of a tier's subnet in an AZ.
func SubnetName(tier string, az AZ) resource.Name {
	return resource.Name("subnet-" + tier + "-" + az.Key)
}

// NATName is the composition-resource name of the NAT gateway in an AZ.
func NATName(az AZ) resource.Name { return resource.Name("nat-" + az.Key) }

// NATEIPName is the composition-resource name of a NAT gateway's EIP.
func NATEIPName(az AZ) resource.Name { return resource.Name("nat-eip-" + az.Key) }

// Composition-resource names of the flow-log part of the network tier.
const (
	ResFlowLogGroup  = resource.Name("flowlogs-log-group")
	ResFlowLogRole   = resource.Name("flowlogs-role")
	ResFlowLogPolicy = resource.Name("flowlogs-policy")
	ResFlowLog       = resource.Name("flowlog")
)

// Composition-resource names of the on-prem connectivity (network tier):
// the transit gateway attachment, or the VPN's gateways and connection;
// the Route 53 Resolver outbound endpoint, its rule and the rule's
// association (AWS names payment-resolver-outbound-<suffix>, ...).
const (
	ResTGWAttachment           = resource.Name("tgw-attachment")
	ResVPNGateway              = resource.Name("vpn-gateway")
	ResCustomerGateway         = resource.Name("customer-gateway")
	ResVPNConnection           = resource.Name("vpn")
	ResResolverEndpoint        = resource.Name("resolver-outbound")
	ResResolverRule            = resource.Name("resolver-rule")
	ResResolverRuleAssociation = resource.Name("resolver-rule-association")
	ResSGResolver              = resource.Name("sg-resolver")
	// ResRouteTableData is the data subnets' route table.
	ResRouteTableData = resource.Name("rt-data")
)

// AppRouteTableName is an AZ's app route table.
func AppRouteTableName(az AZ) resource.Name { return resource.Name("rt-app-" + az.Key) }

// Composition-resource names of the monitoring tier. ResAlarmsTopic gives
// the topic its AWS name payment-alarms-<suffix>; the dashboard is named
// payment-migration-<suffix> through its external name.
const (
	ResAlarmsTopic = resource.Name("alarms")
	ResDashboard   = resource.Name("dashboard")
)

// Composition-resource names of the migration tier. ResDMSInstance and
// ResMigrationTask give the AWS names payment-dms-<suffix> and
// payment-migration-<suffix>.
const (
	ResDMSSubnetGroup     = resource.Name("dms-subnet-group")
	ResDMSInstance        = resource.Name("dms")
	ResDMSSourceEndpoint  = resource.Name("dms-source-endpoint")
	ResDMSTargetEndpoint  = resource.Name("dms-target-endpoint")
	ResMigrationTask      = resource.Name("migration")
	ResDMSSecretsRole     = resource.Name("dms-secrets-role")
	ResDMSSecretsPolicy   = resource.Name("dms-secrets-policy")
	ResDMSVPCRole         = resource.Name("dms-vpc-role")
	ResDMSVPCRolePolicy   = resource.Name("dms-vpc-role-policy")
	ResDMSLogsRole        = resource.Name("dms-cloudwatch-logs-role")
	ResDMSLogsRolePolicy  = resource.Name("dms-cloudwatch-logs-role-policy")
	ResDMSTaskLogGroup    = resource.Name("dms-task-log-group")
	ResSGRuleDMSOutSource = resource.Name("sgr-dms-out-source")
	migrationUsagePrefix  = "usage-dms-"

	// The source's CA, imported as a DMS certificate (verify-ca/full).
	ResDMSSourceCA = resource.Name("dms-source-ca")

	// DMS's own Aurora user: its secret, the rotation Lambda that creates
	// and rotates it (AWS name payment-dms-user-rotator-<suffix>) and the
	// rotation.
	ResDMSUserSecret     = resource.Name("dms-user-secret")
	ResDMSUserRotator    = resource.Name("dms-user-rotator")
	ResDMSUserLogGroup   = resource.Name("dms-user-rotator-log-group")
	ResDMSUserRole       = resource.Name("dms-user-rotator-role")
	ResDMSUserPolicy     = resource.Name("dms-user-rotator-policy")
	ResDMSUserPermission = resource.Name("dms-user-rotator-permission")
	ResDMSUserRotation   = resource.Name("dms-user-rotation")
	dmsUserTimeout       = 60
	dmsUserMemoryMB      = 256
)

// DMSAccountRole is an IAM role AWS DMS looks up by its exact name, one per
// account, with the AWS managed policy it needs.
type DMSAccountRole struct {
	Role, Attachment resource.Name
	// Name is the role's name in AWS; Policy the managed policy's path.
	Name, Policy string
}

// DMSAccountRoles are the roles DMS requires in the account (DMS user
// guide, "Creating the IAM roles to use with AWS DMS": dms-vpc-role with
// AmazonDMSVPCManagementRole, dms-cloudwatch-logs-role with
// AmazonDMSCloudWatchLogsRole).
var DMSAccountRoles = []DMSAccountRole{
	{Role: ResDMSVPCRole, Attachment: ResDMSVPCRolePolicy, Name: "dms-vpc-role", Policy: "service-role/AmazonDMSVPCManagementRole"},
	{Role: ResDMSLogsRole, Attachment: ResDMSLogsRolePolicy, Name: "dms-cloudwatch-logs-role", Policy: "service-role/AmazonDMSCloudWatchLogsRole"},
}

// IsMigrationResource reports whether a composition-resource name belongs
// to the migration tier: turning migration off removes exactly these.
func IsMigrationResource(n resource.Name) bool {
	s := string(n)
	return n == ResMigrationTask || n == ResDMSInstance || n == ResSGRuleDMSOutSource ||
		strings.HasPrefix(s, "dms-") || strings.HasPrefix(s, migrationUsagePrefix)
}

// AnnotationRemove lists composition-resource names (comma separated) the
// user allows the platform to delete after a spec edit stopped wanting them.
const AnnotationRemove = "platform.payments.io/allow-removal"

// Composition-resource names of the encryption tier.
const (
	ResKMSKey   = resource.Name("kms-key")
	ResKMSAlias = resource.Name("kms-alias")
)

// Composition-resource names of the edge tier. ResALB and ResWAF give the
// AWS names payment-alb-<suffix> and payment-waf-<suffix>.
const (
	ResALB               = resource.Name("alb")
	ResAPITargetGroup    = resource.Name("api-tg")
	ResAPIPermissionALB  = resource.Name("api-permission-alb")
	ResAPITGAttachment   = resource.Name("api-tg-attachment")
	ResListenerHTTPS     = resource.Name("listener-https")
	ResListenerHTTP      = resource.Name("listener-http")
	ResCertificate       = resource.Name("certificate")
	ResCertValidationRec = resource.Name("certificate-validation-record")
	ResCertValidation    = resource.Name("certificate-validation")
	ResWAF               = resource.Name("waf")
	ResWAFAssociation    = resource.Name("waf-association")
)

// Composition-resource names of the database tier.
const (
	ResDBSubnetGroup    = resource.Name("db-subnet-group")
	ResDBClusterParams  = resource.Name("db-cluster-params")
	ResAurora           = resource.Name("aurora")
	ResDBLogGroup       = resource.Name("db-log-group")
	ResDBSecretRotation = resource.Name("db-secret-rotation")
)

// Database facts other tiers and the status read.
const (
	AuroraEngine = "aurora-postgresql"
	// TargetAfterConnectScript runs in every DMS session on Aurora.
	TargetAfterConnectScript = "SET session_replication_role = 'replica'"
	SecretRotationDays       = 30
	PerformanceInsights      = 7 // days, the free tier
)

// AuroraInstanceName is the composition-resource name of the cluster
// instance in an AZ.
func AuroraInstanceName(az AZ) resource.Name { return resource.Name("aurora-instance-" + az.Key) }

// Composition-resource names of the compute tier. ResAPI gives the function
// its AWS name payment-api-<suffix>.
const (
	ResAPI              = resource.Name("api")
	ResAPIAlias         = resource.Name("api-alias")
	ResAPILogGroup      = resource.Name("api-log-group")
	ResAPIRole          = resource.Name("api-role")
	ResAPIPolicy        = resource.Name("api-policy")
	ResAPIScalingTarget = resource.Name("api-scaling-target")
	ResAPIScalingPolicy = resource.Name("api-scaling-policy")
	// AliasLive is the alias the ALB invokes and provisioned concurrency
	// warms.
	AliasLive = "live"
)

// Composition-resource names of the migration Lambdas. ResValidation and
// ResRollback give the AWS names payment-validation-<suffix> and
// payment-rollback-<suffix>.
const (
	ResValidation         = resource.Name("validation")
	ResValidationLogGroup = resource.Name("validation-log-group")
	ResValidationRole     = resource.Name("validation-role")
	ResValidationPolicy   = resource.Name("validation-policy")
	// ResValidationRun prefixes the validation runs (ValidationRunName).
	ResValidationRun       = resource.Name("validation-run")
	ResRollback            = resource.Name("rollback")
	ResRollbackLogGroup    = resource.Name("rollback-log-group")
	ResRollbackRole        = resource.Name("rollback-role")
	ResRollbackPolicy      = resource.Name("rollback-policy")
	ResSGRuleAppOutSource  = resource.Name("sgr-app-out-source")
	validationTimeout      = 300
	validationMemoryMB     = 256
	rollbackTimeout        = 60
	rollbackMemoryMB       = 128
	annotationValidateStep = "platform.payments.io/validates-step"
)

// ValidationRunName is the validation run of a step and attempt.
func ValidationRunName(step, attempt int) resource.Name {
	return resource.Name(fmt.Sprintf("%s-%d-%d", ResValidationRun, step, attempt))
}

// IsLambdaResource reports whether a composition-resource name belongs to
// the migration Lambdas: removing spec.lambdas removes exactly these.
func IsLambdaResource(n resource.Name) bool {
	s := string(n)
	return n == ResSGRuleAppOutSource || n == ResValidation || n == ResRollback ||
		strings.HasPrefix(s, "validation-") || strings.HasPrefix(s, "rollback-")
}

// Condition types the platform sets on the XR and the claim (Crossplane owns
// Ready and Synced).
const (
	// ConditionResources is True when every composed resource is Ready and
	// Synced; its message names those that are not.
	ConditionResources = "ResourcesReady"
	// ConditionProtected is True when observed resources the spec no longer
	// wants are being kept instead of deleted.
	ConditionProtected = "ResourcesProtected"
	// ConditionCutoverReady says whether the next cutover step can be
	// taken, and why not.
	ConditionCutoverReady = "CutoverReady"
	// ConditionMigrationHealthy reflects the DMS task.
	ConditionMigrationHealthy = "MigrationHealthy"
)

// Security group of the VPC endpoints.
const ResSGEndpoints = resource.Name("sg-endpoints")

// EndpointName is the composition-resource name of the VPC endpoint of an
// AWS service (its associations add -sg, -subnet-<az>, -rt-app-<az>).
func EndpointName(service string) resource.Name { return resource.Name("vpce-" + service) }

// cidrKey spells a CIDR for a name: 192.168.0.0/16 -> 192-168-0-0-16.
func cidrKey(cidr string) string {
	return strings.NewReplacer(".", "-", "/", "-").Replace(cidr)
}
