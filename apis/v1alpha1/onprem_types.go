package v1alpha1

import (
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

var tgwRE = regexp.MustCompile(`^tgw-[0-9a-f]{8,17}$`)

// OnPremisesSpec connects the VPC to the network the on-prem source lives
// in: a transit gateway attachment (the on-prem side reaches the transit
// gateway over Direct Connect or its own VPN) or a site-to-site VPN built
// here, routes to the on-prem CIDRs from the app and data subnets, and,
// for a source named by hostname, a Route 53 Resolver outbound endpoint
// forwarding the corporate domain to the on-prem DNS servers.
//
// +kubebuilder:validation:XValidation:rule="has(self.transitGatewayId) != has(self.vpn)",message="spec.network.onPremises: give exactly one of transitGatewayId (attach to an existing transit gateway) or vpn (a site-to-site VPN to your customer gateway)"
// +kubebuilder:validation:XValidation:rule="!has(self.dns) || self.dns.resolverIps.all(x, self.cidrs.exists(c, isCIDR(c) && isIP(x) && cidr(c).containsIP(x)))",message="spec.network.onPremises.dns.resolverIps must lie in spec.network.onPremises.cidrs: the outbound endpoint reaches them over the same routes"
type OnPremisesSpec struct {
	// CIDRs are the on-prem networks (the migration source's among them),
	// routed from the app and data subnets. They must not overlap the VPC.
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=10
	// +kubebuilder:validation:items:MaxLength=18
	// +kubebuilder:validation:XValidation:rule="self.all(c, isCIDR(c) && cidr(c).ip().family() == 4 && cidr(c) == cidr(c).masked() && cidr(c).prefixLength() > 0)",message="spec.network.onPremises.cidrs must be IPv4 CIDRs without host bits, other than 0.0.0.0/0"
	CIDRs []string `json:"cidrs"`

	// TransitGatewayID attaches the VPC (its app subnets) to an existing
	// transit gateway shared with this account; its route tables and the
	// on-prem side are the network team's.
	// +kubebuilder:validation:Pattern=`^tgw-[0-9a-f]{8,17}$`
	// +optional
	TransitGatewayID string `json:"transitGatewayId,omitempty"`

	// VPN builds a virtual private gateway, a customer gateway and a
	// site-to-site VPN (two IPsec tunnels, static routes to cidrs).
	// +optional
	VPN *VPNSpec `json:"vpn,omitempty"`

	// DNS forwards a corporate domain to the on-prem DNS servers. Required
	// when the migration source is a hostname in a private network.
	// +optional
	DNS *OnPremisesDNSSpec `json:"dns,omitempty"`
}

// VPNSpec is the on-prem end of a site-to-site VPN.
type VPNSpec struct {
	// CustomerGatewayIP is the public IPv4 address of the on-prem VPN
	// device.
	// +kubebuilder:validation:MaxLength=15
	// +kubebuilder:validation:XValidation:rule="isIP(self) && ip(self).family() == 4 && ip(self).isGlobalUnicast() && !['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'].exists(r, cidr(r).containsIP(self))",message="spec.network.onPremises.vpn.customerGatewayIp must be the VPN device's public IPv4 address"
	CustomerGatewayIP string `json:"customerGatewayIp"`

	// BGPASN is the on-prem device's BGP ASN (the tunnels use static
	// routes; AWS still records it); 65000 when left out (set by the
	// platform, not the schema: a schema default inside this optional
	// object would make forms fill it without the address).
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=2147483647
	// +optional
	BGPASN int64 `json:"bgpAsn,omitempty"`
}

// OnPremisesDNSSpec forwards a domain to on-prem DNS servers.
type OnPremisesDNSSpec struct {
	// Domain is forwarded, with its subdomains, e.g. corp.example.com.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,63}$`
	Domain string `json:"domain"`

	// ResolverIPs are the on-prem DNS servers (port 53), inside cidrs: at
	// least one.
	// +kubebuilder:validation:MaxItems=6
	// +kubebuilder:validation:XValidation:rule="size(self) >= 1",message="spec.network.onPremises.dns.resolverIps: list at least one on-prem DNS server"
	// +kubebuilder:validation:items:MaxLength=15
	// +kubebuilder:validation:XValidation:rule="self.all(x, isIP(x) && ip(x).family() == 4)",message="spec.network.onPremises.dns.resolverIps must be IPv4 addresses"
	ResolverIPs []string `json:"resolverIps"`
}

// OnPremisesStatus is the connectivity to the on-prem network.
type OnPremisesStatus struct {
	// Via is the transit gateway or the VPN.
	Via string `json:"via"`
	// CIDRs routed to the on-prem network from the app and data subnets.
	CIDRs []string `json:"cidrs"`
	// TransitGatewayAttachmentID once attached.
	// +optional
	TransitGatewayAttachmentID string `json:"transitGatewayAttachmentId,omitempty"`
	// VPNConnectionID once created: its configuration for the on-prem
	// device is in aws ec2 describe-vpn-connections.
	// +optional
	VPNConnectionID string `json:"vpnConnectionId,omitempty"`
	// ResolverEndpointID of the outbound endpoint forwarding the domain.
	// +optional
	ResolverEndpointID string `json:"resolverEndpointId,omitempty"`
	// ForwardedDomain goes to the on-prem DNS servers.
	// +optional
	ForwardedDomain string `json:"forwardedDomain,omitempty"`
}

// privateRanges are the networks the internet does not route (RFC 1918 and
// the RFC 6598 shared space): a source there is reached only through
// spec.network.onPremises.
var privateRanges = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"), netip.MustParsePrefix("100.64.0.0/10"),
}

