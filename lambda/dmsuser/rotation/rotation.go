// Package rotation is the Secrets Manager rotation function of the DMS
// user's secret: it creates AWS DMS's own Aurora PostgreSQL user on the
// first rotation of an empty secret, and changes its password on every
// later one.
//
// It implements the four steps of a Lambda rotation function
// (https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_lambda-functions.html,
// "How rotation works": https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_how.html),
// following the logic of AWS's sample single-user PostgreSQL function
// (github.com/aws-samples/aws-secrets-manager-rotation-lambdas,
// SecretsManagerRDSPostgreSQLRotationSingleUser) except that the database
// is changed through the RDS Data API as the RDS-managed master user: there
// is no current password to log in with before the first rotation.
//
//   - createSecret stores a new value under AWSPENDING for the rotation's
//     version (ClientRequestToken): the current value's username (or
//     DMS_USERNAME on the first rotation), the environment's host, port and
//     dbname (the cluster endpoint is authoritative), engine "postgres" and
//     a password from GetRandomPassword.
//   - setSecret creates the role (CREATE ROLE ... LOGIN PASSWORD) or changes
//     its password (ALTER ROLE ... WITH LOGIN PASSWORD), and grants what DMS
//     needs on the target (grantStatements).
//   - testSecret logs in with the pending value (pgx) and checks SELECT 1,
//     membership of rds_superuser and CONNECT and CREATE on the database.
//   - finishSecret moves AWSCURRENT to the version (Secrets Manager moves
//     AWSPREVIOUS to the version it left).
//
// Every step starts with DescribeSecret and refuses a secret whose rotation
// is off or a version that is not AWSPENDING; a version already AWSCURRENT
// is a finished rotation and the step does nothing. Every step can be
// re-run: Secrets Manager retries a failed rotation.
//
// The statements are sent one by one, not in a Data API transaction: each
// is idempotent (GRANT again is a no-op; the role's existence is read
// first; ALTER ROLE sets the same password again), so a retried setSecret
// converges from wherever the previous attempt stopped, with no open
// transaction to roll back or to leak (a Data API transaction lives up to
// 3 minutes after a lost call), and only rds-data:ExecuteStatement is
// needed. For an existing role the password change is the last statement,
// so a failed grant leaves the current password working; a role created but
// not yet granted is never promoted to AWSCURRENT because testSecret checks
// the grants.
//
// The password never appears in a log, an error or a statement: CREATE and
// ALTER ROLE receive its SCRAM-SHA-256 verifier (scramVerifier).
package rotation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rdsdata"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rdsdata/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"
	"github.com/jackc/pgx/v5"

	"github.com/acme-payments/xpaymentplatform/internal/contract"
)

// Rotation steps (the event's Step).
const (
	StepCreate = "createSecret"
	StepSet    = "setSecret"
	StepTest   = "testSecret"
	StepFinish = "finishSecret"
)

// Staging labels.
const (
	StageCurrent  = "AWSCURRENT"
	StagePending  = "AWSPENDING"
	StagePrevious = "AWSPREVIOUS"
)

// Event is what Secrets Manager invokes a rotation function with.
type Event struct {
	SecretID           string `json:"SecretId"`
	ClientRequestToken string `json:"ClientRequestToken"`
	Step               string `json:"Step"`
}

// ErrRefused marks a rotation the function will not do: rotation disabled,
// a version that is not pending, a bad event or an unacceptable value.
var ErrRefused = errors.New("rotation refused")

// SecretsAPI is the Secrets Manager client methods used.
type SecretsAPI interface {
	DescribeSecret(ctx context.Context, in *secretsmanager.DescribeSecretInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error)
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
	PutSecretValue(ctx context.Context, in *secretsmanager.PutSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.PutSecretValueOutput, error)
	UpdateSecretVersionStage(ctx context.Context, in *secretsmanager.UpdateSecretVersionStageInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.UpdateSecretVersionStageOutput, error)
	GetRandomPassword(ctx context.Context, in *secretsmanager.GetRandomPasswordInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetRandomPasswordOutput, error)
}

