# METADATA
# title: Web ACLs and the load balancers they protect
# description: |
#   Helpers for ELB.16 and PCI DSS 6.4.2: which web ACL association
#   protects which Application Load Balancer. An association names its
#   load balancer by reference ("${aws_lb.<label>.arn}" or ".id", the ID of
#   an aws_lb being its ARN) or by literal ARN (provider-aws has no
#   load-balancer reference on WebACLAssociation, so a render of an
#   observed world carries the ALB's ARN, ...:loadbalancer/app/<name>/<id>),
#   and its web ACL likewise (...:regional/webacl/<name>/<id>).
# scope: package
# custom:
#   input:
#     selector:
#       - type: json
package lib.payments.waf

import rego.v1

import data.lib.payments

# Application Load Balancers, by label.
albs[label] := lb if {
	some label, lb in payments.resources("aws_lb")
	object.get(lb, "load_balancer_type", "application") == "application"
}

# The associations protecting the ALB with that label.
associations(label) := {l: a |
	some l, a in payments.resources("aws_wafv2_web_acl_association")
	names_alb(a.resource_arn, label)
}

names_alb(arn, label) if {
	payments.ref_label(arn, "aws_lb") == label
	payments.ref_attr(arn) in {"arn", "id"}
}

names_alb(arn, label) if {
	is_string(arn)
	parts := regex.find_all_string_submatch_n(`^arn:aws[a-z-]*:elasticloadbalancing:[^:]+:[0-9]+:loadbalancer/app/([^/]+)/[^/]+$`, arn, 1)
	count(parts) == 1
	parts[0][1] == albs[label].name
}

# The label of the web ACL an association uses.
web_acl_label(a) := label if {
	label := payments.ref_label(a.web_acl_arn, "aws_wafv2_web_acl")
	payments.ref_attr(a.web_acl_arn) in {"arn", "id"}
}

web_acl_label(a) := label if {
	parts := regex.find_all_string_submatch_n(`^arn:aws[a-z-]*:wafv2:[^:]+:[0-9]+:regional/webacl/([^/]+)/[^/]+$`, a.web_acl_arn, 1)
	count(parts) == 1
	some label, acl in payments.resources("aws_wafv2_web_acl")
	acl.name == parts[0][1]
}

# The rules of a web ACL in one shape: rule_json (the WAF API's
# PascalCase JSON) or rule blocks (Terraform's snake_case), as
# {"name", "statement", "action", "override_action"} with the
# statement's and actions' keys in the API's PascalCase.
rules(acl) := [r |
	some raw in json.unmarshal(acl.rule_json)
	r := {
		"name": object.get(raw, "Name", ""),
		"statement": object.get(raw, "Statement", {}),
		"action": object.get(raw, "Action", {}),
		"override_action": object.get(raw, "OverrideAction", {}),
	}
] if {
	payments.set_string(acl, "rule_json")
} else := [r |
	some raw in object.get(acl, "rule", [])
	r := {
		"name": object.get(raw, "name", ""),
		"statement": tf_statement(payments.block(raw, "statement")),
		"action": tf_action(payments.block(raw, "action")),
		"override_action": tf_action(payments.block(raw, "override_action")),
	}
]

tf_action(a) := {pascal(k): {} | some k, v in a; count(v) > 0}

tf_statement(s) := {
	"ManagedRuleGroupStatement": {
		"VendorName": object.get(payments.block(s, "managed_rule_group_statement"), "vendor_name", ""),
		"Name": object.get(payments.block(s, "managed_rule_group_statement"), "name", ""),
	},
} if {
	count(payments.block(s, "managed_rule_group_statement")) > 0
} else := {"RateBasedStatement": payments.block(s, "rate_based_statement")} if {
	count(payments.block(s, "rate_based_statement")) > 0
} else := {"SqliMatchStatement": payments.block(s, "sqli_match_statement")} if {
	count(payments.block(s, "sqli_match_statement")) > 0
} else := {}

pascal(k) := concat("", [concat("", [upper(substring(w, 0, 1)), substring(w, 1, -1)]) | some w in split(k, "_")])
