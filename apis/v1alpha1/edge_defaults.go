package v1alpha1

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Edge and cutover defaults.
const (
	DefaultTLSPolicy          = "ELBSecurityPolicy-TLS13-1-2-2021-06"
	DefaultHealthCheckPath    = "/health"
	DefaultRateLimitPerMinute = 1000
	DefaultTTLSeconds         = 60
	// MaxTTLSeconds keeps the failback bound (3 minutes of detection plus
	// the TTL) within 5 minutes.
	MaxTTLSeconds = 120
)

// TLSPolicies are the listener policies allowed: TLS 1.2 or newer only.
var TLSPolicies = []string{
	"ELBSecurityPolicy-TLS13-1-2-2021-06", "ELBSecurityPolicy-TLS13-1-2-Res-2021-06", "ELBSecurityPolicy-TLS13-1-3-2021-06",
	"ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04", "ELBSecurityPolicy-FS-1-2-Res-2020-10",
}

func (a *APISpec) defaults(d defaulter) {
	setDefault(d, "memoryMb", &a.MemoryMB, 512)
	setDefault(d, "timeoutSeconds", &a.TimeoutSeconds, 30)
	setDefault(d, "reservedConcurrency", &a.ReservedConcurrency, 50)
	setDefault(d, "healthCheckPath", &a.HealthCheckPath, DefaultHealthCheckPath)
	pc, pd := &a.ProvisionedConcurrency, d.in("provisionedConcurrency")
	setDefault(pd, "min", &pc.Min, 2)
	setDefault(pd, "max", &pc.Max, 10)
	setDefault(pd, "targetUtilization", &pc.TargetUtilization, 0.7)
}

func (i *IngressSpec) defaults(d defaulter) {
	setDefault(d, "tlsPolicy", &i.TLSPolicy, DefaultTLSPolicy)
	setDefault(d.in("waf"), "rateLimitPerMinute", &i.WAF.RateLimitPerMinute, DefaultRateLimitPerMinute)
	if i.WAF.SQLInjection == nil {
		i.WAF.SQLInjection = ptrTo(true)
	}
}

func (c *CutoverSpec) defaults(d defaulter) {
	setDefault(d, "ttlSeconds", &c.TTLSeconds, DefaultTTLSeconds)
	setDefault(d, "validationAttempt", &c.ValidationAttempt, 1)
	od := d.in("oldSystem")
	setDefault(od, "healthCheckPath", &c.OldSystem.HealthCheckPath, DefaultHealthCheckPath)
	setDefault(od, "port", &c.OldSystem.Port, 443)
	gd := d.in("guard")
	setDefault(gd, "target5xxPerMinute", &c.Guard.Target5xxPerMinute, 10)
	setDefault(gd, "latencySeconds", &c.Guard.LatencySeconds, 1.0)
}

var (
	ecrImageRE = regexp.MustCompile(`^[0-9]{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/[a-z0-9][a-z0-9._/-]*(:[A-Za-z0-9][A-Za-z0-9._-]{0,127}|@sha256:[a-f0-9]{64})$`)
	pathRE     = regexp.MustCompile(`^/[A-Za-z0-9._~/-]*$`)
	domainRE   = regexp.MustCompile(`^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,63}$`)
	hostnameRE = regexp.MustCompile(`^([A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$`)
	certARNRE  = regexp.MustCompile(`^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[0-9a-f-]+$`)
	zoneIDRE   = regexp.MustCompile(`^Z[A-Z0-9]{1,31}$`)
	envKeyRE   = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)
	secretKey  = regexp.MustCompile(`(PASSWORD|SECRET|TOKEN|PRIVATE_KEY)`)
)

