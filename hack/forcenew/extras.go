package main

import "github.com/acme-payments/xpaymentplatform/internal/forcenew"

// extra is a replacement that no schema flag shows, reviewed in the source
// its Reason names. An extra for a field the schema already marks sets its
// condition and reason.
type extra struct {
	TerraformType string
	// Matches are the arguments of the ForceNew/ForceNewIf/RequiresReplace
	// code in the resource's source file that this entry accounts for
	// (checkExtras fails on any other).
	Matches []string
	Field   forcenew.Field
}

// extras, reviewed against the Terraform provider at tfVersion and
// provider-aws v2.5.0's configuration.
var extras = []extra{
	{TerraformType: "aws_lambda_invocation", Matches: []string{`"input"`}, Field: forcenew.Field{
		TF: "input", Type: "string", Condition: forcenew.CondCreateOnly,
		Reason: "CustomizeDiff customizeDiffInputChangeWithCreateOnlyScope in internal/service/lambda/invocation.go: ForceNew(input) when lifecycle_scope is CREATE_ONLY (its default)",
	}},
	{TerraformType: "aws_lambda_function", Matches: []string{`"durable_config"`}, Field: forcenew.Field{
		TF: "durable_config", Type: "list", Elem: "object", Condition: forcenew.CondAddedOrRemoved,
		Reason: "CustomizeDiff customdiff.ForceNewIfChange(durable_config) in internal/service/lambda/function.go: replaced when the block is added or removed",
	}},
	{TerraformType: "aws_lb", Matches: []string{`"subnet_mapping"`}, Field: forcenew.Field{
		TF: "subnet_mapping", Type: "set", Elem: "object", Condition: forcenew.CondLBSubnetMapping,
		Reason: "CustomizeDiff customizeDiffLoadBalancerALB/NLB in internal/service/elbv2/load_balancer.go",
	}},
	{TerraformType: "aws_lb", Matches: []string{`names.AttrSubnets`}, Field: forcenew.Field{
		TF: "subnets", Type: "set", Elem: "string", Condition: forcenew.CondNLBSubnets,
		Reason: "CustomizeDiff customizeDiffLoadBalancerNLB in internal/service/elbv2/load_balancer.go",
	}},
	{TerraformType: "aws_lb", Matches: []string{`names.AttrSecurityGroups`}, Field: forcenew.Field{
		TF: "security_groups", Type: "set", Elem: "string", Condition: forcenew.CondNLBSecurityGroups,
		Reason: "CustomizeDiff customizeDiffLoadBalancerNLB in internal/service/elbv2/load_balancer.go",
	}},
	{TerraformType: "aws_lb", Matches: []string{`"secondary_ips_auto_assigned_per_subnet"`}, Field: forcenew.Field{
		TF: "secondary_ips_auto_assigned_per_subnet", Type: "int", Condition: forcenew.CondNLBDecrease,
		Reason: "CustomizeDiff customizeDiffLoadBalancerNLB in internal/service/elbv2/load_balancer.go",
	}},
	{TerraformType: "aws_nat_gateway", Matches: []string{`"secondary_private_ip_address_count"`}, Field: forcenew.Field{
		TF: "secondary_private_ip_address_count", Type: "int", Condition: forcenew.CondPrivateNAT,
		Reason: "CustomizeDiff resourceNATGatewayCustomizeDiff in internal/service/ec2/vpc_nat_gateway.go",
	}},
	{TerraformType: "aws_nat_gateway", Matches: []string{`"regional_nat_gateway_auto_mode"`}, Field: forcenew.Field{
		TF: "regional_nat_gateway_auto_mode", Type: "string", Condition: forcenew.CondRegionalNATAddresses,
		Reason: "CustomizeDiff validateRegionalNATGatewayAvailabilityZoneAddress in internal/service/ec2/vpc_nat_gateway.go; " +
			"a computed attribute, so Changes cannot see it: it is forced by availability_zone_address",
	}},
	{TerraformType: "aws_rds_cluster", Matches: []string{`names.AttrStorageType`}, Field: forcenew.Field{
		TF: "storage_type", Type: "string", Condition: forcenew.CondNotAurora,
		Reason: "CustomizeDiff customdiff.ForceNewIf(storage_type) in internal/service/rds/cluster.go",
	}},
	{TerraformType: "aws_route53_resolver_rule", Matches: []string{`"resolver_endpoint_id"`}, Field: forcenew.Field{
		TF: "resolver_endpoint_id", Type: "string",
		Reason: "schema ForceNew in internal/service/route53resolver/rule.go; its CustomizeDiff resourceRuleCustomizeDiff also forces it when cleared",
	}},
	{TerraformType: "aws_subnet", Matches: []string{`"ipv6_cidr_block"`}, Field: forcenew.Field{
		TF: "ipv6_cidr_block", Type: "string", Condition: forcenew.CondAssignIPv6OnCreation,
		Reason: "CustomizeDiff customdiff.ForceNewIf(ipv6_cidr_block) in internal/service/ec2/vpc_subnet.go",
	}},
	{TerraformType: "aws_vpc", Matches: []string{`"instance_tenancy"`}, Field: forcenew.Field{
		TF: "instance_tenancy", Type: "string", Condition: forcenew.CondTenancy,
		Reason: "CustomizeDiff resourceVPCCustomizeDiff in internal/service/ec2/vpc_.go",
	}},
	{TerraformType: "aws_vpc", Matches: []string{`names.AttrCIDRBlock`}, Field: forcenew.Field{
		TF: "cidr_block", Condition: forcenew.CondNoNetmask,
		Reason: "ForceNew in the schema; CustomizeDiff resourceVPCCustomizeDiff in internal/service/ec2/vpc_.go clears the diff when ipv4_netmask_length is set (a CIDR from IPAM)",
	}},
	{TerraformType: "aws_route53_record", Field: forcenew.Field{
		TF: "name", Condition: forcenew.CondNotOnlyTrailingDot,
		Reason: "ForceNew in the schema; provider-aws config/cluster/route53/config.go TerraformCustomDiff drops a diff of a trailing dot only",
	}},
}

func init() { //nolint:gochecknoinits // the security group rules share one ModifyPlan
	for _, t := range []string{"aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"} {
		for _, f := range []string{"cidr_ipv4", "cidr_ipv6", "prefix_list_id", "referenced_security_group_id"} {
			extras = append(extras, extra{TerraformType: t, Matches: []string{"[]path.Path{path.Root(old), path.Root(new)}"}, Field: forcenew.Field{
				TF: f, Type: "string", Condition: forcenew.CondSourceType,
				Reason: "ModifyPlan of securityGroupRuleResource in internal/service/ec2/vpc_security_group_ingress_rule.go: replaced when the source moves to another attribute",
			}})
		}
	}
}
