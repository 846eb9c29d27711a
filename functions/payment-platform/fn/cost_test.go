package fn

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	cloudwatchv2 "github.com/upbound/provider-aws/v2/apis/cluster/cloudwatch/v1beta2"
	ec2 "github.com/upbound/provider-aws/v2/apis/cluster/ec2/v1beta1"
	"sigs.k8s.io/yaml"

	"github.com/acme-payments/xpaymentplatform/apis/v1alpha1"
)

// exampleSpec reads an example claim's spec, defaulted and valid, as the
// function would see it.
func exampleSpec(t *testing.T, name string) *v1alpha1.XPaymentPlatformSpec {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "examples", name))
	if err != nil {
		t.Fatal(err)
	}
	var claim map[string]any
	if err := yaml.Unmarshal(b, &claim); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	spec, errs := DecodeSpec(claim["spec"])
	if len(errs) > 0 {
		t.Fatalf("%s: %v", name, errs)
	}
	spec.Default()
	if errs := spec.Validate(); len(errs) > 0 {
		t.Fatalf("%s: %v", name, errs)
	}
	return spec
}

// copySpec deep-copies a spec (JSON round trip) so a case can edit it.
func copySpec(t *testing.T, s *v1alpha1.XPaymentPlatformSpec) *v1alpha1.XPaymentPlatformSpec {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	out := &v1alpha1.XPaymentPlatformSpec{}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatal(err)
	}
	return out
}

func estimateOf(t *testing.T, s *v1alpha1.XPaymentPlatformSpec) (v1alpha1.CostEstimate, []CostLine) {
	t.Helper()
	est, lines, err := EstimateCost(s)
	if err != nil {
		t.Fatalf("EstimateCost: %v", err)
	}
	return est, lines
}

func line(lines []CostLine, item string) (CostLine, bool) {
	for _, l := range lines {
		if l.Item == item {
			return l, true
		}
	}
	return CostLine{}, false
}

func logLines(t *testing.T, est v1alpha1.CostEstimate, lines []CostLine) {
	t.Helper()
	for _, l := range lines {
		t.Logf("  %-42s %9.2f %9.2f  %s", l.Item, l.Min, l.Max, l.Basis)
	}
	t.Logf("  %-42s %9d %9d  (%s)", "total (rounded up)", est.Min, est.Max, est.PriceTable)
}

// TestEstimateCostProdClaim is the acceptance test: the default prod
// claim stays under $3,000 a month at minimum capacity; at maximum capacity
// (every Aurora instance at 16 ACU, 10 warm Lambdas) it does not, which is
// what the budget Warning is for.
func TestEstimateCostProdClaim(t *testing.T) {
	prod := exampleSpec(t, "claim-prod.yaml")
	est, lines := estimateOf(t, prod)
	logLines(t, est, lines)
	t.Logf("examples/claim-prod.yaml: $%d/month at minimum capacity, $%d/month at maximum capacity (budget $%d)",
		est.Min, est.Max, prod.Monitoring.BudgetMonthlyUSD)

	if prod.Monitoring.BudgetMonthlyUSD != 3000 {
		t.Fatalf("the prod claim's budget is %d, want the default 3000", prod.Monitoring.BudgetMonthlyUSD)
	}
	if est.Min >= 3000 {
		t.Errorf("prod at minimum capacity costs $%d/month, want under $3,000", est.Min)
	}
	// The figures, stated: a price or assumption change shows up here.
	// Aurora PostgreSQL 16 leaves standard support on 2029-02-28: from the
	// day after, every ACU-hour of the 3 instances (2–16 ACU) costs $0.10
	// more, outside the totals.
	if es := est.ExtendedSupport; es == nil || *es != (v1alpha1.ExtendedSupportEstimate{From: "2029-03-01", Min: 438, Max: 3504}) {
		t.Errorf("prod extendedSupport = %+v, want from 2029-03-01, $438–$3504", es)
	}
	est.ExtendedSupport = nil
	// DMS's own user adds its secret ($0.40); the on-prem network adds the
	// transit gateway attachment ($37.50) and the Resolver outbound
	// endpoint in 3 subnets ($274.15).
	if want := (v1alpha1.CostEstimate{Min: 1628, Max: 5411, PriceTable: PriceTableName}); est != want {
		t.Errorf("prod estimate = %+v, want %+v", est, want)
	}
	if est.Max <= prod.Monitoring.BudgetMonthlyUSD {
		t.Errorf("prod at maximum capacity costs $%d/month: expected above the $3,000 budget (16 ACU × 3 instances alone is $4,204.80)", est.Max)
	}
}

