package fn

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/acme-payments/xpaymentplatform/apis/v1alpha1"
)

// Usage assumptions of the cost estimate: what the price table (pricing.go)
// is multiplied by when the spec does not say. Each is a planning figure for
// the payment system this platform was built for (50,000 transactions a
// day), not a measurement; change them here and the tests show the effect.
const (
	// HoursPerMonth is AWS's billing month.
	HoursPerMonth = 730.0
	// SecondsPerMonth is HoursPerMonth in seconds.
	SecondsPerMonth = HoursPerMonth * 3600

	// NATDataGBPerGateway is the data each NAT gateway processes a month:
	// Lambda and DMS calls to AWS APIs and the on-prem source, CDC traffic.
	// The one-off full load through a NAT gateway (sizeGb) is not included.
	NATDataGBPerGateway = 100.0

	// TransactionsPerDay is the payment traffic the API serves.
	TransactionsPerDay = 50_000
	// DaysPerMonth is HoursPerMonth in days.
	DaysPerMonth = HoursPerMonth / 24
	// TransactionSeconds is the average duration of one payment API
	// invocation.
	TransactionSeconds = 0.2
	// HealthCheckInvokeSeconds is the average duration of a /health
	// invocation.
	HealthCheckInvokeSeconds = 0.02
	// ALBTargetHealthCheckSeconds is the interval of the target group's
	// health check of the Lambda (edge.go); each ALB node (one per AZ)
	// checks.
	ALBTargetHealthCheckSeconds = 35.0
	// Route53CheckersPerHealthCheck is how many Route 53 health checkers
	// (default regions) call an HTTPS endpoint each interval: the ALB's
	// /health is called that many times every HealthCheckIntervalSeconds,
	// through the WAF and the Lambda.
	Route53CheckersPerHealthCheck = 16
	// LogKBPerInvocation is what one API invocation writes to CloudWatch
	// Logs (JSON application and platform lines).
	LogKBPerInvocation = 1.0
	// XRayReservoirPerSecond and XRayFixedRate are X-Ray's default sampling
	// rule: the first request each second and 5% of the others are traced.
	XRayReservoirPerSecond = 1.0
	XRayFixedRate          = 0.05

	// ALBLCUs is the ALB's baseline capacity: 5-10 transactions a second
	// at peak stay well inside one LCU (25 new connections/s, 3,000 active
	// connections, 1 GB/h, 1,000 rule evaluations/s).
	ALBLCUs = 1.0

	// AssumedDataGB is the Aurora volume when the claim has no
	// spec.migration.source.sizeGb to size it (the 500 GB source).
	AssumedDataGB = v1alpha1.DefaultSourceSizeGB
	// AuroraIOMillionsMin and AuroraIOMillionsMax are the Aurora Standard
	// I/O requests a month at minimum and at maximum load (reads missing the
	// buffer cache and 4 KB write units). Automated backups within the
	// cluster's volume size are free (35 days of 50k transactions a day
	// stay within it) and Performance Insights' 7 days are free: neither is
	// a line.
	AuroraIOMillionsMin = 20.0
	AuroraIOMillionsMax = 100.0

	// Route53QueriesMillions is the DNS queries a month for the cutover
	// name (CNAME answers are billed; TTL ttlSeconds).
	Route53QueriesMillions = 1.0
	// KMSRequestsPerMonth are calls to the platform key: Lambda environment
	// decryption at cold start, CloudWatch Logs, Secrets Manager, Aurora
	// and DMS data keys.
	KMSRequestsPerMonth = 100_000.0
	// SecretRequestsPerMonth are reads of the database secret (the API at
	// cold start, DMS, the validation Lambda).
	SecretRequestsPerMonth = 50_000.0

	// Log volumes a month besides the API's (computed from invocations).
	FlowLogGBPerAZ   = 5.0 // VPC flow logs (ALL traffic, 1-minute aggregation)
	DatabaseLogGB    = 2.0 // postgresql log: connections and statements over 1 s
	DMSLogGB         = 2.0 // DMS task logging while migration is enabled
	LambdaToolsLogGB = 0.5 // validation and rollback Lambdas
	// LogCompression is stored (billed) size over ingested size.
	LogCompression = 0.15

	// ValidationMetrics are the custom metrics the validation Lambda
	// publishes (RowsCompared, Mismatches, ValidationFailed, DurationMs per
	// pre_migration, post_migration and continuous check type).
	ValidationMetrics = 4 * 3
)

