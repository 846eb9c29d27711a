package fn

import (
	"strconv"
	"strings"

	"github.com/crossplane/function-sdk-go/resource"

	acmv2 "github.com/upbound/provider-aws/v2/apis/cluster/acm/v1beta2"
	dms "github.com/upbound/provider-aws/v2/apis/cluster/dms/v1beta1"
	ec2 "github.com/upbound/provider-aws/v2/apis/cluster/ec2/v1beta1"
	ec2v2 "github.com/upbound/provider-aws/v2/apis/cluster/ec2/v1beta2"
	elbv2v2 "github.com/upbound/provider-aws/v2/apis/cluster/elbv2/v1beta2"
	kms "github.com/upbound/provider-aws/v2/apis/cluster/kms/v1beta1"
	lambda "github.com/upbound/provider-aws/v2/apis/cluster/lambda/v1beta1"
	lambdav2 "github.com/upbound/provider-aws/v2/apis/cluster/lambda/v1beta2"
	rdsv2 "github.com/upbound/provider-aws/v2/apis/cluster/rds/v1beta2"
	route53 "github.com/upbound/provider-aws/v2/apis/cluster/route53/v1beta1"
	route53resolver "github.com/upbound/provider-aws/v2/apis/cluster/route53resolver/v1beta1"
	secretsmanager "github.com/upbound/provider-aws/v2/apis/cluster/secretsmanager/v1beta1"
	sns "github.com/upbound/provider-aws/v2/apis/cluster/sns/v1beta1"
	wafv2 "github.com/upbound/provider-aws/v2/apis/cluster/wafv2/v1beta1"
)

// Views are the tiers' typed views of the observed world: what each tier
// (and the status) needs of what the provider reports, decoded once per
// request into the provider's own observation types. Values are "" until
// observed.
type Views struct {
	Encryption EncryptionView
	Network    NetworkView
	Security   SecurityView
	Database   DatabaseView
	Migration  MigrationView
	Compute    ComputeView
	Edge       EdgeView
	Routing    RoutingView
	Monitoring MonitoringView
	Lambdas    LambdasView
}

// EncryptionView is the platform key.
type EncryptionView struct{ KeyARN string }

// NetworkView is the VPC, the subnets' IDs and the NAT gateways' public IPs
// by composition-resource name.
type NetworkView struct {
	VPCID, VPCARN string
	SubnetIDs     map[resource.Name]string
	// SubnetZones are the zone names AWS reports for the subnets.
	SubnetZones map[resource.Name]string
	NATIPs      map[resource.Name]string
	// S3PrefixListID is the prefix list the S3 gateway endpoint routes.
	S3PrefixListID string
	// The on-prem connectivity's IDs, once created.
	TGWAttachmentID, VPNConnectionID, ResolverEndpointID string

	everySubnet bool // the complete world: every subnet exists
}

// SubnetID is a subnet's ID once observed.
func (v NetworkView) SubnetID(n resource.Name) string {
	if v.everySubnet {
		return "subnet-placeholder-" + string(n)
	}
	return v.SubnetIDs[n]
}

// SecurityView is the security groups' IDs by composition-resource name.
type SecurityView struct{ GroupIDs map[resource.Name]string }

// DatabaseView is the Aurora cluster.
type DatabaseView struct {
	ClusterARN, Endpoint, ReaderEndpoint string
	// EngineVersionActual is the version Aurora runs (AWS applies minor
	// upgrades itself).
	EngineVersionActual string
	// SecretARN is the RDS-managed master user secret.
	SecretARN string
}

// MigrationView is the DMS task.
type MigrationView struct {
	TaskARN, TaskStatus string
	// UserSecretARN is DMS's own secret; UserPermissionReady says Secrets
	// Manager may invoke its rotation function.
	UserSecretARN       string
	UserPermissionReady bool
	// SourceCAARN is the source's CA imported as a DMS certificate.
	SourceCAARN string
}

// ComputeView is the payment API function and its live alias.
type ComputeView struct{ FunctionARN, Version, AliasARN string }

// EdgeView is the load balancer, its target group, the WAF and the
// certificate.
type EdgeView struct {
	ALBARN, ALBARNSuffix, ALBDNSName, ALBZoneID string
	TargetGroupARN, TargetGroupARNSuffix        string
	WAFARN                                      string
	CertificateARN                              string
	// CertRecord is the DNS record ACM asks for to validate the
	// certificate.
	CertRecord struct{ Name, Type, Value string }
	// CertValidated and PermissionReady: the certificate validation and
	// the ALB's permission to invoke the API are Ready.
	CertValidated, PermissionReady bool
}

// RoutingView is the cutover zone, the health checks and the step in force.
type RoutingView struct {
	ZoneID      string
	NameServers []string
	// HealthCheckIDs by composition-resource name.
	HealthCheckIDs map[resource.Name]string
	// StepInForce is the step the old record carries (its annotation); 0
	// before it exists.
	StepInForce int

	everyHealthCheck bool // the complete world: every health check exists
}

