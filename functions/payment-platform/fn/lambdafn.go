package fn

import (
	"github.com/acme-payments/xpaymentplatform/internal/contract"
	"github.com/crossplane/function-sdk-go/resource"
	iam "github.com/upbound/provider-aws/v2/apis/cluster/iam/v1beta1"
	lambdav2 "github.com/upbound/provider-aws/v2/apis/cluster/lambda/v1beta2"
	"k8s.io/utils/ptr"
)

// What every Lambda function of the platform shares: the payment API and
// the migration Lambdas alike.

// vpcLambda completes what every platform Lambda shares: its role, the
// app subnets (by ID: see TierSubnetIDs; a tier composes the function once
// they are known, inVPC) and security group, X-Ray tracing, and its
// environment encrypted with the platform key.
func (p *Plan) vpcLambda(role resource.Name, env map[string]*string, fp lambdav2.FunctionParameters) *lambdav2.Function {
	fp.RoleSelector = p.Sel(role)
	fp.KMSKeyArn = p.KMSKeyARN()
	fp.TracingConfig = &lambdav2.TracingConfigParameters{Mode: ptr.To("Active")}
	fp.Environment = &lambdav2.EnvironmentParameters{Variables: env}
	fp.VPCConfig = &lambdav2.VPCConfigParameters{SubnetIds: p.TierSubnetIDs(TierApp), SecurityGroupIDSelector: p.Sel(ResSGApp)}
	return &lambdav2.Function{Spec: lambdav2.FunctionSpec{ForProvider: fp}}
}

// lambdaBaseStatements is what every platform Lambda may do: write its own
// log group, manage its VPC network interfaces and send X-Ray traces (both
// AWS APIs that cannot be scoped to a resource), read the database secret
// and decrypt with the platform key.
func (p *Plan) lambdaBaseStatements(function string) []Statement {
	logGroup := p.ARN("logs", "log-group:/aws/lambda/"+function)
	return []Statement{
		Allow("WriteOwnLogs", []string{"logs:CreateLogStream", "logs:PutLogEvents"}, logGroup+":*"),
		// Lambda creates and deletes the function's network interfaces with
		// its role: the actions of AWSLambdaVPCAccessExecutionRole, scoped
		// to the account and region as the Lambda developer guide shows
		// (configuration-vpc: "include all resource IDs, for example
		// arn:aws:ec2:us-west-2:123456789012:*/*"); the Describe actions
		// "only work if allowed on all resources" (Resource "*").
		Allow("VPCNetworkInterfaces", []string{"ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface",
			"ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"}, p.ARN("ec2", "*/*")),
		Allow("DescribeVPCNetwork", []string{"ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"}, "*"),
		Allow("XRayTraces", []string{"xray:PutTraceSegments", "xray:PutTelemetryRecords"}, "*"),
		Allow("ReadDatabaseSecret", []string{"secretsmanager:GetSecretValue"}, p.secretARNOrPattern()),
		Allow("DecryptWithPlatformKey", []string{"kms:Decrypt"}, p.KMSKeyARNOrPattern()),
	}
}

// placed marks the platform Lambdas that cannot be created yet as waiting:
// for their app subnets (all known, see TierSubnetIDs) and the platform
// key's ARN (see KMSKeyARN).
func (p *Plan) placed(ds []Desired) []Desired {
	for i, d := range ds {
		f, ok := d.Object.(*lambdav2.Function)
		if !ok || f.Spec.ForProvider.VPCConfig == nil {
			continue
		}
		if f.Spec.ForProvider.VPCConfig.SubnetIds == nil {
			for _, az := range p.AZs {
				ds[i].WaitsFor = append(ds[i].WaitsFor, SubnetName(TierApp, az))
			}
		}
		ds[i].WaitsFor = append(ds[i].WaitsFor, p.waitsForKey()...)
	}
	return ds
}

// lambdaRole is a platform Lambda's execution role, assumable by Lambda for
// that function only.
func (p *Plan) lambdaRole(name resource.Name, function string) Desired {
	return Desired{Name: name, Object: &iam.Role{Spec: iam.RoleSpec{ForProvider: iam.RoleParameters{
		Description:      ptr.To("Execution role of " + function),
		AssumeRolePolicy: p.TrustPolicy("lambda.amazonaws.com", p.ARN("lambda", "function:"+function)),
	}}}}
}

// zipLambda is a Go Lambda from the published zip: arm64, provided.al2023,
// in the app subnets (the validator reaches the source through the NAT
// gateways), traced, environment encrypted with the platform key.
func (p *Plan) zipLambda(artifact, hash string, role resource.Name, timeout, memory int, env map[string]*string, desc string) *lambdav2.Function {
	l := p.Spec.Lambdas
	return p.vpcLambda(role, env, lambdav2.FunctionParameters{
		PackageType:    ptr.To("Zip"),
		S3Bucket:       ptr.To(l.ArtifactBucket),
		S3Key:          ptr.To(contract.ArtifactKey(l.Version, artifact)),
		SourceCodeHash: ptr.To(hash),
		Runtime:        ptr.To("provided.al2023"),
		Handler:        ptr.To("bootstrap"),
		Architectures:  []*string{ptr.To("arm64")},
		Timeout:        ptr.To(float64(timeout)),
		MemorySize:     ptr.To(float64(memory)),
		Description:    ptr.To(desc),
	})
}

// zipFunction is a platform Lambda from a published zip and what comes with
// it: its log group, its execution role and the role's policy (the
// statements every platform Lambda has, then its own).
type zipFunction struct {
	Function, LogGroup, Role, Policy resource.Name
	Artifact, Hash                   string
	TimeoutSeconds, MemoryMB         int
	Env                              map[string]*string
	Description                      string
	Statements                       []Statement
}

// zipFunctionResources composes a zipFunction, placed (see placed).
func (p *Plan) zipFunctionResources(z zipFunction) []Desired {
	name := p.Name(z.Function)
	return p.placed([]Desired{
		LogGroup(p, z.LogGroup, "/aws/lambda/"+name, p.LogRetentionDays()),
		p.lambdaRole(z.Role, name),
		{Name: z.Policy, Object: &iam.RolePolicy{Spec: iam.RolePolicySpec{ForProvider: iam.RolePolicyParameters{
			RoleSelector: p.Sel(z.Role), Policy: Policy(append(p.lambdaBaseStatements(name), z.Statements...)...),
		}}}},
		{Name: z.Function, Object: p.zipLambda(z.Artifact, z.Hash, z.Role, z.TimeoutSeconds, z.MemoryMB, z.Env, z.Description)},
	})
}
