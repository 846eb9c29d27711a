// Package security holds the security scan of the payment platform's
// renders: the custom trivy checks (checks/), the accepted findings
// (trivyignore.yaml) and these tests. make scan runs them with
// SCAN_REQUIRED=1.
package security

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"

	"github.com/acme-payments/xpaymentplatform/internal/tfconv"
)

const repo = ".."

// trivyFlags are make scan's (Makefile, target scan), but the output.
var trivyFlags = []string{
	"config", "--skip-check-update", "--skip-version-check", "--disable-telemetry",
	"--misconfig-scanners", "terraform,json",
	"--config-check", "checks", "--check-namespaces", "user",
	"--ignorefile", "trivyignore.yaml",
	"--severity", "HIGH,CRITICAL",
	"--format", "json", "--quiet",
}

// trivy is bin/trivy; the test is skipped without it only when
// SCAN_REQUIRED is unset (make scan sets it, and builds bin/trivy).
func trivy(t *testing.T) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join(repo, "bin", "trivy"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("SCAN_REQUIRED") == "" {
			t.Skipf("%s is absent: run make scan (it builds trivy v0.74.0 from tools/scan and sets SCAN_REQUIRED=1, which makes this test fail instead of skipping)", p)
		}
		t.Fatalf("SCAN_REQUIRED is set but %s is absent: %v", p, err)
	}
	return p
}

// render is a golden render as documents.
type render struct {
	name string
	docs []map[string]any
}

func loadRender(t *testing.T, file string) *render {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repo, "examples", "golden", file))
	if err != nil {
		t.Fatal(err)
	}
	r := &render{name: strings.TrimSuffix(file, ".yaml")}
	for _, d := range strings.Split(string(b), "\n---\n") {
		var m map[string]any
		if err := yaml.Unmarshal([]byte(d), &m); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if len(m) > 0 {
			r.docs = append(r.docs, m)
		}
	}
	return r
}

func (r *render) copy(t *testing.T) *render {
	t.Helper()
	b, err := json.Marshal(r.docs)
	if err != nil {
		t.Fatal(err)
	}
	c := &render{name: r.name}
	if err := json.Unmarshal(b, &c.docs); err != nil {
		t.Fatal(err)
	}
	return c
}

func (r *render) bytes(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	for _, d := range r.docs {
		b, err := yaml.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		buf.WriteString("---\n")
		buf.Write(b)
	}
	return buf.Bytes()
}

// resource is the composed resource of that kind and composition-resource
// name; the test fails when the render has none (the golden changed).
func (r *render) resource(t *testing.T, kind, name string) map[string]any {
	t.Helper()
	i := r.index(kind, name)
	if i < 0 {
		t.Fatalf("%s has no %s %q: update the insecure change to the current golden", r.name, kind, name)
	}
	return r.docs[i]
}

func (r *render) index(kind, name string) int {
	for i, d := range r.docs {
		md, _ := d["metadata"].(map[string]any)
		an, _ := md["annotations"].(map[string]any)
		if d["kind"] == kind && an[tfconv.AnnotationResourceName] == name {
			return i
		}
	}
	return -1
}

func (r *render) remove(t *testing.T, kind, name string) {
	t.Helper()
	r.resource(t, kind, name)
	i := r.index(kind, name)
	r.docs = append(r.docs[:i], r.docs[i+1:]...)
}

// add composes a new resource like an existing one (its labels, owner and
// provider config), with its own kind, composition-resource name and
// spec.forProvider.
func (r *render) add(t *testing.T, likeKind, likeName, apiVersion, kind, name string, fp map[string]any) {
	t.Helper()
	like := r.copy(t).resource(t, likeKind, likeName)
	md := like["metadata"].(map[string]any)
	old := md["name"].(string)
	md["name"] = strings.Replace(old, likeName, name, 1)
	md["annotations"] = map[string]any{tfconv.AnnotationResourceName: name}
	if l, ok := md["labels"].(map[string]any); ok {
		l["platform.payments.io/resource"] = name
	}
	like["apiVersion"], like["kind"] = apiVersion, kind
	spec := like["spec"].(map[string]any)
	delete(spec, "initProvider")
	spec["forProvider"] = fp
	delete(like, "status")
	r.docs = append(r.docs, like)
}

func forProvider(t *testing.T, d map[string]any) map[string]any {
	t.Helper()
	spec, _ := d["spec"].(map[string]any)
	fp, _ := spec["forProvider"].(map[string]any)
	if fp == nil {
		t.Fatalf("%v has no spec.forProvider", d["kind"])
	}
	return fp
}

// withoutField removes a field with its reference and selector.
func withoutField(fp map[string]any, field string) {
	for _, k := range []string{field, field + "Ref", field + "Selector"} {
		delete(fp, k)
	}
}

