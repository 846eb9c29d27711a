package providersim

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	utilversion "k8s.io/apimachinery/pkg/util/version"
	"strconv"
	"strings"
	"time"

	"github.com/crossplane/upjet/v2/pkg/config"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// A rule is what the simulator knows of a kind: how the provider names it
// (its upjet external-name configuration in provider-aws
// config/externalname.go, and whether its generated controller runs the
// NameAsExternalName initializer) and what AWS computes for it on create.
type rule struct {
	// nameInit: the controller sets crossplane.io/external-name to
	// metadata.name when it is empty (managed.NewNameAsExternalName), i.e.
	// every configuration but IdentifierFromProvider and its variants.
	nameInit bool
	// id is the Terraform ID after create (the external name when nil).
	id func(c *obsCtx) string
	// extName is the configuration's GetExternalNameFn (the ID when nil);
	// upjet writes its result to the annotation on every observe.
	extName func(id string) string
	// outputs are the computed attributes beyond the parameters; prev is the
	// state before an update (nil on create).
	outputs func(c *obsCtx, id string, prev map[string]any) map[string]any
}

// obsCtx is what a rule computes from.
type obsCtx struct {
	name, uid, ext  string
	region, account string
	params          map[string]any
	now             time.Time
}

// h is a deterministic hex string of n characters, unique to the object
// (Options.Identity, its UID by default: a replaced resource gets new AWS
// identifiers).
func (c *obsCtx) h(salt string, n int) string {
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		s := sha256.Sum256([]byte(fmt.Sprintf("%s/%s/%s/%d", c.name, c.uid, salt, i)))
		b.WriteString(hex.EncodeToString(s[:]))
	}
	return b.String()[:n]
}

func (c *obsCtx) upper(salt string, n int) string { return strings.ToUpper(c.h(salt, n)) }

func (c *obsCtx) uuid(salt string) string {
	x := c.h(salt, 32)
	return x[:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:]
}

func (c *obsCtx) byte(salt string, i int) int {
	s := sha256.Sum256([]byte(c.name + "/" + c.uid + "/" + salt))
	return int(s[i])
}

func (c *obsCtx) arn(service, resource string) string {
	return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, c.region, c.account, resource)
}

func (c *obsCtx) param(k string) string {
	s, _ := c.params[k].(string)
	return s
}

// prefixed is an IdentifierFromProvider kind with an AWS ID like vpc-0a1b...
func prefixed(prefix, arnType string, more func(c *obsCtx, id string) map[string]any) rule {
	return rule{
		id: func(c *obsCtx) string {
			if c.ext != "" {
				return c.ext // an external name the resource already has
			}
			return prefix + "-" + c.h("id", 17)
		},
		outputs: func(c *obsCtx, id string, _ map[string]any) map[string]any {
			out := map[string]any{}
			if arnType != "" {
				out["arn"] = c.arn("ec2", arnType+"/"+id)
				out["ownerId"] = c.account
			}
			if more != nil {
				for k, v := range more(c, id) {
					out[k] = v
				}
			}
			return out
		},
	}
}

// named is a kind whose ID is its external name (NameAsIdentifier,
// ParameterAsIdentifier).
func named(outputs func(c *obsCtx, id string) map[string]any) rule {
	return rule{nameInit: true, outputs: func(c *obsCtx, id string, _ map[string]any) map[string]any { return outputs(c, id) }}
}

// fromProvider is an IdentifierFromProvider kind with a kind-specific ID.
func fromProvider(id func(c *obsCtx) string, outputs func(c *obsCtx, id string) map[string]any) rule {
	return rule{
		id: func(c *obsCtx) string {
			if c.ext != "" {
				return c.ext
			}
			return id(c)
		},
		outputs: func(c *obsCtx, id string, _ map[string]any) map[string]any {
			if outputs == nil {
				return nil
			}
			return outputs(c, id)
		},
	}
}

