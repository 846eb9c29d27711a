package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// XPaymentPlatform is one payment system's landing zone on AWS: network,
// security, database, migration, edge, cutover and monitoring, composed from
// one claim.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,categories={crossplane,composite,payments}
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="READY",type="string",JSONPath=".status.conditions[?(@.type=='Ready')].status"
// +kubebuilder:printcolumn:name="SYNCED",type="string",JSONPath=".status.conditions[?(@.type=='Synced')].status"
// +kubebuilder:printcolumn:name="ENVIRONMENT",type="string",JSONPath=".spec.environment"
// +kubebuilder:printcolumn:name="SUFFIX",type="string",JSONPath=".spec.environmentSuffix"
// +kubebuilder:printcolumn:name="PHASE",type="string",JSONPath=".status.phase"
// +kubebuilder:printcolumn:name="RESOURCES",type="string",JSONPath=".status.resourcesReady",priority=1
// +kubebuilder:printcolumn:name="AGE",type="date",JSONPath=".metadata.creationTimestamp"
type XPaymentPlatform struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   XPaymentPlatformSpec   `json:"spec"`
	Status XPaymentPlatformStatus `json:"status,omitempty"`
}

// Environment is the stage a platform serves.
// +kubebuilder:validation:Enum=dev;staging;prod
type Environment string

// Environments.
const (
	EnvironmentDev     Environment = "dev"
	EnvironmentStaging Environment = "staging"
	EnvironmentProd    Environment = "prod"
)

