package fn

import (
	"slices"
	"strings"
	"testing"

	"github.com/crossplane/function-sdk-go/resource"
	"github.com/google/go-cmp/cmp"

	ec2 "github.com/upbound/provider-aws/v2/apis/cluster/ec2/v1beta1"
	ec2v2 "github.com/upbound/provider-aws/v2/apis/cluster/ec2/v1beta2"
	rds "github.com/upbound/provider-aws/v2/apis/cluster/rds/v1beta1"
)

// TestNetwork: NAT gateways per AZ in staging and prod, one in dev (or
// as the claim says); each AZ's app subnets route through their own AZ's
// gateway (or the single one); the data tier has no route out; subnets
// are carved from the VPC CIDR by tier and AZ; the status lists the zones,
// the subnets once all of a tier are known, and the NAT gateways' IPs.
func TestNetwork(t *testing.T) {
	cases := map[string]struct {
		spec        string
		wantNATs    []resource.Name
		routeB      string
		wantSubnets map[resource.Name]string
	}{
		"Prod": {spec: "environmentSuffix: p\nenvironment: prod", wantNATs: []resource.Name{"nat-a", "nat-b", "nat-c"}, routeB: "nat-b",
			wantSubnets: map[resource.Name]string{"subnet-public-a": "10.0.0.0/20", "subnet-app-b": "10.0.80.0/20", "subnet-data-c": "10.0.160.0/20"}},
		"StagingSingle": {spec: "environmentSuffix: s\nenvironment: staging\nnetwork: {natMode: Single}", wantNATs: []resource.Name{"nat-a"}, routeB: "nat-a"},
		"DevDefault":    {spec: "environmentSuffix: d", wantNATs: []resource.Name{"nat-a"}, routeB: "nat-a"},
		"DevPerAZTwoAZ": {spec: "environmentSuffix: d\nnetwork: {natMode: PerAZ, availabilityZones: 2, vpcCidr: 10.8.0.0/20}", wantNATs: []resource.Name{"nat-a", "nat-b"}, routeB: "nat-b",
			wantSubnets: map[resource.Name]string{"subnet-public-a": "10.8.0.0/24", "subnet-app-b": "10.8.5.0/24", "subnet-data-b": "10.8.9.0/24"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			part := network(tierPlan(t, tc.spec, nil, nil))
			var nats []resource.Name
			for _, d := range part.Resources {
				if _, ok := d.Object.(*ec2.NATGateway); ok {
					nats = append(nats, d.Name)
				}
			}
			if diff := cmp.Diff(tc.wantNATs, nats); diff != "" {
				t.Errorf("NAT gateways -want +got:\n%s", diff)
			}
			route := object[*ec2v2.Route](t, part, "rt-app-b-default-nat").Spec.ForProvider
			if got := route.NATGatewayIDSelector.MatchLabels[LabelResource]; got != tc.routeB {
				t.Errorf("AZ b routes through %s, want %s", got, tc.routeB)
			}
			if composes(part, "rt-data-default-nat") || composes(part, "rt-data-default-igw") {
				t.Error("the data tier has a route out")
			}
			for n, cidr := range tc.wantSubnets {
				if got := deref(object[*ec2.Subnet](t, part, n).Spec.ForProvider.CidrBlock); got != cidr {
					t.Errorf("%s = %s, want %s", n, got, cidr)
				}
			}
		})
	}
}

// TestNetworkStatus: the status shows a tier's subnets only once all of
// them are known, in AZ order, and the NAT gateways' public IPs.
func TestNetworkStatus(t *testing.T) {
	p := tierPlan(t, "environmentSuffix: p\nenvironment: prod", nil, func(v *Views) {
		v.Network.VPCID = "vpc-1"
		v.Network.SubnetIDs = map[resource.Name]string{"subnet-data-a": "s-da", "subnet-data-b": "s-db", "subnet-data-c": "s-dc", "subnet-app-a": "s-aa"}
		v.Network.NATIPs = map[resource.Name]string{"nat-eip-b": "3.0.0.2", "nat-eip-a": "3.0.0.1"}
	})
	st := network(p).Status
	if st.VPCID != "vpc-1" || !slices.Equal(st.AvailabilityZones, []string{"us-east-2a", "us-east-2b", "us-east-2c"}) {
		t.Errorf("status = %+v", st)
	}
	if st.Subnets == nil || !slices.Equal(st.Subnets.Data, []string{"s-da", "s-db", "s-dc"}) || st.Subnets.App != nil || st.Subnets.Public != nil {
		t.Errorf("subnets = %+v, want only the data tier (the others are not all known)", st.Subnets)
	}
	if !slices.Equal(st.NATGatewayIPs, []string{"3.0.0.1", "3.0.0.2"}) {
		t.Errorf("NAT IPs = %v", st.NATGatewayIPs)
	}
}