// CostLine is one item of the estimate: its monthly cost in USD at minimum
// and at maximum capacity, and how it was computed.
type CostLine struct {
	Item     string
	Min, Max float64
	// Basis is the quantities and unit prices, for the runbook.
	Basis string
}

// EstimateCost estimates the monthly cost of what a defaulted spec creates,
// from the price table of its region (pricing.go) and the usage assumptions
// above: at minimum capacity (Aurora at minCapacity on every instance,
// provisioned concurrency at min) and at maximum capacity (maxCapacity, max).
// It is pure: it reads the spec, never changes it, and always returns the
// lines in the same order. Totals are rounded up to whole dollars.
//
// It returns an error naming the field when the spec cannot be priced: a
// region the table does not cover, a DMS class without a price, or a spec
// that was not defaulted.
func EstimateCost(spec *v1alpha1.XPaymentPlatformSpec) (v1alpha1.CostEstimate, []CostLine, error) {
	if spec == nil {
		return v1alpha1.CostEstimate{}, nil, errors.New("spec: required")
	}
	if errs := notDefaulted(spec); len(errs) > 0 {
		return v1alpha1.CostEstimate{}, nil, joinErrors(errs)
	}
	pr, ok := PricesFor(spec.Region)
	if !ok {
		return v1alpha1.CostEstimate{}, nil, fmt.Errorf("spec.region: the price table (%s) has no prices for %q; it covers %s",
			PricesAsOf, spec.Region, strings.Join(PricedRegions(), ", "))
	}
	e := estimator{s: spec, p: pr}
	if spec.MigrationEnabled() {
		class := spec.Migration.ReplicationInstanceClass
		if _, ok := pr.DMSInstanceHour[class]; !ok {
			return v1alpha1.CostEstimate{}, nil, fmt.Errorf("spec.migration.replicationInstanceClass: the price table (%s) has no price for %q; priced classes: %s",
				PricesAsOf, class, strings.Join(pr.PricedDMSClasses(), ", "))
		}
	}
	lines := e.lines()
	var minCents, maxCents int64
	for _, l := range lines {
		minCents += cents(l.Min)
		maxCents += cents(l.Max)
	}
	return v1alpha1.CostEstimate{
		Min:        int((minCents + 99) / 100),
		Max:        int((maxCents + 99) / 100),
		PriceTable: PriceTableName,
	}, lines, nil
}

// notDefaulted reports the fields EstimateCost needs that Default sets.
func notDefaulted(s *v1alpha1.XPaymentPlatformSpec) field.ErrorList {
	const why = "not set: EstimateCost needs a defaulted spec (call Default first)"
	var errs field.ErrorList
	root := field.NewPath("spec")
	for _, f := range []struct {
		path  *field.Path
		unset bool
	}{
		{root.Child("region"), s.Region == ""},
		{root.Child("network", "availabilityZones"), s.Network.AvailabilityZones == 0},
		{root.Child("network", "natMode"), s.Network.NATMode == ""},
		{root.Child("network", "flowLogRetentionDays"), s.Network.FlowLogRetentionDays == 0},
		{root.Child("database", "minCapacity"), s.Database.MinCapacity == 0},
		{root.Child("database", "maxCapacity"), s.Database.MaxCapacity == 0},
		{root.Child("database", "instances"), s.Database.Instances == 0},
		{root.Child("monitoring", "logRetentionDays"), s.Monitoring.LogRetentionDays == 0},
		{root.Child("migration", "replicationInstanceClass"), s.Migration != nil && s.Migration.ReplicationInstanceClass == ""},
		{root.Child("api", "memoryMb"), s.API != nil && s.API.MemoryMB == 0},
	} {
		if f.unset {
			errs = append(errs, field.Required(f.path, why))
		}
	}
	return errs
}

func joinErrors(errs field.ErrorList) error {
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	return errors.New(strings.Join(msgs, "; "))
}

// cents rounds dollars to whole cents.
func cents(usd float64) int64 { return int64(math.Round(usd * 100)) }

// estimator computes the lines of one spec.
type estimator struct {
	s *v1alpha1.XPaymentPlatformSpec
	p *Prices
}

func (e estimator) lines() []CostLine {
	var out []CostLine
	add := func(l CostLine) {
		l.Min = float64(cents(l.Min)) / 100
		l.Max = float64(cents(l.Max)) / 100
		if l.Min != 0 || l.Max != 0 {
			out = append(out, l)
		}
	}
	for _, f := range []func() []CostLine{e.nat, e.aurora, e.dms, e.alb, e.lambda, e.waf, e.route53, e.kms, e.secrets, e.cloudwatch, e.xray} {
		for _, l := range f() {
			add(l)
		}
	}
	return out
}