func TestEstimateCostDevCheaperThanProd(t *testing.T) {
	dev, prod := exampleSpec(t, "claim.yaml"), exampleSpec(t, "claim-prod.yaml")
	d, dl := estimateOf(t, dev)
	p, _ := estimateOf(t, prod)
	logLines(t, d, dl)
	t.Logf("examples/claim.yaml: $%d/month at minimum capacity, $%d/month at maximum capacity", d.Min, d.Max)
	if d.Min >= p.Min || d.Max >= p.Max {
		t.Errorf("dev $%d–$%d is not cheaper than prod $%d–$%d", d.Min, d.Max, p.Min, p.Max)
	}
	// The dev claim has no migration Lambdas: none of their 13 custom
	// metrics or their logs (the estimate priced them from the spec's
	// migration block before it priced what the tiers build: $341–$1,014);
	// its 5 interface endpoints in 3 AZs add $109.60. DMS's own user adds
	// the RDS Data API endpoint its rotation Lambda calls ($21.90) and its
	// secret ($0.40); its site-to-site VPN adds $41.
	d.ExtendedSupport = nil
	if want := (v1alpha1.CostEstimate{Min: 510, Max: 1183, PriceTable: PriceTableName}); d != want {
		t.Errorf("dev estimate = %+v, want %+v", d, want)
	}
}

// TestEstimateCostCapacity: capacity settings move the bound they set and
// nothing else.
func TestEstimateCostCapacity(t *testing.T) {
	base := exampleSpec(t, "claim-prod.yaml")
	b, _ := estimateOf(t, base)
	cases := map[string]struct {
		edit             func(*v1alpha1.XPaymentPlatformSpec)
		minMoves, maxUps bool
	}{
		"raising maxCapacity raises max only":          {edit: func(s *v1alpha1.XPaymentPlatformSpec) { s.Database.MaxCapacity = 32 }, maxUps: true},
		"raising minCapacity raises min and keeps max": {edit: func(s *v1alpha1.XPaymentPlatformSpec) { s.Database.MinCapacity = 4 }, minMoves: true},
		"more provisioned concurrency raises max only": {edit: func(s *v1alpha1.XPaymentPlatformSpec) { s.API.ProvisionedConcurrency.Max = 20 }, maxUps: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := copySpec(t, base)
			tc.edit(s)
			got, _ := estimateOf(t, s)
			switch {
			case tc.maxUps && (got.Max <= b.Max || got.Min != b.Min):
				t.Errorf("got $%d–$%d, want min $%d unchanged and max above $%d", got.Min, got.Max, b.Min, b.Max)
			case tc.minMoves && (got.Min <= b.Min || got.Max != b.Max):
				t.Errorf("got $%d–$%d, want min above $%d and max $%d unchanged", got.Min, got.Max, b.Min, b.Max)
			}
		})
	}
	// An extra instance (dev has 2 of 3 AZs) raises both bounds.
	dev := exampleSpec(t, "claim.yaml")
	d, _ := estimateOf(t, dev)
	more := copySpec(t, dev)
	more.Database.Instances = 3
	m, _ := estimateOf(t, more)
	if m.Min <= d.Min || m.Max <= d.Max {
		t.Errorf("3 instances $%d–$%d, 2 instances $%d–$%d: want both bounds higher", m.Min, m.Max, d.Min, d.Max)
	}
}

