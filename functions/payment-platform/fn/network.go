package fn

import (
	"github.com/crossplane/function-sdk-go/resource"
	"k8s.io/utils/ptr"

	ec2 "github.com/upbound/provider-aws/v2/apis/cluster/ec2/v1beta1"
	ec2v2 "github.com/upbound/provider-aws/v2/apis/cluster/ec2/v1beta2"
	iam "github.com/upbound/provider-aws/v2/apis/cluster/iam/v1beta1"

	"github.com/acme-payments/xpaymentplatform/apis/v1alpha1"
)

// NATZones are the AZs that get a NAT gateway: all of them, or the first.
func (p *Plan) NATZones() []AZ {
	if p.Spec.Network.NATMode == v1alpha1.NATSingle {
		return p.AZs[:1]
	}
	return p.AZs
}

// networkResources composes the VPC: DNS on, (public, app, data) subnets per AZ,
// an internet gateway for the public tier, NAT gateways for the app tier and
// an isolated data tier with no route out.
func networkResources(p *Plan) []Desired {
	out := []Desired{{
		Name: ResVPC,
		Object: &ec2.VPC{Spec: ec2.VPCSpec{ForProvider: ec2.VPCParameters_2{
			CidrBlock:          ptr.To(p.Spec.Network.VPCCIDR),
			EnableDNSSupport:   ptr.To(true),
			EnableDNSHostnames: ptr.To(true),
		}}},
	}, {
		Name: ResIGW,
		Object: &ec2.InternetGateway{Spec: ec2.InternetGatewaySpec{ForProvider: ec2.InternetGatewayParameters_2{
			VPCIDSelector: p.Sel(ResVPC),
		}}},
	}}

	for _, tier := range SubnetTiers {
		for i, az := range p.AZs {
			subnet := &ec2.Subnet{Spec: ec2.SubnetSpec{ForProvider: ec2.SubnetParameters_2{
				AvailabilityZone:    zoneName(az),
				AvailabilityZoneID:  zoneID(az),
				CidrBlock:           ptr.To(p.Subnets[tier][i].String()),
				MapPublicIPOnLaunch: ptr.To(false),
				VPCIDSelector:       p.Sel(ResVPC),
				Tags:                map[string]*string{"Tier": ptr.To(tier)},
			}}}
			subnet.SetLabels(map[string]string{LabelSubnetTier: tier})
			out = append(out, Desired{Name: SubnetName(tier, az), Object: subnet})
		}
	}

	// Public tier: one route table with the default route to the IGW.
	out = append(out, routeTable(p, "rt-public", "igw", func(r *ec2v2.RouteParameters) {
		r.GatewayIDSelector = p.Sel(ResIGW)
	}, TierPublic, p.AZs)...)

	// NAT gateways in the public subnets.
	for _, az := range p.NATZones() {
		out = append(out, Desired{
			Name: NATEIPName(az),
			Object: &ec2.EIP{Spec: ec2.EIPSpec{ForProvider: ec2.EIPParameters{
				Domain: ptr.To("vpc"),
			}}},
		}, Desired{
			Name: NATName(az),
			Object: &ec2.NATGateway{Spec: ec2.NATGatewaySpec{ForProvider: ec2.NATGatewayParameters_2{
				ConnectivityType:     ptr.To("public"),
				AllocationIDSelector: p.Sel(NATEIPName(az)),
				SubnetIDSelector:     p.Sel(SubnetName(TierPublic, az)),
			}}},
		})
	}

	// App tier: a route table per AZ with the default route to that AZ's
	// NAT gateway (or the single one), so an AZ outage stays in its AZ.
	nats := p.NATZones()
	for i, az := range p.AZs {
		nat := nats[min(i, len(nats)-1)]
		out = append(out, routeTable(p, AppRouteTableName(az), "nat", func(r *ec2v2.RouteParameters) {
			r.NATGatewayIDSelector = p.Sel(NATName(nat))
		}, TierApp, []AZ{az})...)
	}

	// Data tier: local routes only.
	out = append(out, routeTable(p, ResRouteTableData, "", nil, TierData, p.AZs)...)
	return out
}

// routeTable composes a route table, its default route (when via is set)
// and its associations with the tier's subnets in the given AZs.
func routeTable(p *Plan, name resource.Name, via string, target func(*ec2v2.RouteParameters), tier string, azs []AZ) []Desired {
	out := []Desired{{
		Name: name,
		Object: &ec2.RouteTable{Spec: ec2.RouteTableSpec{ForProvider: ec2.RouteTableParameters_2{
			VPCIDSelector: p.Sel(ResVPC),
			Tags:          map[string]*string{"Tier": ptr.To(tier)},
		}}},
	}}
	if target != nil {
		rp := ec2v2.RouteParameters{
			DestinationCidrBlock: ptr.To("0.0.0.0/0"),
			RouteTableIDSelector: p.Sel(name),
		}
		target(&rp)
		out = append(out, Desired{
			Name:   name + resource.Name("-default-"+via),
			Object: &ec2v2.Route{Spec: ec2v2.RouteSpec{ForProvider: rp}},
		})
	}
	for _, az := range azs {
		out = append(out, Desired{
			Name: resource.Name("rta-" + tier + "-" + az.Key),
			Object: &ec2.RouteTableAssociation{Spec: ec2.RouteTableAssociationSpec{ForProvider: ec2.RouteTableAssociationParameters{
				RouteTableIDSelector: p.Sel(name),
				SubnetIDSelector:     p.Sel(SubnetName(tier, az)),
			}}},
		})
	}
	return out
}