// templated is TemplatedStringAsIdentifier: upjet reads the external name
// back out of the ID with the template.
func templated(tmpl string) func(string) string {
	return func(id string) string {
		n, err := config.GetExternalNameFromTemplated(tmpl, id)
		if err != nil {
			return id
		}
		return n
	}
}

func arnOut(arn string) map[string]any { return map[string]any{"arn": arn} }

// rules by "<service>/<Kind>", the service being the group without
// GroupSuffix. They cover what the payment-platform function composes and
// every status.atProvider field it reads; other kinds get the default rule.
var rules = map[string]rule{
	"ec2/VPC": prefixed("vpc", "vpc", func(c *obsCtx, _ string) map[string]any {
		rtb := "rtb-" + c.h("main-rtb", 17)
		return map[string]any{
			"mainRouteTableId": rtb, "defaultRouteTableId": rtb,
			"defaultSecurityGroupId": "sg-" + c.h("default-sg", 17),
			"defaultNetworkAclId":    "acl-" + c.h("default-acl", 17),
		}
	}),
	// A subnet placed by zone ID reports its zone's name: this account's
	// mapping is simulated as the ID's number read as the zone letter
	// (az1 -> a); AWS maps IDs to letters per account.
	"ec2/Subnet": prefixed("subnet", "subnet", func(c *obsCtx, _ string) map[string]any {
		id := c.param("availabilityZoneId")
		_, n, ok := strings.Cut(id, "-az")
		if !ok || n == "" || n[0] < '1' || n[0] > '9' {
			return nil
		}
		return map[string]any{"availabilityZone": c.region + string(rune('a'+n[0]-'1'))}
	}),
	"ec2/InternetGateway": prefixed("igw", "internet-gateway", nil),
	"ec2/EIP": prefixed("eipalloc", "elastic-ip", func(c *obsCtx, id string) map[string]any {
		a, b, d := c.byte("ip", 0), c.byte("ip", 1), c.byte("ip", 2)
		return map[string]any{
			"allocationId": id, "domain": "vpc",
			"publicIp":  fmt.Sprintf("3.%d.%d.%d", a, b, d),
			"publicDns": fmt.Sprintf("ec2-3-%d-%d-%d.%s.compute.amazonaws.com", a, b, d, c.region),
		}
	}),
	"ec2/NATGateway": prefixed("nat", "", func(c *obsCtx, _ string) map[string]any {
		return map[string]any{
			"networkInterfaceId": "eni-" + c.h("eni", 17),
			"privateIp":          fmt.Sprintf("10.0.%d.%d", c.byte("pip", 0), c.byte("pip", 1)%254+1),
		}
	}),
	"ec2/RouteTable":            prefixed("rtb", "route-table", nil),
	"ec2/RouteTableAssociation": prefixed("rtbassoc", "", nil),
	"ec2/SecurityGroup":         prefixed("sg", "security-group", nil),
	"ec2/SecurityGroupIngressRule": prefixed("sgr", "security-group-rule", func(_ *obsCtx, id string) map[string]any {
		return map[string]any{"securityGroupRuleId": id}
	}),
	"ec2/SecurityGroupEgressRule": prefixed("sgr", "security-group-rule", func(_ *obsCtx, id string) map[string]any {
		return map[string]any{"securityGroupRuleId": id}
	}),
	"ec2/FlowLog": prefixed("fl", "vpc-flow-log", nil),
	"ec2/VPCEndpoint": prefixed("vpce", "vpc-endpoint", func(c *obsCtx, id string) map[string]any {
		out := map[string]any{"state": "available"}
		if c.param("vpcEndpointType") == "Gateway" {
			out["prefixListId"] = "pl-" + c.h("pl", 8)
			return out
		}
		out["dnsEntry"] = []any{map[string]any{
			"dnsName":      id + "-" + c.h("dns", 8) + "." + strings.TrimPrefix(c.param("serviceName"), "com.amazonaws."+c.region+".") + "." + c.region + ".vpce.amazonaws.com",
			"hostedZoneId": "Z" + c.upper("zone", 13),
		}}
		return out
	}),
	// aws_vpc_endpoint_*_association: "a-" + endpoint ID + StringHashcode
	// of the associated ID (vpc_endpoint_*_association.go, *CreateID).
	"ec2/VPCEndpointSubnetAssociation": fromProvider(func(c *obsCtx) string {
		return fmt.Sprintf("a-%s%d", c.param("vpcEndpointId"), stringHashcode(c.param("subnetId")))
	}, nil),
	"ec2/VPCEndpointSecurityGroupAssociation": fromProvider(func(c *obsCtx) string {
		return fmt.Sprintf("a-%s%d", c.param("vpcEndpointId"), stringHashcode(c.param("securityGroupId")))
	}, nil),
	"ec2/VPCEndpointRouteTableAssociation": fromProvider(func(c *obsCtx) string {
		return fmt.Sprintf("a-%s%d", c.param("vpcEndpointId"), stringHashcode(c.param("routeTableId")))
	}, nil),
	// The on-prem connectivity. aws_ec2_transit_gateway_vpc_attachment,
	// aws_vpn_gateway, aws_customer_gateway and aws_vpn_connection take the
	// EC2 IDs; aws_vpn_connection_route's ID is "<cidr>:<vpn connection>"
	// and aws_vpn_gateway_route_propagation's "<vgw>_<route table>"
	// (their resource*Create functions).
	"ec2/TransitGatewayVPCAttachment": prefixed("tgw-attach", "transit-gateway-attachment", func(c *obsCtx, _ string) map[string]any {
		return map[string]any{"vpcOwnerId": c.account}
	}),
	"ec2/VPNGateway":      prefixed("vgw", "vpn-gateway", nil),
	"ec2/CustomerGateway": prefixed("cgw", "customer-gateway", nil),
	"ec2/VPNConnection": prefixed("vpn", "vpn-connection", func(c *obsCtx, _ string) map[string]any {
		return map[string]any{"tunnel1Address": fmt.Sprintf("18.%d.%d.%d", c.byte("t1", 0), c.byte("t1", 1), c.byte("t1", 2)),
			"tunnel2Address": fmt.Sprintf("34.%d.%d.%d", c.byte("t2", 0), c.byte("t2", 1), c.byte("t2", 2))}
	}),
	"ec2/VPNConnectionRoute": fromProvider(func(c *obsCtx) string {
		return c.param("destinationCidrBlock") + ":" + c.param("vpnConnectionId")
	}, nil),
	"ec2/VPNGatewayRoutePropagation": fromProvider(func(c *obsCtx) string {
		return c.param("vpnGatewayId") + "_" + c.param("routeTableId")
	}, nil),
	// Route 53 Resolver: rslvr-out-, rslvr-rr- and rslvr-rrassoc- IDs
	// with 17 hex digits, as AWS returns them.
	"route53resolver/Endpoint": fromProvider(func(c *obsCtx) string { return "rslvr-out-" + c.h("id", 17) }, func(c *obsCtx, id string) map[string]any {
		return map[string]any{"arn": c.arn("route53resolver", "resolver-endpoint/"+id), "hostVpcId": "vpc-" + c.h("vpc", 17)}
	}),
	"route53resolver/Rule": fromProvider(func(c *obsCtx) string { return "rslvr-rr-" + c.h("id", 17) }, func(c *obsCtx, id string) map[string]any {
		return map[string]any{"arn": c.arn("route53resolver", "resolver-rule/"+id), "ownerId": c.account, "shareStatus": "NOT_SHARED"}
	}),
	"route53resolver/RuleAssociation": fromProvider(func(c *obsCtx) string { return "rslvr-rrassoc-" + c.h("id", 17) }, nil),
	// aws_route: routeCreateID, "r-" + route table + StringHashcode(destination).
	"ec2/Route": fromProvider(func(c *obsCtx) string {
		dst := c.param("destinationCidrBlock")
		if dst == "" {
			dst = c.param("destinationIpv6CidrBlock")
		}
		if dst == "" {
			dst = c.param("destinationPrefixListId")
		}
		return fmt.Sprintf("r-%s%d", c.param("routeTableId"), stringHashcode(dst))
	}, nil),

	"iam/Role": named(func(c *obsCtx, id string) map[string]any {
		path := c.param("path")
		if path == "" {
			path = "/"
		}
		return map[string]any{
			"arn": fmt.Sprintf("arn:aws:iam::%s:role%s%s", c.account, path, id), "uniqueId": "AROA" + c.upper("uid", 17),
			"createDate": c.now.UTC().Format(time.RFC3339),
		}
	}),
	"iam/RolePolicy": {
		nameInit: true,
		id:       func(c *obsCtx) string { return c.param("role") + ":" + c.ext },
		extName:  templated("{{ .parameters.role }}:{{ .external_name }}"),
	},
	"iam/RolePolicyAttachment": fromProvider(func(c *obsCtx) string {
		return c.param("role") + "-" + c.now.UTC().Format("20060102150405") + c.h("att", 10)
	}, nil),

	"kms/Key": fromProvider(func(c *obsCtx) string { return c.uuid("key") }, func(c *obsCtx, id string) map[string]any {
		return map[string]any{"arn": c.arn("kms", "key/"+id), "keyId": id}
	}),
	// kmsAlias(): the ID is "alias/<name>", the external name the ID without
	// its "alias/" prefix (so an external name set with the prefix is
	// rewritten by the provider).
	"kms/Alias": {
		nameInit: true,
		id: func(c *obsCtx) string {
			if strings.HasPrefix(c.ext, "alias/") {
				return c.ext
			}
			return "alias/" + c.ext
		},
		extName: func(id string) string { return strings.TrimPrefix(id, "alias/") },
		outputs: func(c *obsCtx, id string, _ map[string]any) map[string]any {
			out := map[string]any{"arn": c.arn("kms", id), "name": id}
			if k := c.param("targetKeyId"); k != "" {
				out["targetKeyArn"] = c.arn("kms", "key/"+k)
			}
			return out
		},
	},
	"cloudwatchlogs/Group": named(func(c *obsCtx, id string) map[string]any {
		return arnOut(c.arn("logs", "log-group:"+id))
	}),

	"lambda/Function": {nameInit: true, outputs: lambdaFunctionOutputs},
	// fullARNTemplate("lambda", "function:{{ .parameters.function_name }}:{{ .external_name }}")
	"lambda/Alias": {
		nameInit: true,
		id: func(c *obsCtx) string {
			return c.arn("lambda", "function:"+c.param("functionName")+":"+c.ext)
		},
		extName: templated("arn:aws:lambda:{{ .parameters.region }}:{{ .setup.account_id }}:function:{{ .parameters.function_name }}:{{ .external_name }}"),
		outputs: func(c *obsCtx, id string, _ map[string]any) map[string]any {
			return map[string]any{"arn": id, "invokeArn": lambdaInvokeARN(c, id)}
		},
	},
	"lambda/Permission": fromProvider(func(c *obsCtx) string {
		if s := c.param("statementId"); s != "" {
			return s
		}
		return "terraform-" + c.h("stmt", 26)
	}, nil),
	// IdentifierFromProvider; the ID and outputs come from invocation.go.
	"lambda/Invocation": {},

	"rds/Cluster": {nameInit: true, outputs: clusterOutputs},
	"rds/ClusterInstance": named(func(c *obsCtx, id string) map[string]any {
		return map[string]any{
			"arn": c.arn("rds", "db:"+id), "dbiResourceId": "db-" + c.upper("resource", 26),
			"endpoint": id + "." + c.h("host", 12) + "." + c.region + ".rds.amazonaws.com", "writer": false,
		}
	}),
	"rds/ClusterParameterGroup": named(func(c *obsCtx, id string) map[string]any { return arnOut(c.arn("rds", "cluster-pg:"+id)) }),
	"rds/SubnetGroup":           named(func(c *obsCtx, id string) map[string]any { return arnOut(c.arn("rds", "subgrp:"+id)) }),

	"dms/ReplicationInstance": named(func(c *obsCtx, _ string) map[string]any {
		return map[string]any{
			"replicationInstanceArn":        c.arn("dms", "rep:"+c.upper("arn", 26)),
			"replicationInstancePrivateIps": []any{fmt.Sprintf("10.0.%d.%d", c.byte("ip", 0), c.byte("ip", 1)%254+1)},
		}
	}),
	"dms/ReplicationSubnetGroup": named(func(c *obsCtx, id string) map[string]any {
		return map[string]any{"replicationSubnetGroupArn": c.arn("dms", "subgrp:"+id)}
	}),
	"dms/ReplicationTask": {nameInit: true, outputs: func(c *obsCtx, _ string, prev map[string]any) map[string]any {
		// aws_dms_replication_task starts the task when
		// start_replication_task is set and stops it when it is unset.
		status := "ready"
		if b, _ := c.params["startReplicationTask"].(bool); b {
			status = "running"
		}
		a, _ := prev["replicationTaskArn"].(string)
		if a == "" {
			a = c.arn("dms", "task:"+c.upper("arn", 26))
		}
		return map[string]any{"replicationTaskArn": a, "status": status}
	}},
	"dms/Endpoint": named(func(c *obsCtx, _ string) map[string]any {
		return map[string]any{"endpointArn": c.arn("dms", "endpoint:"+c.upper("arn", 26))}
	}),

	"elbv2/LB": fromProvider(func(c *obsCtx) string {
		return c.arn("elasticloadbalancing", "loadbalancer/app/"+lbName(c)+"/"+c.h("id", 16))
	}, func(c *obsCtx, id string) map[string]any {
		return map[string]any{
			"arn": id, "arnSuffix": arnSuffix(id, "loadbalancer/"),
			"dnsName": lbName(c) + "-" + c.h("dns", 10) + "." + c.region + ".elb.amazonaws.com",
			"zoneId":  "Z3AADJGX6KTTL2",
		}
	}),
	"elbv2/LBTargetGroup": fromProvider(func(c *obsCtx) string {
		return c.arn("elasticloadbalancing", "targetgroup/"+lbName(c)+"/"+c.h("id", 16))
	}, func(_ *obsCtx, id string) map[string]any {
		return map[string]any{"arn": id, "arnSuffix": arnSuffix(id, "targetgroup/")}
	}),
	"elbv2/LBListener": fromProvider(func(c *obsCtx) string {
		lb := c.param("loadBalancerArn")
		if lb == "" {
			return c.arn("elasticloadbalancing", "listener/app/"+c.name+"/"+c.h("lb", 16)+"/"+c.h("id", 16))
		}
		return strings.Replace(lb, ":loadbalancer/", ":listener/", 1) + "/" + c.h("id", 16)
	}, func(_ *obsCtx, id string) map[string]any { return arnOut(id) }),
	"elbv2/LBTargetGroupAttachment": fromProvider(func(c *obsCtx) string {
		return c.param("targetGroupArn") + "-" + c.now.UTC().Format("20060102150405") + c.h("att", 10)
	}, nil),

	"route53/Zone": fromProvider(func(c *obsCtx) string { return "Z" + c.upper("zone", 20) }, func(c *obsCtx, id string) map[string]any {
		return map[string]any{
			"zoneId": id, "arn": "arn:aws:route53:::hostedzone/" + id,
			"nameServers": []any{
				fmt.Sprintf("ns-%d.awsdns-%02d.org", c.byte("ns", 0)*4, c.byte("ns", 1)%64),
				fmt.Sprintf("ns-%d.awsdns-%02d.net", c.byte("ns", 2)*4, c.byte("ns", 3)%64),
				fmt.Sprintf("ns-%d.awsdns-%02d.com", c.byte("ns", 4)*4, c.byte("ns", 5)%64),
				fmt.Sprintf("ns-%d.awsdns-%02d.co.uk", c.byte("ns", 6)*4, c.byte("ns", 7)%64),
			},
		}
	}),
	"route53/Record": fromProvider(func(c *obsCtx) string {
		parts := []string{c.param("zoneId"), strings.ToLower(strings.TrimSuffix(c.param("name"), ".")), c.param("type")}
		if s := c.param("setIdentifier"); s != "" {
			parts = append(parts, s)
		}
		return strings.Join(parts, "_")
	}, func(c *obsCtx, _ string) map[string]any {
		return map[string]any{"fqdn": strings.TrimSuffix(c.param("name"), ".")}
	}),
	"route53/HealthCheck": fromProvider(func(c *obsCtx) string { return c.uuid("hc") }, func(_ *obsCtx, id string) map[string]any {
		return arnOut("arn:aws:route53:::healthcheck/" + id)
	}),

	"acm/Certificate": fromProvider(func(c *obsCtx) string { return c.arn("acm", "certificate/"+c.uuid("cert")) }, certificateOutputs),
	"acm/CertificateValidation": fromProvider(func(c *obsCtx) string {
		return c.now.UTC().Format("2006-01-02 15:04:05.999999999 +0000 UTC")
	}, nil),

	// fullARNTemplate("sns", "{{ .external_name }}")
	"sns/Topic": {
		nameInit: true,
		id:       func(c *obsCtx) string { return c.arn("sns", c.ext) },
		extName:  templated("arn:aws:sns:{{ .parameters.region }}:{{ .setup.account_id }}:{{ .external_name }}"),
		outputs: func(c *obsCtx, id string, _ map[string]any) map[string]any {
			return map[string]any{"arn": id, "owner": c.account}
		},
	},
	"sns/TopicSubscription": fromProvider(func(c *obsCtx) string { return c.param("topicArn") + ":" + c.uuid("sub") }, func(c *obsCtx, id string) map[string]any {
		return map[string]any{"arn": id, "ownerId": c.account, "pendingConfirmation": false}
	}),

	"cloudwatch/MetricAlarm": named(func(c *obsCtx, id string) map[string]any { return arnOut(c.arn("cloudwatch", "alarm:"+id)) }),
	"cloudwatch/Dashboard": named(func(c *obsCtx, id string) map[string]any {
		return map[string]any{"dashboardArn": fmt.Sprintf("arn:aws:cloudwatch::%s:dashboard/%s", c.account, id)}
	}),

	"wafv2/WebACL": fromProvider(func(c *obsCtx) string { return c.uuid("acl") }, func(c *obsCtx, id string) map[string]any {
		return map[string]any{
			"arn":       c.arn("wafv2", "regional/webacl/"+c.param("name")+"/"+id),
			"lockToken": c.uuid("lock"), "capacity": int64(700),
		}
	}),
	// TemplatedStringAsIdentifier("", "{{ .parameters.web_acl_arn }},{{ .parameters.resource_arn }}")
	"wafv2/WebACLAssociation": {nameInit: true, id: func(c *obsCtx) string {
		return c.param("webAclArn") + "," + c.param("resourceArn")
	}},

	"appautoscaling/Target": fromProvider(func(c *obsCtx) string { return c.param("resourceId") }, func(c *obsCtx, _ string) map[string]any {
		return arnOut(c.arn("application-autoscaling", "scalable-target/"+c.h("target", 38)))
	}),
	"appautoscaling/Policy": named(func(c *obsCtx, id string) map[string]any {
		return map[string]any{
			"arn": c.arn("autoscaling", "scalingPolicy:"+c.uuid("policy")+":resource/"+c.param("serviceNamespace")+"/"+
				c.param("resourceId")+":policyName/"+id),
			"alarmArns": []any{},
		}
	}),
	// aws_secretsmanager_secret: the ID is the ARN, the name plus a hyphen
	// and six random characters (resourceSecretCreate sets d.SetId to the
	// CreateSecret output's ARN).
	"secretsmanager/Secret": fromProvider(func(c *obsCtx) string {
		return c.arn("secretsmanager", "secret:"+c.param("name")+"-"+c.h("suffix", 6))
	}, func(_ *obsCtx, id string) map[string]any { return map[string]any{"arn": id} }),
	// aws_dms_certificate: the ID is certificate_id; ImportCertificate
	// returns the ARN, arn:aws:dms:<region>:<account>:cert:<26 upper>.
	"dms/Certificate": named(func(c *obsCtx, _ string) map[string]any {
		return map[string]any{"certificateArn": c.arn("dms", "cert:"+c.upper("arn", 26))}
	}),
	"secretsmanager/SecretRotation": fromProvider(func(c *obsCtx) string { return c.param("secretId") }, func(_ *obsCtx, _ string) map[string]any {
		return map[string]any{"rotationEnabled": true}
	}),
}