// HealthCheckID is a health check's ID once observed.
func (v RoutingView) HealthCheckID(n resource.Name) string {
	if v.everyHealthCheck {
		return "placeholder-" + string(n)
	}
	return v.HealthCheckIDs[n]
}

// MonitoringView is the alarm topic.
type MonitoringView struct{ TopicARN string }

// LambdasView is the validation run.
type LambdasView struct {
	// Runs are the observed validation runs (validation-run-<step>-<attempt>)
	// and what the validator returned ("" until then).
	Runs map[resource.Name]string
}

// observe decodes what every tier reads of the observed world.
func observe(o Observed) Views {
	v := Views{
		Network:  NetworkView{SubnetIDs: map[resource.Name]string{}, SubnetZones: map[resource.Name]string{}, NATIPs: map[resource.Name]string{}},
		Security: SecurityView{GroupIDs: map[resource.Name]string{}},
		Routing:  RoutingView{HealthCheckIDs: map[resource.Name]string{}},
	}
	v.Encryption.KeyARN = str(atProvider[kms.KeyObservation](o, ResKMSKey).Arn)

	vpc := atProvider[ec2.VPCObservation_2](o, ResVPC)
	v.Network.S3PrefixListID = str(atProvider[ec2v2.VPCEndpointObservation](o, EndpointName("s3")).PrefixListID)
	v.Network.VPCID, v.Network.VPCARN = str(vpc.ID), str(vpc.Arn)
	v.Network.TGWAttachmentID = str(atProvider[ec2.TransitGatewayVPCAttachmentObservation](o, ResTGWAttachment).ID)
	v.Network.VPNConnectionID = str(atProvider[ec2v2.VPNConnectionObservation](o, ResVPNConnection).ID)
	v.Network.ResolverEndpointID = str(atProvider[route53resolver.EndpointObservation](o, ResResolverEndpoint).ID)
	for name, r := range o {
		switch {
		case r.Kind == "Subnet" && strings.HasPrefix(r.APIVersion, "ec2."):
			sub := atProvider[ec2.SubnetObservation_2](o, name)
			if id := str(sub.ID); id != "" {
				v.Network.SubnetIDs[name] = id
			}
			if az := str(sub.AvailabilityZone); az != "" {
				v.Network.SubnetZones[name] = az
			}
		case r.Kind == "EIP" && strings.HasPrefix(r.APIVersion, "ec2."):
			if ip := str(atProvider[ec2.EIPObservation](o, name).PublicIP); ip != "" {
				v.Network.NATIPs[name] = ip
			}
		case r.Kind == "HealthCheck" && strings.HasPrefix(r.APIVersion, "route53."):
			if id := str(atProvider[route53.HealthCheckObservation](o, name).ID); id != "" {
				v.Routing.HealthCheckIDs[name] = id
			}
		}
	}
	for _, n := range []resource.Name{ResSGALB, ResSGApp, ResSGDatabase, ResSGDMS} {
		if id := str(atProvider[ec2.SecurityGroupObservation_2](o, n).ID); id != "" {
			v.Security.GroupIDs[n] = id
		}
	}

	c := atProvider[rdsv2.ClusterObservation](o, ResAurora)
	v.Database = DatabaseView{ClusterARN: str(c.Arn), Endpoint: str(c.Endpoint), ReaderEndpoint: str(c.ReaderEndpoint),
		EngineVersionActual: str(c.EngineVersionActual)}
	if len(c.MasterUserSecret) > 0 {
		v.Database.SecretARN = str(c.MasterUserSecret[0].SecretArn)
	}

	t := atProvider[dms.ReplicationTaskObservation](o, ResMigrationTask)
	v.Migration = MigrationView{TaskARN: str(t.ReplicationTaskArn), TaskStatus: str(t.Status),
		UserSecretARN:       str(atProvider[secretsmanager.SecretObservation](o, ResDMSUserSecret).Arn),
		UserPermissionReady: o[ResDMSUserPermission].Ready,
		SourceCAARN:         str(atProvider[dms.CertificateObservation](o, ResDMSSourceCA).CertificateArn),
	}

	f := atProvider[lambdav2.FunctionObservation](o, ResAPI)
	v.Compute = ComputeView{FunctionARN: str(f.Arn), Version: str(f.Version), AliasARN: str(atProvider[lambdav2.AliasObservation](o, ResAPIAlias).Arn)}

	lb := atProvider[elbv2v2.LBObservation](o, ResALB)
	tg := atProvider[elbv2v2.LBTargetGroupObservation](o, ResAPITargetGroup)
	v.Edge = EdgeView{
		ALBARN: str(lb.Arn), ALBARNSuffix: str(lb.ArnSuffix), ALBDNSName: str(lb.DNSName), ALBZoneID: str(lb.ZoneID),
		TargetGroupARN: str(tg.Arn), TargetGroupARNSuffix: str(tg.ArnSuffix),
		WAFARN:          str(atProvider[wafv2.WebACLObservation](o, ResWAF).Arn),
		CertValidated:   o[ResCertValidation].Ready,
		PermissionReady: o[ResAPIPermissionALB].Ready,
	}
	cert := atProvider[acmv2.CertificateObservation](o, ResCertificate)
	v.Edge.CertificateARN = str(cert.Arn)
	if len(cert.DomainValidationOptions) > 0 {
		d := cert.DomainValidationOptions[0]
		v.Edge.CertRecord.Name, v.Edge.CertRecord.Type, v.Edge.CertRecord.Value = str(d.ResourceRecordName), str(d.ResourceRecordType), str(d.ResourceRecordValue)
	}

	z := atProvider[route53.ZoneObservation](o, ResZone)
	v.Routing.ZoneID = str(z.ZoneID)
	for _, ns := range z.NameServers {
		v.Routing.NameServers = append(v.Routing.NameServers, str(ns))
	}
	// The old record carries the step in force; a platform composed before
	// it did carries it on the new record.
	for _, n := range []resource.Name{ResRecordNew, ResRecordOld} {
		if step, ok := o[n].Annotations[AnnotationCutoverStep]; ok {
			v.Routing.StepInForce, _ = strconv.Atoi(step)
		}
	}

	v.Monitoring.TopicARN = str(atProvider[sns.TopicObservation](o, ResAlarmsTopic).Arn)

	v.Lambdas.Runs = map[resource.Name]string{}
	for name, r := range o {
		if r.Kind == "Invocation" && strings.HasPrefix(string(name), string(ResValidationRun)+"-") {
			v.Lambdas.Runs[name] = str(atProvider[lambda.InvocationObservation](o, name).Result)
		}
	}
	return v
}