// DataAPI is the RDS Data API client method used.
type DataAPI interface {
	ExecuteStatement(ctx context.Context, in *rdsdata.ExecuteStatementInput, optFns ...func(*rdsdata.Options)) (*rdsdata.ExecuteStatementOutput, error)
}

// SSL modes accepted for testSecret's login (libpq's).
var sslModes = []string{"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}

// Config configures a Rotator.
type Config struct {
	Secrets SecretsAPI
	DataAPI DataAPI
	// ClusterARN and MasterSecretARN are the Data API's resourceArn and
	// secretArn: the Aurora cluster and its RDS-managed master secret.
	ClusterARN      string
	MasterSecretARN string
	// Database is the secret's dbname, the database granted to the user
	// and the Data API's database.
	Database string
	// Host and Port are the secret's host and port: the cluster endpoint.
	Host string
	Port int
	// Username is the user created on the first rotation.
	Username string
	// SSLMode is testSecret's sslmode (default require).
	SSLMode string
	// PasswordLength of generated passwords (default 32).
	PasswordLength int
	// CallTimeout bounds each AWS call (default 20s).
	CallTimeout time.Duration
	// ConnectTimeout bounds each database login (default 10s).
	ConnectTimeout time.Duration
	// ResumeWait is the first wait when the Data API reports that an
	// auto-paused cluster is resuming (default 2s, doubled each time).
	ResumeWait time.Duration
	Logger     *slog.Logger
}

// Rotator runs rotation steps.
type Rotator struct {
	cfg Config
	log *slog.Logger
}

// New checks cfg.
func New(cfg Config) (*Rotator, error) {
	if cfg.SSLMode == "" {
		cfg.SSLMode = "require"
	}
	if cfg.PasswordLength == 0 {
		cfg.PasswordLength = DefaultPasswordLength
	}
	if cfg.Port == 0 {
		cfg.Port = 5432
	}
	if cfg.CallTimeout <= 0 {
		cfg.CallTimeout = 20 * time.Second
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = 10 * time.Second
	}
	if cfg.ResumeWait <= 0 {
		cfg.ResumeWait = 2 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	var errs []error
	if cfg.Secrets == nil || cfg.DataAPI == nil {
		errs = append(errs, errors.New("Secrets Manager and RDS Data API clients are required"))
	}
	if !strings.HasPrefix(cfg.ClusterARN, "arn:") || !strings.Contains(cfg.ClusterARN, ":rds:") || !strings.Contains(cfg.ClusterARN, ":cluster:") {
		errs = append(errs, fmt.Errorf("%s must be an Aurora cluster ARN (arn:...:rds:...:cluster:...)", contract.EnvTargetClusterARN))
	}
	if !strings.HasPrefix(cfg.MasterSecretARN, "arn:") || !strings.Contains(cfg.MasterSecretARN, ":secretsmanager:") {
		errs = append(errs, fmt.Errorf("%s must be a Secrets Manager secret ARN", contract.EnvMasterSecretARN))
	}
	if _, err := quoteIdent(cfg.Database); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", contract.EnvTargetDatabase, err))
	}
	if err := validHost(cfg.Host); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", contract.EnvDBHost, err))
	}
	if cfg.Port < 1 || cfg.Port > 65535 {
		errs = append(errs, fmt.Errorf("%s must be a TCP port", contract.EnvDBPort))
	}
	if err := ValidateUsername(cfg.Username); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", contract.EnvDMSUsername, err))
	}
	if !slices.Contains(sslModes, cfg.SSLMode) {
		errs = append(errs, fmt.Errorf("%s must be one of %s", contract.EnvDBSSLMode, strings.Join(sslModes, ", ")))
	}
	if cfg.PasswordLength < MinPasswordLength || cfg.PasswordLength > MaxPasswordLength {
		errs = append(errs, fmt.Errorf("%s must be between %d and %d", contract.EnvPasswordLength, MinPasswordLength, MaxPasswordLength))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("dmsuser: %w", err)
	}
	return &Rotator{cfg: cfg, log: cfg.Logger}, nil
}