func (a *APISpec) validate(p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if !ecrImageRE.MatchString(a.ImageURI) || utf8.RuneCountInString(a.ImageURI) > 512 {
		errs = append(errs, field.Invalid(p.Child("imageUri"), a.ImageURI, "must be an ECR image URI: <account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag> or @sha256:<digest> (Lambda runs images from ECR only)"))
	}
	if a.MemoryMB < 128 || a.MemoryMB > 10240 {
		errs = append(errs, field.Invalid(p.Child("memoryMb"), a.MemoryMB, "must be 128 to 10240"))
	}
	if a.TimeoutSeconds < 1 || a.TimeoutSeconds > 60 {
		errs = append(errs, field.Invalid(p.Child("timeoutSeconds"), a.TimeoutSeconds, "must be 1 to 60: the ALB waits at most 60 s"))
	}
	if a.ReservedConcurrency < 1 || a.ReservedConcurrency > 1000 {
		errs = append(errs, field.Invalid(p.Child("reservedConcurrency"), a.ReservedConcurrency, "must be 1 to 1000"))
	}
	pc, pp := a.ProvisionedConcurrency, p.Child("provisionedConcurrency")
	switch {
	case pc.Max < 1 || pc.Max > 1000:
		errs = append(errs, field.Invalid(pp.Child("max"), pc.Max, "must be 1 to 1000"))
	case pc.Min < 0 || pc.Min > pc.Max:
		errs = append(errs, field.Invalid(pp.Child("min"), pc.Min, fmt.Sprintf("must be 0 to max (%d)", pc.Max)))
	case pc.Max > a.ReservedConcurrency:
		errs = append(errs, field.Invalid(pp.Child("max"), pc.Max, fmt.Sprintf("must not exceed spec.api.reservedConcurrency (%d)", a.ReservedConcurrency)))
	}
	if pc.TargetUtilization < 0.1 || pc.TargetUtilization > 0.9 {
		errs = append(errs, field.Invalid(pp.Child("targetUtilization"), pc.TargetUtilization, "must be 0.1 to 0.9"))
	}
	if !pathRE.MatchString(a.HealthCheckPath) {
		errs = append(errs, field.Invalid(p.Child("healthCheckPath"), a.HealthCheckPath, "must be a path starting with /"))
	}
	errs = append(errs, tooLong(p.Child("healthCheckPath"), a.HealthCheckPath, maxPath)...)
	errs = append(errs, tooMany(p.Child("environment"), len(a.Environment), 40)...)
	for _, k := range sortedKeys(a.Environment) {
		switch {
		case !envKeyRE.MatchString(k):
			errs = append(errs, field.Invalid(p.Child("environment").Key(k), k, "keys are letters, digits and _ starting with a letter"))
		case secretKey.MatchString(strings.ToUpper(k)):
			errs = append(errs, field.Forbidden(p.Child("environment").Key(k), "no secrets in environment variables: read them from Secrets Manager (the function may read the database secret)"))
		}
	}
	return errs
}

func (i *IngressSpec) validate(p *field.Path, s *XPaymentPlatformSpec) field.ErrorList {
	var errs field.ErrorList
	if s.API == nil {
		errs = append(errs, field.Required(field.NewPath("spec", "api"), "spec.ingress serves the payment API: set spec.api.imageUri"))
	}
	if !domainRE.MatchString(i.DomainName) || len(i.DomainName) > maxDNSName {
		errs = append(errs, field.Invalid(p.Child("domainName"), i.DomainName, "must be a lower-case DNS name such as api.payments.example.com"))
	}
	hasARN := s.given("ingress.certificateArn", i.CertificateARN != "")
	switch {
	case hasARN && i.CreateCertificate:
		errs = append(errs, field.Invalid(p.Child("createCertificate"), true, "set exactly one of spec.ingress.certificateArn and spec.ingress.createCertificate"))
	case !hasARN && !i.CreateCertificate:
		errs = append(errs, field.Required(p.Child("certificateArn"), "an ACM certificate ARN for the domain, or createCertificate: true"))
	case hasARN && (!certARNRE.MatchString(i.CertificateARN) || utf8.RuneCountInString(i.CertificateARN) > maxARN):
		errs = append(errs, field.Invalid(p.Child("certificateArn"), i.CertificateARN, "must be an ACM certificate ARN"))
	case hasARN && !strings.Contains(i.CertificateARN, ":"+s.Region+":"):
		errs = append(errs, field.Invalid(p.Child("certificateArn"), i.CertificateARN, "must be in the platform's region "+s.Region+" (the ALB uses it)"))
	case i.CreateCertificate && s.Cutover == nil:
		errs = append(errs, field.Required(field.NewPath("spec", "cutover"), "createCertificate validates the certificate by DNS in the cutover zone"))
	}
	if s.given("ingress.accessLogsBucket", i.AccessLogsBucket != "") && !bucketRE.MatchString(i.AccessLogsBucket) {
		errs = append(errs, field.Invalid(p.Child("accessLogsBucket"), i.AccessLogsBucket, "must be an S3 bucket name"))
	}
	if !slices.Contains(TLSPolicies, i.TLSPolicy) {
		errs = append(errs, field.NotSupported(p.Child("tlsPolicy"), i.TLSPolicy, TLSPolicies))
	}
	if i.WAF.RateLimitPerMinute < 10 || i.WAF.RateLimitPerMinute > 2000000000 {
		errs = append(errs, field.Invalid(p.Child("waf", "rateLimitPerMinute"), i.WAF.RateLimitPerMinute, "must be 10 to 2000000000"))
	}
	return errs
}