// TestEstimateCostLines checks single lines against hand computations from
// the price table.
func TestEstimateCostLines(t *testing.T) {
	prod, dev := exampleSpec(t, "claim-prod.yaml"), exampleSpec(t, "claim.yaml")
	_, pl := estimateOf(t, prod)
	_, dl := estimateOf(t, dev)
	cases := []struct {
		name     string
		lines    []CostLine
		item     string
		min, max float64
	}{
		{"prod: 3 NAT gateways with 100 GB each", pl, "NAT gateways", 3 * (730*0.045 + 100*0.045), 3 * (730*0.045 + 100*0.045)},
		{"prod: 3 NAT public IPv4 addresses", pl, "NAT gateway public IPv4 addresses", 3 * 730 * 0.005, 3 * 730 * 0.005},
		{"dev: one NAT gateway", dl, "NAT gateways", 730*0.045 + 100*0.045, 730*0.045 + 100*0.045},
		{"prod: 3 instances at 2-16 ACU", pl, "Aurora Serverless v2 capacity", 3 * 2 * 730 * 0.12, 3 * 16 * 730 * 0.12},
		{"dev: 2 instances at 0.5-4 ACU", dl, "Aurora Serverless v2 capacity", 2 * 0.5 * 730 * 0.12, 2 * 4 * 730 * 0.12},
		{"prod: 500 GB of Aurora storage", pl, "Aurora storage", 50, 50},
		{"prod: dms.r5.large Multi-AZ", pl, "DMS replication instance", 2 * 730 * 0.21, 2 * 730 * 0.21},
		{"prod: 200 GB DMS storage, 100 included, Multi-AZ", pl, "DMS storage", 2 * 100 * 0.115, 2 * 100 * 0.115},
		{"dev: dms.t3.medium single-AZ", dl, "DMS replication instance", 730 * 0.073, 730 * 0.073},
		{"dev: 125 GB DMS storage, 50 included", dl, "DMS storage", 75 * 0.115, 75 * 0.115},
		{"prod: ALB with one LCU", pl, "Application Load Balancer", 730 * (0.0225 + 0.008), 730 * (0.0225 + 0.008)},
		{"prod: 2-10 warm 1 GB Lambdas", pl, "Lambda provisioned concurrency", 2 * SecondsPerMonth * 0.0000041667, 10 * SecondsPerMonth * 0.0000041667},
		{"dev: 2-10 warm 512 MB Lambdas", dl, "Lambda provisioned concurrency", 2 * 0.5 * SecondsPerMonth * 0.0000041667, 10 * 0.5 * SecondsPerMonth * 0.0000041667},
		{"prod: existing zone, no zone line", pl, "Route 53 hosted zone", 0, 0},
		{"dev: created zone", dl, "Route 53 hosted zone", 0.5, 0.5},
		{"prod: 6 health checks", pl, "Route 53 health checks", 0.75 + 4 + 0.5 + 2 + 4*0.5, 0.75 + 4 + 0.5 + 2 + 4*0.5},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l, ok := line(tc.lines, tc.item)
			if !ok && (tc.min != 0 || tc.max != 0) {
				t.Fatalf("no %q line", tc.item)
			}
			if ok && tc.min == 0 && tc.max == 0 {
				t.Fatalf("unexpected %q line: %+v", tc.item, l)
			}
			if math.Abs(l.Min-tc.min) > 0.0051 || math.Abs(l.Max-tc.max) > 0.0051 {
				t.Errorf("%s = %.2f–%.2f, want %.2f–%.2f (%s)", tc.item, l.Min, l.Max, tc.min, tc.max, l.Basis)
			}
		})
	}
	for name, lines := range map[string][]CostLine{"prod": pl, "dev": dl} {
		seen := map[string]bool{}
		for _, l := range lines {
			if l.Min < 0 || l.Max < l.Min || l.Basis == "" || seen[l.Item] {
				t.Errorf("%s: bad line %+v (negative, max below min, no basis or repeated)", name, l)
			}
			seen[l.Item] = true
		}
	}
}

