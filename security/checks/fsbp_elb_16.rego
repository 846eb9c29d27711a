# METADATA
# title: "[ELB.16] Application Load Balancers should be associated with an AWS WAF web ACL"
# description: |
#   AWS Security Hub FSBP control ELB.16 (and PCI DSS v4.0 6.4.2: public
#   web applications behind an automated solution that detects and
#   prevents web-based attacks): every Application Load Balancer has a
#   wafv2 web ACL association that names it.
# scope: package
# related_resources:
#   - https://docs.aws.amazon.com/securityhub/latest/userguide/elb-controls.html#elb-16
# custom:
#   id: FSBP-ELB.16
#   long_id: payments-alb-waf-association
#   severity: HIGH
#   recommended_actions: Compose a WebACLAssociation of the web ACL with the ALB before the ALB takes traffic.
#   input:
#     selector:
#       - type: json
package user.payments.fsbp_elb_16

import rego.v1

import data.lib.payments
import data.lib.payments.waf

deny contains res if {
	some label, lb in waf.albs
	count(waf.associations(label)) == 0
	res := result.new(
		sprintf("%s: no aws_wafv2_web_acl_association names this Application Load Balancer", [payments.address("aws_lb", label)]),
		lb,
	)
}
