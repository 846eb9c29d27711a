package v1alpha1

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// The rules below mirror the XRD schema (patterns, enums, lengths, CEL) so
// that a spec that never went through the API server — crossplane render in
// CI, a unit test — is held to the same rules, with the same field paths.
// agreement_test.go runs the generated XRD through the API server's own
// defaulting, OpenAPI validation and CEL, in-process, and proves both sides
// accept the same specs.
var (
	suffixRE    = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	regionRE    = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$`)
	azRE        = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9][a-z]$`)
	azIDRE      = regexp.MustCompile(`^[a-z]{2,6}[0-9]-az[0-9]{1,2}$`)
	tagValueRE  = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)
	retentions  = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}
	reservedTag = []string{"Environment", "Project", "Team", "CostCenter", "ManagedBy"}
)

// MaxUserTags is how many tags a claim may add: AWS allows 50 per resource,
// the platform sets 5 and the provider 3 (crossplane-kind, -name,
// -providerconfig).
const MaxUserTags = 40

// The length limits of the XRD's markers (maxLength counts characters, as
// the API server does).
const (
	maxDNSName   = 253 // hostnames, domain and zone names
	maxPath      = 255 // health check paths
	maxARN       = 2048
	maxTagKey    = 128
	maxTagValue  = 256
	maxTagField  = 128 // spec.team, spec.costCenter
	maxRegion    = 32
	maxSecretRef = 253
	maxNamespace = 63
)

// tooLong reports a string longer than n characters.
func tooLong(p *field.Path, v string, n int) field.ErrorList {
	if utf8.RuneCountInString(v) > n {
		return field.ErrorList{field.TooLong(p, "", n)}
	}
	return nil
}

// tooMany reports a list or map of more than n items.
func tooMany(p *field.Path, got, n int) field.ErrorList {
	if got > n {
		return field.ErrorList{field.TooMany(p, got, n)}
	}
	return nil
}

// given reports whether a field is set: non-zero, or given its zero value
// in the JSON the spec was decoded from (where the API server judges it).
func (s *XPaymentPlatformSpec) given(path string, nonZero bool) bool {
	return nonZero || s.zeros.has(path)
}

// Validate checks a defaulted spec and returns every problem with its field
// path. An empty list means the spec can be composed.
func (s *XPaymentPlatformSpec) Validate() field.ErrorList {
	root := field.NewPath("spec")
	var errs field.ErrorList

	p := root.Child("environmentSuffix")
	switch {
	case s.EnvironmentSuffix == "":
		errs = append(errs, field.Required(p, "a DNS label of 1-20 characters, e.g. prod1; every AWS name is payment-<thing>-<environmentSuffix>"))
	case len(s.EnvironmentSuffix) > 20 || !suffixRE.MatchString(s.EnvironmentSuffix):
		errs = append(errs, field.Invalid(p, s.EnvironmentSuffix, "must be 1-20 lower-case letters, digits or '-', starting and ending with a letter or digit"))
	}
	if !regionRE.MatchString(s.Region) || utf8.RuneCountInString(s.Region) > maxRegion {
		errs = append(errs, field.Invalid(root.Child("region"), s.Region, "must be an AWS region such as us-east-2"))
	}
	if !slices.Contains([]Environment{EnvironmentDev, EnvironmentStaging, EnvironmentProd}, s.Environment) {
		errs = append(errs, field.NotSupported(root.Child("environment"), s.Environment, []string{"dev", "staging", "prod"}))
	}
	errs = append(errs, validTagValue(root.Child("team"), s.Team)...)
	errs = append(errs, validTagValue(root.Child("costCenter"), s.CostCenter)...)
	errs = append(errs, s.validateTags(root.Child("tags"))...)
	if s.ProviderConfigName == "" || utf8.RuneCountInString(s.ProviderConfigName) > 253 {
		errs = append(errs, field.Invalid(root.Child("providerConfigName"), s.ProviderConfigName, "must name a ProviderConfig (1-253 characters)"))
	}
	errs = append(errs, s.Network.validate(root.Child("network"), s)...)
	if o := s.Network.OnPremises; o != nil {
		errs = append(errs, o.validate(root.Child("network", "onPremises"), s.Network.VPCCIDR)...)
	}
	errs = append(errs, s.validateReach(root)...)
	errs = append(errs, s.Database.validate(root.Child("database"), s)...)
	if s.Migration != nil {
		errs = append(errs, s.Migration.validate(root.Child("migration"), s)...)
	}
	errs = append(errs, s.Monitoring.validate(root.Child("monitoring"))...)
	if s.API != nil {
		errs = append(errs, s.API.validate(root.Child("api"))...)
	}
	if s.Ingress != nil {
		errs = append(errs, s.Ingress.validate(root.Child("ingress"), s)...)
	}
	if s.Cutover != nil {
		errs = append(errs, s.Cutover.validate(root.Child("cutover"), s)...)
	}
	if s.Lambdas != nil {
		errs = append(errs, s.Lambdas.validate(root.Child("lambdas"))...)
	} else if s.MigrationEnabled() {
		errs = append(errs, field.Required(root.Child("lambdas"), "required while spec.migration is enabled: DMS logs in to Aurora as its own user, created and rotated by the dmsuser Lambda from the published zips"))
	}
	return errs
}

