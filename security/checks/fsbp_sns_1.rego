# METADATA
# title: "[SNS.1] SNS topics should be encrypted at rest using AWS KMS"
# description: |
#   AWS Security Hub FSBP control SNS.1: every SNS topic has a KMS key
#   (kms_master_key_id). The alarm topic carries alarm payloads with
#   resource names and metrics of the cardholder data environment.
# scope: package
# related_resources:
#   - https://docs.aws.amazon.com/securityhub/latest/userguide/sns-controls.html#sns-1
# custom:
#   id: FSBP-SNS.1
#   long_id: payments-sns-topic-kms
#   severity: HIGH
#   recommended_actions: Set kmsMasterKeyId on the Topic.
#   input:
#     selector:
#       - type: json
package user.payments.fsbp_sns_1

import rego.v1

import data.lib.payments

deny contains res if {
	some label, t in payments.resources("aws_sns_topic")
	not payments.set_string(t, "kms_master_key_id")
	res := result.new(sprintf("%s: kms_master_key_id is not set", [payments.address("aws_sns_topic", label)]), t)
}
