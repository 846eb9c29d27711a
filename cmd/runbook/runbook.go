package main

import (
	_ "embed"
	"fmt"
	"strings"
	"text/template"

	"github.com/crossplane/function-sdk-go/resource"

	"github.com/acme-payments/xpaymentplatform/apis/v1alpha1"
	"github.com/acme-payments/xpaymentplatform/functions/payment-platform/fn"
	"github.com/acme-payments/xpaymentplatform/internal/contract"
)

// The runbook's text: prose and layout live in runbook.md.tmpl, one named
// template per section; Go computes the values it shows (runbook below).
var (
	//go:embed runbook.md.tmpl
	runbookText     string
	runbookTemplate = template.Must(parseRunbook())
	// runbookFuncs are the template's functions besides the built-in ones.
	runbookFuncs = template.FuncMap{"join": strings.Join}
)

// parseRunbook parses runbook.md.tmpl.
func parseRunbook() (*template.Template, error) {
	return template.New("runbook.md.tmpl").
		Funcs(runbookFuncs).
		Option("missingkey=error").
		Parse(runbookText)
}

// Composition-resource names of the validation and rollback Lambdas. The
// function gives every AWS name as payment-<name>-<suffix> (fn.Plan.Name);
// these two Lambdas are not composed by package fn yet, so their names are
// spelled here.
const (
	resValidation = resource.Name(contract.LambdaValidation)
	resRollback   = resource.Name(contract.LambdaRollback)
)

// Names are the real names of one claim's resources.
type Names struct {
	Aurora, DMSInstance, Task, API, ALB, WAF string
	Validation, Rollback, Alarms, Dashboard  string
	DashboardURL                             string
	// DMSUserSecret holds DMS's own Aurora user, created and rotated by
	// its Lambda; DMSUser is that user.
	DMSUserSecret, DMSUser string
}

// NamesOf computes the names with the function's own naming.
func NamesOf(spec *v1alpha1.XPaymentPlatformSpec) Names {
	p := fn.NewPlan(spec, nil)
	return Names{
		Aurora:        p.DBClusterIdentifier(),
		DMSInstance:   p.Name(fn.ResDMSInstance),
		Task:          p.Name(fn.ResMigrationTask),
		API:           p.APIFunctionName(),
		ALB:           p.Name(fn.ResALB),
		WAF:           p.Name(fn.ResWAF),
		Validation:    p.Name(resValidation),
		Rollback:      p.Name(resRollback),
		Alarms:        p.Name(fn.ResAlarmsTopic),
		Dashboard:     p.DashboardName(),
		DashboardURL:  p.DashboardURL(),
		DMSUserSecret: p.Name(fn.ResDMSUserSecret),
		DMSUser:       contract.DMSUsernameDefault,
	}
}

// Patch is the kubectl command that merges a JSON patch into the claim.
func (c *Claim) Patch(jsonPatch string) string {
	return fmt.Sprintf("kubectl -n %s patch %s %s --type merge -p '%s'", c.Namespace, ClaimResource, c.Name, jsonPatch)
}

// StepPatch moves the cutover to a step.
func (c *Claim) StepPatch(step v1alpha1.CutoverStep) string {
	return c.Patch(fmt.Sprintf(`{"spec":{"cutover":{"step":%d}}}`, step))
}

// RollbackPatch sends all traffic back to the old system.
func (c *Claim) RollbackPatch(rollback bool) string {
	return c.Patch(fmt.Sprintf(`{"spec":{"cutover":{"rollback":%t}}}`, rollback))
}

// Get prints a JSONPath of the claim.
func (c *Claim) Get(jsonPath string) string {
	return fmt.Sprintf("kubectl -n %s get %s %s -o jsonpath='%s'", c.Namespace, ClaimResource, c.Name, jsonPath)
}

// kubectl runs a kubectl verb on the claim.
func (c *Claim) kubectl(verb string) string {
	return fmt.Sprintf("kubectl -n %s %s %s %s", c.Namespace, verb, ClaimResource, c.Name)
}

// condition is the JSONPath of a condition's status and message.
func condition(typ string) string {
	return fmt.Sprintf(`{.status.conditions[?(@.type=="%s")].status}{" "}{.status.conditions[?(@.type=="%s")].message}{"\n"}`, typ, typ)
}