// defaultRule is for kinds the simulator does not know: the ID is the
// external name, which defaults to metadata.name.
var defaultRule = rule{nameInit: true}

func ruleFor(gvk schema.GroupVersionKind) rule {
	if r, ok := rules[strings.TrimSuffix(gvk.Group, GroupSuffix)+"/"+gvk.Kind]; ok {
		return r
	}
	return defaultRule
}

// identify returns the Terraform ID of a new resource.
func (r rule) identify(c *obsCtx) string {
	if r.id != nil {
		return r.id(c)
	}
	if c.ext != "" {
		return c.ext
	}
	return c.name
}

// externalName is the external name upjet derives from the ID.
func (r rule) externalName(id string) string {
	if r.extName != nil {
		return r.extName(id)
	}
	return id
}

// observation is status.atProvider: upjet's observation mirrors the
// parameters, plus the ID and what AWS computed.
func (r rule) observation(c *obsCtx, id string, prev map[string]any) map[string]any {
	atp := map[string]any{}
	for k, v := range prev {
		atp[k] = v
	}
	for k, v := range c.params {
		atp[k] = v
	}
	if tags, ok := c.params["tags"]; ok {
		atp["tagsAll"] = tags
	}
	atp["id"] = id
	if r.outputs != nil {
		for k, v := range r.outputs(c, id, prev) {
			atp[k] = v
		}
	}
	return atp
}

