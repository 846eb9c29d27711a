// Package contract is what the composition function, the platform's
// Lambdas, the runbook and the catalog share, spelled once: the metric
// namespace and dimensions the Lambdas publish and the alarms watch, the
// environment the function gives the Lambdas and they read, the
// validation's check types, request and result, where the Lambda zips are
// published, and DMS's own Aurora user.
package contract

// Metrics the Lambdas publish (CloudWatch Embedded Metric Format) and the
// platform's alarms and dashboard watch.
const (
	// MetricNamespace is the namespace of the platform's own metrics.
	MetricNamespace = "PaymentMigration"
	// DimensionEnvironmentSuffix identifies the platform a metric belongs
	// to; its value is spec.environmentSuffix.
	DimensionEnvironmentSuffix = "EnvironmentSuffix"

	MetricRowsCompared      = "RowsCompared"
	MetricMismatches        = "Mismatches"
	MetricValidationFailed  = "ValidationFailed"
	MetricDurationMs        = "DurationMs"
	MetricRollbackRequested = "RollbackRequested"
)

// MetricDimensions is the METRIC_DIMENSIONS value that makes a Lambda's
// metrics this platform's.
func MetricDimensions(environmentSuffix string) string {
	return DimensionEnvironmentSuffix + "=" + environmentSuffix
}

// Environment variables the function sets on the Lambdas and they read.
const (
	EnvMetricDimensions = "METRIC_DIMENSIONS"

	// The validator.
	EnvSourceSecretARN         = "SOURCE_SECRET_ARN"
	EnvSourceDSN               = "SOURCE_DSN"
	EnvValidationHMACSecretARN = "VALIDATION_HMAC_SECRET_ARN"
	EnvValidationHMACKey       = "VALIDATION_HMAC_KEY"
	EnvTargetBackend           = "TARGET_BACKEND"
	EnvTargetClusterARN        = "TARGET_CLUSTER_ARN"
	EnvTargetSecretARN         = "TARGET_SECRET_ARN"
	EnvTargetDatabase          = "TARGET_DATABASE"
	EnvTargetDSN               = "TARGET_DSN"
	EnvValidationTables        = "VALIDATION_TABLES"

	// TargetBackendDataAPI reads Aurora through the RDS Data API.
	TargetBackendDataAPI = "data-api"
	// TargetBackendPgx reads the target with pgx.
	TargetBackendPgx = "pgx"

	// The rollback trigger.
	EnvDMSReplicationTaskARN = "DMS_REPLICATION_TASK_ARN"
	EnvSNSTopicARN           = "SNS_TOPIC_ARN"

	// The DMS user's rotation (it also reads EnvTargetClusterARN and
	// EnvTargetDatabase).
	EnvMasterSecretARN = "MASTER_SECRET_ARN"
	EnvDBHost          = "DB_HOST"
	EnvDBPort          = "DB_PORT"
	EnvDMSUsername     = "DMS_USERNAME"
	EnvDBSSLMode       = "DB_SSLMODE"
	EnvPasswordLength  = "PASSWORD_LENGTH"
)

// Check types of the validation.
const (
	CheckPreMigration  = "pre_migration"
	CheckPostMigration = "post_migration"
	CheckContinuous    = "continuous"
)

// ActionValidate is the validation request's action.
const ActionValidate = "validate"

// ValidationRequest is the validator's input.
type ValidationRequest struct {
	Action    string `json:"action,omitempty"`
	CheckType string `json:"checkType,omitempty"`
	// LegacyCheckType is the runbook's older spelling, {"check_type": ...}.
	LegacyCheckType string   `json:"check_type,omitempty"`
	Tables          []string `json:"tables,omitempty"`
	ResumeToken     string   `json:"resumeToken,omitempty"`
	// Step is the cutover step the validation gates; the validator echoes
	// it in its result, and the function accepts a result only for the
	// step (and check type) it asked about.
	Step *int `json:"step,omitempty"`
}

// Check is one verdict of the validation.
type Check struct {
	Name    string `json:"name"`
	Table   string `json:"table,omitempty"`
	Status  string `json:"status"`
	Details string `json:"details"`
}

// Difference is one row that differs between source and target. The key is
// an HMAC-SHA256 digest; values are never reported.
type Difference struct {
	Table  string `json:"table"`
	KeyMAC string `json:"keyHmac"`
	Kind   string `json:"kind"`
}

// ValidationResult is the validator's output, as the function reads it from
// the validation run.
type ValidationResult struct {
	// Success is true only when every check ran to the end and passed.
	Success   bool   `json:"success"`
	CheckType string `json:"checkType"`
	// Step echoes the request's step.
	Step   *int    `json:"step,omitempty"`
	Checks []Check `json:"checks"`
	// RowsCompared counts the rows covered by the data diff so far.
	RowsCompared int64 `json:"rowsCompared"`
	// Mismatches counts rows that differ (missing, extra or changed).
	Mismatches int64 `json:"mismatches"`
	// ResumeToken is set when the run stopped early (deadline, budget or an
	// error); invoke again with it to continue where this call stopped.
	ResumeToken string `json:"resumeToken,omitempty"`
	// Complete is true when every planned check has run.
	Complete bool `json:"complete"`
	// Differences lists differing rows by key digest, capped per table.
	Differences []Difference `json:"differences,omitempty"`
	// Error explains why the run stopped before completing, if it did
	// because of a failure rather than the deadline.
	Error       string `json:"error,omitempty"`
	Invocations int    `json:"invocations"`
	DurationMs  int64  `json:"durationMs"`
}

// ArtifactPrefix is where the Lambda zips are published in the artifact
// bucket: <prefix>/<version>/<name>.zip.
const ArtifactPrefix = "payment-platform"

// ArtifactKey is the S3 key of a Lambda zip (cmd/lambda-publish uploads it
// there; the function points the Lambda at it).
func ArtifactKey(version, name string) string {
	return ArtifactPrefix + "/" + version + "/" + name + ".zip"
}

// Lambda names, as published (the zips) and as the runbook calls them.
const (
	LambdaValidation = "validation"
	LambdaRollback   = "rollback"
	LambdaDMSUser    = "dmsuser"
)

// DMSUsernameDefault is the Aurora user DMS logs in with, created and
// rotated by the dmsuser Lambda.
const DMSUsernameDefault = "dms_migration"

// DMSUserSecretEngine is the engine key's value in the DMS user's secret.
const DMSUserSecretEngine = "postgres"

// DMSUserSecret is the value of the DMS user's Secrets Manager secret, in
// the format AWS DMS endpoints and AWS's rotation functions read (JSON keys
// engine, host, port, username, password, dbname; port is a number):
//
//	{"engine":"postgres","host":"<cluster endpoint>","port":5432,
//	 "username":"dms_migration","password":"...","dbname":"payments"}
//
// The secret is created empty; the first rotation (lambda/dmsuser) creates
// the user and this value, the next ones change the password.
type DMSUserSecret struct {
	Engine   string `json:"engine"`
	Host     string `json:"host"`
	Port     int    `json:"port"`
	Username string `json:"username"`
	Password string `json:"password"`
	DBName   string `json:"dbname"`
}
