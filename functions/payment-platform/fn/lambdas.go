package fn

import (
	"strings"

	"k8s.io/utils/ptr"

	"github.com/acme-payments/xpaymentplatform/internal/contract"

	"github.com/acme-payments/xpaymentplatform/apis/v1alpha1"

	lambda "github.com/upbound/provider-aws/v2/apis/cluster/lambda/v1beta1"
)

// lambdaResources composes the validation and rollback Lambdas from the published
// zips (arm64, provided.al2023), each with its log group and a role allowed
// exactly what it does, and — once the cluster is known — an Invocation of
// the validator for the step the claim asks for, re-run whenever the
// requested step changes.
func lambdaResources(p *Plan) []Desired {
	l := p.Spec.Lambdas
	if !l.ValidatorEnabled() || !p.Spec.MigrationEnabled() {
		return nil
	}
	clusterARN, secretARN := p.View.Database.ClusterARN, p.View.Database.SecretARN
	taskARN, topicARN := p.View.Migration.TaskARN, p.View.Monitoring.TopicARN
	dims := contract.MetricDimensions(p.Spec.EnvironmentSuffix)

	valEnv := map[string]*string{
		contract.EnvSourceSecretARN:         ptr.To(l.SourceSecretARN),
		contract.EnvValidationHMACSecretARN: ptr.To(l.HMACSecretARN),
		contract.EnvTargetBackend:           ptr.To(contract.TargetBackendDataAPI),
		contract.EnvTargetDatabase:          ptr.To(p.Spec.Database.DatabaseName),
		contract.EnvMetricDimensions:        ptr.To(dims),
	}
	if clusterARN != "" {
		valEnv[contract.EnvTargetClusterARN] = ptr.To(clusterARN)
	}
	if secretARN != "" {
		valEnv[contract.EnvTargetSecretARN] = ptr.To(secretARN)
	}
	if len(l.Tables) > 0 {
		valEnv[contract.EnvValidationTables] = ptr.To(strings.Join(l.Tables, ","))
	}
	rbEnv := map[string]*string{contract.EnvMetricDimensions: ptr.To(dims)}
	if taskARN != "" {
		rbEnv[contract.EnvDMSReplicationTaskARN] = ptr.To(taskARN)
	}
	if topicARN != "" {
		rbEnv[contract.EnvSNSTopicARN] = ptr.To(topicARN)
	}

	putMetrics := Statement{Sid: "PutMetrics", Effect: "Allow", Action: []string{"cloudwatch:PutMetricData"}, Resource: []string{"*"},
		Condition: map[string]map[string]string{"StringEquals": {"cloudwatch:namespace": contract.MetricNamespace}}}
	valStatements := []Statement{
		Allow("ReadSourceAndHMACSecrets", []string{"secretsmanager:GetSecretValue"}, l.SourceSecretARN, l.HMACSecretARN),
		Allow("QueryAuroraDataAPI", []string{"rds-data:ExecuteStatement", "rds-data:BatchExecuteStatement"}, orPattern(clusterARN, p.ARN("rds", "cluster:"+p.DBClusterIdentifier()))),
		putMetrics,
	}
	rbStatements := []Statement{
		putMetrics,
		Allow("StopReplication", []string{"dms:StopReplicationTask"}, orPattern(taskARN, p.ARN("dms", "task:*"))),
		// DescribeReplicationTasks has no resource type in the service
		// authorization reference (AWS DMS: "Actions defined by AWS
		// Database Migration Service"): it is granted on "*" or not at all.
		Allow("DescribeReplication", []string{"dms:DescribeReplicationTasks"}, "*"),
		Allow("Notify", []string{"sns:Publish"}, orPattern(topicARN, p.ARN("sns", p.Name(ResAlarmsTopic)))),
		// The topic is encrypted with the platform key: a publisher needs
		// kms:GenerateDataKey* and kms:Decrypt on it (SNS developer guide,
		// "Encryption at rest": "the publisher must have the
		// kms:GenerateDataKey* and kms:Decrypt permissions"); Decrypt is
		// in the base statements.
		Allow("EncryptNotification", []string{"kms:GenerateDataKey*"}, p.KMSKeyARNOrPattern()),
	}

	out := append(p.zipFunctionResources(zipFunction{
		Function: ResValidation, LogGroup: ResValidationLogGroup, Role: ResValidationRole, Policy: ResValidationPolicy,
		Artifact: contract.LambdaValidation, Hash: l.SourceCodeHashes.Validation, TimeoutSeconds: validationTimeout, MemoryMB: validationMemoryMB,
		Env: valEnv, Statements: valStatements,
		Description: "Migration validator: checks and checksum diff between the on-prem source and Aurora",
	}), p.zipFunctionResources(zipFunction{
		Function: ResRollback, LogGroup: ResRollbackLogGroup, Role: ResRollbackRole, Policy: ResRollbackPolicy,
		Artifact: contract.LambdaRollback, Hash: l.SourceCodeHashes.Rollback, TimeoutSeconds: rollbackTimeout, MemoryMB: rollbackMemoryMB,
		Env: rbEnv, Statements: rbStatements,
		Description: "Rollback trigger: publishes RollbackRequested so Route 53 fails back to the old system",
	})...)
	if clusterARN == "" || secretARN == "" || p.Spec.Cutover == nil {
		return out
	}
	// One Invocation per step and attempt, its input fixed: the provider
	// invokes the validator once when it creates it. Changing an
	// Invocation's triggers (or its input under lifecycle_scope
	// CREATE_ONLY) is a ForceNew update provider-aws refuses, so a kept
	// Invocation would never run again.
	// A run that stops at its deadline returns a resume token; the next
	// invocation of the chain carries it (Plan.Chain).
	step := int(p.Spec.Cutover.Step)
	for _, l := range p.Chain {
		input := mustJSON(contract.ValidationRequest{Action: contract.ActionValidate, CheckType: ValidationCheckType(p.Spec.Cutover.Step),
			Step: &step, ResumeToken: l.ResumeToken})
		out = append(out, Desired{Name: l.Name, Object: &lambda.Invocation{Spec: lambda.InvocationSpec{ForProvider: lambda.InvocationParameters{
			FunctionNameSelector: p.Sel(ResValidation),
			Input:                ptr.To(input),
		}}}})
	}
	return out
}

// lambdas is the migration validator and rollback trigger; the status shows
// the validation of the requested step.
func lambdas(p *Plan) Part {
	return Part{Resources: lambdaResources(p), Status: v1alpha1.XPaymentPlatformStatus{Validation: p.Validation}}
}