// Account is the AWS account, read from the first observed ARN of the
// platform's own resources; "" until one is observed.
func (v Views) Account() string {
	for _, arn := range []string{v.Encryption.KeyARN, v.Network.VPCARN, v.Database.ClusterARN, v.Monitoring.TopicARN, v.Compute.FunctionARN, v.Edge.ALBARN} {
		if a := accountOf(arn); a != "" {
			return a
		}
	}
	return ""
}

// placeholderAccount is the account of the complete world's identifiers.
const placeholderAccount = "000000000000"

// completeViews is the world where everything the tiers wait for is known:
// every identifier the provider reports is there (as a placeholder), the
// data tier and DMS are up. The tiers build the whole platform in it, which
// is what the cost estimate prices.
func completeViews() Views {
	arn := func(svc, res string) string {
		return "arn:aws:" + svc + ":placeholder:" + placeholderAccount + ":" + res
	}
	v := Views{
		Encryption: EncryptionView{KeyARN: arn("kms", "key/placeholder")},
		Network: NetworkView{VPCID: "vpc-placeholder", VPCARN: arn("ec2", "vpc/placeholder"), SubnetIDs: map[resource.Name]string{},
			NATIPs: map[resource.Name]string{}, S3PrefixListID: "pl-placeholder"},
		Security: SecurityView{GroupIDs: map[resource.Name]string{}},
		Database: DatabaseView{ClusterARN: arn("rds", "cluster:placeholder"), Endpoint: "placeholder.cluster.rds.amazonaws.com",
			ReaderEndpoint: "placeholder.cluster-ro.rds.amazonaws.com", SecretARN: arn("secretsmanager", "secret:rds!cluster-placeholder")},
		Migration: MigrationView{TaskARN: arn("dms", "task:PLACEHOLDER"), TaskStatus: "running"},
		Compute:   ComputeView{FunctionARN: arn("lambda", "function:placeholder"), Version: "1", AliasARN: arn("lambda", "function:placeholder:live")},
		Edge: EdgeView{
			ALBARN: arn("elasticloadbalancing", "loadbalancer/app/placeholder/0"), ALBARNSuffix: "app/placeholder/0",
			ALBDNSName: "placeholder.elb.amazonaws.com", ALBZoneID: "ZPLACEHOLDER",
			TargetGroupARN: arn("elasticloadbalancing", "targetgroup/placeholder/0"), TargetGroupARNSuffix: "targetgroup/placeholder/0",
			WAFARN: arn("wafv2", "regional/webacl/placeholder"), CertificateARN: arn("acm", "certificate/placeholder"),
			CertValidated: true, PermissionReady: true,
		},
		Routing:    RoutingView{ZoneID: "ZPLACEHOLDER", HealthCheckIDs: map[resource.Name]string{}},
		Monitoring: MonitoringView{TopicARN: arn("sns", "placeholder")},
	}
	v.Edge.CertRecord.Name, v.Edge.CertRecord.Type, v.Edge.CertRecord.Value = "_placeholder.example.com.", "CNAME", "_placeholder.acm-validations.aws."
	v.Routing.everyHealthCheck = true
	v.Network.everySubnet = true
	return v
}
