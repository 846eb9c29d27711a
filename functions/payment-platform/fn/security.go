package fn

import (
	"github.com/acme-payments/xpaymentplatform/apis/v1alpha1"
	"github.com/crossplane/function-sdk-go/resource"
	"k8s.io/utils/ptr"

	ec2 "github.com/upbound/provider-aws/v2/apis/cluster/ec2/v1beta1"
)

// Rule is one least-privilege security group rule: traffic of Protocol on
// Port into (Ingress) or out of Group, from or to either another platform
// securityResources group (Peer) or a CIDR.
type Rule struct {
	Name    resource.Name
	Group   resource.Name
	Ingress bool
	// Protocol is tcp unless set (udp for DNS).
	Protocol    string
	Port        int
	Peer        resource.Name
	CIDR        string
	PrefixList  string
	Description string
}

// security composes the four security groups — ALB, app (the Lambdas), database
// and DMS — and the rules between them. Only the ALB accepts traffic from
// the internet, and only on 80 (redirected) and 443. Groups are created
// without rules (the provider removes AWS's default allow-all egress), so
// everything not listed here is denied.
func securityResources(p *Plan) []Desired {
	groups := []struct {
		name resource.Name
		desc string
	}{
		{ResSGALB, "payment API load balancer: HTTPS from the internet"},
		{ResSGApp, "payment API and migration Lambdas"},
		{ResSGDatabase, "Aurora PostgreSQL: 5432 from the app and DMS only"},
		{ResSGDMS, "DMS replication instance: to the source and Aurora only"},
		{ResSGEndpoints, "VPC endpoints of the AWS services the Lambdas and DMS call: 443 from them only"},
	}
	// The Route 53 Resolver outbound endpoint: DNS to the on-prem servers
	// only.
	dns := p.Spec.Network.OnPremises
	if dns != nil && dns.DNS != nil {
		groups = append(groups, struct {
			name resource.Name
			desc string
		}{ResSGResolver, "Route 53 Resolver outbound endpoint: DNS to the on-prem servers only"})
	}
	var out []Desired
	for _, g := range groups {
		out = append(out, Desired{
			Name: g.name,
			Object: &ec2.SecurityGroup{Spec: ec2.SecurityGroupSpec{ForProvider: ec2.SecurityGroupParameters_2{
				Name:                ptr.To(p.Name(g.name)),
				Description:         ptr.To(g.desc),
				VPCIDSelector:       p.Sel(ResVPC),
				RevokeRulesOnDelete: ptr.To(true),
			}}},
		})
	}
	rules := []Rule{
		{Name: "sgr-alb-in-https", Group: ResSGALB, Ingress: true, Port: 443, CIDR: "0.0.0.0/0", Description: "HTTPS from clients"},
		{Name: "sgr-alb-in-http", Group: ResSGALB, Ingress: true, Port: 80, CIDR: "0.0.0.0/0", Description: "HTTP from clients, redirected to HTTPS"},
		{Name: "sgr-app-out-db", Group: ResSGApp, Port: PostgresPort, Peer: ResSGDatabase, Description: "PostgreSQL to Aurora"},
		{Name: "sgr-app-out-endpoints", Group: ResSGApp, Port: 443, Peer: ResSGEndpoints, Description: "HTTPS to the AWS services' VPC endpoints"},
		{Name: "sgr-dms-out-endpoints", Group: ResSGDMS, Port: 443, Peer: ResSGEndpoints, Description: "HTTPS to Secrets Manager's VPC endpoint (target credentials)"},
		{Name: "sgr-endpoints-in-app", Group: ResSGEndpoints, Ingress: true, Port: 443, Peer: ResSGApp, Description: "HTTPS from the Lambdas"},
		{Name: "sgr-endpoints-in-dms", Group: ResSGEndpoints, Ingress: true, Port: 443, Peer: ResSGDMS, Description: "HTTPS from DMS"},
		{Name: "sgr-db-in-app", Group: ResSGDatabase, Ingress: true, Port: PostgresPort, Peer: ResSGApp, Description: "PostgreSQL from the app tier"},
		{Name: "sgr-db-in-dms", Group: ResSGDatabase, Ingress: true, Port: PostgresPort, Peer: ResSGDMS, Description: "PostgreSQL from DMS"},
		{Name: "sgr-dms-out-db", Group: ResSGDMS, Port: PostgresPort, Peer: ResSGDatabase, Description: "PostgreSQL to Aurora"},
	}
	if p.Spec.MigrationEnabled() {
		src := p.Spec.Migration.Source
		rules = append(rules, Rule{Name: ResSGRuleDMSOutSource, Group: ResSGDMS, Port: src.Port, CIDR: src.CIDR, Description: "PostgreSQL to the on-prem source"})
		if p.Spec.Lambdas.ValidatorEnabled() {
			rules = append(rules, Rule{Name: ResSGRuleAppOutSource, Group: ResSGApp, Port: src.Port, CIDR: src.CIDR, Description: "The validator reads the on-prem source"})
		}
	}
	// S3 through its gateway endpoint: the prefix list the endpoint
	// routes is known once it exists.
	if pl := p.View.Network.S3PrefixListID; pl != "" {
		rules = append(rules, Rule{Name: "sgr-app-out-s3", Group: ResSGApp, Port: 443, PrefixList: pl, Description: "HTTPS to S3 through its gateway endpoint"})
	}
	if dns != nil && dns.DNS != nil {
		for _, ip := range dns.DNS.ResolverIPs {
			for _, proto := range []string{"udp", "tcp"} {
				rules = append(rules, Rule{Name: resource.Name("sgr-resolver-out-" + cidrKey(ip) + "-" + proto), Group: ResSGResolver, Protocol: proto, Port: 53,
					CIDR: ip + "/32", Description: "DNS (" + proto + ") to the on-prem server " + ip})
			}
		}
	}
	for _, r := range rules {
		out = append(out, r.desired(p))
	}
	return out
}

