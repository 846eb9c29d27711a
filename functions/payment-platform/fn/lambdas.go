package fn

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/crossplane/function-sdk-go/resource"

	iam "github.com/upbound/provider-aws/v2/apis/cluster/iam/v1beta1"
	lambda "github.com/upbound/provider-aws/v2/apis/cluster/lambda/v1beta1"
	lambdav2 "github.com/upbound/provider-aws/v2/apis/cluster/lambda/v1beta2"

	"github.com/acme-payments/xpaymentplatform/apis/v1alpha1"
)

// Composition-resource names of the migration Lambdas. ResValidation and
// ResRollback give the AWS names payment-validation-<suffix> and
// payment-rollback-<suffix>.
const (
	ResValidation          = resource.Name("validation")
	ResValidationLogGroup  = resource.Name("validation-log-group")
	ResValidationRole      = resource.Name("validation-role")
	ResValidationPolicy    = resource.Name("validation-policy")
	ResValidationRun       = resource.Name("validation-run")
	ResRollback            = resource.Name("rollback")
	ResRollbackLogGroup    = resource.Name("rollback-log-group")
	ResRollbackRole        = resource.Name("rollback-role")
	ResRollbackPolicy      = resource.Name("rollback-policy")
	ResSGRuleAppOutSource  = resource.Name("sgr-app-out-source")
	validationTimeout      = 300
	validationMemoryMB     = 256
	rollbackTimeout        = 60
	rollbackMemoryMB       = 128
	lambdaArtifactPrefix   = "payment-platform"
	annotationValidateStep = "platform.payments.io/validates-step"
)

// IsLambdaResource reports whether a composition-resource name belongs to
// the migration Lambdas: removing spec.lambdas removes exactly these.
func IsLambdaResource(n resource.Name) bool {
	s := string(n)
	return n == ResSGRuleAppOutSource || n == ResValidation || n == ResRollback ||
		strings.HasPrefix(s, "validation-") || strings.HasPrefix(s, "rollback-")
}

// ArtifactKey is where cmd/lambda-publish uploads a Lambda zip.
func ArtifactKey(version, name string) string {
	return lambdaArtifactPrefix + "/" + version + "/" + name + ".zip"
}

// ValidationCheckType is the check that gates moving to a step: before any
// traffic moves the data must match (pre_migration); afterwards the
// migrated data keeps matching (post_migration).
func ValidationCheckType(step v1alpha1.CutoverStep) string {
	if step <= 10 {
		return "pre_migration"
	}
	return "post_migration"
}