func validTagValue(p *field.Path, v string) field.ErrorList {
	if v == "" || utf8.RuneCountInString(v) > maxTagField || !tagValueRE.MatchString(v) {
		return field.ErrorList{field.Invalid(p, v, "must be 1-128 characters of letters, digits, spaces and _.:/=+-@")}
	}
	return nil
}

func (s *XPaymentPlatformSpec) validateTags(p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(s.Tags) > MaxUserTags {
		errs = append(errs, field.TooMany(p, len(s.Tags), MaxUserTags))
	}
	for _, k := range sortedKeys(s.Tags) {
		kp := p.Key(k)
		switch {
		case slices.Contains(reservedTag, k):
			errs = append(errs, field.Forbidden(kp, "set by the platform; use spec.team and spec.costCenter for Team and CostCenter"))
		case k == "" || utf8.RuneCountInString(k) > maxTagKey || !tagValueRE.MatchString(k):
			errs = append(errs, field.Invalid(kp, k, "tag keys are 1-128 characters of letters, digits, spaces and _.:/=+-@"))
		case strings.HasPrefix(strings.ToLower(k), "aws:"):
			errs = append(errs, field.Forbidden(kp, "tag keys may not start with aws:"))
		}
		if v := s.Tags[k]; utf8.RuneCountInString(v) > maxTagValue || !tagValueRE.MatchString(v) {
			errs = append(errs, field.Invalid(kp, v, "tag values are at most 256 characters of letters, digits, spaces and _.:/=+-@"))
		}
	}
	return errs
}

func (n *NetworkSpec) validate(p *field.Path, s *XPaymentPlatformSpec) field.ErrorList {
	var errs field.ErrorList
	if n.AvailabilityZones < 2 || n.AvailabilityZones > 3 {
		errs = append(errs, field.NotSupported(p.Child("availabilityZones"), n.AvailabilityZones, []string{"2", "3"}))
	}
	if limit, ok := RegionZoneLimits[s.Region]; ok && n.AvailabilityZones > limit && len(n.AvailabilityZoneNames) == 0 && len(n.AvailabilityZoneIDs) == 0 {
		errs = append(errs, field.Invalid(p.Child("availabilityZones"), n.AvailabilityZones,
			fmt.Sprintf("most accounts see only %d zones in this region (%s); use %d, or list the zones your account has in spec.network.availabilityZoneIds", limit, s.Region, limit)))
	}
	if len(n.AvailabilityZoneNames) > 0 && len(n.AvailabilityZoneIDs) > 0 {
		errs = append(errs, field.Invalid(p.Child("availabilityZoneIds"), n.AvailabilityZoneIDs, "give availabilityZoneNames or availabilityZoneIds, not both"))
	}
	errs = append(errs, zoneList(p.Child("availabilityZoneIds"), n.AvailabilityZoneIDs, n.AvailabilityZones, "zone IDs", func(id string) string {
		if !azIDRE.MatchString(id) || len(id) > 16 {
			return "must be a zone ID such as use2-az1 (aws ec2 describe-availability-zones --query 'AvailabilityZones[].ZoneId')"
		}
		return ""
	})...)
	errs = append(errs, zoneList(p.Child("availabilityZoneNames"), n.AvailabilityZoneNames, n.AvailabilityZones, "zone names", func(az string) string {
		if !azRE.MatchString(az) || utf8.RuneCountInString(az) > maxRegion || !strings.HasPrefix(az, s.Region) {
			return fmt.Sprintf("must be a zone of region %s, e.g. %sa", s.Region, s.Region)
		}
		return ""
	})...)
	cp := p.Child("vpcCidr")
	prefix, err := netip.ParsePrefix(n.VPCCIDR)
	switch {
	case err != nil || !prefix.Addr().Is4():
		errs = append(errs, field.Invalid(cp, n.VPCCIDR, "must be an IPv4 CIDR such as 10.0.0.0/16"))
	case prefix.Masked() != prefix:
		errs = append(errs, field.Invalid(cp, n.VPCCIDR, fmt.Sprintf("has host bits set; did you mean %s?", prefix.Masked())))
	case prefix.Bits() < 16 || prefix.Bits() > 24:
		errs = append(errs, field.Invalid(cp, n.VPCCIDR, "must be a /16 to /24 (AWS allows /16-/28 and the platform carves 16 subnets of at least /28)"))
	case n.SubnetPrefixLength < prefix.Bits()+SubnetSlotBits || n.SubnetPrefixLength > 28:
		errs = append(errs, field.Invalid(p.Child("subnetPrefixLength"), n.SubnetPrefixLength,
			fmt.Sprintf("must be between /%d and /28: %s holds 16 subnet slots (3 tiers x %d AZs + spares)", prefix.Bits()+SubnetSlotBits, n.VPCCIDR, n.AvailabilityZones)))
	}
	if n.NATMode != NATPerAZ && n.NATMode != NATSingle {
		errs = append(errs, field.NotSupported(p.Child("natMode"), n.NATMode, []string{string(NATPerAZ), string(NATSingle)}))
	} else if s.IsProd() && n.NATMode != NATPerAZ {
		errs = append(errs, field.Invalid(p.Child("natMode"), n.NATMode, "prod needs PerAZ: a single NAT gateway is a single point of failure"))
	}
	rp := p.Child("flowLogRetentionDays")
	switch {
	case !slices.Contains(retentions, n.FlowLogRetentionDays):
		errs = append(errs, field.NotSupported(rp, n.FlowLogRetentionDays, intStrings(retentions)))
	case s.IsProd() && n.FlowLogRetentionDays < 365:
		errs = append(errs, field.Invalid(rp, n.FlowLogRetentionDays, "prod keeps flow logs at least 365 days (PCI DSS 10.5.1)"))
	}
	return errs
}