func lambdaFunctionOutputs(c *obsCtx, id string, prev map[string]any) map[string]any {
	arn := c.arn("lambda", "function:"+id)
	version := "$LATEST"
	if b, _ := c.params["publish"].(bool); b {
		// publish = true publishes version 1 on create and a new version
		// on every update.
		version = "1"
		if p, _ := prev["version"].(string); p != "" {
			if n, err := strconv.Atoi(p); err == nil {
				version = strconv.Itoa(n + 1)
			}
		}
	}
	return map[string]any{
		"arn": arn, "version": version, "qualifiedArn": arn + ":" + version,
		"invokeArn":          lambdaInvokeARN(c, arn),
		"qualifiedInvokeArn": lambdaInvokeARN(c, arn+":"+version),
		"lastModified":       c.now.UTC().Format("2006-01-02T15:04:05.000+0000"),
		"sourceCodeHash":     c.h("code", 64),
	}
}

func lambdaInvokeARN(c *obsCtx, arn string) string {
	return fmt.Sprintf("arn:aws:apigateway:%s:lambda:path/2015-03-31/functions/%s/invocations", c.region, arn)
}

func certificateOutputs(c *obsCtx, id string) map[string]any {
	domains := []string{c.param("domainName")}
	if sans, ok := c.params["subjectAlternativeNames"].([]any); ok {
		for _, s := range sans {
			if d, ok := s.(string); ok && d != domains[0] {
				domains = append(domains, d)
			}
		}
	}
	var dvo []any
	for _, d := range domains {
		base := strings.TrimPrefix(d, "*.")
		dvo = append(dvo, map[string]any{
			"domainName":          d,
			"resourceRecordName":  "_" + c.h("name/"+base, 32) + "." + base + ".",
			"resourceRecordType":  "CNAME",
			"resourceRecordValue": "_" + c.h("value/"+base, 32) + ".acm-validations.aws.",
		})
	}
	return map[string]any{"arn": id, "domainValidationOptions": dvo, "status": "ISSUED"}
}