// lambdas composes the validation and rollback Lambdas from the published
// zips (arm64, provided.al2023), each with its log group and a role allowed
// exactly what it does, and — once the cluster is known — an Invocation of
// the validator for the step the claim asks for, re-run whenever the
// requested step changes.
func lambdas(p *Plan) []Desired {
	l := p.Spec.Lambdas
	if l == nil || !p.Spec.MigrationEnabled() {
		return nil
	}
	clusterARN, secretARN := p.View.Database.ClusterARN, p.View.Database.SecretARN
	taskARN, topicARN := p.View.Migration.TaskARN, p.View.Monitoring.TopicARN
	dims := DimensionSuffix + "=" + p.Spec.EnvironmentSuffix

	valEnv := map[string]*string{
		"SOURCE_SECRET_ARN":          ptr(l.SourceSecretARN),
		"VALIDATION_HMAC_SECRET_ARN": ptr(l.HMACSecretARN),
		"TARGET_BACKEND":             ptr("data-api"),
		"TARGET_DATABASE":            ptr(p.Spec.Database.DatabaseName),
		"METRIC_DIMENSIONS":          ptr(dims),
	}
	if clusterARN != "" {
		valEnv["TARGET_CLUSTER_ARN"] = ptr(clusterARN)
	}
	if secretARN != "" {
		valEnv["TARGET_SECRET_ARN"] = ptr(secretARN)
	}
	if len(l.Tables) > 0 {
		valEnv["VALIDATION_TABLES"] = ptr(strings.Join(l.Tables, ","))
	}
	rbEnv := map[string]*string{"METRIC_DIMENSIONS": ptr(dims)}
	if taskARN != "" {
		rbEnv["DMS_REPLICATION_TASK_ARN"] = ptr(taskARN)
	}
	if topicARN != "" {
		rbEnv["SNS_TOPIC_ARN"] = ptr(topicARN)
	}

	valName, rbName := p.Name(ResValidation), p.Name(ResRollback)
	putMetrics := Statement{Sid: "PutMetrics", Effect: "Allow", Action: []string{"cloudwatch:PutMetricData"}, Resource: []string{"*"},
		Condition: map[string]map[string]string{"StringEquals": {"cloudwatch:namespace": MetricNamespace}}}
	valStatements := append(p.lambdaBaseStatements(valName),
		Allow("ReadSourceAndHMACSecrets", []string{"secretsmanager:GetSecretValue"}, l.SourceSecretARN, l.HMACSecretARN),
		Allow("QueryAuroraDataAPI", []string{"rds-data:ExecuteStatement", "rds-data:BatchExecuteStatement"}, orPattern(clusterARN, p.ARN("rds", "cluster:"+p.DBClusterIdentifier()))),
		putMetrics,
	)
	rbStatements := append(p.lambdaBaseStatements(rbName),
		putMetrics,
		Allow("StopReplication", []string{"dms:StopReplicationTask", "dms:DescribeReplicationTasks"}, orPattern(taskARN, p.ARN("dms", "task:*"))),
		Allow("Notify", []string{"sns:Publish"}, orPattern(topicARN, p.ARN("sns", p.Name(ResAlarmsTopic)))),
	)

	out := []Desired{
		LogGroup(p, ResValidationLogGroup, "/aws/lambda/"+valName, p.LogRetentionDays()),
		p.lambdaRole(ResValidationRole, valName),
		{Name: ResValidationPolicy, Object: &iam.RolePolicy{Spec: iam.RolePolicySpec{ForProvider: iam.RolePolicyParameters{
			RoleSelector: p.Sel(ResValidationRole), Policy: Policy(valStatements...),
		}}}},
		{Name: ResValidation, Object: p.zipLambda("validation", l.SourceCodeHashes.Validation, ResValidationRole, validationTimeout, validationMemoryMB, valEnv,
			"Migration validator: checks and checksum diff between the on-prem source and Aurora")},
		LogGroup(p, ResRollbackLogGroup, "/aws/lambda/"+rbName, p.LogRetentionDays()),
		p.lambdaRole(ResRollbackRole, rbName),
		{Name: ResRollbackPolicy, Object: &iam.RolePolicy{Spec: iam.RolePolicySpec{ForProvider: iam.RolePolicyParameters{
			RoleSelector: p.Sel(ResRollbackRole), Policy: Policy(rbStatements...),
		}}}},
		{Name: ResRollback, Object: p.zipLambda("rollback", l.SourceCodeHashes.Rollback, ResRollbackRole, rollbackTimeout, rollbackMemoryMB, rbEnv,
			"Rollback trigger: publishes RollbackRequested so Route 53 fails back to the old system")},
	}
	if clusterARN == "" || secretARN == "" || p.Spec.Cutover == nil {
		return out
	}
	step := p.Spec.Cutover.Step
	input := mustJSON(map[string]string{"action": "validate", "checkType": ValidationCheckType(step)})
	run := &lambda.Invocation{Spec: lambda.InvocationSpec{ForProvider: lambda.InvocationParameters{
		FunctionNameSelector: p.Sel(ResValidation),
		Input:                ptr(input),
		Triggers:             map[string]*string{"step": ptr(strconv.Itoa(int(step))), "checkType": ptr(ValidationCheckType(step))},
	}}}
	run.SetAnnotations(map[string]string{annotationValidateStep: strconv.Itoa(int(step))})
	return append(out, Desired{Name: ResValidationRun, Object: run})
}

