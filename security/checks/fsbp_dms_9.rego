# METADATA
# title: "[DMS.9] DMS endpoints should use SSL"
# description: |
#   AWS Security Hub FSBP control DMS.9 and PCI DSS v4.0 requirement 4.2.1
#   (strong cryptography for account data in transit): every DMS endpoint
#   connects with TLS (ssl_mode require, verify-ca or verify-full), not
#   "none" and not unset (DMS defaults to none).
# scope: package
# related_resources:
#   - https://docs.aws.amazon.com/securityhub/latest/userguide/dms-controls.html#dms-9
# custom:
#   id: FSBP-DMS.9
#   long_id: payments-dms-endpoint-tls
#   severity: HIGH
#   recommended_actions: Set sslMode to require, verify-ca or verify-full on the DMS Endpoint.
#   input:
#     selector:
#       - type: json
package user.payments.fsbp_dms_9

import rego.v1

import data.lib.payments

tls_modes := {"require", "verify-ca", "verify-full"}

deny contains res if {
	some label, r in payments.resources("aws_dms_endpoint")
	not object.get(r, "ssl_mode", "none") in tls_modes
	res := result.new(
		sprintf("%s: ssl_mode is %v, must be one of require, verify-ca, verify-full", [payments.address("aws_dms_endpoint", label), object.get(r, "ssl_mode", "unset (none)")]),
		r,
	)
}