// TestEstimateCostFollowsSpec: blocks the claim leaves out cost nothing, and
// options change the lines they touch.
func TestEstimateCostFollowsSpec(t *testing.T) {
	f := false
	cases := map[string]struct {
		edit    func(*v1alpha1.XPaymentPlatformSpec)
		absent  []string
		present []string
		check   func(t *testing.T, lines []CostLine)
	}{
		"no migration": {
			edit:   func(s *v1alpha1.XPaymentPlatformSpec) { s.Migration = nil },
			absent: []string{"DMS replication instance", "DMS storage"},
			check: func(t *testing.T, lines []CostLine) {
				if l, _ := line(lines, "Aurora storage"); !strings.Contains(l.Basis, "assumed") {
					t.Errorf("Aurora storage without a source size should say it is assumed: %q", l.Basis)
				}
			},
		},
		"migration turned off after cutover": {
			edit:    func(s *v1alpha1.XPaymentPlatformSpec) { s.Migration.Enabled = &f },
			absent:  []string{"DMS replication instance", "DMS storage"},
			present: []string{"Aurora storage"},
		},
		"no api, ingress or cutover": {
			edit:    func(s *v1alpha1.XPaymentPlatformSpec) { s.API, s.Ingress, s.Cutover = nil, nil, nil },
			absent:  []string{"Application Load Balancer", "Lambda provisioned concurrency", "Lambda requests and duration", "WAF web ACL", "Route 53 health checks", "Route 53 queries", "X-Ray traces"},
			present: []string{"NAT gateways", "Aurora Serverless v2 capacity", "KMS platform key", "Secrets Manager database secrets", "CloudWatch Logs"},
		},
		"no cutover": {
			edit:    func(s *v1alpha1.XPaymentPlatformSpec) { s.Cutover = nil },
			absent:  []string{"Route 53 health checks", "Route 53 queries", "Route 53 hosted zone"},
			present: []string{"Application Load Balancer", "WAF web ACL"},
		},
		"single-AZ DMS costs half": {
			edit: func(s *v1alpha1.XPaymentPlatformSpec) { s.Migration.MultiAZ = &f },
			check: func(t *testing.T, lines []CostLine) {
				if l, _ := line(lines, "DMS replication instance"); math.Abs(l.Min-730*0.21) > 0.01 {
					t.Errorf("single-AZ dms.r5.large = %.2f, want %.2f", l.Min, 730*0.21)
				}
			},
		},
		"no SQL-injection rule set: one rule fewer": {
			edit: func(s *v1alpha1.XPaymentPlatformSpec) { s.Ingress.WAF.SQLInjection = &f },
			check: func(t *testing.T, lines []CostLine) {
				if l, _ := line(lines, "WAF web ACL"); !strings.Contains(l.Basis, "+ 2 rules") {
					t.Errorf("WAF basis %q, want 2 rules", l.Basis)
				}
			},
		},
		"created hosted zone": {
			edit:    func(s *v1alpha1.XPaymentPlatformSpec) { s.Cutover.HostedZoneID, s.Cutover.CreateHostedZone = "", true },
			present: []string{"Route 53 hosted zone"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := copySpec(t, exampleSpec(t, "claim-prod.yaml"))
			tc.edit(s)
			_, lines := estimateOf(t, s)
			for _, item := range tc.absent {
				if l, ok := line(lines, item); ok {
					t.Errorf("unexpected line %+v", l)
				}
			}
			for _, item := range tc.present {
				if _, ok := line(lines, item); !ok {
					t.Errorf("no %q line", item)
				}
			}
			if tc.check != nil {
				tc.check(t, lines)
			}
		})
	}
}