func orPattern(known, pattern string) string {
	if known != "" {
		return known
	}
	return pattern
}

func (p *Plan) lambdaRole(name resource.Name, function string) Desired {
	return Desired{Name: name, Object: &iam.Role{Spec: iam.RoleSpec{ForProvider: iam.RoleParameters{
		Description:      ptr("Execution role of " + function),
		AssumeRolePolicy: p.TrustPolicy("lambda.amazonaws.com", p.ARN("lambda", "function:"+function)),
	}}}}
}

// zipLambda is a Go Lambda from the published zip: arm64, provided.al2023,
// in the app subnets (the validator reaches the source through the NAT
// gateways), traced, environment encrypted with the platform key.
func (p *Plan) zipLambda(artifact, hash string, role resource.Name, timeout, memory int, env map[string]*string, desc string) *lambdav2.Function {
	l := p.Spec.Lambdas
	return p.vpcLambda(role, env, lambdav2.FunctionParameters{
		PackageType:    ptr("Zip"),
		S3Bucket:       ptr(l.ArtifactBucket),
		S3Key:          ptr(ArtifactKey(l.Version, artifact)),
		SourceCodeHash: ptr(hash),
		Runtime:        ptr("provided.al2023"),
		Handler:        ptr("bootstrap"),
		Architectures:  []*string{ptr("arm64")},
		Timeout:        ptr(float64(timeout)),
		MemorySize:     ptr(float64(memory)),
		Description:    ptr(desc),
	})
}

// validationResult is what the validator returns (the fields the platform
// reads).
type validationResult struct {
	Success      bool   `json:"success"`
	CheckType    string `json:"checkType"`
	RowsCompared int64  `json:"rowsCompared"`
	Mismatches   int64  `json:"mismatches"`
	ResumeToken  string `json:"resumeToken"`
	ErrorMessage string `json:"errorMessage"`
}

// Validation reads the observed validation run: nil when the claim has no
// validator or it has not run for the requested step yet.
func (p *Plan) Validation() *v1alpha1.ValidationStatus {
	if p.Spec.Lambdas == nil || p.Spec.Cutover == nil || !p.Spec.MigrationEnabled() {
		return nil
	}
	step := p.Spec.Cutover.Step
	vs := &v1alpha1.ValidationStatus{CheckType: ValidationCheckType(step), ForStep: int(step)}
	if p.View.Lambdas.RunForStep != strconv.Itoa(int(step)) {
		vs.Message = fmt.Sprintf("the %s validation for step %d has not run yet", vs.CheckType, step)
		return vs
	}
	raw := p.View.Lambdas.Result
	if raw == "" {
		vs.Message = "the validation is running"
		return vs
	}
	var r validationResult
	if err := json.Unmarshal([]byte(raw), &r); err != nil {
		vs.Message = "the validation returned no readable result"
		return vs
	}
	vs.Success, vs.RowsCompared, vs.Mismatches = r.Success, r.RowsCompared, r.Mismatches
	switch {
	case r.ErrorMessage != "":
		vs.Success, vs.Message = false, "the validator failed: "+r.ErrorMessage
	case r.ResumeToken != "":
		vs.Success, vs.Message = false, fmt.Sprintf("the validation stopped before its deadline after %d rows; invoke it again with the resumeToken (see the runbook)", r.RowsCompared)
	case r.Success:
		vs.Message = fmt.Sprintf("%s passed: %d rows compared, no mismatch", r.CheckType, r.RowsCompared)
	default:
		vs.Message = fmt.Sprintf("%s failed: %d mismatches in %d rows compared", r.CheckType, r.Mismatches, r.RowsCompared)
	}
	return vs
}
