package fn

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/acme-payments/xpaymentplatform/apis/v1alpha1"
	"github.com/crossplane/function-sdk-go/resource"
	appautoscaling "github.com/upbound/provider-aws/v2/apis/cluster/appautoscaling/v1beta1"
	cloudwatch "github.com/upbound/provider-aws/v2/apis/cluster/cloudwatch/v1beta1"
	cloudwatchv2 "github.com/upbound/provider-aws/v2/apis/cluster/cloudwatch/v1beta2"
	cwlogs "github.com/upbound/provider-aws/v2/apis/cluster/cloudwatchlogs/v1beta1"
	dms "github.com/upbound/provider-aws/v2/apis/cluster/dms/v1beta1"
	ec2 "github.com/upbound/provider-aws/v2/apis/cluster/ec2/v1beta1"
	ec2v2 "github.com/upbound/provider-aws/v2/apis/cluster/ec2/v1beta2"
	elbv2v2 "github.com/upbound/provider-aws/v2/apis/cluster/elbv2/v1beta2"
	kms "github.com/upbound/provider-aws/v2/apis/cluster/kms/v1beta1"
	lambdav2 "github.com/upbound/provider-aws/v2/apis/cluster/lambda/v1beta2"
	rds "github.com/upbound/provider-aws/v2/apis/cluster/rds/v1beta1"
	rdsv2 "github.com/upbound/provider-aws/v2/apis/cluster/rds/v1beta2"
	route53 "github.com/upbound/provider-aws/v2/apis/cluster/route53/v1beta1"
	route53resolver "github.com/upbound/provider-aws/v2/apis/cluster/route53resolver/v1beta1"
	secretsmanager "github.com/upbound/provider-aws/v2/apis/cluster/secretsmanager/v1beta1"
	wafv2 "github.com/upbound/provider-aws/v2/apis/cluster/wafv2/v1beta1"
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

	// EndpointDataGB is the data all interface endpoints process a month
	// (secrets, metrics, traces and API calls: small).
	EndpointDataGB = 10.0

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

	// OnPremGBPerMonth is the traffic to and from the on-prem network a
	// month while migrating: DMS change capture and the validator's reads
	// (the one-off full load of the source comes on top in its month).
	OnPremGBPerMonth = 50.0
	// ResolverQueriesMillions are the corporate-domain queries a month the
	// outbound endpoint forwards (DMS and the validator resolving the
	// source).
	ResolverQueriesMillions = 1.0

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

// PriceResources estimates the monthly cost of the resources the tiers
// built for a defaulted spec (fn.go's EstimateCost builds them in the world
// where everything exists), from the price table of its region
// (pricing.go) and the usage assumptions above: at minimum capacity (Aurora
// at the cluster's minimum on every instance, provisioned concurrency at
// its scaling minimum) and at maximum. What is priced is counted from the
// resources — gateways, instances, alarms, health checks, log groups with
// their retention — so a resource a tier adds is priced without touching
// this file, when its kind is one the estimate knows. It is pure and
// always returns the lines in the same order; totals are rounded up to
// whole dollars.
//
// It returns an error naming the field when the spec cannot be priced: a
// region the table does not cover, a DMS class without a price, or a spec
// that was not defaulted.
func PriceResources(spec *v1alpha1.XPaymentPlatformSpec, resources []Desired) (v1alpha1.CostEstimate, []CostLine, error) {
	pr, err := pricesOf(spec)
	if err != nil {
		return v1alpha1.CostEstimate{}, nil, err
	}
	e := estimator{s: spec, p: pr, inv: takeInventory(resources)}
	if d := e.inv.dms; d != nil {
		class := str(d.ReplicationInstanceClass)
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
		Min:             int((minCents + 99) / 100),
		Max:             int((maxCents + 99) / 100),
		PriceTable:      PriceTableName,
		ExtendedSupport: e.extendedSupport(),
	}, lines, nil
}