var (
	emailRE   = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
	webhookRE = regexp.MustCompile(`^https://[^\s]+$`)
)

func (m *MonitoringSpec) validate(p *field.Path) field.ErrorList {
	var errs field.ErrorList
	errs = append(errs, tooMany(p.Child("alarmEmails"), len(m.AlarmEmails), 10)...)
	for i, e := range m.AlarmEmails {
		if !emailRE.MatchString(e) || utf8.RuneCountInString(e) > 254 {
			errs = append(errs, field.Invalid(p.Child("alarmEmails").Index(i), e, "must be an email address"))
		}
	}
	errs = append(errs, tooMany(p.Child("alarmWebhooks"), len(m.AlarmWebhooks), 10)...)
	for i, w := range m.AlarmWebhooks {
		if !webhookRE.MatchString(w) || utf8.RuneCountInString(w) > 2048 {
			errs = append(errs, field.Invalid(p.Child("alarmWebhooks").Index(i), w, "must be an https:// URL (SNS delivers alarms over HTTPS only)"))
		}
	}
	if !slices.Contains(retentions, m.LogRetentionDays) {
		errs = append(errs, field.NotSupported(p.Child("logRetentionDays"), m.LogRetentionDays, intStrings(retentions)))
	}
	if m.BudgetMonthlyUSD < 0 {
		errs = append(errs, field.Invalid(p.Child("budgetMonthlyUsd"), m.BudgetMonthlyUSD, "must not be negative"))
	}
	t, tp := m.Thresholds, p.Child("thresholds")
	checks := map[string]bool{
		"albLatencySeconds": t.ALBLatencySeconds < 0.1, "alb5xxPerMinute": t.ALB5xxPerMinute < 1,
		"lambdaErrorsPerMinute": t.LambdaErrorsPerMinute < 1, "lambdaThrottlesPerMinute": t.LambdaThrottlesPerMinute < 1,
		"auroraCpuPercent": t.AuroraCPUPercent < 1 || t.AuroraCPUPercent > 100, "auroraAcuPercent": t.AuroraACUPercent < 1 || t.AuroraACUPercent > 100,
		"dmsCdcLatencySeconds": t.DMSCDCLatencySeconds < 1,
	}
	for _, name := range sortedKeys(checks) {
		if checks[name] {
			errs = append(errs, field.Invalid(tp.Child(name), fmt.Sprint(thresholdValue(t, name)), "out of range (see the XRD)"))
		}
	}
	return errs
}