// Payloads of the validation and rollback Lambdas.
const (
	ValidatePayload = `{"action":"` + contract.ActionValidate + `","checkType":"` + contract.CheckPostMigration + `"}`
	RollbackPayload = `{"reason":"<what went wrong, when>","stopReplication":false}`
)

// runbook is what runbook.md.tmpl renders: the claim, the values computed
// from it, the commands with its real names, and which sections apply.
type runbook struct {
	Claim *Claim
	Spec  *v1alpha1.XPaymentPlatformSpec
	// Source is the claim file as the reader should see it.
	Source string
	Names  Names
	Cmd    commands
	// Alias is the payment API's live alias (fn.AliasLive).
	Alias string
	// Condition types the runbook asks the reader to check.
	ConditionResources, ConditionCutoverReady string
	// RollbackMetric is the rollback Lambda's metric, namespace/name.
	RollbackMetric string

	// NoMigration and NoCutover say why the DMS sections and the cutover
	// sections do not apply; "" when they do.
	NoMigration, NoCutover string
	// API: spec.api is set. ALB: spec.api and spec.ingress are, so there is
	// an ALB and a WAF web ACL.
	API, ALB bool
	// Migration is set when the DMS sections apply, Cutover when the
	// cutover sections do.
	Migration *migration
	Cutover   *cutover
	// Estimate is fn.EstimateCost's, or nil with EstimateErr saying why.
	Estimate    *estimate
	EstimateErr error
}

// migration is what the DMS sections need beyond the spec's values.
type migration struct {
	MultiAZ, StartReplication, SchemaReady, Validation, ManageAccountRoles bool
	// CASecret is the source CA's secret (verify-ca/verify-full).
	CASecret string
	// SecretNamespace holds the source password's secret.
	SecretNamespace string
	// PrivateSource: the source CIDR is a private network, which DMS
	// reaches only over VPN or Direct Connect (not through the NAT
	// gateways).
	PrivateSource bool
}

// cutover is what the cutover sections need beyond the spec's values.
type cutover struct {
	Failback failback
	// Steps are the cutover's steps forward (10, 50, 100).
	Steps []cutoverStep
}

// failback is how long Route 53 takes to send clients back to the old
// system, and what that bound is made of.
type failback struct {
	Seconds int
	// Detection are the two ways the AWS side is found unhealthy (the
	// slower counts), Cached the TTL after it (fn.FailbackTerms).
	Detection []fn.FailbackTerm
	Cached    fn.FailbackTerm
	// NotCovered are the delays AWS documents no figure for.
	NotCovered []string
	// AlarmPeriods of AlarmPeriodSeconds a guard alarm must breach.
	AlarmPeriods, AlarmPeriodSeconds int
}

// cutoverStep is one step forward and the command that takes it.
type cutoverStep struct {
	Step     v1alpha1.CutoverStep
	Old, New int // Route 53 weights in force at this step
	Patch    string
}

// estimate is the monthly cost estimate with its lines.
type estimate struct {
	v1alpha1.CostEstimate
	Lines []fn.CostLine
	// DMS is the minimum of the DMS lines: what finishing the migration
	// saves.
	DMS float64
	// MinWarm and MaxWarm are the warm Lambdas at minimum and maximum
	// capacity.
	MinWarm, MaxWarm int
	// Budget is spec.monitoring.budgetMonthlyUsd; OverBudget says the
	// maximum exceeds it.
	Budget     int
	OverBudget bool
}

// commands are the shell commands of the runbook, with this claim's names.
// Multi-line commands hold their continuation lines.
type commands struct {
	Apply, Wait, GetClaim, Describe string
	// Status and conditions of the claim.
	Phase, ResourcesReady, DBEndpoint, NameServers, NameServersLine, NATGatewayIPs string
	MigrationStatus, MigrationPhase, MigrationHealthy                              string
	CutoverReady, CutoverStatus, CutoverAll, RollbackStatus                        string
	// Claim edits.
	StartReplication, DisableMigration, Rollback, Resume string
	// Migration: the source secret and the AWS CLI checks.
	CreateSecret, DescribeTask, TableStatistics, Validate string
	// The account's DMS roles, when the claim does not manage them.
	CreateAccountRoles string
	// The source CA's secret; the target schema and the gate that starts
	// the task; DMS's user's first rotation.
	CreateCASecret, LoadSchema, SchemaReady, DMSUserRotated string
	// The VPN's configuration for the on-prem device.
	VPNConfig string
	// Revalidate runs the validation of the current step again.
	Revalidate string
	// Cutover: the old system's health check and the rollback Lambda.
	OldSystemHealth, RecordRollback string
}