// extendedSupport is what RDS Extended Support adds per month once the
// cluster's major leaves standard support: every ACU-hour is charged
// (Aurora user guide, "Amazon RDS Extended Support charges"), at the
// cluster's minimum and maximum capacity. Not in the totals: it starts on a
// date, and a major version upgrade before it avoids it.
func (e estimator) extendedSupport() *v1alpha1.ExtendedSupportEstimate {
	c := e.inv.cluster
	if c == nil {
		return nil
	}
	lc, ok := v1alpha1.AuroraPostgreSQLLifecycles[e.s.Database.EngineMajor()]
	if !ok {
		return nil
	}
	n := float64(e.inv.instances)
	lo, hi := deref(c.Serverlessv2ScalingConfiguration.MinCapacity), deref(c.Serverlessv2ScalingConfiguration.MaxCapacity)
	month := func(acu float64) int { return int((cents(n*acu*HoursPerMonth*e.p.ExtendedSupportACUHour) + 99) / 100) }
	return &v1alpha1.ExtendedSupportEstimate{From: lc.ExtendedSupportFrom, Min: month(lo), Max: month(hi)}
}

// pricesOf is the price table of a spec that can be priced: defaulted, in
// a region the table covers.
func pricesOf(spec *v1alpha1.XPaymentPlatformSpec) (*Prices, error) {
	if spec == nil {
		return nil, errors.New("spec: required")
	}
	if errs := notDefaulted(spec); len(errs) > 0 {
		return nil, errs.ToAggregate()
	}
	pr, ok := PricesFor(spec.Region)
	if !ok {
		return nil, fmt.Errorf("spec.region: the price table (%s) has no prices for %q; it covers %s",
			PricesAsOf, spec.Region, strings.Join(PricedRegions(), ", "))
	}
	return pr, nil
}

// inventory is what the tiers built, counted as it is billed.
type inventory struct {
	natGateways, publicIPs int
	// endpointENIs are the interface endpoints' network interfaces (one per
	// subnet association); endpoints the interface endpoints.
	endpoints, endpointENIs int
	// cluster is the Aurora cluster (its Serverless v2 range); instances
	// its db.serverless instances.
	cluster   *rdsv2.ClusterParameters
	instances int
	dms       *dms.ReplicationInstanceParameters
	lbs       int
	// targetHealthInterval is the target group's health check interval.
	targetHealthInterval float64
	// api is the payment API function; warmMin and warmMax the range its
	// provisioned concurrency scales in.
	api              *lambdav2.FunctionParameters
	warmMin, warmMax int
	webACLs          []*wafv2.WebACLParameters
	zones            int
	healthChecks     []*route53.HealthCheckParameters
	keys             int
	managedSecrets   int
	// The on-prem connectivity.
	tgwAttachments, vpns, resolverENIs int
	alarms                             []*cloudwatchv2.MetricAlarmParameters
	dashboards                         int
	// logGroups are the log groups by composition-resource name.
	logGroups map[resource.Name]*cwlogs.GroupParameters
	// validator and replication: the validation Lambda and the DMS task
	// exist (their metrics and logs are priced).
	validator, replication bool
}

func takeInventory(resources []Desired) inventory {
	inv := inventory{logGroups: map[resource.Name]*cwlogs.GroupParameters{}}
	for _, d := range resources {
		switch o := d.Object.(type) {
		case *ec2.NATGateway:
			inv.natGateways++
		case *ec2.EIP:
			inv.publicIPs++
		case *ec2v2.VPCEndpoint:
			if str(o.Spec.ForProvider.VPCEndpointType) == "Interface" {
				inv.endpoints++
			}
		case *ec2.VPCEndpointSubnetAssociation:
			inv.endpointENIs++
		case *rdsv2.Cluster:
			inv.cluster = &o.Spec.ForProvider
			if o.Spec.ForProvider.ManageMasterUserPassword != nil && *o.Spec.ForProvider.ManageMasterUserPassword {
				inv.managedSecrets++
			}
		case *ec2.TransitGatewayVPCAttachment:
			inv.tgwAttachments++
		case *ec2v2.VPNConnection:
			inv.vpns++
		case *route53resolver.Endpoint:
			inv.resolverENIs += len(o.Spec.ForProvider.IPAddress)
		case *secretsmanager.Secret:
			inv.managedSecrets++ // DMS's own user
		case *rds.ClusterInstance:
			if str(o.Spec.ForProvider.InstanceClass) == "db.serverless" {
				inv.instances++
			}
		case *dms.ReplicationInstance:
			inv.dms = &o.Spec.ForProvider
		case *dms.ReplicationTask:
			inv.replication = true
		case *elbv2v2.LB:
			inv.lbs++
		case *elbv2v2.LBTargetGroup:
			if hc := o.Spec.ForProvider.HealthCheck; hc != nil && hc.Interval != nil {
				inv.targetHealthInterval = *hc.Interval
			}
		case *lambdav2.Function:
			switch d.Name {
			case ResAPI:
				inv.api = &o.Spec.ForProvider
			case ResValidation:
				inv.validator = true
			}
		case *appautoscaling.Target:
			if str(o.Spec.ForProvider.ScalableDimension) == "lambda:function:ProvisionedConcurrency" {
				inv.warmMin, inv.warmMax = int(deref(o.Spec.ForProvider.MinCapacity)), int(deref(o.Spec.ForProvider.MaxCapacity))
			}
		case *wafv2.WebACL:
			inv.webACLs = append(inv.webACLs, &o.Spec.ForProvider)
		case *route53.Zone:
			inv.zones++
		case *route53.HealthCheck:
			inv.healthChecks = append(inv.healthChecks, &o.Spec.ForProvider)
		case *kms.Key:
			inv.keys++
		case *cloudwatchv2.MetricAlarm:
			inv.alarms = append(inv.alarms, &o.Spec.ForProvider)
		case *cloudwatch.Dashboard:
			inv.dashboards++
		case *cwlogs.Group:
			inv.logGroups[d.Name] = &o.Spec.ForProvider
		}
	}
	return inv
}