// TestEndpoints: an interface endpoint with private DNS for each AWS
// service the Lambdas and DMS call (the validator's and the rollback
// trigger's only with them), each in every app subnet behind the
// endpoints' security group, and the S3 gateway endpoint on every app
// route table.
func TestEndpoints(t *testing.T) {
	const migration = "\nmigration: {source: {host: 198.51.100.1, credentialsSecretRef: {name: s}}}\n" + dmsUserSpec
	for name, tc := range map[string]struct {
		spec     string
		services []string
	}{
		"Platform":    {spec: "environmentSuffix: t", services: []string{"logs", "monitoring", "secretsmanager", "sts", "xray"}},
		"WithLambdas": {spec: "environmentSuffix: t" + migration + lambdasSpec, services: []string{"dms", "logs", "monitoring", "rds-data", "secretsmanager", "sns", "sts", "xray"}},
	} {
		t.Run(name, func(t *testing.T) {
			part := network(tierPlan(t, tc.spec, nil, nil))
			var services []string
			for _, d := range part.Resources {
				e, ok := d.Object.(*ec2v2.VPCEndpoint)
				if !ok || deref(e.Spec.ForProvider.VPCEndpointType) != "Interface" {
					continue
				}
				svc := strings.TrimPrefix(deref(e.Spec.ForProvider.ServiceName), "com.amazonaws.us-east-2.")
				services = append(services, svc)
				if !deref(e.Spec.ForProvider.PrivateDNSEnabled) || d.Name != EndpointName(svc) {
					t.Errorf("%s = %+v", d.Name, e.Spec.ForProvider)
				}
				sg := object[*ec2.VPCEndpointSecurityGroupAssociation](t, part, d.Name+"-sg").Spec.ForProvider
				if sg.SecurityGroupIDSelector.MatchLabels[LabelResource] != string(ResSGEndpoints) {
					t.Errorf("%s-sg = %+v", d.Name, sg)
				}
				for _, az := range []string{"a", "b", "c"} {
					sub := object[*ec2.VPCEndpointSubnetAssociation](t, part, d.Name+resource.Name("-subnet-"+az)).Spec.ForProvider
					if sub.SubnetIDSelector.MatchLabels[LabelResource] != "subnet-app-"+az {
						t.Errorf("%s-subnet-%s = %+v", d.Name, az, sub)
					}
				}
			}
			slices.Sort(services)
			if !slices.Equal(services, tc.services) {
				t.Errorf("interface endpoints %v, want %v", services, tc.services)
			}
			if s3 := object[*ec2v2.VPCEndpoint](t, part, "vpce-s3").Spec.ForProvider; deref(s3.VPCEndpointType) != "Gateway" {
				t.Errorf("vpce-s3 = %+v", s3)
			}
			for _, az := range []string{"a", "b", "c"} {
				rt := object[*ec2.VPCEndpointRouteTableAssociation](t, part, resource.Name("vpce-s3-rt-app-"+az)).Spec.ForProvider
				if rt.RouteTableIDSelector.MatchLabels[LabelResource] != "rt-app-"+az {
					t.Errorf("vpce-s3-rt-app-%s = %+v", az, rt)
				}
			}
		})
	}
}

// TestZoneIDs: zone IDs place the subnets by ID (a zone's letter differs
// between accounts); each Aurora instance waits for the zone name AWS
// reports for its zone's data subnet and then takes it.
func TestZoneIDs(t *testing.T) {
	spec := strings.Replace(prodSpec, "network:\n", "network:\n  availabilityZoneIds: [use2-az1, use2-az2, use2-az3]\n", 1)
	first := run(t, withClaim(newRequest(t, spec, nil)))
	sub := desired(t, first, "subnet-data-b")
	if get(sub, "spec.forProvider.availabilityZoneId") != "use2-az2" || get(sub, "spec.forProvider.availabilityZone") != nil {
		t.Errorf("subnet placed by %v / %v, want the zone ID only", get(sub, "spec.forProvider.availabilityZoneId"), get(sub, "spec.forProvider.availabilityZone"))
	}
	p := tierPlan(t, spec, nil, nil)
	if composes(database(p), "aurora-instance-b") {
		t.Error("Aurora instance composed before its zone's name is known")
	}
	known := tierPlan(t, spec, nil, func(v *Views) {
		v.Encryption.KeyARN = testKeyARN
		v.Network.SubnetZones = map[resource.Name]string{"subnet-data-a": "us-east-2c", "subnet-data-b": "us-east-2a", "subnet-data-c": "us-east-2b"}
	})
	for _, d := range database(known).Resources {
		if d.Name == "aurora-instance-b" {
			if len(d.WaitsFor) != 0 || *d.Object.(*rds.ClusterInstance).Spec.ForProvider.AvailabilityZone != "us-east-2a" {
				t.Errorf("aurora-instance-b waits for %v, zone %v", d.WaitsFor, d.Object.(*rds.ClusterInstance).Spec.ForProvider.AvailabilityZone)
			}
		}
	}
}

