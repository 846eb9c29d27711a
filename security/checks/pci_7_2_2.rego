# METADATA
# title: "[PCI DSS 7.2.2] IAM policies allow Resource \"*\" only for actions without resource-level permissions"
# description: |
#   PCI DSS v4.0 requirements 7.2.1/7.2.2 (access assigned on least
#   privilege), the resource half of AWS Security Hub IAM.1: an Allow
#   statement with Resource "*" (or NotResource) may only name actions
#   that have no resource-level permissions, i.e. whose "Resource types"
#   column in the AWS Service Authorization Reference is empty (listed in
#   no_resource_level_actions); every other action names its resources.
# scope: package
# related_resources:
#   - https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
# custom:
#   id: PCI-7.2.2
#   long_id: payments-iam-wildcard-resources
#   severity: HIGH
#   recommended_actions: Give the statement the ARNs of the resources the actions act on.
#   input:
#     selector:
#       - type: json
package user.payments.pci_7_2_2

import rego.v1

import data.lib.payments.iam

# Actions whose Resource types are empty in the Service Authorization
# Reference: they can only be allowed on "*".
no_resource_level_actions := {
	"cloudwatch:GetMetricData",
	"cloudwatch:GetMetricStatistics",
	"cloudwatch:ListMetrics",
	"cloudwatch:PutMetricData",
	"dms:DescribeReplicationTasks",
	"ec2:DescribeNetworkInterfaces",
	"ec2:DescribeSecurityGroups",
	"ec2:DescribeSubnets",
	"ec2:DescribeVpcs",
	"kms:CreateKey",
	"kms:ListAliases",
	"kms:ListKeys",
	"lambda:ListFunctions",
	"secretsmanager:GetRandomPassword",
	"secretsmanager:ListSecrets",
	"sns:ListTopics",
	"sts:GetCallerIdentity",
	"tag:GetResources",
	"xray:GetSamplingRules",
	"xray:GetSamplingStatisticSummaries",
	"xray:GetSamplingTargets",
	"xray:PutTelemetryRecords",
	"xray:PutTraceSegments",
}

all_resources(s) if "*" in s.resources

all_resources(s) if count(s.not_resources) > 0

deny contains res if {
	some s in iam.statements
	all_resources(s)
	scoped := [a | some a in s.actions; not lower_in(a, no_resource_level_actions)]
	count(scoped) > 0
	res := result.new(sprintf("%s: allows %v on all resources, but they have resource-level permissions", [s.where, scoped]), {})
}

lower_in(a, set) if {
	some x in set
	lower(x) == lower(a)
}