// XPaymentPlatformSpec is what an app team asks for.
//
// +kubebuilder:validation:XValidation:rule="self.environment != 'prod' || !has(self.network) || !has(self.network.natMode) || self.network.natMode == 'PerAZ'",message="spec.network.natMode: prod needs one NAT gateway per availability zone (PerAZ); Single is only allowed in dev and staging"
// +kubebuilder:validation:XValidation:rule="self.environment != 'prod' || !has(self.network) || !has(self.network.flowLogRetentionDays) || self.network.flowLogRetentionDays >= 365",message="spec.network.flowLogRetentionDays: prod keeps flow logs at least 365 days (PCI DSS 10.5.1)"
// +kubebuilder:validation:XValidation:rule="self.environmentSuffix == oldSelf.environmentSuffix",message="spec.environmentSuffix is immutable: every AWS name is derived from it"
// +kubebuilder:validation:XValidation:rule="self.region == oldSelf.region",message="spec.region is immutable: moving a platform to another region means a new platform"
// +kubebuilder:validation:XValidation:rule="!has(self.ingress) || has(self.api)",message="spec.ingress needs spec.api: the ALB serves the payment API"
// +kubebuilder:validation:XValidation:rule="!has(self.migration) || (has(self.migration.enabled) && !self.migration.enabled) || !isCIDR((has(self.migration.source.cidr) ? self.migration.source.cidr : self.migration.source.host + '/32')) || !(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'].exists(r, cidr(r).containsCIDR((has(self.migration.source.cidr) ? self.migration.source.cidr : self.migration.source.host + '/32')))) || (has(self.network) && has(self.network.onPremises) && self.network.onPremises.cidrs.exists(c, isCIDR(c) && cidr(c).containsCIDR((has(self.migration.source.cidr) ? self.migration.source.cidr : self.migration.source.host + '/32'))))",message="spec.network.onPremises: the migration source's network (spec.migration.source.cidr) is private: list it in spec.network.onPremises.cidrs, reached through a transit gateway or VPN, or DMS cannot reach it"
// +kubebuilder:validation:XValidation:rule="!has(self.migration) || (has(self.migration.enabled) && !self.migration.enabled) || isIP(self.migration.source.host) || !isCIDR((has(self.migration.source.cidr) ? self.migration.source.cidr : self.migration.source.host + '/32')) || !(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'].exists(r, cidr(r).containsCIDR((has(self.migration.source.cidr) ? self.migration.source.cidr : self.migration.source.host + '/32')))) || (has(self.network) && has(self.network.onPremises) && has(self.network.onPremises.dns) && (self.migration.source.host == self.network.onPremises.dns.domain || self.migration.source.host.endsWith('.' + self.network.onPremises.dns.domain)))",message="spec.network.onPremises.dns: the migration source is a hostname in a private network: forward its domain to the on-prem DNS servers (spec.network.onPremises.dns.domain must contain spec.migration.source.host)"
// +kubebuilder:validation:XValidation:rule="!(self.region in ['us-west-1']) || !has(self.network) || !has(self.network.availabilityZones) || self.network.availabilityZones <= 2 || (has(self.network.availabilityZoneNames) && size(self.network.availabilityZoneNames) > 0) || (has(self.network.availabilityZoneIds) && size(self.network.availabilityZoneIds) > 0)",message="spec.network.availabilityZones: most accounts see only 2 zones in this region (us-west-1: usw1-az1 and usw1-az3); use 2, or list the zones your account has in spec.network.availabilityZoneIds"
// +kubebuilder:validation:XValidation:rule="!has(self.network) || !has(self.network.availabilityZoneNames) || size(self.network.availabilityZoneNames) == 0 || !has(self.network.availabilityZoneIds) || size(self.network.availabilityZoneIds) == 0",message="spec.network: give availabilityZoneNames or availabilityZoneIds, not both"
// +kubebuilder:validation:XValidation:rule="!has(self.network) || !has(self.network.availabilityZoneIds) || size(self.network.availabilityZoneIds) == 0 || size(self.network.availabilityZoneIds) == (has(self.network.availabilityZones) ? self.network.availabilityZones : 3)",message="spec.network.availabilityZoneIds must list exactly spec.network.availabilityZones zone IDs"
// +kubebuilder:validation:XValidation:rule="!has(self.migration) || (has(self.migration.enabled) && !self.migration.enabled) || has(self.lambdas)",message="spec.lambdas is required while spec.migration is enabled: DMS logs in to Aurora as its own user, created and rotated by the dmsuser Lambda from the published zips"
// +kubebuilder:validation:XValidation:rule="!has(self.cutover) || has(self.ingress)",message="spec.cutover needs spec.ingress: the new side of the cutover is the ALB"
// +kubebuilder:validation:XValidation:rule="!has(self.cutover) || !has(self.ingress) || self.ingress.domainName.endsWith('.' + self.cutover.zoneName)",message="spec.ingress.domainName must be inside spec.cutover.zoneName"
// +kubebuilder:validation:XValidation:rule="!has(self.database) || !has(self.database.instances) || !has(self.network) || !has(self.network.availabilityZones) || self.database.instances <= self.network.availabilityZones",message="spec.database.instances: at most one instance per availability zone (spec.network.availabilityZones)"
// +kubebuilder:validation:XValidation:rule="!has(self.network) || !has(self.network.availabilityZoneNames) || self.network.availabilityZoneNames.all(z, z.startsWith(self.region))",message="spec.network.availabilityZoneNames: every zone must be in spec.region",fieldPath=".network.availabilityZoneNames"
// +kubebuilder:validation:XValidation:rule="self.environment != 'prod' || !has(self.migration) || !has(self.migration.replicationInstanceClass) || !self.migration.replicationInstanceClass.startsWith('dms.t3.')",message="spec.migration.replicationInstanceClass: burstable dms.t3 classes run out of CPU credits during a full load; use dms.r5.large or larger in prod",fieldPath=".migration.replicationInstanceClass"
// +kubebuilder:validation:XValidation:rule="!has(self.ingress) || !has(self.ingress.certificateArn) || self.ingress.certificateArn.contains(':' + self.region + ':')",message="spec.ingress.certificateArn must be in spec.region (the ALB uses it)",fieldPath=".ingress.certificateArn"
// +kubebuilder:validation:XValidation:rule="!has(self.ingress) || !has(self.ingress.createCertificate) || !self.ingress.createCertificate || has(self.cutover)",message="spec.ingress.createCertificate needs spec.cutover: the certificate is validated by DNS in the cutover zone",fieldPath=".ingress.createCertificate"
// +kubebuilder:validation:XValidation:rule="!has(self.cutover) || !has(self.ingress) || self.cutover.oldSystem.hostname.lowerAscii() != self.ingress.domainName.lowerAscii()",message="spec.cutover.oldSystem.hostname must differ from spec.ingress.domainName (the record would point at itself)",fieldPath=".cutover.oldSystem.hostname"
type XPaymentPlatformSpec struct {
	// EnvironmentSuffix makes every AWS name unique: resources are named
	// payment-<thing>-<environmentSuffix>. A DNS label of 1 to 20 lower-case
	// letters, digits and hyphens. Immutable.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=20
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	EnvironmentSuffix string `json:"environmentSuffix"`

	// Region is the AWS region every resource is created in. Immutable.
	// +kubebuilder:default="us-east-2"
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern=`^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$`
	// +optional
	Region string `json:"region,omitempty"`

	// Environment drives the defaults that differ between stages: deletion
	// protection, NAT gateway count, backup retention, Multi-AZ.
	// +kubebuilder:default="dev"
	// +optional
	Environment Environment `json:"environment,omitempty"`

	// Team owns the platform; written to the mandatory Team tag.
	// +kubebuilder:default="payments"
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	// +kubebuilder:validation:Pattern=`^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$`
	// +optional
	Team string `json:"team,omitempty"`

	// CostCenter is charged for the platform; written to the mandatory
	// CostCenter tag.
	// +kubebuilder:default="payments-migration"
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	// +kubebuilder:validation:Pattern=`^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$`
	// +optional
	CostCenter string `json:"costCenter,omitempty"`

	// Tags are added to every AWS resource, on top of the mandatory tags
	// Environment, Project=payment-migration, Team, CostCenter and
	// ManagedBy=crossplane. The mandatory keys cannot be overridden here
	// (set spec.team and spec.costCenter instead); keys may not start with
	// "aws:". At most 40 tags.
	// +kubebuilder:validation:MaxProperties=40
	// +kubebuilder:validation:XValidation:rule=`self.all(k, size(k) >= 1 && size(k) <= 128 && !k.lowerAscii().startsWith('aws:') && k.matches(r'^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$'))`,message="spec.tags: keys are 1-128 characters of letters, digits, spaces and _.:/=+-@ and may not start with aws: (in any case)"
	// +kubebuilder:validation:XValidation:rule="self.all(k, !(k in ['Environment', 'Project', 'Team', 'CostCenter', 'ManagedBy']))",message="spec.tags: Environment, Project, Team, CostCenter and ManagedBy are set by the platform; use spec.team and spec.costCenter"
	// +kubebuilder:validation:XValidation:rule=`self.all(k, self[k].matches(r'^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$'))`,message="spec.tags: values are at most 256 characters of letters, digits, spaces and _.:/=+-@"
	// +optional
	Tags map[string]TagValue `json:"tags,omitempty"`

	// ProviderConfigName names the provider-aws ProviderConfig (aws.upbound.io, the
	// AWS account and credentials) every managed resource uses.
	// +kubebuilder:default="default"
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +optional
	ProviderConfigName string `json:"providerConfigName,omitempty"`

	// Network is the VPC layout.
	// +kubebuilder:default={}
	// +optional
	Network NetworkSpec `json:"network,omitempty"`

	// Database is the Aurora PostgreSQL Serverless v2 cluster the payment
	// system moves to.
	// +kubebuilder:default={}
	// +optional
	Database DatabaseSpec `json:"database,omitempty"`

	// Migration replicates the on-prem PostgreSQL database into Aurora with
	// DMS (full load, then change data capture) until cutover.
	// +optional
	Migration *MigrationSpec `json:"migration,omitempty"`

	// API is the payment API on Lambda.
	// +optional
	API *APISpec `json:"api,omitempty"`

	// Ingress is the public HTTPS entry to the API: ALB, certificate, WAF.
	// +optional
	Ingress *IngressSpec `json:"ingress,omitempty"`

	// Cutover moves traffic from the old system with Route 53 weights.
	// +optional
	Cutover *CutoverSpec `json:"cutover,omitempty"`

	// Lambdas are the migration validator, the rollback trigger and the
	// rotation of DMS's own Aurora user; required while migration is
	// enabled.
	// +optional
	Lambdas *LambdasSpec `json:"lambdas,omitempty"`

	// Monitoring is alerting, log retention and the cost budget.
	// +kubebuilder:default={}
	// +optional
	Monitoring MonitoringSpec `json:"monitoring,omitempty"`

	// zeros are the fields a spec decoded from JSON set explicitly to their
	// zero value ("", 0 or an empty list; see UnmarshalJSON). Default leaves
	// them alone and Validate checks them, as the API server does: for it,
	// a field given a zero value is present, not absent.
	zeros fieldSet `json:"-"`
}