// addStatement adds a statement to a policy document given as a string.
func addStatement(t *testing.T, fp map[string]any, st map[string]any) {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal([]byte(fp["policy"].(string)), &doc); err != nil {
		t.Fatal(err)
	}
	doc["Statement"] = append(doc["Statement"].([]any), st)
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	fp["policy"] = string(b)
}

// editWAFRules edits the web ACL's rule_json.
func editWAFRules(t *testing.T, fp map[string]any, edit func(rules []map[string]any) []map[string]any) {
	t.Helper()
	var rules []map[string]any
	if err := json.Unmarshal([]byte(fp["ruleJson"].(string)), &rules); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(edit(rules))
	if err != nil {
		t.Fatal(err)
	}
	fp["ruleJson"] = string(b)
}

func ruleNamed(t *testing.T, rules []map[string]any, pred func(map[string]any) bool) int {
	t.Helper()
	for i, r := range rules {
		if pred(r) {
			return i
		}
	}
	t.Fatal("the web ACL has no such rule: update the insecure change to the current golden")
	return -1
}

func managedGroup(name string) func(map[string]any) bool {
	return func(r map[string]any) bool {
		st, _ := r["Statement"].(map[string]any)
		g, _ := st["ManagedRuleGroupStatement"].(map[string]any)
		return g["Name"] == name
	}
}

func rateBased(r map[string]any) bool {
	st, _ := r["Statement"].(map[string]any)
	_, ok := st["RateBasedStatement"]
	return ok
}

// insecureChange is one deliberately insecure change to a golden render
// and the checks that must report it: each case's findings minus the
// unchanged render's are exactly want (by check ID).
type insecureChange struct {
	name   string
	golden string
	change func(t *testing.T, r *render)
	want   []string
}