// lbName is a load balancer's or target group's name parameter, or the
// object's name.
func lbName(c *obsCtx) string {
	if n := c.param("name"); n != "" {
		return n
	}
	return c.name
}

func arnSuffix(arn, after string) string {
	if i := strings.Index(arn, ":"+after); i >= 0 {
		s := arn[i+1:]
		return strings.TrimPrefix(s, "loadbalancer/")
	}
	return ""
}

// stringHashcode is terraform-provider-aws's create.StringHashcode.
func stringHashcode(s string) int {
	v := int(crc32.ChecksumIEEE([]byte(s)))
	if v >= 0 {
		return v
	}
	if -v >= 0 {
		return -v
	}
	return 0
}

// clusterOutputs: engine_version_actual is the version RDS runs. A desired
// version at or below it changes nothing (provider-aws's custom diff for
// aws_rds_cluster drops an engine_version diff that is not an upgrade:
// config/cluster/rds/config.go); a higher one upgrades.
func clusterOutputs(c *obsCtx, id string, prev map[string]any) map[string]any {
	out := clusterCoreOutputs(c, id)
	actual, _ := prev["engineVersionActual"].(string)
	if want := c.param("engineVersion"); want != "" && (actual == "" || versionAbove(want, actual)) {
		actual = want
	}
	if actual != "" {
		out["engineVersionActual"] = actual
	}
	return out
}