func TestEstimateCostErrors(t *testing.T) {
	f := false
	cases := map[string]struct {
		spec func(t *testing.T) *v1alpha1.XPaymentPlatformSpec
		want []string // substrings of the error; none: no error
	}{
		"nil spec": {spec: func(*testing.T) *v1alpha1.XPaymentPlatformSpec { return nil }, want: []string{"spec: required"}},
		"not defaulted": {
			spec: func(*testing.T) *v1alpha1.XPaymentPlatformSpec {
				return &v1alpha1.XPaymentPlatformSpec{EnvironmentSuffix: "x"}
			},
			want: []string{"spec.region", "spec.database.instances", "call Default first"},
		},
		"region without prices": {
			spec: func(t *testing.T) *v1alpha1.XPaymentPlatformSpec {
				s := copySpec(t, exampleSpec(t, "claim.yaml"))
				s.Region = "eu-west-1"
				return s
			},
			want: []string{"spec.region", `"eu-west-1"`, "us-east-1, us-east-2"},
		},
		"DMS class without a price": {
			spec: func(t *testing.T) *v1alpha1.XPaymentPlatformSpec {
				s := copySpec(t, exampleSpec(t, "claim-prod.yaml"))
				s.Migration.ReplicationInstanceClass = "dms.r7i.large"
				return s
			},
			want: []string{"spec.migration.replicationInstanceClass", `"dms.r7i.large"`, "dms.r5.large"},
		},
		"DMS class without a price, migration off: nothing to price": {
			spec: func(t *testing.T) *v1alpha1.XPaymentPlatformSpec {
				s := copySpec(t, exampleSpec(t, "claim-prod.yaml"))
				s.Migration.ReplicationInstanceClass = "dms.r7i.large"
				s.Migration.Enabled = &f
				return s
			},
		},
		"us-east-1 is priced": {
			spec: func(t *testing.T) *v1alpha1.XPaymentPlatformSpec {
				s := copySpec(t, exampleSpec(t, "claim.yaml"))
				s.Region = "us-east-1"
				return s
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			est, lines, err := EstimateCost(tc.spec(t))
			if len(tc.want) == 0 {
				if err != nil || est.Max == 0 || len(lines) == 0 {
					t.Fatalf("EstimateCost = %+v, %d lines, %v; want an estimate", est, len(lines), err)
				}
				return
			}
			if err == nil {
				t.Fatalf("EstimateCost = %+v, want an error", est)
			}
			if est != (v1alpha1.CostEstimate{}) || lines != nil {
				t.Errorf("an error comes with no estimate, got %+v and %d lines", est, len(lines))
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

// TestDMSPriceTableMatchesPattern: every class the XRD pattern allows is
// either priced or refused with an error naming it, and every priced class
// is one the claim accepts.
func TestDMSPriceTableMatchesPattern(t *testing.T) {
	p, _ := PricesFor("us-east-2")
	base := exampleSpec(t, "claim.yaml") // dev: t3 classes are allowed
	for _, fam := range []string{"t3", "c5", "c6i", "r5", "r6i", "c7i", "r7i"} {
		for _, size := range []string{"micro", "small", "medium", "large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge"} {
			class := "dms." + fam + "." + size
			s := copySpec(t, base)
			s.Migration.ReplicationInstanceClass = class
			if errs := s.Validate(); len(errs) > 0 {
				t.Fatalf("%s: the XRD pattern should allow it: %v", class, errs)
			}
			est, _, err := EstimateCost(s)
			_, priced := p.DMSInstanceHour[class]
			switch {
			case priced && err != nil:
				t.Errorf("%s is priced but EstimateCost fails: %v", class, err)
			case !priced && (err == nil || !strings.Contains(err.Error(), class)):
				t.Errorf("%s has no price: want an error naming it, got %+v, %v", class, est, err)
			}
			if _, ok := p.DMSIncludedStorageGB[fam]; priced && !ok {
				t.Errorf("%s: no included storage for family %s", class, fam)
			}
		}
	}
	if len(p.DMSInstanceHour) != len(p.PricedDMSClasses()) || len(p.DMSInstanceHour) == 0 {
		t.Fatalf("PricedDMSClasses lists %d of %d classes", len(p.PricedDMSClasses()), len(p.DMSInstanceHour))
	}
}

// TestEstimateCostIsPure: the spec is not changed and the result does not
// vary between calls.
func TestEstimateCostIsPure(t *testing.T) {
	s := exampleSpec(t, "claim-prod.yaml")
	before := copySpec(t, s)
	e1, l1 := estimateOf(t, s)
	e2, l2 := estimateOf(t, s)
	if !reflect.DeepEqual(s, before) {
		t.Errorf("EstimateCost changed the spec: %s", cmp.Diff(before, s))
	}
	if e1 != e2 || !reflect.DeepEqual(l1, l2) {
		t.Errorf("two calls differ: %+v / %+v", e1, e2)
	}
	var sumMin, sumMax float64
	for _, l := range l1 {
		sumMin += l.Min
		sumMax += l.Max
	}
	if int(math.Ceil(sumMin-0.005)) != e1.Min || int(math.Ceil(sumMax-0.005)) != e1.Max {
		t.Errorf("totals %d/%d are not the lines' sums %.2f/%.2f rounded up", e1.Min, e1.Max, sumMin, sumMax)
	}
}

// TestCostPricesWhatTheTiersBuilt: the estimate counts the resources, not
// the spec: one more alarm or NAT gateway among the resources is priced as
// one more, and the platform priced is the complete one (the guard alarms
// and health checks that wait for the load balancer are in it).
func TestCostPricesWhatTheTiersBuilt(t *testing.T) {
	spec := exampleSpec(t, "claim-prod.yaml")
	p := NewPlan(spec, nil)
	p.View = completeViews()
	var built []Desired
	for _, tier := range tiers {
		built = append(built, tier(p).Resources...)
	}
	_, base, err := PriceResources(spec, built)
	if err != nil {
		t.Fatal(err)
	}
	if l, _ := line(base, "Route 53 health checks"); l.Basis != "1 CALCULATED $0.5, 3 CLOUDWATCH_METRIC $0.5, 1 HTTPS off AWS +2 features $4.75, 1 HTTPS on AWS +2 features $2.5" {
		t.Errorf("health checks priced: %s; want the 6 of the complete platform", l.Basis)
	}
	more := append(slices.Clone(built),
		Desired{Name: "extra-alarm", Object: &cloudwatchv2.MetricAlarm{}},
		Desired{Name: "extra-nat", Object: &ec2.NATGateway{}})
	_, lines, err := PriceResources(spec, more)
	if err != nil {
		t.Fatal(err)
	}
	pr, _ := PricesFor(spec.Region)
	for item, want := range map[string]float64{
		"CloudWatch alarms, dashboard and metrics": pr.AlarmMonth,
		"NAT gateways": HoursPerMonth*pr.NATGatewayHour + NATDataGBPerGateway*pr.NATGatewayGB,
	} {
		b, _ := line(base, item)
		m, _ := line(lines, item)
		if math.Abs(m.Max-b.Max-want) > 0.011 {
			t.Errorf("%s: %.2f -> %.2f, want +%.2f", item, b.Max, m.Max, want)
		}
	}
}

// TestExtendedSupportFollowsTheMajor: pinning the source's major (14)
// brings RDS Extended Support forward to 2027-03-01, at the same cost per
// ACU-hour.
func TestExtendedSupportFollowsTheMajor(t *testing.T) {
	for version, from := range map[string]string{"14.13": "2027-03-01", "15.8": "2028-03-01", "16.6": "2029-03-01", "17.4": "2030-03-01"} {
		spec := exampleSpec(t, "claim-prod.yaml")
		spec.Database.EngineVersion = version
		est, _ := estimateOf(t, spec)
		if es := est.ExtendedSupport; es == nil || es.From != from || es.Min != 438 || es.Max != 3504 {
			t.Errorf("%s: extendedSupport = %+v, want from %s", version, es, from)
		}
	}
}