func (r Rule) desired(p *Plan) Desired {
	// A rule's other side is a platform security group, an AWS prefix
	// list or a CIDR.
	var cidr, prefixList *string
	peerSel := p.Sel(r.Peer)
	switch {
	case r.Peer != "":
	case r.PrefixList != "":
		peerSel, prefixList = nil, ptr.To(r.PrefixList)
	default:
		peerSel, cidr = nil, ptr.To(r.CIDR)
	}
	port := ptr.To(float64(r.Port))
	proto := ptr.To("tcp")
	if r.Protocol != "" {
		proto = ptr.To(r.Protocol)
	}
	if r.Ingress {
		return Desired{Name: r.Name, Object: &ec2.SecurityGroupIngressRule{Spec: ec2.SecurityGroupIngressRuleSpec{
			ForProvider: ec2.SecurityGroupIngressRuleParameters{
				SecurityGroupIDSelector:           p.Sel(r.Group),
				IPProtocol:                        proto,
				FromPort:                          port,
				ToPort:                            port,
				CidrIPv4:                          cidr,
				ReferencedSecurityGroupIDSelector: peerSel,
				Description:                       ptr.To(r.Description),
			}}}}
	}
	return Desired{Name: r.Name, Object: &ec2.SecurityGroupEgressRule{Spec: ec2.SecurityGroupEgressRuleSpec{
		ForProvider: ec2.SecurityGroupEgressRuleParameters{
			SecurityGroupIDSelector:           p.Sel(r.Group),
			IPProtocol:                        proto,
			FromPort:                          port,
			ToPort:                            port,
			CidrIPv4:                          cidr,
			ReferencedSecurityGroupIDSelector: peerSel,
			PrefixListID:                      prefixList,
			Description:                       ptr.To(r.Description),
		}}}}
}

// security is the security groups and their rules; the status shows the
// groups' IDs.
func security(p *Plan) Part {
	g := p.View.Security.GroupIDs
	sg := v1alpha1.SecurityGroupStatus{ALB: g[ResSGALB], App: g[ResSGApp], Database: g[ResSGDatabase], DMS: g[ResSGDMS]}
	var st v1alpha1.XPaymentPlatformStatus
	if sg != (v1alpha1.SecurityGroupStatus{}) {
		st.SecurityGroups = &sg
	}
	return Part{Resources: securityResources(p), Status: st}
}