func versionAbove(a, b string) bool {
	va, err := utilversion.ParseGeneric(a)
	if err != nil {
		return false
	}
	vb, err := utilversion.ParseGeneric(b)
	return err == nil && va.GreaterThan(vb)
}

func clusterCoreOutputs(c *obsCtx, id string) map[string]any {
	host := c.h("host", 12)
	port := c.params["port"]
	if port == nil {
		port = int64(5432)
		if strings.Contains(c.param("engine"), "mysql") {
			port = int64(3306)
		}
	}
	out := map[string]any{
		"arn":               c.arn("rds", "cluster:"+id),
		"clusterResourceId": "cluster-" + c.upper("resource", 26),
		"endpoint":          id + ".cluster-" + host + "." + c.region + ".rds.amazonaws.com",
		"readerEndpoint":    id + ".cluster-ro-" + host + "." + c.region + ".rds.amazonaws.com",
		"hostedZoneId":      "Z2XHWR1WZ565X2",
		"port":              port,
	}
	if b, _ := c.params["manageMasterUserPassword"].(bool); b {
		key := c.param("masterUserSecretKmsKeyId")
		if key == "" { // the account's aws/secretsmanager key
			key = c.arn("kms", "key/"+c.uuid("secretsmanager-key"))
		}
		out["masterUserSecret"] = []any{map[string]any{
			"kmsKeyId":     key,
			"secretArn":    c.arn("secretsmanager", "secret:rds!cluster-"+c.uuid("secret")+"-"+c.h("suffix", 6)),
			"secretStatus": "active",
		}}
	}
	return out
}