func both(item string, usd float64, basis string) CostLine {
	return CostLine{Item: item, Min: usd, Max: usd, Basis: basis}
}

// natGateways is how many NAT gateways the network tier creates.
func (e estimator) natGateways() int {
	if e.s.Network.NATMode == v1alpha1.NATSingle {
		return 1
	}
	return e.s.Network.AvailabilityZones
}

func (e estimator) nat() []CostLine {
	n := float64(e.natGateways())
	p := e.p
	return []CostLine{
		both("NAT gateways", n*(HoursPerMonth*p.NATGatewayHour+NATDataGBPerGateway*p.NATGatewayGB),
			fmt.Sprintf("%g × (730 h × $%g + %g GB × $%g/GB)", n, p.NATGatewayHour, NATDataGBPerGateway, p.NATGatewayGB)),
		both("NAT gateway public IPv4 addresses", n*HoursPerMonth*p.PublicIPv4Hour,
			fmt.Sprintf("%g × 730 h × $%g", n, p.PublicIPv4Hour)),
	}
}

// dataGB is the size the Aurora volume is estimated at.
func (e estimator) dataGB() (float64, string) {
	if m := e.s.Migration; m != nil && m.Source.SizeGB > 0 {
		return float64(m.Source.SizeGB), "spec.migration.source.sizeGb"
	}
	return AssumedDataGB, "assumed"
}

func (e estimator) aurora() []CostLine {
	d, p := e.s.Database, e.p
	n := float64(d.Instances)
	gb, from := e.dataGB()
	return []CostLine{
		{
			Item: "Aurora Serverless v2 capacity",
			Min:  n * d.MinCapacity * HoursPerMonth * p.AuroraACUHour,
			Max:  n * d.MaxCapacity * HoursPerMonth * p.AuroraACUHour,
			Basis: fmt.Sprintf("%g instances × %g–%g ACU × 730 h × $%g/ACU-h (each instance scales on its own)",
				n, d.MinCapacity, d.MaxCapacity, p.AuroraACUHour),
		},
		both("Aurora storage", gb*p.AuroraStorageGB, fmt.Sprintf("%g GB (%s) × $%g/GB-month", gb, from, p.AuroraStorageGB)),
		{
			Item: "Aurora I/O",
			Min:  AuroraIOMillionsMin * p.AuroraIOMillion,
			Max:  AuroraIOMillionsMax * p.AuroraIOMillion,
			Basis: fmt.Sprintf("%g–%g million requests × $%g/million (assumed)",
				AuroraIOMillionsMin, AuroraIOMillionsMax, p.AuroraIOMillion),
		},
	}
}

func (e estimator) dms() []CostLine {
	if !e.s.MigrationEnabled() {
		return nil
	}
	m, p := e.s.Migration, e.p
	class := m.ReplicationInstanceClass
	copies, az := 1.0, "single-AZ"
	if m.MultiAZ != nil && *m.MultiAZ {
		copies, az = 2, "Multi-AZ"
	}
	included := p.DMSIncludedStorageGB[dmsFamily(class)]
	billable := float64(max(0, m.AllocatedStorageGB-included))
	return []CostLine{
		both("DMS replication instance", copies*HoursPerMonth*p.DMSInstanceHour[class],
			fmt.Sprintf("%s %s: %g × 730 h × $%g", class, az, copies, p.DMSInstanceHour[class])),
		both("DMS storage", copies*billable*p.DMSStorageGB,
			fmt.Sprintf("(%d GB − %d GB included) × %g × $%g/GB-month", m.AllocatedStorageGB, included, copies, p.DMSStorageGB)),
	}
}

// dmsFamily is the family of a DMS class: dms.r5.large -> r5.
func dmsFamily(class string) string {
	parts := strings.Split(class, ".")
	if len(parts) != 3 {
		return ""
	}
	return parts[1]
}

func (e estimator) alb() []CostLine {
	if !e.hasEdge() {
		return nil
	}
	p := e.p
	return []CostLine{both("Application Load Balancer", HoursPerMonth*(p.ALBHour+ALBLCUs*p.ALBLCUHour),
		fmt.Sprintf("730 h × ($%g + %g LCU × $%g)", p.ALBHour, ALBLCUs, p.ALBLCUHour))}
}

// hasEdge reports whether the ALB and WAF are created.
func (e estimator) hasEdge() bool { return e.s.Ingress != nil && e.s.API != nil }