// SourcePrefix is the migration source's network: spec.migration.source.cidr,
// or the host's /32.
func (s *XPaymentPlatformSpec) SourcePrefix() (netip.Prefix, bool) {
	if s.Migration == nil {
		return netip.Prefix{}, false
	}
	src := s.Migration.Source
	if src.CIDR != "" {
		p, err := netip.ParsePrefix(src.CIDR)
		return p, err == nil && p.Addr().Is4()
	}
	a, err := netip.ParseAddr(src.Host)
	if err != nil || !a.Is4() {
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(a, 32), true
}

// PrivateSource reports whether the migration source is in a private
// network.
func (s *XPaymentPlatformSpec) PrivateSource() bool {
	p, ok := s.SourcePrefix()
	return ok && slices.ContainsFunc(privateRanges, func(r netip.Prefix) bool { return r.Bits() <= p.Bits() && r.Contains(p.Addr()) })
}

func (o *OnPremisesSpec) validate(p *field.Path, vpc string) field.ErrorList {
	var errs field.ErrorList
	if (o.TransitGatewayID == "") == (o.VPN == nil) {
		errs = append(errs, field.Invalid(p, "", "give exactly one of transitGatewayId (attach to an existing transit gateway) or vpn (a site-to-site VPN to your customer gateway)"))
	}
	if o.TransitGatewayID != "" && !tgwRE.MatchString(o.TransitGatewayID) {
		errs = append(errs, field.Invalid(p.Child("transitGatewayId"), o.TransitGatewayID, "must be a transit gateway ID, tgw-0123456789abcdef0"))
	}
	if len(o.CIDRs) == 0 {
		errs = append(errs, field.Required(p.Child("cidrs"), "the on-prem networks to route to, the migration source's among them"))
	}
	errs = append(errs, tooMany(p.Child("cidrs"), len(o.CIDRs), 10)...)
	vpcPrefix, vpcErr := netip.ParsePrefix(vpc)
	var cidrs []netip.Prefix
	for i, c := range o.CIDRs {
		cp := p.Child("cidrs").Index(i)
		pfx, err := netip.ParsePrefix(c)
		switch {
		case err != nil || !pfx.Addr().Is4() || pfx.Masked() != pfx || pfx.Bits() == 0 || len(c) > 18:
			errs = append(errs, field.Invalid(cp, c, "must be an IPv4 CIDR without host bits, other than 0.0.0.0/0"))
			continue
		case vpcErr == nil && vpcPrefix.Overlaps(pfx):
			errs = append(errs, field.Invalid(cp, c, "must not overlap spec.network.vpcCidr: the VPC would route it locally"))
		}
		cidrs = append(cidrs, pfx)
	}
	if v := o.VPN; v != nil {
		a, err := netip.ParseAddr(v.CustomerGatewayIP)
		if err != nil || !a.Is4() || !a.IsGlobalUnicast() || len(v.CustomerGatewayIP) > 15 ||
			slices.ContainsFunc(privateRanges, func(r netip.Prefix) bool { return r.Contains(a) }) {
			errs = append(errs, field.Invalid(p.Child("vpn", "customerGatewayIp"), v.CustomerGatewayIP, "must be the VPN device's public IPv4 address"))
		}
		if v.BGPASN < 1 || v.BGPASN > 2147483647 {
			errs = append(errs, field.Invalid(p.Child("vpn", "bgpAsn"), v.BGPASN, "must be 1 to 2147483647"))
		}
	}
	if d := o.DNS; d != nil {
		dp := p.Child("dns")
		if !domainRE.MatchString(d.Domain) || len(d.Domain) > 253 {
			errs = append(errs, field.Invalid(dp.Child("domain"), d.Domain, "must be a DNS domain such as corp.example.com"))
		}
		if len(d.ResolverIPs) == 0 {
			errs = append(errs, field.Required(dp.Child("resolverIps"), "the on-prem DNS servers"))
		}
		errs = append(errs, tooMany(dp.Child("resolverIps"), len(d.ResolverIPs), 6)...)
		for i, r := range d.ResolverIPs {
			a, err := netip.ParseAddr(r)
			switch {
			case err != nil || !a.Is4() || len(r) > 15:
				errs = append(errs, field.Invalid(dp.Child("resolverIps").Index(i), r, "must be an IPv4 address"))
			case !slices.ContainsFunc(cidrs, func(c netip.Prefix) bool { return c.Contains(a) }):
				errs = append(errs, field.Invalid(dp.Child("resolverIps").Index(i), r, "must lie in spec.network.onPremises.cidrs: the outbound endpoint reaches it over the same routes"))
			}
		}
	}
	return errs
}

// validateReach refuses a migration whose private source the claim gives
// no way to reach.
func (s *XPaymentPlatformSpec) validateReach(root *field.Path) field.ErrorList {
	if !s.MigrationEnabled() || !s.PrivateSource() {
		return nil
	}
	src, _ := s.SourcePrefix()
	o := s.Network.OnPremises
	covered := o != nil && slices.ContainsFunc(o.CIDRs, func(c string) bool {
		p, err := netip.ParsePrefix(c)
		return err == nil && p.Bits() <= src.Bits() && p.Contains(src.Addr())
	})
	var errs field.ErrorList
	if !covered {
		errs = append(errs, field.Invalid(root.Child("network", "onPremises"), s.Migration.Source.CIDR,
			"the migration source's network (spec.migration.source.cidr) is private: list it in spec.network.onPremises.cidrs, reached through a transit gateway or VPN, or DMS cannot reach it"))
	}
	host := s.Migration.Source.Host
	if _, err := netip.ParseAddr(host); err != nil {
		if o == nil || o.DNS == nil || (host != o.DNS.Domain && !strings.HasSuffix(host, "."+o.DNS.Domain)) {
			errs = append(errs, field.Invalid(root.Child("network", "onPremises", "dns"), host,
				"the migration source is a hostname in a private network: forward its domain to the on-prem DNS servers (spec.network.onPremises.dns.domain must contain spec.migration.source.host)"))
		}
	}
	return errs
}
