# METADATA
# title: IAM policy statements of a configuration
# description: |
#   The Allow statements of the identity policies a configuration declares
#   (aws_iam_role_policy, aws_iam_policy, aws_iam_user_policy,
#   aws_iam_group_policy and aws_iam_role inline_policy blocks), with
#   Action/NotAction and Resource/NotResource as arrays. AWS managed
#   policies attached by ARN are not in the configuration.
# scope: package
# custom:
#   input:
#     selector:
#       - type: json
package lib.payments.iam

import rego.v1

import data.lib.payments

policy_types := {"aws_iam_role_policy", "aws_iam_policy", "aws_iam_user_policy", "aws_iam_group_policy"}

documents contains [addr, doc] if {
	some t in policy_types
	some label, p in payments.resources(t)
	addr := payments.address(t, label)
	doc := json.unmarshal(p.policy)
}

documents contains [addr, doc] if {
	some label, r in payments.resources("aws_iam_role")
	some i, ip in object.get(r, "inline_policy", [])
	addr := sprintf("%s.inline_policy[%d]", [payments.address("aws_iam_role", label), i])
	doc := json.unmarshal(ip.policy)
}

# Policies whose document is not literal JSON cannot be checked.
unparsable contains addr if {
	some t in policy_types
	some label, p in payments.resources(t)
	not json.is_valid(p.policy)
	addr := payments.address(t, label)
}

statements contains s if {
	some [addr, doc] in documents
	some i, st in payments.as_array(doc.Statement)
	st.Effect == "Allow"
	s := {
		"where": sprintf("%s statement %v", [addr, object.get(st, "Sid", i)]),
		"actions": payments.as_array(object.get(st, "Action", [])),
		"not_actions": payments.as_array(object.get(st, "NotAction", [])),
		"resources": payments.as_array(object.get(st, "Resource", [])),
		"not_resources": payments.as_array(object.get(st, "NotResource", [])),
	}
}
