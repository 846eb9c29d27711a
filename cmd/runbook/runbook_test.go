package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acme-payments/xpaymentplatform/functions/payment-platform/fn"
)

var update = flag.Bool("update", false, "rewrite the golden runbooks in examples/runbook")

// examples are the example claims with a golden runbook, by the path make
// passes (relative to the repository root).
var examples = []struct{ claim, golden string }{
	{"examples/claim.yaml", "examples/runbook/claim.md"},
	{"examples/claim-prod.yaml", "examples/runbook/claim-prod.md"},
}

// repo turns a repository path into one relative to this package.
func repo(path string) string { return filepath.Join("..", "..", filepath.FromSlash(path)) }

func load(t *testing.T, path string) *Claim {
	t.Helper()
	b, err := os.ReadFile(repo(path))
	if err != nil {
		t.Fatal(err)
	}
	c, err := LoadClaim(b)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return c
}

// render is Render, failing the test on an error.
func render(t *testing.T, c *Claim, source string) string {
	t.Helper()
	md, err := Render(c, source)
	if err != nil {
		t.Fatal(err)
	}
	return md
}

// TestGolden renders the example claims' runbooks and compares them with
// examples/runbook (go test ./cmd/runbook -update rewrites them).
func TestGolden(t *testing.T) {
	for _, ex := range examples {
		t.Run(ex.claim, func(t *testing.T) {
			got := render(t, load(t, ex.claim), ex.claim)
			if *update {
				if err := os.MkdirAll(filepath.Dir(repo(ex.golden)), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(repo(ex.golden), []byte(got), 0o644); err != nil { //nolint:gosec // documentation
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(repo(ex.golden))
			if err != nil {
				t.Fatalf("%v (run go test ./cmd/runbook -update)", err)
			}
			if d := cmp.Diff(strings.Split(string(want), "\n"), strings.Split(got, "\n")); d != "" {
				t.Errorf("%s is out of date (go test ./cmd/runbook -update) (-want +got):\n%s", ex.golden, d)
			}
		})
	}
}

// TestProdRunbook: the prod runbook holds the exact commands and facts an
// operator copies.
func TestProdRunbook(t *testing.T) {
	md := render(t, load(t, "examples/claim-prod.yaml"), "examples/claim-prod.yaml")
	for _, want := range []string{
		`kubectl -n payments patch paymentplatform payments-prod --type merge -p '{"spec":{"cutover":{"step":10}}}'`,
		`kubectl -n payments patch paymentplatform payments-prod --type merge -p '{"spec":{"cutover":{"step":50}}}'`,
		`kubectl -n payments patch paymentplatform payments-prod --type merge -p '{"spec":{"cutover":{"step":100}}}'`,
		`kubectl -n payments patch paymentplatform payments-prod --type merge -p '{"spec":{"cutover":{"rollback":true}}}'`,
		`kubectl -n payments patch paymentplatform payments-prod --type merge -p '{"spec":{"migration":{"enabled":false}}}'`,
		"within **240 s**",
		"| Failback bound | 240 s (the slower of the ALB health check (36 s: 3 failed checks 10 s apart, the last one timing out after 6 s (Route 53)) and the guard alarms (180 s:",
		"not covered, as AWS documents no figure for them: CloudWatch ingestion",
		"https://us-east-2.console.aws.amazon.com/cloudwatch/home?region=us-east-2#dashboards/dashboard/payment-migration-prod",
		`aws lambda invoke --region us-east-2 --function-name payment-validation-prod --cli-binary-format raw-in-base64-out --payload '{"action":"validate","checkType":"post_migration"}'`,
		`aws lambda invoke --region us-east-2 --function-name payment-rollback-prod --cli-binary-format raw-in-base64-out --payload '{"reason":"<what went wrong, when>","stopReplication":false}'`,
		"kubectl apply -f examples/claim-prod.yaml",
		"`payment-aurora-prod`", "`payment-dms-prod`", "`payment-migration-prod`", "`payment-api-prod`", "`payment-alb-prod`",
		"`payment-alarms-prod`", "`payment-waf-prod`",
		`{.status.migration.phase}`, `{.status.conditions[?(@.type=="CutoverReady")].status}`, `{.status.conditions[?(@.type=="MigrationHealthy")].status}`,
		"expect `10 90/10`", "expect `50 50/50`", "expect `100 0/100`",
		"SELECT slot_name, plugin, active FROM pg_replication_slots;",
		"aws secretsmanager describe-secret --region us-east-2 --secret-id payment-dms-user-secret-prod",
		"pg_dump --schema-only --no-owner --no-privileges -h pg-payments.corp.example.com -p 5432 -U dms_replicator -d payments -f schema.sql",
		"`payments/payments-source-ca`", "`DROP ROLE dms_migration;`",
		"| **Total** (rounded up) |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the prod runbook lacks %q", want)
		}
	}
	// The steps come in order.
	last := -1
	for _, step := range []string{"## 1. Prerequisites", "## 2. Apply", "## 3. Start replication", "## 4. Watch the full load", "## 5. Validate",
		"### Step 10", "### Step 50", "### Step 100", "## 7. Roll back", "## 8. Finish", "## 9. Estimated monthly cost"} {
		i := strings.Index(md, step)
		if i <= last {
			t.Errorf("%q is missing or out of order", step)
		}
		last = i
	}
	if strings.Contains(md, "Does not apply") {
		t.Errorf("every section applies to the prod claim")
	}
	// The cost table is EstimateCost's.
	est, lines, err := fn.EstimateCost(load(t, "examples/claim-prod.yaml").Spec)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range lines {
		if !strings.Contains(md, "| "+l.Item+" | ") {
			t.Errorf("the cost table lacks %q", l.Item)
		}
	}
	if !strings.Contains(md, "$"+strconv.Itoa(est.Min)+" (minimum capacity) to $"+strconv.Itoa(est.Max)) {
		t.Errorf("the runbook does not state the estimate %+v", est)
	}
}

// TestSectionsThatDoNotApply: without a block, its sections say so and
// carry no commands.
func TestSectionsThatDoNotApply(t *testing.T) {
	f := false
	cases := map[string]struct {
		edit    func(c *Claim)
		says    []string
		without []string
	}{
		"no migration": {
			edit:    func(c *Claim) { c.Spec.Migration = nil },
			says:    []string{"*Does not apply to this claim: spec.migration is absent: there is no DMS replication.*", "3. Start replication, 4. Watch the full load, 5. Validate"},
			without: []string{"payment-dms-prod", "payment-validation-prod", "pg_drop_replication_slot", `"migration":{"startReplication"`},
		},
		"migration turned off": {
			edit:    func(c *Claim) { c.Spec.Migration.Enabled = &f },
			says:    []string{"spec.migration.enabled is false: the DMS resources are removed"},
			without: []string{"aws dms describe-replication-tasks", "payment-validation-prod"},
		},
		"no cutover": {
			edit:    func(c *Claim) { c.Spec.Cutover = nil },
			says:    []string{"*Does not apply to this claim: spec.cutover is absent: Route 53 does not move traffic.*", "6. Cut over and 7. Roll back"},
			without: []string{`"cutover":{"step"`, `"rollback":true`, "Failback bound", "payment-rollback-prod"},
		},
		"no api, ingress or cutover": {
			edit:    func(c *Claim) { c.Spec.API, c.Spec.Ingress, c.Spec.Cutover = nil, nil, nil },
			says:    []string{"spec.api is absent: there is no payment API on AWS, hence no ingress or cutover"},
			without: []string{"payment-alb-prod", "payment-api-prod", `"cutover":{"step"`},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c := load(t, "examples/claim-prod.yaml")
			tc.edit(c)
			md := render(t, c, "claim.yaml")
			for _, s := range tc.says {
				if !strings.Contains(md, s) {
					t.Errorf("the runbook lacks %q", s)
				}
			}
			for _, s := range tc.without {
				if strings.Contains(md, s) {
					t.Errorf("the runbook still has %q", s)
				}
			}
		})
	}
}

