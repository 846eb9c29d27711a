package fn

import (
	"github.com/crossplane/function-sdk-go/resource"
	"k8s.io/utils/ptr"

	ec2 "github.com/upbound/provider-aws/v2/apis/cluster/ec2/v1beta1"
	ec2v2 "github.com/upbound/provider-aws/v2/apis/cluster/ec2/v1beta2"
)

// endpoint is an AWS service the platform's Lambdas or DMS call, reached
// through a VPC endpoint instead of the internet.
type endpoint struct {
	service string // the service's name in com.amazonaws.<region>.<service>
	// who calls it, for the reader of a render.
	why string
	// needed reports whether this platform calls it.
	needed func(p *Plan) bool
}

// interfaceEndpoints are the services the app security group reaches on
// 443 through interface endpoints in the app subnets; nothing else leaves
// the VPC on 443 (CIS/FSBP EC2 egress: AWS-0104).
var interfaceEndpoints = []endpoint{
	{service: "secretsmanager", why: "the API and the validator read the database secret; DMS reads its target credentials", needed: always},
	{service: "sts", why: "AWS SDK credential and identity calls of the Lambdas", needed: always},
	{service: "logs", why: "CloudWatch Logs API calls of the Lambdas", needed: always},
	{service: "monitoring", why: "the rollback trigger publishes RollbackRequested", needed: always},
	{service: "xray", why: "X-Ray traces of the Lambdas", needed: always},
	{service: "rds-data", why: "DMS's user rotation and the validator reach Aurora through the RDS Data API", needed: withLambdas},
	{service: "sns", why: "the rollback trigger notifies the alarm topic", needed: withValidator},
	{service: "dms", why: "the rollback trigger stops the replication task", needed: withValidator},
}

func always(*Plan) bool { return true }

// withLambdas: any platform Lambda runs (DMS's user rotation runs with
// every migration).
func withLambdas(p *Plan) bool { return p.Spec.Lambdas != nil && p.Spec.MigrationEnabled() }

// withValidator: the validator and the rollback trigger run.
func withValidator(p *Plan) bool {
	return p.Spec.Lambdas.ValidatorEnabled() && p.Spec.MigrationEnabled()
}

// endpointsResources are the interface endpoints (with private DNS, in
// every app subnet, behind the endpoints security group) and the S3
// gateway endpoint on the app route tables. Each association is its own
// resource: provider-aws manages an endpoint's subnets, security groups
// and route tables through association kinds, not endpoint fields.
func endpointsResources(p *Plan) []Desired {
	var out []Desired
	for _, e := range interfaceEndpoints {
		if !e.needed(p) {
			continue
		}
		name := EndpointName(e.service)
		vpce := &ec2v2.VPCEndpoint{Spec: ec2v2.VPCEndpointSpec{ForProvider: ec2v2.VPCEndpointParameters{
			ServiceName:       ptr.To("com.amazonaws." + p.Region() + "." + e.service),
			VPCEndpointType:   ptr.To("Interface"),
			PrivateDNSEnabled: ptr.To(true),
			VPCIDSelector:     p.Sel(ResVPC),
			Tags:              map[string]*string{"Purpose": ptr.To(e.why)},
		}}}
		out = append(out, Desired{Name: name, Object: vpce}, Desired{
			Name: name + "-sg",
			Object: &ec2.VPCEndpointSecurityGroupAssociation{Spec: ec2.VPCEndpointSecurityGroupAssociationSpec{ForProvider: ec2.VPCEndpointSecurityGroupAssociationParameters{
				VPCEndpointIDSelector:     p.Sel(name),
				SecurityGroupIDSelector:   p.Sel(ResSGEndpoints),
				ReplaceDefaultAssociation: ptr.To(true),
			}}},
		})
		for _, az := range p.AZs {
			out = append(out, Desired{
				Name: name + resource.Name("-subnet-"+az.Key),
				Object: &ec2.VPCEndpointSubnetAssociation{Spec: ec2.VPCEndpointSubnetAssociationSpec{ForProvider: ec2.VPCEndpointSubnetAssociationParameters{
					VPCEndpointIDSelector: p.Sel(name),
					SubnetIDSelector:      p.Sel(SubnetName(TierApp, az)),
				}}},
			})
		}
	}
	s3 := EndpointName("s3")
	out = append(out, Desired{Name: s3, Object: &ec2v2.VPCEndpoint{Spec: ec2v2.VPCEndpointSpec{ForProvider: ec2v2.VPCEndpointParameters{
		ServiceName:     ptr.To("com.amazonaws." + p.Region() + ".s3"),
		VPCEndpointType: ptr.To("Gateway"),
		VPCIDSelector:   p.Sel(ResVPC),
		Tags:            map[string]*string{"Purpose": ptr.To("S3 from the app subnets without the internet")},
	}}}})
	for _, az := range p.AZs {
		out = append(out, Desired{
			Name: s3 + resource.Name("-rt-app-"+az.Key),
			Object: &ec2.VPCEndpointRouteTableAssociation{Spec: ec2.VPCEndpointRouteTableAssociationSpec{ForProvider: ec2.VPCEndpointRouteTableAssociationParameters{
				VPCEndpointIDSelector: p.Sel(s3),
				RouteTableIDSelector:  p.Sel(resource.Name("rt-app-" + az.Key)),
			}}},
		})
	}
	return out
}