var insecureChanges = []insecureChange{
	{
		name: "dms-instance-public", golden: "claim-prod-ready.yaml", want: []string{"FSBP-DMS.1"},
		change: func(t *testing.T, r *render) {
			forProvider(t, r.resource(t, "ReplicationInstance", "dms"))["publiclyAccessible"] = true
		},
	},
	{
		name: "dms-instance-without-kms-key", golden: "claim-prod-ready.yaml", want: []string{"PCI-3.5.1-DMS"},
		change: func(t *testing.T, r *render) {
			withoutField(forProvider(t, r.resource(t, "ReplicationInstance", "dms")), "kmsKeyArn")
		},
	},
	{
		name: "dms-endpoint-without-tls", golden: "claim-prod-ready.yaml", want: []string{"FSBP-DMS.9"},
		change: func(t *testing.T, r *render) {
			forProvider(t, r.resource(t, "Endpoint", "dms-target-endpoint"))["sslMode"] = "none"
		},
	},
	{
		name: "alb-without-waf", golden: "claim-prod-ready.yaml", want: []string{"FSBP-ELB.16"},
		change: func(t *testing.T, r *render) {
			r.remove(t, "WebACLAssociation", "waf-association")
		},
	},
	{
		name: "waf-without-sqli-rule", golden: "claim-prod-ready.yaml", want: []string{"PCI-6.4.2"},
		change: func(t *testing.T, r *render) {
			editWAFRules(t, forProvider(t, r.resource(t, "WebACL", "waf")), func(rules []map[string]any) []map[string]any {
				i := ruleNamed(t, rules, managedGroup("AWSManagedRulesSQLiRuleSet"))
				return append(rules[:i], rules[i+1:]...)
			})
		},
	},
	{
		name: "waf-sqli-rule-counting", golden: "claim-prod-ready.yaml", want: []string{"PCI-6.4.2"},
		change: func(t *testing.T, r *render) {
			editWAFRules(t, forProvider(t, r.resource(t, "WebACL", "waf")), func(rules []map[string]any) []map[string]any {
				rules[ruleNamed(t, rules, managedGroup("AWSManagedRulesSQLiRuleSet"))]["OverrideAction"] = map[string]any{"Count": map[string]any{}}
				return rules
			})
		},
	},
	{
		name: "waf-without-rate-limit", golden: "claim-prod-ready.yaml", want: []string{"PCI-6.4.2"},
		change: func(t *testing.T, r *render) {
			editWAFRules(t, forProvider(t, r.resource(t, "WebACL", "waf")), func(rules []map[string]any) []map[string]any {
				i := ruleNamed(t, rules, rateBased)
				return append(rules[:i], rules[i+1:]...)
			})
		},
	},
	{
		name: "secret-rotated-every-90-days", golden: "claim-prod-ready.yaml", want: []string{"FSBP-SecretsManager.4"},
		change: func(t *testing.T, r *render) {
			forProvider(t, r.resource(t, "SecretRotation", "db-secret-rotation"))["rotationRules"] = map[string]any{"automaticallyAfterDays": 90}
		},
	},
	{
		name: "secret-without-rotation", golden: "claim-prod-ready.yaml", want: []string{"FSBP-SecretsManager.4"},
		change: func(t *testing.T, r *render) {
			r.add(t, "SecretRotation", "db-secret-rotation", "secretsmanager.aws.upbound.io/v1beta1", "Secret", "extra-secret",
				map[string]any{"region": "us-east-2", "name": "payments/prod/extra"})
		},
	},
	{
		name: "log-group-30-days", golden: "claim-prod-ready.yaml", want: []string{"PCI-10.5.1"},
		change: func(t *testing.T, r *render) {
			forProvider(t, r.resource(t, "Group", "api-log-group"))["retentionInDays"] = 30
		},
	},
	{
		name: "log-group-without-kms-key", golden: "claim-prod-ready.yaml", want: []string{"PCI-10.3.2"},
		change: func(t *testing.T, r *render) {
			withoutField(forProvider(t, r.resource(t, "Group", "api-log-group")), "kmsKeyId")
		},
	},
	{
		name: "lambda-logs-to-undeclared-group", golden: "claim-prod-ready.yaml", want: []string{"PCI-10.3.2"},
		change: func(t *testing.T, r *render) {
			fp := forProvider(t, r.resource(t, "Function", "api"))
			fp["loggingConfig"].(map[string]any)["logGroup"] = "/aws/lambda/payment-api-prod-undeclared"
		},
	},
	{
		// The fixed PCI-10.3.2 on DMS: the task logs' group, which DMS
		// would otherwise create unencrypted and never expiring.
		name: "dms-task-logs-undeclared", golden: "claim-prod-ready.yaml", want: []string{"PCI-10.3.2"},
		change: func(t *testing.T, r *render) {
			r.remove(t, "Group", "dms-task-log-group")
		},
	},
	{
		// The fixed PCI-7.2.2 on the Lambdas: their ENI actions on every
		// resource instead of the account's EC2 ARNs.
		name: "lambda-eni-actions-on-all-resources", golden: "claim-prod-ready.yaml", want: []string{"PCI-7.2.2"},
		change: func(t *testing.T, r *render) {
			addStatement(t, forProvider(t, r.resource(t, "RolePolicy", "api-policy")), map[string]any{
				"Sid": "VPCNetworkInterfacesEverywhere", "Effect": "Allow", "Action": []any{"ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface"}, "Resource": "*",
			})
		},
	},
	{
		name: "iam-service-wildcard-action", golden: "claim-prod-ready.yaml", want: []string{"FSBP-IAM.21"},
		change: func(t *testing.T, r *render) {
			addStatement(t, forProvider(t, r.resource(t, "RolePolicy", "api-policy")), map[string]any{
				"Sid": "Insecure", "Effect": "Allow", "Action": "logs:*", "Resource": "arn:aws:logs:us-east-2:123456789012:log-group:/aws/lambda/payment-api-prod:*",
			})
		},
	},
	{
		name: "iam-all-actions", golden: "claim-prod-ready.yaml", want: []string{"FSBP-IAM.21"},
		change: func(t *testing.T, r *render) {
			addStatement(t, forProvider(t, r.resource(t, "RolePolicy", "api-policy")), map[string]any{
				"Sid": "Insecure", "Effect": "Allow", "Action": []any{"kms:Decrypt", "*"}, "Resource": "arn:aws:logs:us-east-2:123456789012:log-group:/aws/lambda/payment-api-prod:*",
			})
		},
	},
	{
		name: "iam-all-resources", golden: "claim-prod-ready.yaml", want: []string{"PCI-7.2.2"},
		change: func(t *testing.T, r *render) {
			addStatement(t, forProvider(t, r.resource(t, "RolePolicy", "api-policy")), map[string]any{
				"Sid": "Insecure", "Effect": "Allow", "Action": []any{"secretsmanager:GetSecretValue"}, "Resource": "*",
			})
		},
	},
	{
		// trivy's AWS-0095 reports the same change.
		name: "sns-topic-without-kms-key", golden: "claim-prod-ready.yaml", want: []string{"AWS-0095", "FSBP-SNS.1"},
		change: func(t *testing.T, r *render) {
			delete(forProvider(t, r.resource(t, "Topic", "alarms")), "kmsMasterKeyId")
		},
	},
	{
		// The fixed AWS-0104: HTTPS egress to the internet from the
		// Lambdas' security group (instead of the VPC endpoints).
		name: "lambda-egress-to-internet", golden: "claim-ready.yaml", want: []string{"AWS-0104"},
		change: func(t *testing.T, r *render) {
			r.add(t, "SecurityGroup", "sg-app", "ec2.aws.upbound.io/v1beta1", "SecurityGroupEgressRule", "sgr-app-out-internet", map[string]any{
				"region": "us-east-2", "cidrIpv4": "0.0.0.0/0", "ipProtocol": "tcp", "fromPort": 443, "toPort": 443,
				"description": "HTTPS to the internet",
				"securityGroupIdSelector": map[string]any{
					"matchControllerRef": true,
					"matchLabels":        map[string]any{"platform.payments.io/resource": "sg-app"},
				},
			})
		},
	},
}