func thresholdValue(t AlarmThresholds, name string) any {
	return map[string]any{
		"albLatencySeconds": t.ALBLatencySeconds, "alb5xxPerMinute": t.ALB5xxPerMinute, "lambdaErrorsPerMinute": t.LambdaErrorsPerMinute,
		"lambdaThrottlesPerMinute": t.LambdaThrottlesPerMinute, "auroraCpuPercent": t.AuroraCPUPercent, "auroraAcuPercent": t.AuroraACUPercent,
		"dmsCdcLatencySeconds": t.DMSCDCLatencySeconds,
	}[name]
}

var (
	bucketRE = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	semverRE = regexp.MustCompile(`^v[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$`)
	hashRE   = regexp.MustCompile(`^[A-Za-z0-9+/]{43}=$`)
	secretRE = regexp.MustCompile(`^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$`)
	tableRE  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}$`)
)

func (l *LambdasSpec) validate(p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if !bucketRE.MatchString(l.ArtifactBucket) {
		errs = append(errs, field.Invalid(p.Child("artifactBucket"), l.ArtifactBucket, "must be an S3 bucket name"))
	}
	if !semverRE.MatchString(l.Version) || utf8.RuneCountInString(l.Version) > 64 {
		errs = append(errs, field.Invalid(p.Child("version"), l.Version, "must be a version such as v0.1.0 (the zips are at payment-platform/<version>/<name>.zip)"))
	}
	hashes := map[string]string{"dmsUser": l.SourceCodeHashes.DMSUser}
	if l.SourceCodeHashes.Validation != "" || l.SourceCodeHashes.Rollback != "" || l.SourceSecretARN != "" {
		hashes["validation"], hashes["rollback"] = l.SourceCodeHashes.Validation, l.SourceCodeHashes.Rollback
	}
	for name, h := range hashes {
		if !hashRE.MatchString(h) {
			errs = append(errs, field.Invalid(p.Child("sourceCodeHashes", name), h, "must be the zip's base64 SHA-256 that make lambdas prints"))
		}
	}
	sort.Slice(errs, func(i, j int) bool { return errs[i].Field < errs[j].Field })
	if (l.SourceSecretARN == "") != (l.HMACSecretARN == "") {
		errs = append(errs, field.Invalid(p.Child("hmacSecretArn"), l.HMACSecretARN, "sourceSecretArn and hmacSecretArn come together (they turn on the validator)"))
	}
	if l.SourceSecretARN != "" && (!secretRE.MatchString(l.SourceSecretARN) || utf8.RuneCountInString(l.SourceSecretARN) > maxARN) {
		errs = append(errs, field.Invalid(p.Child("sourceSecretArn"), l.SourceSecretARN, "must be a Secrets Manager secret ARN"))
	}
	if l.HMACSecretARN != "" && (!secretRE.MatchString(l.HMACSecretARN) || utf8.RuneCountInString(l.HMACSecretARN) > maxARN) {
		errs = append(errs, field.Invalid(p.Child("hmacSecretArn"), l.HMACSecretARN, "must be a Secrets Manager secret ARN"))
	}
	errs = append(errs, tooMany(p.Child("tables"), len(l.Tables), 100)...)
	for i, t := range l.Tables {
		if !tableRE.MatchString(t) {
			errs = append(errs, field.Invalid(p.Child("tables").Index(i), t, "must be a table name"))
		}
	}
	return errs
}

func intStrings(v []int) []string {
	out := make([]string, len(v))
	for i, x := range v {
		out[i] = fmt.Sprint(x)
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// zoneList checks a list of zones (names or IDs): at most 3, exactly
// availabilityZones of them when given, each valid (invalid returns why
// not) and none repeated.
func zoneList(p *field.Path, zones []string, want int, what string, invalid func(string) string) field.ErrorList {
	if len(zones) == 0 {
		return nil
	}
	errs := tooMany(p, len(zones), 3)
	if len(zones) != want {
		errs = append(errs, field.Invalid(p, zones, fmt.Sprintf("must list exactly spec.network.availabilityZones (%d) %s", want, what)))
	}
	seen := map[string]bool{}
	for i, z := range zones {
		if why := invalid(z); why != "" {
			errs = append(errs, field.Invalid(p.Index(i), z, why))
		} else if seen[z] {
			errs = append(errs, field.Duplicate(p.Index(i), z))
		}
		seen[z] = true
	}
	return errs
}