// FlowLogGroupName is the CloudWatch log group of the VPC flow logs.
func (p *Plan) FlowLogGroupName() string {
	return "/aws/vpc/flowlogs/payment-" + p.Spec.EnvironmentSuffix
}

// flowLogs records ALL VPC traffic to a KMS-encrypted log group kept for the
// claim's retention, through a role only the VPC flow-logs service of this
// region can assume and that may only write to that log group.
func flowLogs(p *Plan) Part {
	return Part{Resources: flowLogResources(p)}
}

// flowLogResources are the flow logs' log group, role, policy and the flow log.
func flowLogResources(p *Plan) []Desired {
	group := p.ARN("logs", "log-group:"+p.FlowLogGroupName())
	return []Desired{
		LogGroup(p, ResFlowLogGroup, p.FlowLogGroupName(), p.Spec.Network.FlowLogRetentionDays),
		{
			Name: ResFlowLogRole,
			Object: &iam.Role{Spec: iam.RoleSpec{ForProvider: iam.RoleParameters{
				Description:      ptr.To("VPC flow logs delivery for payment-" + p.Spec.EnvironmentSuffix),
				AssumeRolePolicy: p.TrustPolicy("vpc-flow-logs.amazonaws.com", p.ARN("ec2", "vpc-flow-log/*")),
			}}},
		},
		{
			Name: ResFlowLogPolicy,
			Object: &iam.RolePolicy{Spec: iam.RolePolicySpec{ForProvider: iam.RolePolicyParameters{
				RoleSelector: p.Sel(ResFlowLogRole),
				Policy: Policy(
					Allow("DeliverFlowLogs", []string{"logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"}, group+":*"),
					Allow("DescribeFlowLogGroup", []string{"logs:DescribeLogGroups"}, p.ARN("logs", "log-group:*")),
				),
			}}},
		},
		{
			Name: ResFlowLog,
			Object: &ec2v2.FlowLog{Spec: ec2v2.FlowLogSpec{ForProvider: ec2v2.FlowLogParameters{
				VPCIDSelector:          p.Sel(ResVPC),
				TrafficType:            ptr.To("ALL"),
				LogDestinationType:     ptr.To("cloud-watch-logs"),
				LogDestinationSelector: p.Sel(ResFlowLogGroup),
				IAMRoleArnSelector:     p.Sel(ResFlowLogRole),
				MaxAggregationInterval: ptr.To(60.0),
			}}},
		},
	}
}

// network is the VPC and its subnets, gateways and routes; the status shows
// the zones, the VPC, the subnets (once all of a tier are known) and the
// NAT gateways' public IPs (for the on-prem allow-list).
func network(p *Plan) Part {
	st := v1alpha1.XPaymentPlatformStatus{VPCID: p.View.Network.VPCID}
	for _, az := range p.AZs {
		st.AvailabilityZones = append(st.AvailabilityZones, orPattern(az.Name, az.ID))
	}
	ids := func(tier string) []string {
		var out []string
		for _, id := range p.TierSubnetIDs(tier) {
			out = append(out, *id)
		}
		return out
	}
	sub := v1alpha1.SubnetStatus{Public: ids(TierPublic), App: ids(TierApp), Data: ids(TierData)}
	if sub.Public != nil || sub.App != nil || sub.Data != nil {
		st.Subnets = &sub
	}
	for _, az := range p.NATZones() {
		if ip := p.View.Network.NATIPs[NATEIPName(az)]; ip != "" {
			st.NATGatewayIPs = append(st.NATGatewayIPs, ip)
		}
	}
	st.OnPremises = p.onPremisesStatus()
	resources := append(networkResources(p), endpointsResources(p)...)
	return Part{Resources: append(resources, onPremisesResources(p)...), Status: st}
}

// zoneName and zoneID place a subnet: by zone ID when the claim pins IDs
// (aws_subnet's availability_zone_id; the two conflict), else by name.
func zoneName(az AZ) *string {
	if az.ID != "" {
		return nil
	}
	return ptr.To(az.Name)
}

func zoneID(az AZ) *string {
	if az.ID == "" {
		return nil
	}
	return ptr.To(az.ID)
}