func TestLoadClaimErrors(t *testing.T) {
	prod, err := os.ReadFile(repo("examples/claim-prod.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// edit replaces old with new pairs in the prod claim.
	edit := func(pairs ...string) string {
		s := string(prod)
		for i := 0; i+1 < len(pairs); i += 2 {
			next := strings.Replace(s, pairs[i], pairs[i+1], 1)
			if next == s {
				t.Fatalf("claim-prod.yaml has no %q", pairs[i])
			}
			s = next
		}
		return s
	}
	cases := map[string]struct {
		yaml string
		want []string
	}{
		"not YAML":      {yaml: "spec: [", want: []string{"not a YAML object"}},
		"empty":         {yaml: "", want: []string{"empty document"}},
		"an XR":         {yaml: edit("kind: PaymentPlatform", "kind: XPaymentPlatform"), want: []string{"kind: Unsupported value: \"XPaymentPlatform\"", `"PaymentPlatform"`}},
		"no name":       {yaml: edit("  name: payments-prod\n", ""), want: []string{"metadata.name: Required value"}},
		"unknown field": {yaml: edit("    natMode: PerAZ", "    natMode: PerAZ\n    natGateways: 3"), want: []string{"spec.network.natGateways"}},
		"wrong type":    {yaml: edit("    instances: 3", "    instances: three"), want: []string{"spec.database.instances", "integer"}},
		"invalid values, all reported": {
			yaml: edit("    natMode: PerAZ", "    natMode: Single", "    minCapacity: 2", "    minCapacity: 32"),
			want: []string{"spec.network.natMode", "spec.database.maxCapacity"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c, err := LoadClaim([]byte(tc.yaml))
			if err == nil {
				t.Fatalf("LoadClaim = %+v, want an error", c)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
	// A claim without a namespace lands in the default one.
	c, err := LoadClaim([]byte(edit("  namespace: payments\n", "")))
	if err != nil {
		t.Fatal(err)
	}
	if c.Namespace != "default" || !c.NamespaceDefaulted {
		t.Errorf("namespace = %q (defaulted %t), want default", c.Namespace, c.NamespaceDefaulted)
	}
	if md := render(t, c, "claim.yaml"); !strings.Contains(md, "kubectl -n default patch paymentplatform payments-prod") || !strings.Contains(md, "names no namespace") {
		t.Errorf("the runbook of a claim without a namespace does not use and explain default")
	}
}

// TestRun is the command: exit status, stdout, -o and errors on stderr.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("apiVersion: platform.payments.io/v1alpha1\nkind: PaymentPlatform\nmetadata: {name: x}\nspec: {environmentSuffix: Bad_Suffix}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	golden, err := os.ReadFile(repo("examples/runbook/claim-prod.md"))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.md")
	cases := map[string]struct {
		args       []string
		code       int
		stdout     string
		stderrHas  string
		fileEquals string
	}{
		"stdout":         {args: []string{repo("examples/claim-prod.yaml")}, code: 0},
		"-o":             {args: []string{"-o", out, repo("examples/claim-prod.yaml")}, code: 0, fileEquals: out},
		"invalid claim":  {args: []string{bad}, code: 1, stderrHas: "spec.environmentSuffix"},
		"missing file":   {args: []string{filepath.Join(dir, "nope.yaml")}, code: 1, stderrHas: "nope.yaml"},
		"no claim":       {args: nil, code: 2, stderrHas: "usage: runbook"},
		"two claims":     {args: []string{"a.yaml", "b.yaml"}, code: 2, stderrHas: "usage: runbook"},
		"unknown option": {args: []string{"-x", "a.yaml"}, code: 2, stderrHas: "-x"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tc.args, &stdout, &stderr)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tc.code, stderr.String())
			}
			if tc.stderrHas != "" && !strings.Contains(stderr.String(), tc.stderrHas) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tc.stderrHas)
			}
			if tc.code != 0 {
				if stdout.Len() != 0 {
					t.Errorf("stdout on failure: %q", stdout.String())
				}
				return
			}
			got := stdout.String()
			if tc.fileEquals != "" {
				b, err := os.ReadFile(tc.fileEquals)
				if err != nil {
					t.Fatal(err)
				}
				got = string(b)
			}
			// The golden file was rendered from examples/claim-prod.yaml; here
			// the path is relative to this package.
			want := strings.ReplaceAll(string(golden), "examples/claim-prod.yaml", repo("examples/claim-prod.yaml"))
			if got != want {
				t.Errorf("output differs from the golden runbook: %s", cmp.Diff(want, got))
			}
		})
	}
}
