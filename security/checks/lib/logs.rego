# METADATA
# title: Log groups the platform writes to
# description: |
#   The CloudWatch log groups of a configuration: the declared ones
#   (aws_cloudwatch_log_group, by name), and the ones AWS services create
#   on first write when they are not declared: a Lambda function's
#   (logging_config log_group, else /aws/lambda/<function_name>), an
#   Aurora cluster's log exports (/aws/rds/cluster/<identifier>/<type>)
#   and a DMS replication task's logs (Logging.EnableLogging in its
#   settings: dms-tasks-<replication instance id>).
# scope: package
# custom:
#   input:
#     selector:
#       - type: json
package lib.payments.logs

import rego.v1

import data.lib.payments

declared[name] := label if {
	some label, g in payments.resources("aws_cloudwatch_log_group")
	name := g.name
}

# Log groups services write to: name -> the resource that writes.
written[name] := payments.address("aws_lambda_function", label) if {
	some label, f in payments.resources("aws_lambda_function")
	name := lambda_log_group(f)
}

written[name] := payments.address("aws_rds_cluster", label) if {
	some label, c in payments.resources("aws_rds_cluster")
	some t in object.get(c, "enabled_cloudwatch_logs_exports", [])
	name := sprintf("/aws/rds/cluster/%s/%s", [c.cluster_identifier, t])
}

written[name] := payments.address("aws_dms_replication_task", label) if {
	some label, t in payments.resources("aws_dms_replication_task")
	settings := json.unmarshal(t.replication_task_settings)
	settings.Logging.EnableLogging == true
	instance := payments.resources("aws_dms_replication_instance")[payments.ref_label(t.replication_instance_arn, "aws_dms_replication_instance")]
	name := sprintf("dms-tasks-%s", [instance.replication_instance_id])
}

lambda_log_group(f) := g if {
	g := payments.block(f, "logging_config").log_group
	is_string(g)
	g != ""
} else := sprintf("/aws/lambda/%s", [f.function_name])
