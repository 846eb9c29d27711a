# METADATA
# title: "[SecretsManager.4] Secrets Manager secrets are rotated within 30 days"
# description: |
#   AWS Security Hub FSBP controls SecretsManager.1 (automatic rotation
#   enabled) and SecretsManager.4 (rotated within a number of days; the
#   platform's maximum is 30), for PCI DSS v4.0 8.6.3 (passwords of system
#   accounts changed periodically): every secret rotation has rotation
#   rules that rotate automatically at most every 30 days
#   (automatically_after_days, or a schedule_expression rate(N days|hours));
#   a cron schedule cannot be verified here and fails.
# scope: package
# related_resources:
#   - https://docs.aws.amazon.com/securityhub/latest/userguide/secretsmanager-controls.html#secretsmanager-4
# custom:
#   id: FSBP-SecretsManager.4
#   long_id: payments-secret-rotation-30-days
#   severity: HIGH
#   recommended_actions: Set rotationRules.automaticallyAfterDays to 30 or less on the SecretRotation.
#   input:
#     selector:
#       - type: json
package user.payments.fsbp_secretsmanager_4

import rego.v1

import data.lib.payments

max_days := 30

interval_days(rules) := rules.automatically_after_days if {
	is_number(rules.automatically_after_days)
} else := n if {
	m := regex.find_all_string_submatch_n(`^rate\(\s*([0-9]+)\s+days?\s*\)$`, object.get(rules, "schedule_expression", ""), 1)
	count(m) == 1
	n := to_number(m[0][1])
} else := n / 24 if {
	m := regex.find_all_string_submatch_n(`^rate\(\s*([0-9]+)\s+hours?\s*\)$`, object.get(rules, "schedule_expression", ""), 1)
	count(m) == 1
	n := to_number(m[0][1])
}

deny contains res if {
	some label, r in payments.resources("aws_secretsmanager_secret_rotation")
	rules := payments.block(r, "rotation_rules")
	not interval_days(rules)
	res := result.new(
		sprintf("%s: no automatic rotation interval (rotation_rules automatically_after_days or schedule_expression rate(...)): %v", [payments.address("aws_secretsmanager_secret_rotation", label), rules]),
		r,
	)
}

deny contains res if {
	some label, r in payments.resources("aws_secretsmanager_secret_rotation")
	days := interval_days(payments.block(r, "rotation_rules"))
	days > max_days
	res := result.new(
		sprintf("%s: rotates every %v days, more than %d", [payments.address("aws_secretsmanager_secret_rotation", label), days, max_days]),
		r,
	)
}

# A secret of this configuration without a rotation (SecretsManager.1).
deny contains res if {
	some label, s in payments.resources("aws_secretsmanager_secret")
	not rotated(label)
	res := result.new(
		sprintf("%s: no aws_secretsmanager_secret_rotation rotates this secret", [payments.address("aws_secretsmanager_secret", label)]),
		s,
	)
}

rotated(label) if {
	some _, r in payments.resources("aws_secretsmanager_secret_rotation")
	payments.ref_label(r.secret_id, "aws_secretsmanager_secret") == label
}