// TagValue is the value of a user tag: at most 256 characters. An alias of
// string, so Tags stays a map[string]string; the XRD's maxLength on the
// values also bounds the estimated cost of the CEL rule on their characters.
// +kubebuilder:validation:MaxLength=256
type TagValue = string

// NATMode says how many NAT gateways the VPC gets.
// +kubebuilder:validation:Enum=PerAZ;Single
type NATMode string

// NAT modes.
const (
	NATPerAZ  NATMode = "PerAZ"
	NATSingle NATMode = "Single"
)

// NetworkSpec is the VPC: availability zones × (public, app, data) subnets.
//
// +kubebuilder:validation:XValidation:rule="!has(self.availabilityZoneNames) || size(self.availabilityZoneNames) == 0 || size(self.availabilityZoneNames) == self.availabilityZones",message="spec.network.availabilityZoneNames must list exactly spec.network.availabilityZones names (or none)"
// +kubebuilder:validation:XValidation:rule="!has(self.subnetPrefixLength) || cidr(self.vpcCidr).prefixLength() + 4 <= self.subnetPrefixLength",message="spec.network.subnetPrefixLength: the VPC CIDR must hold 16 subnets of this size (subnet prefix length >= VPC prefix length + 4)"
// +kubebuilder:validation:XValidation:rule="!has(self.onPremises) || !has(self.vpcCidr) || !isCIDR(self.vpcCidr) || self.onPremises.cidrs.all(c, !isCIDR(c) || (!cidr(c).containsIP(cidr(self.vpcCidr).ip()) && !cidr(self.vpcCidr).containsIP(cidr(c).ip())))",message="spec.network.onPremises.cidrs must not overlap spec.network.vpcCidr: the VPC would route them locally"
type NetworkSpec struct {
	// VPCCIDR is the IPv4 block of the VPC, /16 to /24. Subnets are carved
	// from it deterministically: public subnets in slots 0-2, app subnets in
	// slots 4-6, data subnets in slots 8-10 of 16 equal slots.
	// +kubebuilder:default="10.0.0.0/16"
	// +kubebuilder:validation:MaxLength=18
	// +kubebuilder:validation:XValidation:rule="isCIDR(self) && cidr(self).ip().family() == 4 && cidr(self).prefixLength() >= 16 && cidr(self).prefixLength() <= 24 && cidr(self) == cidr(self).masked()",message="spec.network.vpcCidr must be an IPv4 CIDR from /16 to /24 without host bits, for example 10.0.0.0/16"
	// +optional
	VPCCIDR string `json:"vpcCidr,omitempty"`

	// AvailabilityZones is how many AZs the VPC spans: 2 or 3 (3 for
	// production payment workloads).
	// +kubebuilder:default=3
	// +kubebuilder:validation:Minimum=2
	// +kubebuilder:validation:Maximum=3
	// +optional
	AvailabilityZones int `json:"availabilityZones,omitempty"`

	// AvailabilityZoneNames pins the AZs by name (e.g. us-east-2a). When
	// neither names nor IDs are given the first availabilityZones AZs of the
	// region (a, b, c) are used; in a region where accounts see fewer zones
	// (us-west-1: two) that needs availabilityZones at most that many.
	// +kubebuilder:validation:MaxItems=3
	// +kubebuilder:validation:items:Pattern=`^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9][a-z]$`
	// +kubebuilder:validation:items:MaxLength=32
	// +kubebuilder:validation:XValidation:rule="self.all(x, self.exists_one(y, y == x))",message="spec.network.availabilityZoneNames must not repeat a zone"
	// +optional
	AvailabilityZoneNames []string `json:"availabilityZoneNames,omitempty"`

	// AvailabilityZoneIDs pins the AZs by ID (e.g. use2-az1), the same
	// physical zone in every account (a zone's letter differs between
	// accounts): the subnets are created by ID, and the Aurora instances in
	// the zone name AWS reports for them. Not with availabilityZoneNames.
	// +kubebuilder:validation:MaxItems=3
	// +kubebuilder:validation:items:Pattern=`^[a-z]{2,6}[0-9]-az[0-9]{1,2}$`
	// +kubebuilder:validation:items:MaxLength=16
	// +kubebuilder:validation:XValidation:rule="self.all(x, self.exists_one(y, y == x))",message="spec.network.availabilityZoneIds must not repeat a zone"
	// +optional
	AvailabilityZoneIDs []string `json:"availabilityZoneIds,omitempty"`

	// OnPremises connects the VPC to the on-prem network (transit gateway
	// or site-to-site VPN, routes, DNS forwarding). Required when the
	// migration source is in a private network.
	// +optional
	OnPremises *OnPremisesSpec `json:"onPremises,omitempty"`

	// SubnetPrefixLength is the size of every subnet. Defaults to the VPC
	// prefix length + 4 (a /20 in a /16), at most /28.
	// +kubebuilder:validation:Minimum=20
	// +kubebuilder:validation:Maximum=28
	// +optional
	SubnetPrefixLength int `json:"subnetPrefixLength,omitempty"`

	// NATMode is PerAZ (one NAT gateway per AZ, survives an AZ outage) or
	// Single (one NAT gateway, cheaper). Defaults to PerAZ in staging and
	// prod and Single in dev; prod must be PerAZ.
	// +optional
	NATMode NATMode `json:"natMode,omitempty"`

	// FlowLogRetentionDays keeps VPC flow logs (ALL traffic) this long.
	// +kubebuilder:default=365
	// +kubebuilder:validation:Enum=1;3;5;7;14;30;60;90;120;150;180;365;400;545;731;1096;1827;2192;2557;2922;3288;3653
	// +optional
	FlowLogRetentionDays int `json:"flowLogRetentionDays,omitempty"`
}

