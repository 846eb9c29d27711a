# METADATA
# title: "[PCI DSS 10.3.2] Log groups are encrypted with a KMS key"
# description: |
#   PCI DSS v4.0 requirement 10.3.2 (audit log files protected from
#   modification and access) and 3.5.1 (account data that may reach logs
#   rendered unreadable): every CloudWatch log group the platform writes to
#   is declared and encrypted with a customer managed KMS key (kms_key_id).
#   A log group a service creates on first write (a Lambda function's, an
#   Aurora log export's, a DMS task's) has no KMS key and never expires, so
#   it must be declared.
# scope: package
# related_resources:
#   - https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
# custom:
#   id: PCI-10.3.2
#   long_id: payments-log-group-kms
#   severity: HIGH
#   recommended_actions: Set kmsKeyId on every log group, and compose a log group for every log group a service writes to.
#   input:
#     selector:
#       - type: json
package user.payments.pci_10_3_2

import rego.v1

import data.lib.payments
import data.lib.payments.logs

deny contains res if {
	some label, g in payments.resources("aws_cloudwatch_log_group")
	not payments.set_string(g, "kms_key_id")
	res := result.new(
		sprintf("%s: kms_key_id is not set", [payments.address("aws_cloudwatch_log_group", label)]),
		g,
	)
}

deny contains res if {
	some name, writer in logs.written
	not logs.declared[name]
	res := result.new(
		sprintf("%s writes to log group %s, which is not declared: the service creates it without a KMS key and without retention", [writer, name]),
		{},
	)
}
