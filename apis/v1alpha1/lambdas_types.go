package v1alpha1

// LambdasSpec wires the platform's Lambdas (built by make lambdas and
// uploaded with cmd/lambda-publish): the rotation of DMS's own Aurora user
// always (required while migration is enabled), and the migration
// validator and rollback trigger when sourceSecretArn and hmacSecretArn are
// given.
//
// +kubebuilder:validation:XValidation:rule="has(self.sourceSecretArn) == has(self.hmacSecretArn)",message="spec.lambdas: sourceSecretArn and hmacSecretArn come together (they turn on the validator)"
// +kubebuilder:validation:XValidation:rule="!has(self.sourceSecretArn) || has(self.sourceCodeHashes.validation)",message="spec.lambdas.sourceCodeHashes.validation and .rollback are required with the validator (sourceSecretArn)"
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
	// port, dbname), read by the validator. With hmacSecretArn it turns on
	// the validator and the rollback trigger, and the validation gate of
	// the cutover.
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:Pattern=`^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$`
	// +optional
	SourceSecretARN string `json:"sourceSecretArn,omitempty"`

	// HMACSecretARN is a Secrets Manager secret with the key the validator
	// uses to report differing rows as HMAC-SHA256 digests, never in clear.
	// Given with sourceSecretArn.
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:Pattern=`^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$`
	// +optional
	HMACSecretARN string `json:"hmacSecretArn,omitempty"`

	// Tables the validator requires and compares (default payments,
	// transactions, customers, audit_log).
	// +kubebuilder:validation:MaxItems=100
	// +kubebuilder:validation:items:Pattern=`^[A-Za-z_][A-Za-z0-9_]{0,62}$`
	// +optional
	Tables []string `json:"tables,omitempty"`
}

// SourceCodeHashes of the Lambda zips.
//
// +kubebuilder:validation:XValidation:rule="has(self.validation) == has(self.rollback)",message="spec.lambdas.sourceCodeHashes: validation and rollback come together (the validator gates the cutover, the rollback trigger fails back)"
type SourceCodeHashes struct {
	// Validation zip's base64 SHA-256; required with the validator
	// (sourceSecretArn and hmacSecretArn).
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9+/]{43}=$`
	// +optional
	Validation string `json:"validation,omitempty"`
	// Rollback zip's base64 SHA-256; required with the validator.
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9+/]{43}=$`
	// +optional
	Rollback string `json:"rollback,omitempty"`
	// DMSUser zip's base64 SHA-256: the rotation Lambda of DMS's own
	// Aurora user.
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9+/]{43}=$`
	DMSUser string `json:"dmsUser"`
}

// ValidatorEnabled reports whether the claim asks for the validator and the
// rollback trigger (and so the cutover's validation gate).
func (l *LambdasSpec) ValidatorEnabled() bool {
	return l != nil && l.SourceSecretARN != "" && l.HMACSecretARN != ""
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