// Phase summarises where the platform is.
type Phase string

// Phases.
const (
	PhaseProvisioning Phase = "Provisioning"
	PhaseReady        Phase = "Ready"
	PhaseInvalid      Phase = "Invalid"
)

// XPaymentPlatformStatus is what the platform reports back. Values appear as
// the composed resources report them.
type XPaymentPlatformStatus struct {
	// Phase is Provisioning until every composed resource is Ready, then
	// Ready.
	// +optional
	Phase Phase `json:"phase,omitempty"`

	// ResourcesReady counts ready composed resources, as "ready/total".
	// +optional
	ResourcesReady string `json:"resourcesReady,omitempty"`

	// UnreadyResources lists the composition resource names not yet ready.
	// +optional
	UnreadyResources []string `json:"unreadyResources,omitempty"`

	// VPCID is the VPC's ID.
	// +optional
	VPCID string `json:"vpcId,omitempty"`

	// Subnets are the subnet IDs per tier, in AZ order.
	// +optional
	Subnets *SubnetStatus `json:"subnets,omitempty"`

	// SecurityGroups are the security group IDs every tier uses.
	// +optional
	SecurityGroups *SecurityGroupStatus `json:"securityGroups,omitempty"`

	// KMSKeyARN is the platform customer-managed KMS key.
	// +optional
	KMSKeyARN string `json:"kmsKeyArn,omitempty"`

	// NATGatewayIPs are the public IPs of the NAT gateways (allow-list
	// them on the on-prem firewall).
	// +optional
	NATGatewayIPs []string `json:"natGatewayIps,omitempty"`

	// AvailabilityZones are the AZs the VPC spans.
	// +optional
	AvailabilityZones []string `json:"availabilityZones,omitempty"`

	// DBClusterEndpoint is the Aurora writer endpoint.
	// +optional
	DBClusterEndpoint string `json:"dbClusterEndpoint,omitempty"`

	// DBReaderEndpoint is the Aurora reader endpoint.
	// +optional
	DBReaderEndpoint string `json:"dbReaderEndpoint,omitempty"`

	// DBClusterARN is the Aurora cluster ARN (the RDS Data API resource).
	// +optional
	DBClusterARN string `json:"dbClusterArn,omitempty"`

	// DBSecretARN is the ARN of the RDS-managed master user secret (never
	// its value).
	// +optional
	DBSecretARN string `json:"dbSecretArn,omitempty"`

	// DBEngine is the Aurora PostgreSQL version running and the dates its
	// major leaves standard support and RDS Extended Support charges start.
	// +optional
	DBEngine *EngineStatus `json:"dbEngine,omitempty"`

	// OnPremises is how the VPC reaches the on-prem network.
	// +optional
	OnPremises *OnPremisesStatus `json:"onPremises,omitempty"`

	// DMSReplicationTaskARN is the DMS full-load-and-CDC task.
	// +optional
	DMSReplicationTaskARN string `json:"dmsReplicationTaskArn,omitempty"`

	// Migration is the replication state read from DMS.
	// +optional
	Migration *MigrationStatus `json:"migration,omitempty"`

	// ALBDNSName is the load balancer's DNS name.
	// +optional
	ALBDNSName string `json:"albDnsName,omitempty"`
	// ALBZoneID is the load balancer's canonical hosted zone.
	// +optional
	ALBZoneID string `json:"albZoneId,omitempty"`
	// APIFunctionName is the payment API Lambda function.
	// +optional
	APIFunctionName string `json:"apiFunctionName,omitempty"`
	// LambdaFunctionName is APIFunctionName (the name the seed design used).
	// +optional
	LambdaFunctionName string `json:"lambdaFunctionName,omitempty"`
	// APIFunctionARN is the function's ARN.
	// +optional
	APIFunctionARN string `json:"apiFunctionArn,omitempty"`
	// WAFWebACLARN is the web ACL protecting the ALB.
	// +optional
	WAFWebACLARN string `json:"wafWebAclArn,omitempty"`
	// HostedZoneID is the cutover zone.
	// +optional
	HostedZoneID string `json:"hostedZoneId,omitempty"`
	// NameServers of the created zone, to delegate it.
	// +optional
	NameServers []string `json:"nameServers,omitempty"`
	// Cutover is where traffic is.
	// +optional
	Cutover *CutoverStatus `json:"cutover,omitempty"`

	// DashboardURL opens the CloudWatch dashboard of the migration.
	// +optional
	DashboardURL string `json:"dashboardUrl,omitempty"`
	// SNSTopicARN receives every alarm.
	// +optional
	SNSTopicARN string `json:"snsTopicArn,omitempty"`
	// Validation is the last migration validation and its result.
	// +optional
	Validation *ValidationStatus `json:"validation,omitempty"`

	// EstimatedMonthlyCostUSD of what the claim creates.
	// +optional
	EstimatedMonthlyCostUSD *CostEstimate `json:"estimatedMonthlyCostUsd,omitempty"`
}