// Render writes the runbook of a loaded claim; source is the claim file as
// the reader should see it. An error is a bug of the template
// (TestTemplateFields checks its fields).
func Render(c *Claim, source string) (string, error) {
	var b strings.Builder
	if err := runbookTemplate.ExecuteTemplate(&b, "runbook", newRunbook(c, source)); err != nil {
		return "", fmt.Errorf("rendering the runbook: %w", err)
	}
	return b.String(), nil
}

func newRunbook(c *Claim, source string) *runbook {
	s := c.Spec
	n := NamesOf(s)
	r := &runbook{
		Claim: c, Spec: s, Source: source, Names: n,
		Alias:                 fn.AliasLive,
		ConditionResources:    fn.ConditionResources,
		ConditionCutoverReady: fn.ConditionCutoverReady,
		RollbackMetric:        contract.MetricNamespace + "/" + contract.MetricRollbackRequested,
		NoMigration:           noMigration(s),
		NoCutover:             noCutover(s),
		API:                   s.API != nil,
		ALB:                   s.API != nil && s.Ingress != nil,
	}
	r.Cmd = commands{
		Apply:            "kubectl apply -f " + source,
		Wait:             fmt.Sprintf("kubectl -n %s wait %s/%s --for=condition=Ready --timeout=60m", c.Namespace, ClaimResource, c.Name),
		GetClaim:         c.kubectl("get"),
		Describe:         c.kubectl("describe"),
		Phase:            c.Get(`{.status.phase}{" "}{.status.resourcesReady}{"\n"}`),
		ResourcesReady:   c.Get(condition(fn.ConditionResources)),
		DBEndpoint:       c.Get(`{.status.dbClusterEndpoint}{"\n"}`),
		NameServers:      c.Get(`{.status.nameServers}`),
		NameServersLine:  c.Get(`{.status.nameServers}{"\n"}`),
		NATGatewayIPs:    c.Get(`{.status.natGatewayIps}`),
		MigrationStatus:  c.Get(`{.status.migration.phase}{" "}{.status.migration.taskStatus}{" "}{.status.migration.message}{"\n"}`),
		MigrationPhase:   c.Get(`{.status.migration.phase}{" "}{.status.migration.taskStatus}{"\n"}`),
		MigrationHealthy: c.Get(condition(fn.ConditionMigrationHealthy)),
		CutoverReady:     c.Get(condition(fn.ConditionCutoverReady)),
		CutoverStatus:    c.Get(`{.status.cutover.step}{" "}{.status.cutover.weights.old}{"/"}{.status.cutover.weights.new}{" "}{.status.cutover.message}{"\n"}`),
		CutoverAll:       c.Get(`{.status.cutover}{"\n"}`),
		RollbackStatus:   c.Get(`{.status.cutover.rollback}{" "}{.status.cutover.weights.old}{"/"}{.status.cutover.weights.new}{" "}{.status.cutover.message}{"\n"}`),
		StartReplication: c.Patch(`{"spec":{"migration":{"startReplication":true}}}`),
		SchemaReady:      c.Patch(`{"spec":{"migration":{"schemaReady":true}}}`),
		Revalidate:       revalidate(c, s),
		DMSUserRotated: fmt.Sprintf("aws secretsmanager describe-secret --region %s --secret-id %s --query '[LastRotatedDate,RotationEnabled]' --output text",
			s.Region, n.DMSUserSecret),
		DisableMigration: c.Patch(`{"spec":{"migration":{"enabled":false}}}`),
		Rollback:         c.RollbackPatch(true),
		Resume:           c.RollbackPatch(false),
		DescribeTask: fmt.Sprintf("aws dms describe-replication-tasks --region %s --filters Name=replication-task-id,Values=%s \\\n", s.Region, n.Task) +
			"  --query 'ReplicationTasks[0].[Status,ReplicationTaskStats.FullLoadProgressPercent,ReplicationTaskStats.TablesLoaded,ReplicationTaskStats.TablesLoading,ReplicationTaskStats.TablesErrored]' --output text",
		TableStatistics: "TASK_ARN=$(" + c.Get(`{.status.dmsReplicationTaskArn}`) + ")\n" +
			fmt.Sprintf("aws dms describe-table-statistics --region %s --replication-task-arn \"$TASK_ARN\" \\\n", s.Region) +
			"  --query 'TableStatistics[].[SchemaName,TableName,TableState,FullLoadRows,Inserts,Updates,Deletes,ValidationState]' --output table",
		Validate:       lambdaInvoke(s.Region, n.Validation, ValidatePayload, "validation.json"),
		RecordRollback: lambdaInvoke(s.Region, n.Rollback, RollbackPayload, "rollback.json"),
	}
	if r.NoMigration == "" {
		m := s.Migration
		ref := m.Source.CredentialsSecretRef
		ns := ref.Namespace
		if ns == "" {
			ns = c.Namespace
		}
		r.Migration = &migration{
			MultiAZ: *m.MultiAZ, StartReplication: *m.StartReplication, SchemaReady: *m.SchemaReady, Validation: *m.Validation,
			ManageAccountRoles: *m.ManageAccountRoles,
			SecretNamespace:    ns,
			PrivateSource:      s.PrivateSource(),
		}
		r.Cmd.CreateSecret = fmt.Sprintf("kubectl -n %s create secret generic %s --from-file=%s=./source-password", ns, ref.Name, ref.Key)
		r.Cmd.CreateAccountRoles = createAccountRoles(s)
		if ca := m.Source.CACertificateSecretRef; ca != nil {
			caNS := ca.Namespace
			if caNS == "" {
				caNS = c.Namespace
			}
			r.Migration.CASecret = caNS + "/" + ca.Name
			r.Cmd.CreateCASecret = fmt.Sprintf("kubectl -n %s create secret generic %s --from-file=%s=./source-ca.pem", caNS, ca.Name, ca.Key)
		}
		r.Cmd.LoadSchema = loadSchema(c, s)
		r.Cmd.VPNConfig = fmt.Sprintf("aws ec2 describe-vpn-connections --region %s --vpn-connection-ids \"$(%s)\" --query 'VpnConnections[0].CustomerGatewayConfiguration' --output text",
			s.Region, c.Get(`{.status.onPremises.vpnConnectionId}`))
	}
	if r.NoCutover == "" {
		cu := s.Cutover
		detection, cached := fn.FailbackTerms(cu.TTLSeconds)
		r.Cutover = &cutover{Failback: failback{
			Seconds: fn.FailbackBoundSeconds(cu.TTLSeconds), Detection: detection, Cached: cached,
			NotCovered: fn.FailbackNotCovered, AlarmPeriods: fn.GuardAlarmEvaluationPeriods, AlarmPeriodSeconds: fn.GuardAlarmPeriodSeconds,
		}}
		for _, step := range v1alpha1.CutoverSteps[1:] {
			oldW, newW := fn.Weights(step, false)
			r.Cutover.Steps = append(r.Cutover.Steps, cutoverStep{Step: step, Old: oldW, New: newW, Patch: c.StepPatch(step)})
		}
		r.Cmd.OldSystemHealth = fmt.Sprintf(`HC=$(aws route53 list-health-checks --query "HealthChecks[?HealthCheckConfig.FullyQualifiedDomainName=='%s'].Id" --output text)`, cu.OldSystem.Hostname) + "\n" +
			`aws route53 get-health-check-status --health-check-id "$HC" --query 'HealthCheckObservations[].StatusReport.Status' --output text`
	}
	r.Estimate, r.EstimateErr = estimateOf(s)
	return r
}

