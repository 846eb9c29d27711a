package v1alpha1

// APISpec is the payment API: the app team's container image on Lambda.
//
// +kubebuilder:validation:XValidation:rule="!has(self.provisionedConcurrency) || !has(self.reservedConcurrency) || self.provisionedConcurrency.max <= self.reservedConcurrency",message="spec.api.provisionedConcurrency.max must not exceed spec.api.reservedConcurrency"
type APISpec struct {
	// ImageURI is the payment API's container image in ECR
	// (<account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag> or
	// @sha256:<digest>).
	// +kubebuilder:validation:MaxLength=512
	// +kubebuilder:validation:Pattern=`^[0-9]{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/[a-z0-9][a-z0-9._/-]*(:[A-Za-z0-9][A-Za-z0-9._-]{0,127}|@sha256:[a-f0-9]{64})$`
	ImageURI string `json:"imageUri"`

	// MemoryMB of each invocation (more memory also means more CPU).
	// +kubebuilder:default=512
	// +kubebuilder:validation:Minimum=128
	// +kubebuilder:validation:Maximum=10240
	// +optional
	MemoryMB int `json:"memoryMb,omitempty"`

	// TimeoutSeconds of each invocation; the ALB waits at most 60 s.
	// +kubebuilder:default=30
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=60
	// +optional
	TimeoutSeconds int `json:"timeoutSeconds,omitempty"`

	// ReservedConcurrency caps (and guarantees) concurrent executions: 50
	// covers 50k transactions a day (0.6 tx/s average, 5-10 tx/s peak) with
	// room for retries.
	// +kubebuilder:default=50
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000
	// +optional
	ReservedConcurrency int `json:"reservedConcurrency,omitempty"`

	// ProvisionedConcurrency keeps warm instances of the live alias, scaled
	// between min and max on utilization.
	// +kubebuilder:default={}
	// +optional
	ProvisionedConcurrency ProvisionedConcurrency `json:"provisionedConcurrency,omitempty"`

	// HealthCheckPath is the path the ALB and Route 53 health checks call.
	// +kubebuilder:default="/health"
	// +kubebuilder:validation:Pattern=`^/[A-Za-z0-9._~/-]*$`
	// +kubebuilder:validation:MaxLength=255
	// +optional
	HealthCheckPath string `json:"healthCheckPath,omitempty"`

	// Environment variables of the function (not secrets: keys naming a
	// password, secret, token or private key are refused; read those from
	// Secrets Manager).
	// +kubebuilder:validation:MaxProperties=40
	// +kubebuilder:validation:XValidation:rule="self.all(k, k.matches('^[A-Za-z][A-Za-z0-9_]*$'))",message="spec.api.environment: keys must be letters, digits and _ starting with a letter"
	// +kubebuilder:validation:XValidation:rule="self.all(k, !k.upperAscii().matches('(PASSWORD|SECRET|TOKEN|PRIVATE_KEY)'))",message="spec.api.environment: no secrets in environment variables; read them from Secrets Manager"
	// +optional
	Environment map[string]string `json:"environment,omitempty"`
}

// ProvisionedConcurrency is the warm pool of the live alias.
//
// +kubebuilder:validation:XValidation:rule="!has(self.min) || !has(self.max) || self.min <= self.max",message="spec.api.provisionedConcurrency.min must not exceed max"
type ProvisionedConcurrency struct {
	// Min warm instances.
	// +kubebuilder:default=2
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=1000
	// +optional
	Min int `json:"min"`
	// Max warm instances.
	// +kubebuilder:default=10
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000
	// +optional
	Max int `json:"max,omitempty"`
	// TargetUtilization of the provisioned instances that scaling aims for.
	// +kubebuilder:default=0.7
	// +kubebuilder:validation:Minimum=0.1
	// +kubebuilder:validation:Maximum=0.9
	// +kubebuilder:validation:XValidation:rule="self >= 0.1",message="spec.api.provisionedConcurrency.targetUtilization must be at least 0.1"
	// +optional
	TargetUtilization float64 `json:"targetUtilization,omitempty"`
}

// IngressSpec is the public HTTPS entry: ALB, certificate and WAF.
//
// +kubebuilder:validation:XValidation:rule="has(self.certificateArn) != (has(self.createCertificate) && self.createCertificate)",message="spec.ingress: set exactly one of certificateArn and createCertificate: true"
type IngressSpec struct {
	// DomainName clients call, e.g. api.payments.example.com.
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,63}$`
	DomainName string `json:"domainName"`

	// CertificateARN of an existing ACM certificate for domainName.
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:Pattern=`^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[0-9a-f-]+$`
	// +optional
	CertificateARN string `json:"certificateArn,omitempty"`

	// CreateCertificate requests an ACM certificate for domainName,
	// validated by DNS in the cutover hosted zone.
	// +optional
	CreateCertificate bool `json:"createCertificate,omitempty"`

	// TLSPolicy of the HTTPS listener: TLS 1.3 with 1.2 fallback by default.
	// +kubebuilder:default="ELBSecurityPolicy-TLS13-1-2-2021-06"
	// +kubebuilder:validation:Enum=ELBSecurityPolicy-TLS13-1-2-2021-06;ELBSecurityPolicy-TLS13-1-2-Res-2021-06;ELBSecurityPolicy-TLS13-1-3-2021-06;ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04;ELBSecurityPolicy-FS-1-2-Res-2020-10
	// +optional
	TLSPolicy string `json:"tlsPolicy,omitempty"`

	// WAF protects the ALB.
	// +kubebuilder:default={}
	// +optional
	WAF WAFSpec `json:"waf,omitempty"`

	// AccessLogsBucket, when set, receives the ALB's access logs under
	// payment-alb-<suffix>/ (an existing S3 bucket whose policy lets the
	// regional ELB account write).
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`
	// +optional
	AccessLogsBucket string `json:"accessLogsBucket,omitempty"`
}