func validHost(h string) error {
	if h == "" || len(h) > 253 {
		return errors.New("a host name is required (at most 253 characters)")
	}
	if net.ParseIP(h) != nil {
		return nil
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-") {
			return fmt.Errorf("%q is not a host name", h)
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return fmt.Errorf("%q is not a host name", h)
			}
		}
	}
	return nil
}

// Handle runs one step of a rotation.
func (r *Rotator) Handle(ctx context.Context, ev Event) error {
	switch {
	case ev.SecretID == "" || ev.ClientRequestToken == "":
		return fmt.Errorf("%w: the event needs SecretId and ClientRequestToken", ErrRefused)
	case !slices.Contains([]string{StepCreate, StepSet, StepTest, StepFinish}, ev.Step):
		return fmt.Errorf("%w: invalid step %q", ErrRefused, ev.Step)
	}
	log := r.log.With("step", ev.Step, "secretId", ev.SecretID, "versionId", ev.ClientRequestToken)
	// Lambda rotation functions, "Make sure the version is staged correctly":
	// https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_lambda-functions.html
	desc, err := r.describe(ctx, ev.SecretID)
	if err != nil {
		return err
	}
	if desc.RotationEnabled == nil || !*desc.RotationEnabled {
		return fmt.Errorf("%w: secret %s is not enabled for rotation", ErrRefused, ev.SecretID)
	}
	stages, ok := desc.VersionIdsToStages[ev.ClientRequestToken]
	if !ok {
		return fmt.Errorf("%w: version %s of secret %s has no stage for rotation", ErrRefused, ev.ClientRequestToken, ev.SecretID)
	}
	if slices.Contains(stages, StageCurrent) {
		log.Info("version already AWSCURRENT: the rotation is finished, nothing to do")
		return nil
	}
	if !slices.Contains(stages, StagePending) {
		return fmt.Errorf("%w: version %s of secret %s is not AWSPENDING", ErrRefused, ev.ClientRequestToken, ev.SecretID)
	}
	start := time.Now()
	switch ev.Step {
	case StepCreate:
		err = r.createSecret(ctx, log, ev.SecretID, ev.ClientRequestToken)
	case StepSet:
		err = r.setSecret(ctx, log, ev.SecretID, ev.ClientRequestToken)
	case StepTest:
		err = r.testSecret(ctx, log, ev.SecretID, ev.ClientRequestToken)
	case StepFinish:
		err = r.finishSecret(ctx, log, ev.SecretID, ev.ClientRequestToken, desc.VersionIdsToStages)
	}
	if err != nil {
		log.Error("step failed", "error", err.Error(), "durationMs", time.Since(start).Milliseconds())
		return fmt.Errorf("%s: %w", ev.Step, err)
	}
	log.Info("step done", "durationMs", time.Since(start).Milliseconds())
	return nil
}

// ---- Secrets Manager ----

func (r *Rotator) callCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, r.cfg.CallTimeout)
}

func smError(op string, err error) error {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return fmt.Errorf("secretsmanager %s: %s: %s", op, apiErr.ErrorCode(), apiErr.ErrorMessage())
	}
	return fmt.Errorf("secretsmanager %s: %w", op, err)
}

func isNotFound(err error) bool {
	var nf *smtypes.ResourceNotFoundException
	if errors.As(err, &nf) {
		return true
	}
	var apiErr smithy.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode() == "ResourceNotFoundException"
}

func (r *Rotator) describe(ctx context.Context, id string) (*secretsmanager.DescribeSecretOutput, error) {
	cctx, cancel := r.callCtx(ctx)
	defer cancel()
	out, err := r.cfg.Secrets.DescribeSecret(cctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(id)})
	if err != nil {
		return nil, smError("DescribeSecret", err)
	}
	return out, nil
}

