# METADATA
# title: "[PCI DSS 3.5.1] DMS replication instances encrypt their storage with the platform's KMS key"
# description: |
#   PCI DSS v4.0 requirement 3.5.1 (stored account data rendered
#   unreadable) with the key management of 3.6/3.7: the replication
#   instance's storage holds cardholder data while it is replicated, so it
#   is encrypted with the platform's customer managed KMS key (kms_key_arn),
#   not the AWS managed aws/dms key.
# scope: package
# related_resources:
#   - https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Security.DataProtection.html
# custom:
#   id: PCI-3.5.1-DMS
#   long_id: payments-dms-replication-instance-cmk
#   severity: HIGH
#   recommended_actions: Set kmsKeyArn (kmsKeyArnSelector to the platform key) on the DMS ReplicationInstance.
#   input:
#     selector:
#       - type: json
package user.payments.pci_3_5_1_dms

import rego.v1

import data.lib.payments

deny contains res if {
	some label, r in payments.resources("aws_dms_replication_instance")
	not payments.set_string(r, "kms_key_arn")
	res := result.new(
		sprintf("%s: kms_key_arn is not set; the storage would be encrypted with the AWS managed key", [payments.address("aws_dms_replication_instance", label)]),
		r,
	)
}