// WAFSpec configures the web ACL.
type WAFSpec struct {
	// RateLimitPerMinute blocks a client IP above this many requests in a
	// 60-second window.
	// +kubebuilder:default=1000
	// +kubebuilder:validation:Minimum=10
	// +kubebuilder:validation:Maximum=2000000000
	// +optional
	RateLimitPerMinute int `json:"rateLimitPerMinute,omitempty"`
	// SQLInjection adds the AWS managed SQL-injection rule set.
	// +kubebuilder:default=true
	// +optional
	SQLInjection *bool `json:"sqlInjection,omitempty"`
}

// CutoverStep is the share of traffic on AWS, in percent.
// +kubebuilder:validation:Enum=0;10;50;100
type CutoverStep int

// The cutover steps, in order.
var CutoverSteps = []CutoverStep{0, 10, 50, 100}

// CutoverSpec is the Route 53 weighted cutover from the old system.
//
// +kubebuilder:validation:XValidation:rule="has(self.hostedZoneId) != (has(self.createHostedZone) && self.createHostedZone)",message="spec.cutover: set exactly one of hostedZoneId and createHostedZone: true"
type CutoverSpec struct {
	// HostedZoneID of an existing Route 53 zone named zoneName.
	// +kubebuilder:validation:Pattern=`^Z[A-Z0-9]{1,31}$`
	// +optional
	HostedZoneID string `json:"hostedZoneId,omitempty"`

	// CreateHostedZone creates a public zone named zoneName (delegate it:
	// the status lists its name servers).
	// +optional
	CreateHostedZone bool `json:"createHostedZone,omitempty"`

	// ZoneName is the zone's domain; spec.ingress.domainName must be inside
	// it.
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,63}$`
	ZoneName string `json:"zoneName"`

	// OldSystem is the on-prem endpoint traffic moves away from.
	OldSystem OldSystem `json:"oldSystem"`

	// Step is the percentage of traffic on AWS: 0, 10, 50, 100, taken in
	// order. Moving forward waits for the data tier to be Ready and DMS to
	// be replicating; moving back is always allowed.
	// +kubebuilder:default=0
	// +optional
	Step CutoverStep `json:"step"`

	// Rollback sends all traffic to the old system at once, whatever the
	// step.
	// +optional
	Rollback bool `json:"rollback,omitempty"`

	// ValidationAttempt numbers the validation run of the requested step:
	// each step and attempt is its own Lambda invocation, run once. Bump it
	// to validate the same step again (after fixing what a failed
	// validation found).
	// +kubebuilder:default=1
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=999
	// +optional
	ValidationAttempt int `json:"validationAttempt,omitempty"`

	// TTLSeconds of the weighted records: how long resolvers keep an answer.
	// At most 120, so that clients are back on the old system within 5
	// minutes of a failure (status.cutover.failbackTerms).
	// +kubebuilder:default=60
	// +kubebuilder:validation:Minimum=10
	// +kubebuilder:validation:Maximum=120
	// +optional
	TTLSeconds int `json:"ttlSeconds,omitempty"`

	// Guard thresholds: above them the AWS side counts as unhealthy and
	// Route 53 sends traffic back to the old system by itself.
	// +kubebuilder:default={}
	// +optional
	Guard GuardSpec `json:"guard,omitempty"`
}

// OldSystem is the on-prem payment endpoint.
type OldSystem struct {
	// Hostname of the old system (a CNAME target).
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^([A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$`
	Hostname string `json:"hostname"`
	// HealthCheckPath Route 53 calls over HTTPS on the old system.
	// +kubebuilder:default="/health"
	// +kubebuilder:validation:Pattern=`^/[A-Za-z0-9._~/-]*$`
	// +kubebuilder:validation:MaxLength=255
	// +optional
	HealthCheckPath string `json:"healthCheckPath,omitempty"`
	// Port of the old system's HTTPS endpoint.
	// +kubebuilder:default=443
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	// +optional
	Port int `json:"port,omitempty"`
}

// GuardSpec holds the cutover guard's thresholds.
type GuardSpec struct {
	// Target5xxPerMinute is how many 5xx responses of the API a minute make
	// the AWS side unhealthy.
	// +kubebuilder:default=10
	// +kubebuilder:validation:Minimum=1
	// +optional
	Target5xxPerMinute int `json:"target5xxPerMinute,omitempty"`
	// LatencySeconds is the average target response time above which the
	// AWS side is unhealthy.
	// +kubebuilder:default=1
	// +kubebuilder:validation:Minimum=0.1
	// +kubebuilder:validation:Maximum=30
	// +kubebuilder:validation:XValidation:rule="self >= 0.1",message="spec.cutover.guard.latencySeconds must be at least 0.1"
	// +optional
	LatencySeconds float64 `json:"latencySeconds,omitempty"`
}