// CutoverStatus is the state of the cutover.
type CutoverStatus struct {
	// Step in force (the percentage on AWS).
	Step int `json:"step"`
	// RequestedStep is spec.cutover.step; it differs from Step while a move
	// forward is held back.
	RequestedStep int `json:"requestedStep"`
	// Rollback is true while all traffic is sent back.
	// +optional
	Rollback bool `json:"rollback,omitempty"`
	// Weights of the two weighted records.
	Weights CutoverWeights `json:"weights"`
	// FailbackBoundSeconds is the worst-case time from the AWS side turning
	// unhealthy to clients resolving the old system: the slower of the ALB
	// health check and the guard alarms, plus the TTL (failbackTerms).
	FailbackBoundSeconds int `json:"failbackBoundSeconds"`
	// FailbackTerms are the bound's terms, each with its documented value.
	// +optional
	FailbackTerms []string `json:"failbackTerms,omitempty"`
	// FailbackNotCovered are the delays AWS documents no figure for, which
	// the bound leaves out.
	// +optional
	FailbackNotCovered []string `json:"failbackNotCovered,omitempty"`
	// Message says why a move is held back, or what is next.
	// +optional
	Message string `json:"message,omitempty"`
}

// CutoverWeights are Route 53 weights (0-255).
type CutoverWeights struct {
	// Old is the weight of the old system's record.
	Old int `json:"old"`
	// New is the weight of the ALB's record.
	New int `json:"new"`
}