// hasCutover reports whether the Route 53 cutover is created.
func (e estimator) hasCutover() bool { return e.s.Cutover != nil && e.hasEdge() }

// transactions a month.
func transactions() float64 { return TransactionsPerDay * DaysPerMonth }

// route53HealthRequests are the calls of Route 53's HTTPS check of the ALB a
// month.
func (e estimator) route53HealthRequests() float64 {
	if !e.hasCutover() {
		return 0
	}
	return Route53CheckersPerHealthCheck * SecondsPerMonth / HealthCheckIntervalSeconds
}

// healthInvocations are the /health invocations of the API a month: the
// ALB's target health check from each node and Route 53's check.
func (e estimator) healthInvocations() float64 {
	if !e.hasEdge() {
		return 0
	}
	return float64(e.s.Network.AvailabilityZones)*SecondsPerMonth/ALBTargetHealthCheckSeconds + e.route53HealthRequests()
}

// invocations of the API a month: transactions reach it only through the
// ALB.
func (e estimator) invocations() float64 {
	if !e.hasEdge() {
		return 0
	}
	return transactions() + e.healthInvocations()
}

func (e estimator) lambda() []CostLine {
	a := e.s.API
	if a == nil {
		return nil
	}
	p := e.p
	gb := float64(a.MemoryMB) / 1024
	pc := a.ProvisionedConcurrency
	warm := func(n int) float64 { return float64(n) * gb * SecondsPerMonth * p.LambdaPCGBSecond }
	out := []CostLine{{
		Item:  "Lambda provisioned concurrency",
		Min:   warm(pc.Min),
		Max:   warm(pc.Max),
		Basis: fmt.Sprintf("%d–%d × %g GB × 2,628,000 s × $%s/GB-s", pc.Min, pc.Max, gb, num(p.LambdaPCGBSecond)),
	}}
	inv := e.invocations()
	if inv == 0 {
		return out
	}
	gbs := (transactions()*TransactionSeconds + e.healthInvocations()*HealthCheckInvokeSeconds) * gb
	// Invocations served by provisioned concurrency are billed at its
	// duration price; with none they are on-demand.
	price := func(n int) float64 {
		if n > 0 {
			return p.LambdaPCDurationGB
		}
		return p.LambdaGBSecond
	}
	prices := "$" + num(price(pc.Min))
	if price(pc.Min) != price(pc.Max) {
		prices += "–$" + num(price(pc.Max))
	}
	return append(out, CostLine{
		Item: "Lambda requests and duration",
		Min:  inv/1e6*p.LambdaRequestsM + gbs*price(pc.Min),
		Max:  inv/1e6*p.LambdaRequestsM + gbs*price(pc.Max),
		Basis: fmt.Sprintf("%.2f M invocations (%s tx/day + health checks) × $%g/M + %s GB-s × %s/GB-s",
			inv/1e6, thousands(TransactionsPerDay), p.LambdaRequestsM, thousands(gbs), prices),
	})
}

