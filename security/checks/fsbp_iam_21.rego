# METADATA
# title: "[IAM.21] IAM policies should not allow wildcard actions"
# description: |
#   AWS Security Hub FSBP controls IAM.1 (no full "*" administrative
#   privileges) and IAM.21 (no wildcard actions for services), for PCI DSS
#   v4.0 7.2.1/7.2.2 (least privilege): no Allow statement has the action
#   "*" or "<service>:*", or uses NotAction (which allows everything
#   else). Partial wildcards (kms:GenerateDataKey*) are allowed.
# scope: package
# related_resources:
#   - https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html#iam-21
#   - https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html#iam-1
# custom:
#   id: FSBP-IAM.21
#   long_id: payments-iam-no-wildcard-actions
#   severity: HIGH
#   recommended_actions: Name the actions the principal needs.
#   input:
#     selector:
#       - type: json
package user.payments.fsbp_iam_21

import rego.v1

import data.lib.payments.iam

wildcard(a) if a == "*"

wildcard(a) if {
	parts := split(a, ":")
	count(parts) == 2
	parts[1] == "*"
}

deny contains res if {
	some s in iam.statements
	some a in s.actions
	wildcard(a)
	res := result.new(sprintf("%s: allows the wildcard action %q", [s.where, a]), {})
}

deny contains res if {
	some s in iam.statements
	count(s.not_actions) > 0
	res := result.new(sprintf("%s: Allow with NotAction %v allows every other action", [s.where, s.not_actions]), {})
}

deny contains res if {
	some addr in iam.unparsable
	res := result.new(sprintf("%s: the policy is not literal JSON and cannot be checked", [addr]), {})
}
