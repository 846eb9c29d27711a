# METADATA
# title: "[PCI DSS 6.4.2] The web ACL protecting the ALB blocks SQL injection and rate-limits clients"
# description: |
#   PCI DSS v4.0 requirement 6.4.2 (an automated technical solution that
#   continually detects and prevents web-based attacks in front of public
#   web applications), with AWS Security Hub WAF.10 (a web ACL has at least
#   one rule): the web ACL associated with each Application Load Balancer
#   has a rule that blocks SQL injection (the AWS managed
#   AWSManagedRulesSQLiRuleSet not overridden to count, or an
#   SqliMatchStatement rule that blocks) and a rate-based rule that blocks.
# scope: package
# related_resources:
#   - https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-use-case.html#aws-managed-rule-groups-use-case-sql-db
#   - https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based.html
# custom:
#   id: PCI-6.4.2
#   long_id: payments-waf-sqli-and-rate-rules
#   severity: HIGH
#   recommended_actions: Keep the SQLi managed rule group (override action none) and a blocking rate-based rule in the platform's web ACL.
#   input:
#     selector:
#       - type: json
package user.payments.pci_6_4_2

import rego.v1

import data.lib.payments
import data.lib.payments.waf

# The web ACLs protecting ALBs, by label, with the ALB.
protected[acl_label] := alb_label if {
	some alb_label, _ in waf.albs
	some _, a in waf.associations(alb_label)
	acl_label := waf.web_acl_label(a)
}

blocks_sqli(rule) if {
	g := rule.statement.ManagedRuleGroupStatement
	g.VendorName == "AWS"
	g.Name == "AWSManagedRulesSQLiRuleSet"
	"None" in object.keys(rule.override_action)
}

blocks_sqli(rule) if {
	rule.statement.SqliMatchStatement
	"Block" in object.keys(rule.action)
}

rate_limits(rule) if {
	rule.statement.RateBasedStatement
	"Block" in object.keys(rule.action)
}

deny contains res if {
	some acl_label, alb_label in protected
	acl := payments.resources("aws_wafv2_web_acl")[acl_label]
	not has_sqli_rule(acl)
	res := result.new(
		sprintf("%s (protecting %s): no rule blocks SQL injection (AWSManagedRulesSQLiRuleSet with override action none, or a blocking SqliMatchStatement)", [payments.address("aws_wafv2_web_acl", acl_label), payments.address("aws_lb", alb_label)]),
		acl,
	)
}

deny contains res if {
	some acl_label, alb_label in protected
	acl := payments.resources("aws_wafv2_web_acl")[acl_label]
	not has_rate_rule(acl)
	res := result.new(
		sprintf("%s (protecting %s): no rate-based rule that blocks", [payments.address("aws_wafv2_web_acl", acl_label), payments.address("aws_lb", alb_label)]),
		acl,
	)
}

deny contains res if {
	some alb_label, _ in waf.albs
	some l, a in waf.associations(alb_label)
	not waf.web_acl_label(a)
	res := result.new(
		sprintf("%s (protecting %s): its web ACL %v is not a web ACL of this configuration, its rules cannot be checked", [payments.address("aws_wafv2_web_acl_association", l), payments.address("aws_lb", alb_label), a.web_acl_arn]),
		a,
	)
}

has_sqli_rule(acl) if {
	some rule in waf.rules(acl)
	blocks_sqli(rule)
}

has_rate_rule(acl) if {
	some rule in waf.rules(acl)
	rate_limits(rule)
}
