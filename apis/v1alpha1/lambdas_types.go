package v1alpha1

// LambdasSpec wires the migration validation and rollback Lambdas (built
// by make lambdas and uploaded with cmd/lambda-publish).
type LambdasSpec struct {
	// ArtifactBucket holds payment-platform/<version>/<name>.zip.
	// +kubebuilder:validation:MinLength=3
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`
	ArtifactBucket string `json:"artifactBucket"`

	// Version of the published zips, e.g. v0.1.0.
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^v[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$`
	Version string `json:"version"`

	// SourceCodeHashes are the base64 SHA-256 of each zip (make lambdas
	// prints them): Lambda redeploys when one changes.
	SourceCodeHashes SourceCodeHashes `json:"sourceCodeHashes"`

	// SourceSecretARN is a Secrets Manager secret with the source
	// database's credentials as RDS-style JSON (username, password, host,
	// port, dbname), read by the validator.
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:Pattern=`^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$`
	SourceSecretARN string `json:"sourceSecretArn"`

	// HMACSecretARN is a Secrets Manager secret with the key the validator
	// uses to report differing rows as HMAC-SHA256 digests, never in clear.
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:Pattern=`^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$`
	HMACSecretARN string `json:"hmacSecretArn"`

	// Tables the validator requires and compares (default payments,
	// transactions, customers, audit_log).
	// +kubebuilder:validation:MaxItems=100
	// +kubebuilder:validation:items:Pattern=`^[A-Za-z_][A-Za-z0-9_]{0,62}$`
	// +optional
	Tables []string `json:"tables,omitempty"`
}

// SourceCodeHashes of the Lambda zips.
type SourceCodeHashes struct {
	// Validation zip's base64 SHA-256.
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9+/]{43}=$`
	Validation string `json:"validation"`
	// Rollback zip's base64 SHA-256.
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9+/]{43}=$`
	Rollback string `json:"rollback"`
}

// ValidationStatus is the last validation the platform ran.
type ValidationStatus struct {
	// CheckType is pre_migration or post_migration.
	// +optional
	CheckType string `json:"checkType,omitempty"`
	// ForStep is the cutover step the validation gates.
	// +optional
	ForStep int `json:"forStep,omitempty"`
	// Success is true only when every check passed on complete data.
	// +optional
	Success bool `json:"success,omitempty"`
	// RowsCompared by the data diff.
	// +optional
	RowsCompared int64 `json:"rowsCompared,omitempty"`
	// Mismatches found.
	// +optional
	Mismatches int64 `json:"mismatches,omitempty"`
	// Message explains the result.
	// +optional
	Message string `json:"message,omitempty"`
}