// finding is a reported check on a resource of a render.
type finding struct {
	ID, Severity, Where string
}

// TestInsecureChanges converts each golden render the changes start from
// and each changed render, scans them all with trivy in one run (make
// scan's flags, ignore file and custom checks) and expects each change to
// add exactly its checks' findings.
func TestInsecureChanges(t *testing.T) {
	bin := trivy(t)
	s, err := tfconv.LoadProvider("")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	goldens := map[string]*render{}
	for _, c := range insecureChanges {
		if goldens[c.golden] == nil {
			goldens[c.golden] = loadRender(t, c.golden)
		}
	}
	convert := func(name string, r *render) string {
		res, err := tfconv.Convert(context.Background(), r.bytes(t), s)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		env, _ := res.XR.Object["spec"].(map[string]any)["environment"].(string)
		rel := filepath.Join(tfconv.EnvironmentDir(env), name)
		if err := os.MkdirAll(filepath.Join(dir, rel), 0o755); err != nil {
			t.Fatal(err)
		}
		for f, b := range map[string][]byte{"main.tf": res.HCL, "terraform.json": res.JSON} {
			if err := os.WriteFile(filepath.Join(dir, rel, f), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return filepath.ToSlash(rel)
	}
	baseline := map[string]string{}
	for g, r := range goldens {
		baseline[g] = convert("golden-"+r.name, r)
	}
	cases := map[string]string{}
	for _, c := range insecureChanges {
		r := goldens[c.golden].copy(t)
		c.change(t, r)
		cases[c.name] = convert(c.name, r)
	}

	findings, err := scan(bin, dir)
	if err != nil {
		t.Fatal(err)
	}
	for g, rel := range baseline {
		for f := range findings[rel] {
			if f.ID == "AWS-0053" {
				t.Errorf("%s: AWS-0053 is reported although trivyignore.yaml accepts it", g)
			}
		}
	}
	for _, c := range insecureChanges {
		t.Run(c.name, func(t *testing.T) {
			base := findings[baseline[c.golden]]
			got := map[string]bool{}
			var added []string
			for f := range findings[cases[c.name]] {
				if !base[f] {
					got[f.ID] = true
					added = append(added, fmt.Sprintf("%s %s: %s", f.ID, f.Severity, f.Where))
				}
			}
			ids := make([]string, 0, len(got))
			for id := range got {
				ids = append(ids, id)
			}
			sort.Strings(ids)
			if diff := cmp.Diff(c.want, ids); diff != "" {
				t.Errorf("checks reported for the change (-want +got):\n%s\nnew findings:\n  %s", diff, strings.Join(added, "\n  "))
			}
		})
	}
}

// scan runs trivy over dir: the findings of each render directory.
func scan(bin, dir string) (map[string]map[finding]bool, error) {
	cacheDir, err := filepath.Abs(filepath.Join(repo, ".cache", "trivy"))
	if err != nil {
		return nil, err
	}
	args := append(append([]string{}, trivyFlags...), "--cache-dir", cacheDir, dir)
	cmd := exec.Command(bin, args...)
	cmd.Dir = "."
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("trivy %s: %w\n%s", strings.Join(args, " "), err, stderr.String())
	}
	var report struct {
		Results []struct {
			Target            string
			Misconfigurations []struct {
				ID, Severity, Message string
				CauseMetadata         struct{ Resource string }
			}
		}
	}
	if err := json.Unmarshal(stdout.Bytes(), &report); err != nil {
		return nil, fmt.Errorf("trivy's report: %w", err)
	}
	out := map[string]map[finding]bool{}
	for _, r := range report.Results {
		rel := filepath.ToSlash(filepath.Dir(r.Target))
		if out[rel] == nil {
			out[rel] = map[finding]bool{}
		}
		for _, m := range r.Misconfigurations {
			where := m.CauseMetadata.Resource
			if where == "" {
				where = m.Message
			}
			out[rel][finding{ID: m.ID, Severity: m.Severity, Where: where}] = true
		}
	}
	if len(out) == 0 {
		return nil, errors.New("trivy reported no targets")
	}
	return out, nil
}
