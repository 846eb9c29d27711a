package fn

import (
	"strconv"

	"github.com/crossplane/function-sdk-go/resource"
	ec2 "github.com/upbound/provider-aws/v2/apis/cluster/ec2/v1beta1"
	ec2v2 "github.com/upbound/provider-aws/v2/apis/cluster/ec2/v1beta2"
	route53resolver "github.com/upbound/provider-aws/v2/apis/cluster/route53resolver/v1beta1"
	"k8s.io/utils/ptr"

	"github.com/acme-payments/xpaymentplatform/apis/v1alpha1"
)

// The on-prem connectivity, part of the network tier: the VPC reaches the
// network the migration source lives in through a transit gateway
// attachment or a site-to-site VPN, the app and data route tables route
// the on-prem CIDRs there, and a Route 53 Resolver outbound endpoint
// forwards the corporate domain to the on-prem DNS servers.

// onPremisesResources composes what spec.network.onPremises asks for.
func onPremisesResources(p *Plan) []Desired {
	o := p.Spec.Network.OnPremises
	if o == nil {
		return nil
	}
	tables := []resource.Name{ResRouteTableData}
	for _, az := range p.AZs {
		tables = append(tables, AppRouteTableName(az))
	}
	var out []Desired
	switch {
	case o.TransitGatewayID != "":
		// The attachment goes in the app subnets, one per AZ (Transit
		// Gateway attachments take one subnet per AZ). Its route table
		// association and propagation on a shared transit gateway are the
		// owner's (Terraform: they "cannot be configured ... with Resource
		// Access Manager shared" transit gateways), so they are left unset.
		attach := Desired{Name: ResTGWAttachment, Object: &ec2.TransitGatewayVPCAttachment{Spec: ec2.TransitGatewayVPCAttachmentSpec{
			ForProvider: ec2.TransitGatewayVPCAttachmentParameters{
				TransitGatewayID: ptr.To(o.TransitGatewayID),
				VPCIDSelector:    p.Sel(ResVPC),
				SubnetIds:        p.TierSubnetIDs(TierApp),
				DNSSupport:       ptr.To("enable"),
			}}}}
		if attach.Object.(*ec2.TransitGatewayVPCAttachment).Spec.ForProvider.SubnetIds == nil {
			for _, az := range p.AZs {
				attach.WaitsFor = append(attach.WaitsFor, SubnetName(TierApp, az))
			}
		}
		out = append(out, attach)
		for _, rt := range tables {
			for _, c := range o.CIDRs {
				out = append(out, Desired{
					Name: OnPremRouteName(rt, c),
					Object: &ec2v2.Route{Spec: ec2v2.RouteSpec{ForProvider: ec2v2.RouteParameters{
						RouteTableIDSelector: p.Sel(rt),
						DestinationCidrBlock: ptr.To(c),
						TransitGatewayID:     ptr.To(o.TransitGatewayID),
					}}},
					// A route to a transit gateway needs the VPC attached to it.
					DependsOn: []resource.Name{ResTGWAttachment},
				})
			}
		}
	default:
		// A virtual private gateway on the VPC, the customer gateway, and a
		// static-routes VPN (two IPsec tunnels); the VPN's static routes
		// reach the route tables by route propagation (VPC user guide,
		// "Route propagation": a virtual private gateway propagates the
		// static routes of its VPN connections to the route tables it is
		// enabled on).
		out = append(out,
			Desired{Name: ResVPNGateway, Object: &ec2.VPNGateway{Spec: ec2.VPNGatewaySpec{ForProvider: ec2.VPNGatewayParameters_2{
				VPCIDSelector: p.Sel(ResVPC),
			}}}},
			Desired{Name: ResCustomerGateway, Object: &ec2.CustomerGateway{Spec: ec2.CustomerGatewaySpec{ForProvider: ec2.CustomerGatewayParameters{
				BGPAsn:    ptr.To(strconv.FormatInt(o.VPN.BGPASN, 10)),
				IPAddress: ptr.To(o.VPN.CustomerGatewayIP),
				Type:      ptr.To("ipsec.1"),
			}}}},
			Desired{Name: ResVPNConnection, Object: &ec2v2.VPNConnection{Spec: ec2v2.VPNConnectionSpec{ForProvider: ec2v2.VPNConnectionParameters{
				VPNGatewayIDSelector:      p.Sel(ResVPNGateway),
				CustomerGatewayIDSelector: p.Sel(ResCustomerGateway),
				Type:                      ptr.To("ipsec.1"),
				StaticRoutesOnly:          ptr.To(true),
			}}}},
		)
		for _, c := range o.CIDRs {
			out = append(out, Desired{Name: resource.Name("vpn-route-" + cidrKey(c)), Object: &ec2.VPNConnectionRoute{Spec: ec2.VPNConnectionRouteSpec{
				ForProvider: ec2.VPNConnectionRouteParameters{
					DestinationCidrBlock:    ptr.To(c),
					VPNConnectionIDSelector: p.Sel(ResVPNConnection),
				}}}})
		}
		for _, rt := range tables {
			out = append(out, Desired{Name: rt + "-vpn-propagation", Object: &ec2.VPNGatewayRoutePropagation{Spec: ec2.VPNGatewayRoutePropagationSpec{
				ForProvider: ec2.VPNGatewayRoutePropagationParameters{
					RouteTableIDSelector: p.Sel(rt),
					VPNGatewayIDSelector: p.Sel(ResVPNGateway),
				}}}})
		}
	}
	if d := o.DNS; d != nil {
		out = append(out, resolverResources(p, d)...)
	}
	return out
}

