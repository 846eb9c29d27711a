package main

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/acme-payments/xpaymentplatform/internal/contract"

	"github.com/crossplane/function-sdk-go/resource"

	"github.com/acme-payments/xpaymentplatform/apis/v1alpha1"
	"github.com/acme-payments/xpaymentplatform/functions/payment-platform/fn"
)

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
	// ReplicationSlot is the logical replication slot DMS creates on the
	// source (contract.ReplicationSlot).
	ReplicationSlot string
}

// NamesOf computes the names with the function's own naming.
func NamesOf(spec *v1alpha1.XPaymentPlatformSpec) Names {
	p := fn.NewPlan(spec, nil)
	return Names{
		Aurora:          p.DBClusterIdentifier(),
		DMSInstance:     p.Name(fn.ResDMSInstance),
		Task:            p.Name(fn.ResMigrationTask),
		API:             p.APIFunctionName(),
		ALB:             p.Name(fn.ResALB),
		WAF:             p.Name(fn.ResWAF),
		Validation:      p.Name(resValidation),
		Rollback:        p.Name(resRollback),
		Alarms:          p.Name(fn.ResAlarmsTopic),
		Dashboard:       p.DashboardName(),
		DashboardURL:    p.DashboardURL(),
		ReplicationSlot: contract.ReplicationSlot(spec.EnvironmentSuffix),
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

// condition is the JSONPath of a condition's status and message.
func condition(typ string) string {
	return fmt.Sprintf(`{.status.conditions[?(@.type=="%s")].status}{" "}{.status.conditions[?(@.type=="%s")].message}{"\n"}`, typ, typ)
}

// Payloads of the validation and rollback Lambdas.
const (
	ValidatePayload = `{"action":"` + contract.ActionValidate + `","checkType":"` + contract.CheckPostMigration + `"}`
	RollbackPayload = `{"reason":"<what went wrong, when>","stopReplication":false}`
)

// book is a runbook being written.
type book struct {
	c   *Claim
	s   *v1alpha1.XPaymentPlatformSpec
	n   Names
	src string
	b   strings.Builder
}

func (r *book) p(format string, args ...any) {
	fmt.Fprintf(&r.b, format, args...)
	r.b.WriteString("\n\n")
}

func (r *book) h(title string) { r.b.WriteString("## " + title + "\n\n") }

func (r *book) h3(title string) { r.b.WriteString("### " + title + "\n\n") }

func (r *book) list(items ...string) {
	for _, it := range items {
		r.b.WriteString("- " + it + "\n")
	}
	r.b.WriteString("\n")
}

func (r *book) sh(lines ...string) {
	r.b.WriteString("```sh\n" + strings.Join(lines, "\n") + "\n```\n\n")
}

// notApplicable is the reason a section does not apply, or "".
func (r *book) noMigration() string {
	switch {
	case r.s.Migration == nil:
		return "spec.migration is absent: there is no DMS replication"
	case !r.s.MigrationEnabled():
		return "spec.migration.enabled is false: the DMS resources are removed"
	}
	return ""
}

func (r *book) noCutover() string {
	switch {
	case r.s.API == nil:
		return "spec.api is absent: there is no payment API on AWS, hence no ingress or cutover"
	case r.s.Ingress == nil:
		return "spec.ingress is absent: there is no ALB to send traffic to"
	case r.s.Cutover == nil:
		return "spec.cutover is absent: Route 53 does not move traffic"
	}
	return ""
}

func (r *book) doesNotApply(why string) { r.p("*Does not apply to this claim: %s.*", why) }

// Render writes the runbook of a loaded claim; source is the claim file as
// the reader should see it.
func Render(c *Claim, source string) string {
	r := &book{c: c, s: c.Spec, n: NamesOf(c.Spec), src: source}
	r.header()
	r.prerequisites()
	r.apply()
	r.replication()
	r.fullLoad()
	r.validate()
	r.cutover()
	r.rollback()
	r.finish()
	r.cost()
	r.watch()
	return strings.TrimRight(r.b.String(), "\n") + "\n"
}

func (r *book) header() {
	c, s, n := r.c, r.s, r.n
	fmt.Fprintf(&r.b, "# Runbook: PaymentPlatform %s/%s\n\n", c.Namespace, c.Name)
	r.p("<!-- Generated from %s by `make runbook CLAIM=%s` (go run ./cmd/runbook). Do not edit: change the claim and regenerate. -->", r.src, r.src)
	r.p("Moving the payment system to AWS with the claim `%s` in namespace `%s`: environment %s, region %s, suffix `%s`. "+
		"Every command below uses this claim's real names. Take the steps in order; each says what to check before the next.",
		c.Name, c.Namespace, s.Environment, s.Region, s.EnvironmentSuffix)
	if c.NamespaceDefaulted {
		r.p("The claim file names no namespace: the commands use `%s`, where `kubectl apply` puts it with the default context.", c.Namespace)
	}
	r.h("At a glance")
	rows := [][2]string{
		{"Claim", fmt.Sprintf("`%s/%s` (`kubectl -n %s get %s %s`)", c.Namespace, c.Name, c.Namespace, ClaimResource, c.Name)},
		{"Aurora cluster", "`" + n.Aurora + "`"},
	}
	if r.noMigration() == "" {
		rows = append(rows,
			[2]string{"DMS replication instance", "`" + n.DMSInstance + "`"},
			[2]string{"DMS task", "`" + n.Task + "`"},
			[2]string{"Validation Lambda", "`" + n.Validation + "`"},
		)
	}
	if s.API != nil {
		rows = append(rows, [2]string{"Payment API function", fmt.Sprintf("`%s` (alias `%s`)", n.API, fn.AliasLive)})
	}
	if s.Ingress != nil && s.API != nil {
		rows = append(rows, [2]string{"ALB", "`" + n.ALB + "`"}, [2]string{"WAF web ACL", "`" + n.WAF + "`"})
	}
	if r.noCutover() == "" {
		cu := s.Cutover
		zone := "created by the claim"
		if cu.HostedZoneID != "" {
			zone = "`" + cu.HostedZoneID + "`"
		}
		rows = append(rows,
			[2]string{"Rollback Lambda", "`" + n.Rollback + "`"},
			[2]string{"Cutover name", fmt.Sprintf("`%s` in zone `%s` (%s)", s.Ingress.DomainName, cu.ZoneName, zone)},
			[2]string{"Old system", fmt.Sprintf("`%s:%d` (health check `%s`)", cu.OldSystem.Hostname, cu.OldSystem.Port, cu.OldSystem.HealthCheckPath)},
			[2]string{"Failback bound", r.bound()},
		)
	}
	rows = append(rows,
		[2]string{"Alarm topic (SNS)", "`" + n.Alarms + "`"},
		[2]string{"Dashboard", fmt.Sprintf("[%s](%s)", n.Dashboard, n.DashboardURL)},
	)
	if est, _, err := fn.EstimateCost(s); err == nil {
		rows = append(rows, [2]string{"Estimated cost", fmt.Sprintf("$%d (minimum capacity) to $%d (maximum capacity) a month; budget $%d", est.Min, est.Max, s.Monitoring.BudgetMonthlyUSD)})
	}
	r.b.WriteString("| What | Name |\n| --- | --- |\n")
	for _, row := range rows {
		fmt.Fprintf(&r.b, "| %s | %s |\n", row[0], row[1])
	}
	r.b.WriteString("\n")

	var na []string
	if why := r.noMigration(); why != "" {
		na = append(na, "3. Start replication, 4. Watch the full load, 5. Validate, and the DMS part of 8. Finish — "+why+".")
	}
	if why := r.noCutover(); why != "" {
		na = append(na, "6. Cut over and 7. Roll back — "+why+".")
	}
	if len(na) > 0 {
		r.p("**Sections that do not apply to this claim:**")
		r.list(na...)
	}
}

// bound is the failback bound with how it is computed.
func (r *book) bound() string {
	return fmt.Sprintf("%d s (%s)", fn.FailbackBoundSeconds(r.s.Cutover.TTLSeconds), r.boundFormula())
}

func (r *book) boundFormula() string {
	return fmt.Sprintf("health check %d s × %d + guard alarms %d s × %d + TTL %d s", fn.HealthCheckIntervalSeconds, fn.HealthCheckFailureThreshold,
		fn.GuardAlarmPeriodSeconds, fn.GuardAlarmEvaluationPeriods, r.s.Cutover.TTLSeconds)
}

func (r *book) prerequisites() {
	s, c := r.s, r.c
	r.h("1. Prerequisites")
	items := []string{
		"`kubectl` on the control-plane cluster, with Crossplane, provider-aws and this Configuration package installed (`kubectl get xrd xpaymentplatforms.platform.payments.io` shows ESTABLISHED).",
		fmt.Sprintf("The provider-aws ClusterProviderConfig `%s` for the target AWS account.", s.ProviderConfigName),
		fmt.Sprintf("The AWS CLI v2 with read access to that account in %s (for the DMS, Lambda and Route 53 checks below).", s.Region),
	}
	if m := s.Migration; m != nil && s.MigrationEnabled() {
		src, ref := m.Source, m.Source.CredentialsSecretRef
		ns := ref.Namespace
		if ns == "" {
			ns = c.Namespace
		}
		items = append(items,
			fmt.Sprintf("The source password in the Kubernetes secret `%s/%s`, key `%s` (never in the claim): `kubectl -n %s create secret generic %s --from-file=%s=./source-password` and delete the file.",
				ns, ref.Name, ref.Key, ns, ref.Name, ref.Key),
			fmt.Sprintf("The source `%s:%d` (database `%s`) ready for logical replication: `wal_level = logical`, the `pglogical` extension loaded and created, free replication slots and WAL senders, a primary key on every replicated table, and the user `%s` with the REPLICATION attribute and SELECT on the tables.",
				src.Host, src.Port, src.DatabaseName, src.Username),
			r.sourcePath(),
			fmt.Sprintf("TLS on the source: DMS connects with sslMode `%s`.", src.SSLMode),
			"The target schema, created with `pg_dump --schema-only` from the source and restored into the Aurora writer (`status.dbClusterEndpoint`, credentials in the secret `status.dbSecretArn`) before the task starts: the task does not create or drop tables.",
		)
		if !*m.ManageAccountRoles {
			items = append(items, "The account roles `dms-vpc-role` and `dms-cloudwatch-logs-role` already exist (spec.migration.manageAccountRoles is false).")
		}
	}
	if in := s.Ingress; in != nil && s.API != nil {
		if in.CreateCertificate {
			items = append(items, fmt.Sprintf("The certificate for `%s` is requested by the claim and validated by DNS in the cutover zone: it is issued only once the zone answers publicly.", in.DomainName))
		} else {
			items = append(items, fmt.Sprintf("The ACM certificate `%s` issued for `%s` in %s.", in.CertificateARN, in.DomainName, s.Region))
		}
		items = append(items, fmt.Sprintf("The image `%s` pushed to ECR, with `%s` answering 200.", s.API.ImageURI, s.API.HealthCheckPath))
	}
	if r.noCutover() == "" {
		cu := s.Cutover
		if cu.CreateHostedZone {
			items = append(items, fmt.Sprintf("Delegation of `%s`: the claim creates the zone; after step 2 add its name servers (`%s`) as NS records in the parent zone.", cu.ZoneName, c.Get(`{.status.nameServers}`)))
		} else {
			items = append(items, fmt.Sprintf("The hosted zone `%s` (`%s`) exists and is authoritative; no other record named `%s` exists in it.", cu.ZoneName, cu.HostedZoneID, s.Ingress.DomainName))
		}
		items = append(items, fmt.Sprintf("Clients reach the payment API by `%s`, and the old system answers HTTPS on `%s:%d%s` (Route 53 health-checks it).",
			s.Ingress.DomainName, cu.OldSystem.Hostname, cu.OldSystem.Port, cu.OldSystem.HealthCheckPath))
	}
	if m := s.Monitoring; len(m.AlarmEmails) > 0 {
		items = append(items, fmt.Sprintf("Each alarm recipient (%s) confirms the SNS subscription e-mail of `%s` after step 2.", strings.Join(m.AlarmEmails, ", "), r.n.Alarms))
	}
	if m := s.Monitoring; len(m.AlarmWebhooks) > 0 {
		items = append(items, fmt.Sprintf("Each alarm webhook (%d) confirms its SNS subscription of `%s` (PagerDuty and Opsgenie do this by themselves; a relay must visit the SubscribeURL).", len(m.AlarmWebhooks), r.n.Alarms))
	}
	r.list(items...)
}

// sourcePath says how DMS reaches the source: a private address only over
// VPN or Direct Connect, a public one also through the NAT gateways.
func (r *book) sourcePath() string {
	src := r.s.Migration.Source
	if pfx, err := netip.ParsePrefix(src.CIDR); err == nil && pfx.Addr().IsPrivate() {
		return fmt.Sprintf("A route from the app subnets to `%s` port %d, a private network: VPN or Direct Connect (the NAT gateways do not reach it). DMS may only connect to that CIDR.", src.CIDR, src.Port)
	}
	return fmt.Sprintf("A path from the app subnets to `%s` port %d: VPN/Direct Connect, or the NAT gateway IPs (`%s`, known after step 2) allowed on the on-prem firewall. DMS may only connect to that CIDR.",
		src.CIDR, src.Port, r.c.Get(`{.status.natGatewayIps}`))
}

func (r *book) apply() {
	c := r.c
	r.h("2. Apply the claim and wait for Ready")
	r.sh(
		"kubectl apply -f "+r.src,
		fmt.Sprintf("kubectl -n %s wait %s/%s --for=condition=Ready --timeout=60m", c.Namespace, ClaimResource, c.Name),
	)
	if cu := r.s.Cutover; r.noCutover() == "" && cu.CreateHostedZone {
		r.p("The claim creates the zone `%s`: as soon as its name servers appear, delegate it (step 1)%s. Until then Ready waits.", cu.ZoneName,
			map[bool]string{true: ", or the certificate never validates", false: ""}[r.s.Ingress.CreateCertificate])
		r.sh(c.Get(`{.status.nameServers}{"\n"}`))
	}
	r.p("Aurora and the DMS replication instance take the longest (tens of minutes). While waiting, see what is missing:")
	r.sh(
		c.Get(`{.status.phase}{" "}{.status.resourcesReady}{"\n"}`),
		c.Get(condition(fn.ConditionResources)),
	)
	r.p("A `Synced=False` condition or a Warning event on the claim (`kubectl -n %s describe %s %s`) names the field that is wrong; fix the claim and apply it again. "+
		"Go on when `status.phase` is `Ready`, `%s` is True and the Aurora writer endpoint is known: `%s`.",
		c.Namespace, ClaimResource, c.Name, fn.ConditionResources, c.Get(`{.status.dbClusterEndpoint}{"\n"}`))
}

func (r *book) replication() {
	c, s, n := r.c, r.s, r.n
	r.h("3. Start replication")
	if why := r.noMigration(); why != "" {
		r.doesNotApply(why)
		return
	}
	m := s.Migration
	var rules []string
	for _, t := range m.TableMappings {
		rules = append(rules, fmt.Sprintf("%s `%s.%s`", t.Action, t.Schema, t.Table))
	}
	r.p("The DMS task `%s` (full load, then change data capture) replicates %s from `%s` into the Aurora cluster `%s`, on the replication instance `%s` (%s, %s).",
		n.Task, strings.Join(rules, ", "), m.Source.Host, n.Aurora, n.DMSInstance, m.ReplicationInstanceClass, map[bool]string{true: "Multi-AZ", false: "single-AZ"}[*m.MultiAZ])
	if *m.StartReplication {
		r.p("This claim has `startReplication: true`: the task starts as soon as it is created, which is once the Aurora writer endpoint and its secret exist. " +
			"Create the target schema (step 1) before that, or set `startReplication: false` in the claim before applying it and start the task as below once the schema exists. Tables missing on the target fail their full load.")
	} else {
		r.p("This claim has `startReplication: false`: the task is created stopped. Once the target schema exists, start it:")
	}
	r.sh(c.Patch(`{"spec":{"migration":{"startReplication":true}}}`))
	r.p("Check that it runs: `status.migration.phase` is `Replicating` (task status `running`).")
	r.sh(c.Get(`{.status.migration.phase}{" "}{.status.migration.taskStatus}{" "}{.status.migration.message}{"\n"}`))
}

func (r *book) fullLoad() {
	s, n := r.s, r.n
	r.h("4. Watch the full load")
	if why := r.noMigration(); why != "" {
		r.doesNotApply(why)
		return
	}
	m := s.Migration
	r.p("Crossplane reports the task status, not full-load progress; ask DMS. The full load of the %d GB source is done when `FullLoadProgressPercent` is 100 and no table is loading or errored; from then on the task applies changes (CDC).", m.Source.SizeGB)
	r.sh(
		fmt.Sprintf("aws dms describe-replication-tasks --region %s --filters Name=replication-task-id,Values=%s \\", s.Region, n.Task),
		"  --query 'ReplicationTasks[0].[Status,ReplicationTaskStats.FullLoadProgressPercent,ReplicationTaskStats.TablesLoaded,ReplicationTaskStats.TablesLoading,ReplicationTaskStats.TablesErrored]' --output text",
	)
	r.p("Per table (validation state included when DMS validation is on):")
	r.sh(
		"TASK_ARN=$("+r.c.Get(`{.status.dmsReplicationTaskArn}`)+")",
		fmt.Sprintf("aws dms describe-table-statistics --region %s --replication-task-arn \"$TASK_ARN\" \\", s.Region),
		"  --query 'TableStatistics[].[SchemaName,TableName,TableState,FullLoadRows,Inserts,Updates,Deletes,ValidationState]' --output table",
	)
	r.p("On the [dashboard](%s) watch the CDC latency: the alarm fires above %d s (`spec.monitoring.thresholds.dmsCdcLatencySeconds`). "+
		"If the task fails (`status.migration.phase` `Failed`), its CloudWatch logs say why; fix the cause and restart it from the DMS console or CLI.",
		n.DashboardURL, s.Monitoring.Thresholds.DMSCDCLatencySeconds)
}

func (r *book) validate() {
	s, n := r.s, r.n
	r.h("5. Validate")
	if why := r.noMigration(); why != "" {
		r.doesNotApply(why)
		return
	}
	if *s.Migration.Validation {
		r.p("DMS validates row by row during and after the full load: every table's `ValidationState` (step 4) must be `Validated`.")
	} else {
		r.p("DMS row validation is off in this claim (`spec.migration.validation: false`): the validation Lambda is the only comparison.")
	}
	r.p("Compare source and target with the validation Lambda `%s` (row counts, schema and a keyed data diff; differing rows are reported by key digest, never by value):", n.Validation)
	r.sh(fmt.Sprintf("aws lambda invoke --region %s --function-name %s --cli-binary-format raw-in-base64-out --payload '%s' validation.json && cat validation.json",
		s.Region, n.Validation, ValidatePayload))
	r.p("Go on only when the answer has `\"success\": true`, `\"complete\": true` and `\"mismatches\": 0`. " +
		"If it has a `resumeToken`, the run stopped at its deadline: invoke again with `{\"resumeToken\":\"<token>\"}` until it is complete.")
}

func (r *book) cutover() {
	c, s := r.c, r.s
	r.h("6. Cut over: 10 → 50 → 100")
	if why := r.noCutover(); why != "" {
		r.doesNotApply(why)
		return
	}
	cu := s.Cutover
	r.p("Traffic for `%s` moves from the old system `%s` to the ALB `%s` by Route 53 weights, one step at a time. "+
		"A step forward is taken only while the data tier is Ready%s; otherwise the step is held, with a Warning and `%s=False` saying why. Skipping a step is refused the same way.",
		s.Ingress.DomainName, cu.OldSystem.Hostname, r.n.ALB, map[bool]string{true: " and the DMS task is running", false: ""}[s.MigrationEnabled()], fn.ConditionCutoverReady)
	if cu.Step != 0 || cu.Rollback {
		r.p("The claim file sets `step: %d` and `rollback: %t`.", cu.Step, cu.Rollback)
	}
	r.p("Before step 10:")
	items := []string{
		fmt.Sprintf("`%s` is True: `%s`", fn.ConditionCutoverReady, c.Get(condition(fn.ConditionCutoverReady))),
		"Route 53 sees the old system healthy, so failback has somewhere to go (every checker reports `Success`, below).",
	}
	if s.MigrationEnabled() {
		items = append(items,
			"Step 5 passed, and the CDC latency on the dashboard is low.",
			"The application tolerates writes on both sides while traffic is split: DMS copies the old system's changes into Aurora, never the other way, and does not carry sequence values (set Aurora's sequences past the source's).",
		)
	}
	r.list(items...)
	r.sh(
		fmt.Sprintf(`HC=$(aws route53 list-health-checks --query "HealthChecks[?HealthCheckConfig.FullyQualifiedDomainName=='%s'].Id" --output text)`, cu.OldSystem.Hostname),
		`aws route53 get-health-check-status --health-check-id "$HC" --query 'HealthCheckObservations[].StatusReport.Status' --output text`,
	)
	for _, step := range v1alpha1.CutoverSteps[1:] {
		oldW, newW := fn.Weights(step, false)
		r.h3(fmt.Sprintf("Step %d", step))
		r.sh(c.StepPatch(step))
		r.p("Check that it is in force: expect `%d %d/%d` (step, old/new weights) and no message.", step, oldW, newW)
		r.sh(c.Get(`{.status.cutover.step}{" "}{.status.cutover.weights.old}{"/"}{.status.cutover.weights.new}{" "}{.status.cutover.message}{"\n"}`))
		r.p("Then hold and watch the [dashboard](%s): ALB 5xx and latency, Lambda errors and throttles, Aurora capacity. "+
			"Route 53 fails back by itself if the ALB health check fails or the guard alarms fire (%d or more target 5xx a minute, average latency above %g s, each for %d minutes).",
			r.n.DashboardURL, cu.Guard.Target5xxPerMinute, cu.Guard.LatencySeconds, fn.GuardAlarmEvaluationPeriods)
		if step == 100 {
			r.p("At step 100 the old record stays with weight 0: the old system remains the failback target until step 8.")
		}
	}
}

func (r *book) rollback() {
	c, s, n := r.c, r.s, r.n
	r.h("7. Roll back")
	if why := r.noCutover(); why != "" {
		r.doesNotApply(why)
		return
	}
	r.p("**How long it takes:** Route 53 sends clients back to the old system within **%d s** of the AWS side turning unhealthy (the failback bound: %s). "+
		"That happens by itself, without a claim edit, but only while the AWS side stays unhealthy. To roll back for good:", fn.FailbackBoundSeconds(s.Cutover.TTLSeconds), r.boundFormula())
	r.p("**1. Patch the claim.** The weights become 100/0 whatever the step. It takes effect when Crossplane reconciles the claim (seconds), Route 53 propagates the change (usually within 60 s) and resolvers drop the cached answer (TTL %d s).", s.Cutover.TTLSeconds)
	r.sh(c.RollbackPatch(true))
	r.p("Expect `true 100/0 rolled back: all traffic goes to the old system` from:")
	r.sh(c.Get(`{.status.cutover.rollback}{" "}{.status.cutover.weights.old}{"/"}{.status.cutover.weights.new}{" "}{.status.cutover.message}{"\n"}`))
	stop := "Keep `stopReplication` false while you may go forward again"
	if !s.MigrationEnabled() {
		stop = "Leave `stopReplication` false: this claim has no DMS task to stop"
	}
	r.p("**2. Record why with the rollback Lambda** `%s`: it notifies `%s`, publishes `%s/%s` and, when `stopReplication` is true, stops the DMS task. %s. "+
		"The guard alarm on that metric fails Route 53 back only after %d consecutive breaching %d s periods, so a single invocation may not move traffic by itself: the patch above does.",
		n.Rollback, n.Alarms, contract.MetricNamespace, contract.MetricRollbackRequested, stop, fn.GuardAlarmEvaluationPeriods, fn.GuardAlarmPeriodSeconds)
	r.sh(fmt.Sprintf("aws lambda invoke --region %s --function-name %s --cli-binary-format raw-in-base64-out --payload '%s' rollback.json && cat rollback.json",
		s.Region, n.Rollback, RollbackPayload))
	if s.MigrationEnabled() {
		r.p("**3. Reconcile the payments written on AWS.** Payments written through AWS since step 10 exist only in Aurora: DMS replicates one way. Reconcile them into the old system before it is the only one again.")
	}
	r.p("To resume the cutover after the cause is fixed, clear the rollback (traffic returns to the step in force) and continue from there:")
	r.sh(c.RollbackPatch(false))
}

func (r *book) finish() {
	c, s, n := r.c, r.s, r.n
	r.h("8. Finish")
	var items []string
	if r.noCutover() == "" {
		items = append(items, "Hold step 100 for as long as your change policy asks, with the old system kept running as the failback target.")
	}
	if r.noMigration() == "" {
		saving := ""
		if _, lines, err := fn.EstimateCost(s); err == nil {
			var dms float64
			for _, l := range lines {
				if strings.HasPrefix(l.Item, "DMS ") {
					dms += l.Min
				}
			}
			saving = fmt.Sprintf(", saving about $%.2f a month (the DMS lines of section 9)", dms)
		}
		items = append(items,
			"Validate a last time (step 5).",
			fmt.Sprintf("Stop replication and remove exactly the DMS resources (replication instance, endpoints, task and their roles)%s; Aurora and everything else stay: `%s`", saving, c.Patch(`{"spec":{"migration":{"enabled":false}}}`)),
			fmt.Sprintf("Drop the replication slot on the source, or its WAL keeps growing: `SELECT pg_drop_replication_slot('%s');` (check with `SELECT slot_name, active FROM pg_replication_slots;`).", n.ReplicationSlot),
		)
	}
	if r.noCutover() == "" {
		items = append(items, "Keep `spec.cutover` at step 100: the old record (weight 0) is harmless; retire the old system only when nothing can need it.")
	}
	items = append(items, fmt.Sprintf("Confirm the platform is `Ready` and every alarm of `%s` is OK on the [dashboard](%s).", n.Alarms, n.DashboardURL))
	r.list(items...)
}

func (r *book) cost() {
	s := r.s
	r.h("9. Estimated monthly cost")
	est, lines, err := fn.EstimateCost(s)
	if err != nil {
		r.p("No estimate for this claim: %v.", err)
		return
	}
	r.p("From the price table `%s` (list prices, refresh them in `functions/payment-platform/fn/pricing.go`) and the usage assumptions in `cost.go`. "+
		"Minimum: Aurora at %g ACU per instance and %d warm Lambdas; maximum: %g ACU and %d.",
		est.PriceTable, s.Database.MinCapacity, provisioned(s, false), s.Database.MaxCapacity, provisioned(s, true))
	r.b.WriteString("| Item | Minimum (USD) | Maximum (USD) | Basis |\n| --- | ---: | ---: | --- |\n")
	for _, l := range lines {
		fmt.Fprintf(&r.b, "| %s | %.2f | %.2f | %s |\n", l.Item, l.Min, l.Max, l.Basis)
	}
	fmt.Fprintf(&r.b, "| **Total** (rounded up) | **%d** | **%d** | |\n\n", est.Min, est.Max)
	budget := s.Monitoring.BudgetMonthlyUSD
	if est.Max > budget {
		r.p("At maximum capacity the estimate exceeds the budget of $%d (`spec.monitoring.budgetMonthlyUsd`): the platform reports a Warning. Lower `spec.database.maxCapacity` or raise the budget if that is intended.", budget)
	} else {
		r.p("Within the budget of $%d (`spec.monitoring.budgetMonthlyUsd`) even at maximum capacity.", budget)
	}
}

func provisioned(s *v1alpha1.XPaymentPlatformSpec, maxCap bool) int {
	if s.API == nil {
		return 0
	}
	if maxCap {
		return s.API.ProvisionedConcurrency.Max
	}
	return s.API.ProvisionedConcurrency.Min
}

func (r *book) watch() {
	c := r.c
	r.h("Watching the claim")
	cmds := []string{
		"# phase and readiness",
		c.Get(`{.status.phase}{" "}{.status.resourcesReady}{"\n"}`),
		"# why something is not ready",
		c.Get(condition(fn.ConditionResources)),
	}
	if r.noMigration() == "" {
		cmds = append(cmds,
			"# replication",
			c.Get(`{.status.migration.phase}{" "}{.status.migration.taskStatus}{"\n"}`),
			"# replication health",
			c.Get(condition(fn.ConditionMigrationHealthy)),
		)
	}
	if r.noCutover() == "" {
		cmds = append(cmds,
			"# where traffic is, and whether the next step can be taken",
			c.Get(`{.status.cutover}{"\n"}`),
			c.Get(condition(fn.ConditionCutoverReady)),
		)
	}
	cmds = append(cmds, "# events (Warnings name the field and the reason)",
		fmt.Sprintf("kubectl -n %s describe %s %s", c.Namespace, ClaimResource, c.Name))
	r.sh(cmds...)
	r.p("The dashboard: %s", r.n.DashboardURL)
}
