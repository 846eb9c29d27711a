package fn

import (
	"slices"

	"github.com/crossplane/function-sdk-go/resource"
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
	fp.KMSKeyArnSelector = p.Sel(ResKMSKey)
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
		// AWS requires Resource "*" for these (no resource-level permissions).
		Allow("VPCNetworkInterfaces", []string{"ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface",
			"ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"}, "*"),
		Allow("XRayTraces", []string{"xray:PutTraceSegments", "xray:PutTelemetryRecords"}, "*"),
		Allow("ReadDatabaseSecret", []string{"secretsmanager:GetSecretValue"}, p.secretARNOrPattern()),
		Allow("DecryptWithPlatformKey", []string{"kms:Decrypt"}, p.KMSKeyARNOrPattern()),
	}
}

// placed drops the platform Lambdas that cannot be placed yet: their app
// subnets are not all known.
func placed(ds []Desired) []Desired {
	return slices.DeleteFunc(ds, func(d Desired) bool {
		f, ok := d.Object.(*lambdav2.Function)
		return ok && f.Spec.ForProvider.VPCConfig != nil && f.Spec.ForProvider.VPCConfig.SubnetIds == nil
	})
}