// value reads a version by ID and/or stage. A missing version is returned
// unwrapped (isNotFound) for the caller to decide.
func (r *Rotator) value(ctx context.Context, id, versionID, stage string) (string, string, error) {
	in := &secretsmanager.GetSecretValueInput{SecretId: aws.String(id)}
	if versionID != "" {
		in.VersionId = aws.String(versionID)
	}
	if stage != "" {
		in.VersionStage = aws.String(stage)
	}
	cctx, cancel := r.callCtx(ctx)
	defer cancel()
	out, err := r.cfg.Secrets.GetSecretValue(cctx, in)
	if err != nil {
		if isNotFound(err) {
			return "", "", err
		}
		return "", "", smError("GetSecretValue", err)
	}
	if out.SecretString == nil {
		return "", "", fmt.Errorf("secretsmanager GetSecretValue: version %s has no string value", aws.ToString(out.VersionId))
	}
	return *out.SecretString, aws.ToString(out.VersionId), nil
}

// pending reads and checks the rotation's AWSPENDING value.
func (r *Rotator) pending(ctx context.Context, id, token string) (contract.DMSUserSecret, error) {
	raw, _, err := r.value(ctx, id, token, StagePending)
	if err != nil {
		if isNotFound(err) {
			return contract.DMSUserSecret{}, fmt.Errorf("the pending version %s has no value (createSecret did not run?): %w", token, smError("GetSecretValue", err))
		}
		return contract.DMSUserSecret{}, err
	}
	s, err := parseSecret(raw)
	if err != nil {
		return s, fmt.Errorf("%w: the pending value: %w", ErrRefused, err)
	}
	return s, nil
}

// parseSecret decodes and checks a value of the DMS user's secret. Errors
// never quote the value.
func parseSecret(raw string) (contract.DMSUserSecret, error) {
	var s contract.DMSUserSecret
	var keys map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &keys); err != nil || keys == nil {
		return s, errors.New("not a JSON object")
	}
	for _, k := range []string{"engine", "host", "port", "username", "password", "dbname"} {
		if _, ok := keys[k]; !ok {
			return s, fmt.Errorf("key %q is missing", k)
		}
	}
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return s, fmt.Errorf("key %q must be a JSON %s", te.Field, te.Type)
		}
		return s, errors.New("not a valid secret value")
	}
	switch {
	case s.Engine != contract.DMSUserSecretEngine:
		return s, fmt.Errorf("engine is %q, want %q", s.Engine, contract.DMSUserSecretEngine)
	case s.Port < 1 || s.Port > 65535:
		return s, errors.New("port is not a TCP port")
	}
	if err := ValidateUsername(s.Username); err != nil {
		return s, err
	}
	if err := validHost(s.Host); err != nil {
		return s, fmt.Errorf("host: %w", err)
	}
	if _, err := quoteIdent(s.DBName); err != nil {
		return s, fmt.Errorf("dbname: %w", err)
	}
	if len(s.Password) < MinPasswordLength {
		return s, fmt.Errorf("the password is shorter than %d characters", MinPasswordLength)
	}
	if err := checkPasswordChars(s.Password); err != nil {
		return s, err
	}
	return s, nil
}

// ---- createSecret ----

