package v1alpha1

import (
	"net/netip"
)

// Defaults the XRD schema cannot express because they depend on other
// fields (the environment, the VPC CIDR). The schema's own defaults are
// repeated here so the function behaves the same when it is handed a spec
// that never went through the API server (crossplane render, tests).
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

// Default fills every unset field of the spec, in one place. It never
// overrides a value the user set.
func (s *XPaymentPlatformSpec) Default() {
	setDefault(&s.Region, DefaultRegion)
	setDefault(&s.Environment, EnvironmentDev)
	setDefault(&s.Team, DefaultTeam)
	setDefault(&s.CostCenter, DefaultCostCenter)
	setDefault(&s.ProviderConfigName, DefaultProviderConfigName)
	s.Network.defaultFor(s.Environment)
	s.Database.defaultFor(s.Environment)
	if s.Migration != nil {
		s.Migration.defaultFor(s.Environment)
	}
	s.Monitoring.defaults()
	if s.API != nil {
		s.API.defaults()
	}
	if s.Ingress != nil {
		s.Ingress.defaults()
	}
	if s.Cutover != nil {
		s.Cutover.defaults()
	}
}

func (m *MonitoringSpec) defaults() {
	setDefault(&m.LogRetentionDays, 365)
	setDefault(&m.BudgetMonthlyUSD, 3000)
	t := &m.Thresholds
	setDefault(&t.ALBLatencySeconds, 1.0)
	setDefault(&t.ALB5xxPerMinute, 10)
	setDefault(&t.LambdaErrorsPerMinute, 10)
	setDefault(&t.LambdaThrottlesPerMinute, 1)
	setDefault(&t.AuroraCPUPercent, 80)
	setDefault(&t.AuroraACUPercent, 90)
	setDefault(&t.DMSCDCLatencySeconds, 60)
}

func (n *NetworkSpec) defaultFor(env Environment) {
	setDefault(&n.VPCCIDR, DefaultVPCCIDR)
	setDefault(&n.AvailabilityZones, DefaultAvailabilityZones)
	setDefault(&n.FlowLogRetentionDays, DefaultFlowLogRetentionDays)
	if n.NATMode == "" {
		n.NATMode = NATPerAZ
		if env == EnvironmentDev {
			n.NATMode = NATSingle
		}
	}
	if n.SubnetPrefixLength == 0 {
		if p, err := netip.ParsePrefix(n.VPCCIDR); err == nil {
			n.SubnetPrefixLength = p.Bits() + SubnetSlotBits
		}
	}
}

// IsProd reports whether the spec is for production.
func (s *XPaymentPlatformSpec) IsProd() bool { return s.Environment == EnvironmentProd }

func setDefault[T comparable](v *T, d T) {
	var zero T
	if *v == zero {
		*v = d
	}
}