// num formats a price without an exponent.
func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// thousands formats a count rounded to a whole number with thousands
// separators: 50,000.
func thousands(v float64) string {
	s := strconv.FormatInt(int64(math.Round(v)), 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func (e estimator) waf() []CostLine {
	in := e.s.Ingress
	if !e.hasEdge() {
		return nil
	}
	p := e.p
	rules := 2.0 // the per-IP rate limit and the AWS common rule set
	if in.WAF.SQLInjection == nil || *in.WAF.SQLInjection {
		rules++
	}
	reqs := (transactions() + e.route53HealthRequests()) / 1e6
	return []CostLine{both("WAF web ACL", p.WAFWebACLMonth+rules*p.WAFRuleMonth+reqs*p.WAFRequestsM,
		fmt.Sprintf("$%g + %g rules × $%g + %.2f M requests × $%g/M", p.WAFWebACLMonth, rules, p.WAFRuleMonth, reqs, p.WAFRequestsM))}
}

func (e estimator) route53() []CostLine {
	if !e.hasCutover() {
		return nil
	}
	c, p := e.s.Cutover, e.p
	var out []CostLine
	if c.CreateHostedZone {
		out = append(out, both("Route 53 hosted zone", p.Route53ZoneMonth, "1 zone"))
	}
	// The old system: HTTPS at a 10 s interval, two optional features on a
	// non-AWS endpoint. The ALB: the same on an AWS endpoint. The new side's
	// calculated check and one CloudWatch-metric check per guard alarm are
	// basic AWS-endpoint checks.
	oldCheck := p.HealthCheckNonAWS + 2*p.HealthCheckFeatureNonAWS
	albCheck := p.HealthCheckAWS + 2*p.HealthCheckFeatureAWS
	basic := 1 + guardAlarmCount
	out = append(out,
		both("Route 53 health checks", oldCheck+albCheck+float64(basic)*p.HealthCheckAWS,
			fmt.Sprintf("old system HTTPS+fast $%g, ALB HTTPS+fast $%g, %d calculated/metric × $%g", oldCheck, albCheck, basic, p.HealthCheckAWS)),
		both("Route 53 queries", Route53QueriesMillions*p.Route53QueriesM,
			fmt.Sprintf("%g M queries × $%g/M (assumed)", Route53QueriesMillions, p.Route53QueriesM)),
	)
	return out
}

// guardAlarmCount is the cutover's guard alarms (routing.go): 5xx, latency
// and RollbackRequested.
const guardAlarmCount = 3

func (e estimator) kms() []CostLine {
	p := e.p
	return []CostLine{both("KMS platform key", p.KMSKeyMonth+KMSRequestsPerMonth/1e4*p.KMSRequests10K,
		fmt.Sprintf("1 key × $%g + %s requests × $%g/10k", p.KMSKeyMonth, thousands(KMSRequestsPerMonth), p.KMSRequests10K))}
}

func (e estimator) secrets() []CostLine {
	p := e.p
	return []CostLine{both("Secrets Manager database secret", p.SecretMonth+SecretRequestsPerMonth/1e4*p.SecretRequests10K,
		fmt.Sprintf("1 secret × $%g + %s calls × $%g/10k", p.SecretMonth, thousands(SecretRequestsPerMonth), p.SecretRequests10K))}
}

// alarms counts the CloudWatch alarms once everything they watch exists:
// the monitoring tier's (Plan.Alarms) and the cutover's guard alarms.
func (e estimator) alarms() int {
	n := 2 // Aurora CPU and ACU utilization
	if e.s.API != nil {
		n += 2 // Lambda errors and throttles
	}
	if e.hasEdge() {
		n += 2 // ALB latency and 5xx
	}
	if e.s.MigrationEnabled() {
		n += 2 // DMS CDC latency, validation failed
	}
	if e.hasCutover() {
		n += guardAlarmCount
	}
	return n
}

func (e estimator) cloudwatch() []CostLine {
	s, p := e.s, e.p
	alarms := e.alarms()
	metrics := 0
	if s.Migration != nil {
		metrics += ValidationMetrics
	}
	if e.hasCutover() {
		metrics++ // RollbackRequested
	}
	flow := FlowLogGBPerAZ * float64(s.Network.AvailabilityZones)
	other := DatabaseLogGB + e.invocations()*LogKBPerInvocation/(1024*1024)
	if s.MigrationEnabled() {
		other += DMSLogGB
	}
	if s.Migration != nil || e.hasCutover() {
		other += LambdaToolsLogGB
	}
	months := func(days int) float64 { return float64(days) / DaysPerMonth }
	stored := (flow*months(s.Network.FlowLogRetentionDays) + other*months(s.Monitoring.LogRetentionDays)) * LogCompression
	return []CostLine{
		both("CloudWatch alarms, dashboard and metrics", float64(alarms)*p.AlarmMonth+p.DashboardMonth+float64(metrics)*p.CustomMetricMonth,
			fmt.Sprintf("%d alarms × $%g + 1 dashboard × $%g + %d custom metrics × $%g", alarms, p.AlarmMonth, p.DashboardMonth, metrics, p.CustomMetricMonth)),
		both("CloudWatch Logs", (flow+other)*p.LogsIngestGB+stored*p.LogsStorageGB,
			fmt.Sprintf("%.1f GB ingested × $%g + %.1f GB stored at full retention × $%g", flow+other, p.LogsIngestGB, stored, p.LogsStorageGB)),
	}
}

func (e estimator) xray() []CostLine {
	inv := e.invocations()
	if inv == 0 {
		return nil
	}
	rate := inv / SecondsPerMonth
	traced := (min(rate, XRayReservoirPerSecond) + XRayFixedRate*max(rate-XRayReservoirPerSecond, 0)) * SecondsPerMonth
	return []CostLine{both("X-Ray traces", traced/1e6*e.p.XRayTracesM,
		fmt.Sprintf("%.2f M traces (default sampling) × $%g/M", traced/1e6, e.p.XRayTracesM))}
}
