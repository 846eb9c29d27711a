# METADATA
# title: "[PCI DSS 10.5.1] Log groups retain their logs for at least 12 months"
# description: |
#   PCI DSS v4.0 requirement 10.5.1: audit log history is retained for at
#   least 12 months. Every declared CloudWatch log group keeps its events
#   at least 365 days (retention_in_days >= 365, or unset/0: never
#   expire). Log groups a service creates itself never expire; that they
#   must be declared (to be encrypted) is PCI-10.3.2's.
# scope: package
# related_resources:
#   - https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/Working-with-log-groups-and-streams.html#SettingLogRetention
# custom:
#   id: PCI-10.5.1
#   long_id: payments-log-group-retention-365
#   severity: HIGH
#   recommended_actions: Set retentionInDays to 365 or more on the log group.
#   input:
#     selector:
#       - type: json
package user.payments.pci_10_5_1

import rego.v1

import data.lib.payments

deny contains res if {
	some label, g in payments.resources("aws_cloudwatch_log_group")
	days := object.get(g, "retention_in_days", 0)
	days != 0
	days < 365
	res := result.new(
		sprintf("%s: retention_in_days is %v, less than 365", [payments.address("aws_cloudwatch_log_group", label), days]),
		g,
	)
}