// MigrationStatus is the DMS replication state.
type MigrationStatus struct {
	// Enabled says whether the claim asks for replication.
	// +optional
	Enabled bool `json:"enabled,omitempty"`
	// TaskStatus is the DMS task status (creating, ready, starting,
	// running, stopped, failed, ...).
	// +optional
	TaskStatus string `json:"taskStatus,omitempty"`
	// Phase is Provisioning, FullLoad (running, CDC not yet started is not
	// reported separately by the provider), Replicating, Stopped or Failed.
	// +optional
	Phase string `json:"phase,omitempty"`
	// Message explains the phase.
	// +optional
	Message string `json:"message,omitempty"`
}

// SubnetStatus holds subnet IDs per tier.
type SubnetStatus struct {
	// Public subnets host the ALB and NAT gateways.
	// +optional
	Public []string `json:"public,omitempty"`
	// App subnets host the Lambda functions and DMS.
	// +optional
	App []string `json:"app,omitempty"`
	// Data subnets host Aurora.
	// +optional
	Data []string `json:"data,omitempty"`
}

// SecurityGroupStatus holds security group IDs per role.
type SecurityGroupStatus struct {
	// ALB accepts 80/443 from the internet.
	// +optional
	ALB string `json:"alb,omitempty"`
	// App is the payment API and validation Lambdas.
	// +optional
	App string `json:"app,omitempty"`
	// Database is Aurora.
	// +optional
	Database string `json:"database,omitempty"`
	// DMS is the replication instance.
	// +optional
	DMS string `json:"dms,omitempty"`
}