// noMigration is why the DMS sections do not apply, or "".
func noMigration(s *v1alpha1.XPaymentPlatformSpec) string {
	switch {
	case s.Migration == nil:
		return "spec.migration is absent: there is no DMS replication"
	case !s.MigrationEnabled():
		return "spec.migration.enabled is false: the DMS resources are removed"
	}
	return ""
}

// noCutover is why the cutover sections do not apply, or "".
func noCutover(s *v1alpha1.XPaymentPlatformSpec) string {
	switch {
	case s.API == nil:
		return "spec.api is absent: there is no payment API on AWS, hence no ingress or cutover"
	case s.Ingress == nil:
		return "spec.ingress is absent: there is no ALB to send traffic to"
	case s.Cutover == nil:
		return "spec.cutover is absent: Route 53 does not move traffic"
	}
	return ""
}

// createAccountRoles creates the roles DMS looks up by name, trusted by DMS
// only, with the AWS managed policy each needs; continuation lines are
// indented for a code block inside a list item.
// revalidate is the patch that runs the current step's validation again.
func revalidate(c *Claim, s *v1alpha1.XPaymentPlatformSpec) string {
	attempt := 2
	if s.Cutover != nil {
		attempt = s.Cutover.ValidationAttempt + 1
	}
	return c.Patch(fmt.Sprintf(`{"spec":{"cutover":{"validationAttempt":%d}}}`, attempt))
}