// TestOnPremises: a transit gateway attachment in the app subnets and a
// route per on-prem CIDR in every app and data route table, or a VPN whose
// static routes propagate to them; the corporate domain forwarded by an
// outbound endpoint behind a group that allows DNS to the on-prem servers
// only; the status says how the VPC reaches the on-prem network.
func TestOnPremises(t *testing.T) {
	rsp := run(t, withClaim(newRequest(t, prodSpec, readyWorld(t, prodSpec))))
	att := desired(t, rsp, "tgw-attachment")
	if get(att, "spec.forProvider.transitGatewayId") != "tgw-0a1b2c3d4e5f60718" || len(get(att, "spec.forProvider.subnetIds").([]any)) != 3 {
		t.Errorf("attachment = %v", get(att, "spec.forProvider"))
	}
	for _, rt := range []string{"rt-app-a", "rt-app-b", "rt-app-c", "rt-data"} {
		r := desired(t, rsp, rt+"-onprem-192-168-0-0-16")
		if get(r, "spec.forProvider.destinationCidrBlock") != "192.168.0.0/16" || get(r, "spec.forProvider.transitGatewayId") != "tgw-0a1b2c3d4e5f60718" ||
			label(r, "spec.forProvider.routeTableIdSelector") != rt {
			t.Errorf("%s route = %v", rt, get(r, "spec.forProvider"))
		}
	}
	ep := desired(t, rsp, "resolver-outbound")
	if get(ep, "spec.forProvider.direction") != "OUTBOUND" || len(get(ep, "spec.forProvider.ipAddress").([]any)) != 3 ||
		label(ep, "spec.forProvider.securityGroupIdSelector") != "sg-resolver" {
		t.Errorf("resolver endpoint = %v", get(ep, "spec.forProvider"))
	}
	rule := desired(t, rsp, "resolver-rule")
	if get(rule, "spec.forProvider.domainName") != "corp.example.com" || get(rule, "spec.forProvider.ruleType") != "FORWARD" ||
		len(get(rule, "spec.forProvider.targetIp").([]any)) != 2 {
		t.Errorf("resolver rule = %v", get(rule, "spec.forProvider"))
	}
	udp := desired(t, rsp, "sgr-resolver-out-192-168-1-10-udp")
	if get(udp, "spec.forProvider.ipProtocol") != "udp" || get(udp, "spec.forProvider.fromPort") != 53.0 || get(udp, "spec.forProvider.cidrIpv4") != "192.168.1.10/32" {
		t.Errorf("resolver DNS rule = %v", get(udp, "spec.forProvider"))
	}
	st := get(rsp.GetDesired().GetComposite().GetResource().AsMap(), "status.onPremises").(map[string]any)
	if st["via"] != "transit gateway tgw-0a1b2c3d4e5f60718" || st["transitGatewayAttachmentId"] != "tgw-attachment-id" || st["forwardedDomain"] != "corp.example.com" {
		t.Errorf("status.onPremises = %v", st)
	}

	vpnSpec := strings.Replace(prodSpec, "    transitGatewayId: tgw-0a1b2c3d4e5f60718\n", "    vpn: {customerGatewayIp: 203.0.113.10}\n", 1)
	vpn := run(t, withClaim(newRequest(t, vpnSpec, readyWorld(t, vpnSpec))))
	if cgw := desired(t, vpn, "customer-gateway"); get(cgw, "spec.forProvider.ipAddress") != "203.0.113.10" || get(cgw, "spec.forProvider.bgpAsn") != "65000" {
		t.Errorf("customer gateway = %v", get(cgw, "spec.forProvider"))
	}
	if c := desired(t, vpn, "vpn"); get(c, "spec.forProvider.staticRoutesOnly") != true || label(c, "spec.forProvider.vpnGatewayIdSelector") != "vpn-gateway" {
		t.Errorf("VPN connection = %v", get(c, "spec.forProvider"))
	}
	if r := desired(t, vpn, "vpn-route-192-168-0-0-16"); get(r, "spec.forProvider.destinationCidrBlock") != "192.168.0.0/16" {
		t.Errorf("VPN route = %v", get(r, "spec.forProvider"))
	}
	for _, rt := range []string{"rt-app-a", "rt-app-b", "rt-app-c", "rt-data"} {
		if label(desired(t, vpn, rt+"-vpn-propagation"), "spec.forProvider.routeTableIdSelector") != rt {
			t.Errorf("%s: no VPN route propagation", rt)
		}
		if slices.Contains(names(vpn), rt+"-onprem-192-168-0-0-16") {
			t.Errorf("%s: a transit gateway route without a transit gateway", rt)
		}
	}
	if slices.Contains(names(vpn), "tgw-attachment") {
		t.Error("transit gateway attachment composed for a VPN")
	}
}