func (c *CutoverSpec) validate(p *field.Path, s *XPaymentPlatformSpec) field.ErrorList {
	var errs field.ErrorList
	if s.Ingress == nil {
		errs = append(errs, field.Required(field.NewPath("spec", "ingress"), "the new side of the cutover is the ALB: set spec.ingress"))
	}
	hasZone := s.given("cutover.hostedZoneId", c.HostedZoneID != "")
	switch {
	case hasZone && c.CreateHostedZone:
		errs = append(errs, field.Invalid(p.Child("createHostedZone"), true, "set exactly one of spec.cutover.hostedZoneId and spec.cutover.createHostedZone"))
	case !hasZone && !c.CreateHostedZone:
		errs = append(errs, field.Required(p.Child("hostedZoneId"), "the Route 53 zone of zoneName, or createHostedZone: true"))
	case hasZone && !zoneIDRE.MatchString(c.HostedZoneID):
		errs = append(errs, field.Invalid(p.Child("hostedZoneId"), c.HostedZoneID, "must be a Route 53 zone ID such as Z0123456789ABCDEFGHIJ"))
	}
	if !domainRE.MatchString(c.ZoneName) || len(c.ZoneName) > maxDNSName {
		errs = append(errs, field.Invalid(p.Child("zoneName"), c.ZoneName, "must be a lower-case DNS name such as payments.example.com"))
	} else if s.Ingress != nil && !strings.HasSuffix(s.Ingress.DomainName, "."+c.ZoneName) {
		errs = append(errs, field.Invalid(field.NewPath("spec", "ingress", "domainName"), s.Ingress.DomainName, "must be inside spec.cutover.zoneName "+c.ZoneName))
	}
	if !slices.Contains(CutoverSteps, c.Step) {
		errs = append(errs, field.NotSupported(p.Child("step"), int(c.Step), []string{"0", "10", "50", "100"}))
	}
	if c.TTLSeconds < 10 || c.TTLSeconds > MaxTTLSeconds {
		errs = append(errs, field.Invalid(p.Child("ttlSeconds"), c.TTLSeconds, fmt.Sprintf("must be 10 to %d seconds: with the slowest failback detection (3 minutes) clients are back on the old system within 5 minutes", MaxTTLSeconds)))
	}
	if c.ValidationAttempt < 1 || c.ValidationAttempt > 999 {
		errs = append(errs, field.Invalid(p.Child("validationAttempt"), c.ValidationAttempt, "must be 1 to 999"))
	}
	op := p.Child("oldSystem")
	if !hostnameRE.MatchString(c.OldSystem.Hostname) || len(c.OldSystem.Hostname) > maxDNSName {
		errs = append(errs, field.Invalid(op.Child("hostname"), c.OldSystem.Hostname, "must be the old system's DNS name"))
	} else if s.Ingress != nil && strings.EqualFold(c.OldSystem.Hostname, s.Ingress.DomainName) {
		errs = append(errs, field.Invalid(op.Child("hostname"), c.OldSystem.Hostname, "must differ from spec.ingress.domainName (the record would point at itself)"))
	}
	if !pathRE.MatchString(c.OldSystem.HealthCheckPath) {
		errs = append(errs, field.Invalid(op.Child("healthCheckPath"), c.OldSystem.HealthCheckPath, "must be a path starting with /"))
	}
	errs = append(errs, tooLong(op.Child("healthCheckPath"), c.OldSystem.HealthCheckPath, maxPath)...)
	if c.OldSystem.Port < 1 || c.OldSystem.Port > 65535 {
		errs = append(errs, field.Invalid(op.Child("port"), c.OldSystem.Port, "must be 1 to 65535"))
	}
	if c.Guard.Target5xxPerMinute < 1 {
		errs = append(errs, field.Invalid(p.Child("guard", "target5xxPerMinute"), c.Guard.Target5xxPerMinute, "must be at least 1"))
	}
	if c.Guard.LatencySeconds < 0.1 || c.Guard.LatencySeconds > 30 {
		errs = append(errs, field.Invalid(p.Child("guard", "latencySeconds"), c.Guard.LatencySeconds, "must be 0.1 to 30"))
	}
	return errs
}