func deref[T any](v *T) T {
	var zero T
	if v == nil {
		return zero
	}
	return *v
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

// cents rounds dollars to whole cents.
func cents(usd float64) int64 { return int64(math.Round(usd * 100)) }

// estimator computes the lines of one platform: the spec's capacities and
// usage, what the tiers built.
type estimator struct {
	s   *v1alpha1.XPaymentPlatformSpec
	p   *Prices
	inv inventory
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
	for _, f := range []func() []CostLine{e.nat, e.endpoints, e.onPremises, e.aurora, e.dms, e.alb, e.lambda, e.waf, e.route53, e.kms, e.secrets, e.cloudwatch, e.xray} {
		for _, l := range f() {
			add(l)
		}
	}
	return out
}

func both(item string, usd float64, basis string) CostLine {
	return CostLine{Item: item, Min: usd, Max: usd, Basis: basis}
}

// onPremises prices the connectivity to the on-prem network: a transit
// gateway attachment (per attachment-hour and GB processed) or a
// site-to-site VPN (per connection-hour, and its traffic out of AWS), and
// the Resolver outbound endpoint (per ENI-hour and query).
func (e estimator) onPremises() []CostLine {
	p := e.p
	var out []CostLine
	if n := float64(e.inv.tgwAttachments); n > 0 {
		out = append(out, both("Transit Gateway attachment", n*HoursPerMonth*p.TGWAttachmentHour+OnPremGBPerMonth*p.TGWDataGB,
			fmt.Sprintf("%g × 730 h × $%g + %g GB × $%g/GB (assumed)", n, p.TGWAttachmentHour, OnPremGBPerMonth, p.TGWDataGB)))
	}
	if n := float64(e.inv.vpns); n > 0 {
		out = append(out, both("Site-to-Site VPN", n*HoursPerMonth*p.VPNConnectionHour+OnPremGBPerMonth*p.DataTransferOutGB,
			fmt.Sprintf("%g connection × 730 h × $%g + %g GB out × $%g/GB (assumed)", n, p.VPNConnectionHour, OnPremGBPerMonth, p.DataTransferOutGB)))
	}
	if n := float64(e.inv.resolverENIs); n > 0 {
		out = append(out, both("Route 53 Resolver outbound endpoint", n*HoursPerMonth*p.ResolverENIHour+ResolverQueriesMillions*p.ResolverQueriesM,
			fmt.Sprintf("%g ENIs × 730 h × $%g + %g M queries × $%g/M (assumed)", n, p.ResolverENIHour, ResolverQueriesMillions, p.ResolverQueriesM)))
	}
	return out
}

func (e estimator) nat() []CostLine {
	n, ips, p := float64(e.inv.natGateways), float64(e.inv.publicIPs), e.p
	return []CostLine{
		both("NAT gateways", n*(HoursPerMonth*p.NATGatewayHour+NATDataGBPerGateway*p.NATGatewayGB),
			fmt.Sprintf("%g × (730 h × $%g + %g GB × $%g/GB)", n, p.NATGatewayHour, NATDataGBPerGateway, p.NATGatewayGB)),
		both("NAT gateway public IPv4 addresses", ips*HoursPerMonth*p.PublicIPv4Hour,
			fmt.Sprintf("%g × 730 h × $%g", ips, p.PublicIPv4Hour)),
	}
}

func (e estimator) endpoints() []CostLine {
	if e.inv.endpoints == 0 {
		return nil
	}
	n, p := float64(e.inv.endpointENIs), e.p
	return []CostLine{both("VPC interface endpoints", n*HoursPerMonth*p.EndpointENIHour+EndpointDataGB*p.EndpointGB,
		fmt.Sprintf("%d endpoints in %g subnets: %g ENIs × 730 h × $%g + %g GB × $%g/GB (the S3 gateway endpoint is free)",
			e.inv.endpoints, n/float64(e.inv.endpoints), n, p.EndpointENIHour, EndpointDataGB, p.EndpointGB))}
}

// dataGB is the size the Aurora volume is estimated at.
func (e estimator) dataGB() (float64, string) {
	if m := e.s.Migration; m != nil && m.Source.SizeGB > 0 {
		return float64(m.Source.SizeGB), "spec.migration.source.sizeGb"
	}
	return AssumedDataGB, "assumed"
}

func (e estimator) aurora() []CostLine {
	c, p := e.inv.cluster, e.p
	if c == nil {
		return nil
	}
	n := float64(e.inv.instances)
	lo, hi := deref(c.Serverlessv2ScalingConfiguration.MinCapacity), deref(c.Serverlessv2ScalingConfiguration.MaxCapacity)
	gb, from := e.dataGB()
	return []CostLine{
		{
			Item:  "Aurora Serverless v2 capacity",
			Min:   n * lo * HoursPerMonth * p.AuroraACUHour,
			Max:   n * hi * HoursPerMonth * p.AuroraACUHour,
			Basis: fmt.Sprintf("%g instances × %g–%g ACU × 730 h × $%g/ACU-h (each instance scales on its own)", n, lo, hi, p.AuroraACUHour),
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
	d, p := e.inv.dms, e.p
	if d == nil {
		return nil
	}
	class := str(d.ReplicationInstanceClass)
	copies, az := 1.0, "single-AZ"
	if deref(d.MultiAz) {
		copies, az = 2, "Multi-AZ"
	}
	storage := int(deref(d.AllocatedStorage))
	included := p.DMSIncludedStorageGB[dmsFamily(class)]
	billable := float64(max(0, storage-included))
	return []CostLine{
		both("DMS replication instance", copies*HoursPerMonth*p.DMSInstanceHour[class],
			fmt.Sprintf("%s %s: %g × 730 h × $%g", class, az, copies, p.DMSInstanceHour[class])),
		both("DMS storage", copies*billable*p.DMSStorageGB,
			fmt.Sprintf("(%d GB − %d GB included) × %g × $%g/GB-month", storage, included, copies, p.DMSStorageGB)),
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
	if e.inv.lbs == 0 {
		return nil
	}
	n, p := float64(e.inv.lbs), e.p
	return []CostLine{both("Application Load Balancer", n*HoursPerMonth*(p.ALBHour+ALBLCUs*p.ALBLCUHour),
		fmt.Sprintf("%g × 730 h × ($%g + %g LCU × $%g)", n, p.ALBHour, ALBLCUs, p.ALBLCUHour))}
}

// servesAPI reports whether the payment API is behind a load balancer:
// then the transactions and the health checks invoke it.
func (e estimator) servesAPI() bool { return e.inv.lbs > 0 && e.inv.api != nil }

// transactions a month.
func transactions() float64 { return TransactionsPerDay * DaysPerMonth }

// isALBCheck reports whether a health check calls the load balancer.
func isALBCheck(hc *route53.HealthCheckParameters) bool {
	return strings.HasPrefix(str(hc.Type), "HTTP") && strings.HasSuffix(str(hc.Fqdn), ".elb.amazonaws.com")
}

// route53HealthRequests are the calls of Route 53's checks of the load
// balancer a month: every checker, every interval.
func (e estimator) route53HealthRequests() float64 {
	var n float64
	for _, hc := range e.inv.healthChecks {
		if isALBCheck(hc) && deref(hc.RequestInterval) > 0 {
			n += Route53CheckersPerHealthCheck * SecondsPerMonth / deref(hc.RequestInterval)
		}
	}
	return n
}

// healthInvocations are the /health invocations of the API a month: the
// target group's health check from each load balancer node (one per AZ)
// and Route 53's checks.
func (e estimator) healthInvocations() float64 {
	if !e.servesAPI() || e.inv.targetHealthInterval == 0 {
		return 0
	}
	return float64(e.s.Network.AvailabilityZones)*SecondsPerMonth/e.inv.targetHealthInterval + e.route53HealthRequests()
}

// invocations of the API a month: transactions reach it only through the
// load balancer.
func (e estimator) invocations() float64 {
	if !e.servesAPI() {
		return 0
	}
	return transactions() + e.healthInvocations()
}

func (e estimator) lambda() []CostLine {
	a := e.inv.api
	if a == nil {
		return nil
	}
	p := e.p
	gb := deref(a.MemorySize) / 1024
	lo, hi := e.inv.warmMin, e.inv.warmMax
	warm := func(n int) float64 { return float64(n) * gb * SecondsPerMonth * p.LambdaPCGBSecond }
	out := []CostLine{{
		Item:  "Lambda provisioned concurrency",
		Min:   warm(lo),
		Max:   warm(hi),
		Basis: fmt.Sprintf("%d–%d × %g GB × 2,628,000 s × $%s/GB-s", lo, hi, gb, num(p.LambdaPCGBSecond)),
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
	prices := "$" + num(price(lo))
	if price(lo) != price(hi) {
		prices += "–$" + num(price(hi))
	}
	return append(out, CostLine{
		Item: "Lambda requests and duration",
		Min:  inv/1e6*p.LambdaRequestsM + gbs*price(lo),
		Max:  inv/1e6*p.LambdaRequestsM + gbs*price(hi),
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
	p := e.p
	var out []CostLine
	for _, acl := range e.inv.webACLs {
		var rules []json.RawMessage
		_ = json.Unmarshal([]byte(str(acl.RuleJSON)), &rules)
		n := float64(len(rules))
		reqs := (transactions() + e.route53HealthRequests()) / 1e6
		out = append(out, both("WAF web ACL", p.WAFWebACLMonth+n*p.WAFRuleMonth+reqs*p.WAFRequestsM,
			fmt.Sprintf("$%g + %g rules × $%g + %.2f M requests × $%g/M", p.WAFWebACLMonth, n, p.WAFRuleMonth, reqs, p.WAFRequestsM)))
	}
	return out
}

// healthCheckPrice is what Route 53 bills a health check a month: a basic
// check on an AWS endpoint or another (calculated and CloudWatch-metric
// checks are AWS ones), plus each optional feature it uses (HTTPS, a
// 10-second interval, latency measurement, string matching).
func (e estimator) healthCheckPrice(hc *route53.HealthCheckParameters) (usd float64, features int, aws bool) {
	typ := str(hc.Type)
	aws = !strings.HasPrefix(typ, "HTTP") && typ != "TCP" || strings.HasSuffix(str(hc.Fqdn), ".amazonaws.com")
	if strings.HasPrefix(typ, "HTTPS") {
		features++
	}
	if deref(hc.RequestInterval) == 10 {
		features++
	}
	if deref(hc.MeasureLatency) {
		features++
	}
	if str(hc.SearchString) != "" {
		features++
	}
	if aws {
		return e.p.HealthCheckAWS + float64(features)*e.p.HealthCheckFeatureAWS, features, true
	}
	return e.p.HealthCheckNonAWS + float64(features)*e.p.HealthCheckFeatureNonAWS, features, false
}

func (e estimator) route53() []CostLine {
	p := e.p
	var out []CostLine
	if n := e.inv.zones; n > 0 {
		out = append(out, both("Route 53 hosted zone", float64(n)*p.Route53ZoneMonth, fmt.Sprintf("%d zone", n)))
	}
	if len(e.inv.healthChecks) == 0 {
		return out
	}
	var usd float64
	kinds := map[string]int{}
	for _, hc := range e.inv.healthChecks {
		price, features, aws := e.healthCheckPrice(hc)
		usd += price
		kind := str(hc.Type)
		if strings.HasPrefix(kind, "HTTP") {
			kind += map[bool]string{true: " on AWS", false: " off AWS"}[aws]
		}
		if features > 0 {
			kind += fmt.Sprintf(" +%d features", features)
		}
		kinds[fmt.Sprintf("%s $%g", kind, price)]++
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(kinds)) {
		parts = append(parts, fmt.Sprintf("%d %s", kinds[k], k))
	}
	return append(out,
		both("Route 53 health checks", usd, strings.Join(parts, ", ")),
		both("Route 53 queries", Route53QueriesMillions*p.Route53QueriesM,
			fmt.Sprintf("%g M queries × $%g/M (assumed)", Route53QueriesMillions, p.Route53QueriesM)),
	)
}

func (e estimator) kms() []CostLine {
	n, p := float64(e.inv.keys), e.p
	if n == 0 {
		return nil
	}
	return []CostLine{both("KMS platform key", n*p.KMSKeyMonth+KMSRequestsPerMonth/1e4*p.KMSRequests10K,
		fmt.Sprintf("%g key × $%g + %s requests × $%g/10k", n, p.KMSKeyMonth, thousands(KMSRequestsPerMonth), p.KMSRequests10K))}
}

func (e estimator) secrets() []CostLine {
	n, p := float64(e.inv.managedSecrets), e.p
	if n == 0 {
		return nil
	}
	return []CostLine{both("Secrets Manager database secrets", n*p.SecretMonth+SecretRequestsPerMonth/1e4*p.SecretRequests10K,
		fmt.Sprintf("%g × $%g + %s calls × $%g/10k", n, p.SecretMonth, thousands(SecretRequestsPerMonth), p.SecretRequests10K))}
}

// customMetrics are the platform's own metrics the Lambdas publish: the
// validator's per check type, and the rollback trigger's.
func (e estimator) customMetrics() int {
	n := 0
	if e.inv.validator {
		n += ValidationMetrics
	}
	if _, ok := e.inv.logGroups[ResRollbackLogGroup]; ok {
		n++ // RollbackRequested
	}
	return n
}

// logGB are the log groups' monthly volumes, by group.
func (e estimator) logGB() map[resource.Name]float64 {
	v := map[resource.Name]float64{
		ResFlowLogGroup:       FlowLogGBPerAZ * float64(e.s.Network.AvailabilityZones),
		ResDBLogGroup:         DatabaseLogGB,
		ResAPILogGroup:        e.invocations() * LogKBPerInvocation / (1024 * 1024),
		ResValidationLogGroup: LambdaToolsLogGB / 2,
		ResRollbackLogGroup:   LambdaToolsLogGB / 2,
	}
	for n := range v {
		if _, ok := e.inv.logGroups[n]; !ok {
			delete(v, n)
		}
	}
	return v
}

func (e estimator) cloudwatch() []CostLine {
	p := e.p
	alarms, dashboards, metrics := len(e.inv.alarms), e.inv.dashboards, e.customMetrics()
	months := func(days float64) float64 { return days / DaysPerMonth }
	var ingested, stored float64
	for n, gb := range e.logGB() {
		ingested += gb
		stored += gb * months(deref(e.inv.logGroups[n].RetentionInDays)) * LogCompression
	}
	if e.inv.replication {
		// DMS writes its task logs to a group it creates itself, kept as
		// long as the platform's logs.
		ingested += DMSLogGB
		stored += DMSLogGB * months(float64(e.s.Monitoring.LogRetentionDays)) * LogCompression
	}
	return []CostLine{
		both("CloudWatch alarms, dashboard and metrics", float64(alarms)*p.AlarmMonth+float64(dashboards)*p.DashboardMonth+float64(metrics)*p.CustomMetricMonth,
			fmt.Sprintf("%d alarms × $%g + %d dashboard × $%g + %d custom metrics × $%g", alarms, p.AlarmMonth, dashboards, p.DashboardMonth, metrics, p.CustomMetricMonth)),
		both("CloudWatch Logs", ingested*p.LogsIngestGB+stored*p.LogsStorageGB,
			fmt.Sprintf("%.1f GB ingested × $%g + %.1f GB stored at full retention × $%g", ingested, p.LogsIngestGB, stored, p.LogsStorageGB)),
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
