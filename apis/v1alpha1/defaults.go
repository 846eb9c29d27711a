package v1alpha1

import (
	"net/netip"
)

// Defaults. Those of the XRD's markers are repeated here (the agreement
// test, agreement_test.go, proves both are the same) so the function
// behaves the same when it is handed a spec that never went through the API
// server (crossplane render, tests); the others depend on other fields (the
// environment, the VPC CIDR, the source), which the XRD cannot express.
const (
	DefaultRegion               = "us-east-2"
	DefaultProviderConfigName   = "default"
	DefaultTeam                 = "payments"
	DefaultCostCenter           = "payments-migration"
	DefaultVPCCIDR              = "10.0.0.0/16"
	DefaultAvailabilityZones    = 3
	DefaultFlowLogRetentionDays = 365
	// SubnetSlotBits carves the VPC into 2^4 = 16 equal slots.
	SubnetSlotBits = 4
)

// Default fills every field that is absent, in one place: the XRD's
// defaults, as the API server's defaulting applies them, and those that
// depend on other fields. It never overrides a value the user set. A field
// is absent when it is zero and a spec decoded from JSON was not given it
// (UnmarshalJSON): a field set to "", 0 or [] stays so, and Validate judges
// it as the API server does. In a spec built in Go, a zero value is absent.
func (s *XPaymentPlatformSpec) Default() {
	d := defaulter{zeros: s.zeros}
	setDefault(d, "region", &s.Region, DefaultRegion)
	setDefault(d, "environment", &s.Environment, EnvironmentDev)
	setDefault(d, "team", &s.Team, DefaultTeam)
	setDefault(d, "costCenter", &s.CostCenter, DefaultCostCenter)
	setDefault(d, "providerConfigName", &s.ProviderConfigName, DefaultProviderConfigName)
	s.Network.defaultFor(d.in("network"), s.Environment)
	s.Database.defaultFor(d.in("database"), s.Environment)
	if s.Migration != nil {
		s.Migration.defaultFor(d.in("migration"), s.Environment)
	}
	s.Monitoring.defaults(d.in("monitoring"))
	if s.API != nil {
		s.API.defaults(d.in("api"))
	}
	if s.Ingress != nil {
		s.Ingress.defaults(d.in("ingress"))
	}
	if s.Cutover != nil {
		s.Cutover.defaults(d.in("cutover"))
	}
}

// defaulter knows which fields under path were given a zero value.
type defaulter struct {
	zeros fieldSet
	path  string
}

// in is the defaulter of a field of the current object.
func (d defaulter) in(name string) defaulter { return defaulter{zeros: d.zeros, path: d.field(name)} }

func (d defaulter) field(name string) string {
	if d.path == "" {
		return name
	}
	return d.path + "." + name
}

// absent reports whether the field name, whose value is zero, was not given.
func (d defaulter) absent(name string) bool { return !d.zeros.has(d.field(name)) }

// setDefault sets the field name to def when it is absent.
func setDefault[T comparable](d defaulter, name string, v *T, def T) {
	var zero T
	if *v == zero && d.absent(name) {
		*v = def
	}
}

func (m *MonitoringSpec) defaults(d defaulter) {
	setDefault(d, "logRetentionDays", &m.LogRetentionDays, 365)
	setDefault(d, "budgetMonthlyUsd", &m.BudgetMonthlyUSD, 3000)
	t, td := &m.Thresholds, d.in("thresholds")
	setDefault(td, "albLatencySeconds", &t.ALBLatencySeconds, 1.0)
	setDefault(td, "alb5xxPerMinute", &t.ALB5xxPerMinute, 10)
	setDefault(td, "lambdaErrorsPerMinute", &t.LambdaErrorsPerMinute, 10)
	setDefault(td, "lambdaThrottlesPerMinute", &t.LambdaThrottlesPerMinute, 1)
	setDefault(td, "auroraCpuPercent", &t.AuroraCPUPercent, 80)
	setDefault(td, "auroraAcuPercent", &t.AuroraACUPercent, 90)
	setDefault(td, "dmsCdcLatencySeconds", &t.DMSCDCLatencySeconds, 60)
}

func (n *NetworkSpec) defaultFor(d defaulter, env Environment) {
	setDefault(d, "vpcCidr", &n.VPCCIDR, DefaultVPCCIDR)
	setDefault(d, "availabilityZones", &n.AvailabilityZones, DefaultAvailabilityZones)
	setDefault(d, "flowLogRetentionDays", &n.FlowLogRetentionDays, DefaultFlowLogRetentionDays)
	if o := n.OnPremises; o != nil && o.VPN != nil {
		setDefault(d.in("onPremises").in("vpn"), "bgpAsn", &o.VPN.BGPASN, 65000)
	}
	// Not in the XRD: depends on the environment.
	nat := NATPerAZ
	if env == EnvironmentDev {
		nat = NATSingle
	}
	setDefault(d, "natMode", &n.NATMode, nat)
	// Not in the XRD: depends on the VPC CIDR.
	if p, err := netip.ParsePrefix(n.VPCCIDR); err == nil {
		setDefault(d, "subnetPrefixLength", &n.SubnetPrefixLength, p.Bits()+SubnetSlotBits)
	}
}

// IsProd reports whether the spec is for production.
func (s *XPaymentPlatformSpec) IsProd() bool { return s.Environment == EnvironmentProd }

// RegionZoneLimits are the regions where an AWS account sees fewer than
// three Availability Zones. AWS says every region has at least three, but
// it maps each account onto a subset in older regions: in us-west-1 most
// accounts see two (AZ IDs usw1-az1 and usw1-az3; aws ec2
// describe-availability-zones lists an account's own). A claim in one of
// these regions asks for at most that many zones unless it names them.
// The XRD's rule on spec lists the same regions (TestRegionZoneLimitsInXRD).
var RegionZoneLimits = map[string]int{
	"us-west-1": 2,
}