// loadSchema copies the source's schema (no data) into Aurora as the master
// user, whose password RDS keeps in the secret the claim's status names;
// TLS is verified with the RDS CA bundle.
func loadSchema(c *Claim, s *v1alpha1.XPaymentPlatformSpec) string {
	src := s.Migration.Source
	return fmt.Sprintf("pg_dump --schema-only --no-owner --no-privileges -h %s -p %d -U %s -d %s -f schema.sql\n", src.Host, src.Port, src.Username, src.DatabaseName) +
		"curl -sO https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem\n" +
		"DB_HOST=$(" + c.Get(`{.status.dbClusterEndpoint}`) + ")\n" +
		"SECRET_ARN=$(" + c.Get(`{.status.dbSecretArn}`) + ")\n" +
		fmt.Sprintf("PGPASSWORD=$(aws secretsmanager get-secret-value --region %s --secret-id \"$SECRET_ARN\" --query SecretString --output text | jq -r .password) \\\n", s.Region) +
		fmt.Sprintf("  psql \"host=$DB_HOST port=5432 dbname=%s user=%s sslmode=verify-full sslrootcert=global-bundle.pem\" -v ON_ERROR_STOP=1 -f schema.sql", s.Database.DatabaseName, s.Database.MasterUsername)
}

func createAccountRoles(s *v1alpha1.XPaymentPlatformSpec) string {
	const trust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"dms.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	partition := (&fn.Plan{Spec: s}).Partition()
	var lines []string
	for _, r := range fn.DMSAccountRoles {
		lines = append(lines,
			fmt.Sprintf("aws iam create-role --role-name %s --assume-role-policy-document '%s'", r.Name, trust),
			fmt.Sprintf("aws iam attach-role-policy --role-name %s --policy-arn arn:%s:iam::aws:policy/%s", r.Name, partition, r.Policy))
	}
	return strings.Join(lines, "\n  ")
}

func lambdaInvoke(region, function, payload, out string) string {
	return fmt.Sprintf("aws lambda invoke --region %s --function-name %s --cli-binary-format raw-in-base64-out --payload '%s' %s && cat %s",
		region, function, payload, out, out)
}

func estimateOf(s *v1alpha1.XPaymentPlatformSpec) (*estimate, error) {
	est, lines, err := fn.EstimateCost(s)
	if err != nil {
		return nil, err
	}
	e := &estimate{CostEstimate: est, Lines: lines, Budget: s.Monitoring.BudgetMonthlyUSD}
	for _, l := range lines {
		if strings.HasPrefix(l.Item, "DMS ") {
			e.DMS += l.Min
		}
	}
	if s.API != nil {
		e.MinWarm, e.MaxWarm = s.API.ProvisionedConcurrency.Min, s.API.ProvisionedConcurrency.Max
	}
	e.OverBudget = est.Max > e.Budget
	return e, nil
}