func (r *Rotator) createSecret(ctx context.Context, log *slog.Logger, id, token string) error {
	if _, _, err := r.value(ctx, id, token, StagePending); err == nil {
		log.Info("createSecret: the pending version already has a value")
		return nil
	} else if !isNotFound(err) {
		return err
	}
	fields := map[string]any{}
	first := false
	current, currentVersion, err := r.value(ctx, id, "", StageCurrent)
	switch {
	case isNotFound(err):
		// The secret was created empty: this is its first rotation.
		first = true
	case err != nil:
		return err
	default:
		dec := json.NewDecoder(strings.NewReader(current))
		dec.UseNumber()
		if err := dec.Decode(&fields); err != nil || fields == nil {
			return fmt.Errorf("%w: the current value (version %s) is not a JSON object", ErrRefused, currentVersion)
		}
	}
	username := r.cfg.Username
	if v, ok := fields["username"]; ok {
		u, _ := v.(string)
		if err := ValidateUsername(u); err != nil {
			return fmt.Errorf("%w: the current value's username: %w", ErrRefused, err)
		}
		if u != r.cfg.Username {
			// Changing the name would leave the old user behind with
			// rds_superuser: keep rotating the one DMS uses.
			log.Warn("createSecret: keeping the current value's username, not "+contract.EnvDMSUsername, "username", u, "dmsUsername", r.cfg.Username)
		}
		username = u
	}
	if !first {
		for k, want := range map[string]any{"host": r.cfg.Host, "port": r.cfg.Port, "dbname": r.cfg.Database} {
			if fmt.Sprint(fields[k]) != fmt.Sprint(want) {
				log.Info("createSecret: updating the value from the environment", "key", k, "from", fmt.Sprint(fields[k]), "to", fmt.Sprint(want))
			}
		}
	}
	password, err := r.newPassword(ctx)
	if err != nil {
		return err
	}
	fields["engine"] = contract.DMSUserSecretEngine
	fields["host"] = r.cfg.Host
	fields["port"] = r.cfg.Port
	fields["username"] = username
	fields["password"] = password
	fields["dbname"] = r.cfg.Database
	b, err := json.Marshal(fields)
	if err != nil {
		return fmt.Errorf("encode the value: %w", err)
	}
	cctx, cancel := r.callCtx(ctx)
	defer cancel()
	if _, err := r.cfg.Secrets.PutSecretValue(cctx, &secretsmanager.PutSecretValueInput{
		SecretId:           aws.String(id),
		ClientRequestToken: aws.String(token),
		SecretString:       aws.String(string(b)),
		VersionStages:      []string{StagePending},
	}); err != nil {
		return smError("PutSecretValue", err)
	}
	log.Info("createSecret: pending value stored", "username", username, "firstRotation", first)
	return nil
}

// newPassword asks Secrets Manager for a password without the characters
// DMS or connection strings cannot take (ExcludedCharacters), and checks
// what it got.
func (r *Rotator) newPassword(ctx context.Context) (string, error) {
	cctx, cancel := r.callCtx(ctx)
	defer cancel()
	out, err := r.cfg.Secrets.GetRandomPassword(cctx, &secretsmanager.GetRandomPasswordInput{
		PasswordLength:          aws.Int64(int64(r.cfg.PasswordLength)),
		ExcludeCharacters:       aws.String(ExcludedCharacters),
		IncludeSpace:            aws.Bool(false),
		RequireEachIncludedType: aws.Bool(true),
	})
	if err != nil {
		return "", smError("GetRandomPassword", err)
	}
	pw := aws.ToString(out.RandomPassword)
	if err := CheckPassword(pw, r.cfg.PasswordLength); err != nil {
		return "", fmt.Errorf("secretsmanager GetRandomPassword: refusing the generated password: %w", err)
	}
	return pw, nil
}

// ---- setSecret ----

type roleInfo struct {
	exists, isSelf, isSuper bool
}

func (r *Rotator) setSecret(ctx context.Context, log *slog.Logger, id, token string) error {
	pending, err := r.pending(ctx, id, token)
	if err != nil {
		return err
	}
	// Like AWS's single-user function, never switch users in a rotation.
	current, _, err := r.value(ctx, id, "", StageCurrent)
	switch {
	case isNotFound(err):
	case err != nil:
		return err
	default:
		var cur struct {
			Username string `json:"username"`
		}
		if json.Unmarshal([]byte(current), &cur) == nil && cur.Username != "" && cur.Username != pending.Username {
			return fmt.Errorf("%w: the pending username %q differs from the current one %q", ErrRefused, pending.Username, cur.Username)
		}
	}

	passwordSet := false
	if conn, err := r.connect(ctx, pending); err == nil {
		_ = conn.Close(ctx)
		passwordSet = true
		log.Info("setSecret: the pending password already logs in: not setting it again", "username", pending.Username)
	} else {
		log.Debug("setSecret: the pending password does not log in yet", "reason", err.Error())
	}

	role, err := r.role(ctx, pending)
	if err != nil {
		return err
	}
	if role.isSelf || role.isSuper {
		return fmt.Errorf("%w: role %q is the Data API's own user or a superuser: it is not the DMS user", ErrRefused, pending.Username)
	}
	if !role.exists {
		stmt, err := roleStatement(true, pending.Username, pending.Password)
		if err != nil {
			return err
		}
		err = r.exec(ctx, pending.DBName, stmt, "CREATE ROLE")
		switch {
		case err != nil && strings.Contains(err.Error(), "SQLState: 42710"):
			// Created meanwhile (duplicate_object): set its password below.
			role.exists = true
		case err != nil:
			return err
		default:
			log.Info("setSecret: role created", "username", pending.Username)
		}
	}
	grants, err := grantStatements(pending.Username, pending.DBName)
	if err != nil {
		return err
	}
	for _, g := range grants {
		if err := r.exec(ctx, pending.DBName, g, g); err != nil {
			return err
		}
	}
	if role.exists && !passwordSet {
		stmt, err := roleStatement(false, pending.Username, pending.Password)
		if err != nil {
			return err
		}
		if err := r.exec(ctx, pending.DBName, stmt, "ALTER ROLE"); err != nil {
			return err
		}
		log.Info("setSecret: password changed", "username", pending.Username)
	}
	return nil
}