// resolverResources forward the corporate domain: an outbound endpoint with
// an address in each app subnet (at least two, in two AZs: Route 53
// Resolver developer guide, "Forwarding outbound DNS queries to your
// network"), behind the resolver security group, a FORWARD rule to the
// on-prem DNS servers, and the rule's association with the VPC.
func resolverResources(p *Plan, d *v1alpha1.OnPremisesDNSSpec) []Desired {
	endpoint := Desired{Name: ResResolverEndpoint, Object: &route53resolver.Endpoint{Spec: route53resolver.EndpointSpec{ForProvider: route53resolver.EndpointParameters{
		Name:                    ptr.To(p.Name(ResResolverEndpoint)),
		Direction:               ptr.To("OUTBOUND"),
		SecurityGroupIDSelector: p.Sel(ResSGResolver),
	}}}}
	if ids := p.TierSubnetIDs(TierApp); ids != nil {
		ep := endpoint.Object.(*route53resolver.Endpoint)
		for _, id := range ids {
			ep.Spec.ForProvider.IPAddress = append(ep.Spec.ForProvider.IPAddress, route53resolver.IPAddressParameters{SubnetID: id})
		}
	} else {
		for _, az := range p.AZs {
			endpoint.WaitsFor = append(endpoint.WaitsFor, SubnetName(TierApp, az))
		}
	}
	rule := &route53resolver.Rule{Spec: route53resolver.RuleSpec{ForProvider: route53resolver.RuleParameters{
		Name:                       ptr.To(p.Name(ResResolverRule)),
		DomainName:                 ptr.To(d.Domain),
		RuleType:                   ptr.To("FORWARD"),
		ResolverEndpointIDSelector: p.Sel(ResResolverEndpoint),
	}}}
	for _, ip := range d.ResolverIPs {
		rule.Spec.ForProvider.TargetIP = append(rule.Spec.ForProvider.TargetIP, route53resolver.TargetIPParameters{IP: ptr.To(ip), Port: ptr.To(53.0)})
	}
	return []Desired{
		endpoint,
		{Name: ResResolverRule, Object: rule},
		{Name: ResResolverRuleAssociation, Object: &route53resolver.RuleAssociation{Spec: route53resolver.RuleAssociationSpec{ForProvider: route53resolver.RuleAssociationParameters{
			Name:                   ptr.To(p.Name(ResResolverRuleAssociation)),
			ResolverRuleIDSelector: p.Sel(ResResolverRule),
			VPCIDSelector:          p.Sel(ResVPC),
		}}}},
	}
}

// onPremisesStatus says how the VPC reaches the on-prem network and what of
// it exists.
func (p *Plan) onPremisesStatus() *v1alpha1.OnPremisesStatus {
	o := p.Spec.Network.OnPremises
	if o == nil {
		return nil
	}
	v := p.View.Network
	st := &v1alpha1.OnPremisesStatus{CIDRs: o.CIDRs, TransitGatewayAttachmentID: v.TGWAttachmentID, VPNConnectionID: v.VPNConnectionID,
		ResolverEndpointID: v.ResolverEndpointID}
	if o.TransitGatewayID != "" {
		st.Via = "transit gateway " + o.TransitGatewayID
	} else {
		st.Via = "site-to-site VPN to " + o.VPN.CustomerGatewayIP
	}
	if o.DNS != nil {
		st.ForwardedDomain = o.DNS.Domain
	}
	return st
}

// OnPremRouteName is the route of an on-prem CIDR in a route table through
// the transit gateway: named by the CIDR, so reordering the list changes
// nothing.
func OnPremRouteName(table resource.Name, cidr string) resource.Name {
	return table + "-onprem-" + resource.Name(cidrKey(cidr))
}
