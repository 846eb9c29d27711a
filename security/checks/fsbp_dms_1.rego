# METADATA
# title: "[DMS.1] DMS replication instances should not be public"
# description: |
#   AWS Security Hub FSBP control DMS.1. A replication instance with a
#   public IP address can be reached from the internet; the payment
#   platform's instance replicates cardholder data and must stay in the
#   private data subnets. publicly_accessible must be false explicitly: the
#   DMS API defaults it to true.
# scope: package
# related_resources:
#   - https://docs.aws.amazon.com/securityhub/latest/userguide/dms-controls.html#dms-1
# custom:
#   id: FSBP-DMS.1
#   long_id: payments-dms-replication-instance-not-public
#   severity: CRITICAL
#   recommended_actions: Set spec.forProvider.publiclyAccessible to false on the DMS ReplicationInstance.
#   input:
#     selector:
#       - type: json
package user.payments.fsbp_dms_1

import rego.v1

import data.lib.payments

deny contains res if {
	some label, r in payments.resources("aws_dms_replication_instance")
	object.get(r, "publicly_accessible", null) != false
	res := result.new(
		sprintf("%s: publicly_accessible is %v, must be false (DMS defaults to a public instance)", [payments.address("aws_dms_replication_instance", label), object.get(r, "publicly_accessible", "unset")]),
		r,
	)
}