// role reads whether the user exists, is the Data API's own user (the
// master) or a superuser.
func (r *Rotator) role(ctx context.Context, s contract.DMSUserSecret) (roleInfo, error) {
	out, err := r.execute(ctx, &rdsdata.ExecuteStatementInput{
		Sql:        aws.String("SELECT rolname = current_user, rolsuper FROM pg_catalog.pg_roles WHERE rolname = :name"),
		Parameters: []rdstypes.SqlParameter{{Name: aws.String("name"), Value: &rdstypes.FieldMemberStringValue{Value: s.Username}}},
		Database:   aws.String(s.DBName),
	}, "SELECT pg_roles")
	if err != nil {
		return roleInfo{}, err
	}
	if len(out.Records) == 0 {
		return roleInfo{}, nil
	}
	rec := out.Records[0]
	b := func(i int) (bool, error) {
		if i < len(rec) {
			if v, ok := rec[i].(*rdstypes.FieldMemberBooleanValue); ok {
				return v.Value, nil
			}
		}
		return false, fmt.Errorf("rds data api: unexpected answer to the role query")
	}
	self, err := b(0)
	if err != nil {
		return roleInfo{}, err
	}
	super, err := b(1)
	if err != nil {
		return roleInfo{}, err
	}
	return roleInfo{exists: true, isSelf: self, isSuper: super}, nil
}

// exec runs a statement that returns no rows; what names it in errors
// (never the statement, which holds a password verifier).
func (r *Rotator) exec(ctx context.Context, database, sql, what string) error {
	_, err := r.execute(ctx, &rdsdata.ExecuteStatementInput{Sql: aws.String(sql), Database: aws.String(database)}, what)
	return err
}

func (r *Rotator) execute(ctx context.Context, in *rdsdata.ExecuteStatementInput, what string) (*rdsdata.ExecuteStatementOutput, error) {
	in.ResourceArn = aws.String(r.cfg.ClusterARN)
	in.SecretArn = aws.String(r.cfg.MasterSecretARN)
	wait := r.cfg.ResumeWait
	for attempt := 0; ; attempt++ {
		cctx, cancel := r.callCtx(ctx)
		out, err := r.cfg.DataAPI.ExecuteStatement(cctx, in)
		cancel()
		if err == nil {
			return out, nil
		}
		var resuming *rdstypes.DatabaseResumingException
		if errors.As(err, &resuming) && attempt < 5 {
			// An auto-paused Aurora Serverless v2 cluster is waking up.
			r.log.Info("rds data api: the database is resuming, waiting", "wait", wait.String())
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil, fmt.Errorf("rds data api %s: waiting for the database to resume: %w", what, ctx.Err())
			case <-t.C:
			}
			wait *= 2
			continue
		}
		var apiErr smithy.APIError
		if errors.As(err, &apiErr) {
			return nil, fmt.Errorf("rds data api %s: %s: %s", what, apiErr.ErrorCode(), apiErr.ErrorMessage())
		}
		return nil, fmt.Errorf("rds data api %s: %w", what, err)
	}
}

// ---- testSecret ----

func (r *Rotator) testSecret(ctx context.Context, log *slog.Logger, id, token string) error {
	pending, err := r.pending(ctx, id, token)
	if err != nil {
		return err
	}
	conn, err := r.connect(ctx, pending)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	qctx, cancel := context.WithTimeout(ctx, r.cfg.ConnectTimeout)
	defer cancel()
	var one int
	if err := conn.QueryRow(qctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
		return fmt.Errorf("SELECT 1 as %s: %v", pending.Username, redact(err, pending.Password))
	}
	var member, canConnect, canCreate bool
	if err := conn.QueryRow(qctx, "SELECT pg_catalog.pg_has_role(current_user, 'rds_superuser', 'member'), "+
		"pg_catalog.has_database_privilege(current_database(), 'CONNECT'), "+
		"pg_catalog.has_database_privilege(current_database(), 'CREATE')").Scan(&member, &canConnect, &canCreate); err != nil {
		return fmt.Errorf("privileges of %s: %v", pending.Username, redact(err, pending.Password))
	}
	switch {
	case !member:
		return fmt.Errorf("%s is not a member of rds_superuser", pending.Username)
	case !canConnect || !canCreate:
		return fmt.Errorf("%s lacks CONNECT or CREATE on database %s", pending.Username, pending.DBName)
	}
	log.Info("testSecret: the pending value logs in with the privileges DMS needs", "username", pending.Username)
	return nil
}

// connect logs in with a secret value.
func (r *Rotator) connect(ctx context.Context, s contract.DMSUserSecret) (*pgx.Conn, error) {
	u := url.URL{
		Scheme: "postgres",
		User:   url.UserPassword(s.Username, s.Password),
		Host:   net.JoinHostPort(s.Host, strconv.Itoa(s.Port)),
		Path:   "/" + s.DBName,
		// sslmode defaults to require: TLS without verifying the server's
		// certificate, which is signed by the RDS CAs and not by one in
		// the Lambda runtime's bundle; this binary does not embed the RDS
		// bundle (https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem).
		// DB_SSLMODE=verify-full with PGSSLROOTCERT naming that bundle
		// (in a layer) verifies it.
		RawQuery: url.Values{"sslmode": {r.cfg.SSLMode}, "application_name": {"dmsuser-rotation"}}.Encode(),
	}
	where := fmt.Sprintf("%s@%s:%d/%s", s.Username, s.Host, s.Port, s.DBName)
	cfg, err := pgx.ParseConfig(u.String())
	if err != nil {
		return nil, fmt.Errorf("log in as %s: invalid connection settings", where)
	}
	cfg.ConnectTimeout = r.cfg.ConnectTimeout
	cctx, cancel := context.WithTimeout(ctx, r.cfg.ConnectTimeout)
	defer cancel()
	conn, err := pgx.ConnectConfig(cctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("log in as %s: %v", where, redact(err, s.Password))
	}
	return conn, nil
}

// redact returns err's message with secret replaced (in case a driver
// echoes it).
func redact(err error, secret string) string {
	if err == nil {
		return "unexpected result"
	}
	msg := err.Error()
	if secret != "" {
		msg = strings.ReplaceAll(msg, secret, "***")
		msg = strings.ReplaceAll(msg, url.QueryEscape(secret), "***")
		msg = strings.ReplaceAll(msg, url.PathEscape(secret), "***")
	}
	return msg
}

// ---- finishSecret ----

func (r *Rotator) finishSecret(ctx context.Context, log *slog.Logger, id, token string, stages map[string][]string) error {
	in := &secretsmanager.UpdateSecretVersionStageInput{
		SecretId:        aws.String(id),
		VersionStage:    aws.String(StageCurrent),
		MoveToVersionId: aws.String(token),
	}
	previous := ""
	for v, st := range stages {
		if slices.Contains(st, StageCurrent) {
			previous = v
			in.RemoveFromVersionId = aws.String(v)
			break
		}
	}
	cctx, cancel := r.callCtx(ctx)
	defer cancel()
	if _, err := r.cfg.Secrets.UpdateSecretVersionStage(cctx, in); err != nil {
		return smError("UpdateSecretVersionStage", err)
	}
	log.Info("finishSecret: AWSCURRENT moved to the new version", "previousVersionId", previous)
	return nil
}
