package examples

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/acme-payments/xpaymentplatform/internal/render"
)

// The security policy every render must meet, checked over every golden
// render (each rule's rationale beside it). A rule that finds nothing to
// check fails too, so a rename cannot make it pass vacuously.

type object = map[string]any

func field(o object, path string) any {
	var cur any = o
	for _, p := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[p]
	}
	return cur
}

func kindOf(o object) string { s, _ := o["kind"].(string); return s }

func nameOf(o object) string { s, _ := field(o, "metadata.name").(string); return s }

func crn(o object) string {
	a, _ := field(o, "metadata.annotations").(map[string]any)
	s, _ := a["crossplane.io/composition-resource-name"].(string)
	return s
}

func goldens(t *testing.T) map[string][]object {
	t.Helper()
	out := map[string][]object{}
	for _, c := range Cases {
		raw, err := os.ReadFile(goldenPath(c))
		if err != nil {
			t.Fatal(err)
		}
		docs, err := render.Docs(raw)
		if err != nil {
			t.Fatal(err)
		}
		out[c.Name] = append(out[c.Name], docs...)
	}
	return out
}

func claimSpec(t *testing.T, docs []object) object {
	t.Helper()
	for _, d := range docs {
		if kindOf(d) == "XPaymentPlatform" {
			s, _ := d["spec"].(map[string]any)
			return s
		}
	}
	t.Fatal("no XR in render")
	return nil
}

func TestPolicy(t *testing.T) {
	counts := map[string]int{}
	for name, docs := range goldens(t) {
		spec := claimSpec(t, docs)
		env, _ := spec["environment"].(string)
		// Fields Terraform validates as ARNs name the platform key by the
		// ARN the XR reports (a selector would resolve to its key ID).
		platformKey := ""
		for _, d := range docs {
			if kindOf(d) == "XPaymentPlatform" {
				platformKey, _ = field(d, "status.kmsKeyArn").(string)
			}
		}
		byKeyARN := func(v any) bool { return platformKey != "" && v == platformKey }
		for _, o := range docs {
			fp, _ := field(o, "spec.forProvider").(map[string]any)
			kind, crName := kindOf(o), crn(o)
			fail := func(rule, msg string, args ...any) {
				t.Helper()
				t.Errorf("%s: %s %s (%s): %s", name, kind, nameOf(o), rule, strings.TrimSpace(strings.Join(append([]string{msg}, fmtArgs(args)...), " ")))
			}
			switch kind {
			case "SecurityGroupIngressRule":
				// No ingress from the internet except HTTPS/HTTP to the ALB:
				// everything else is reached only from inside the VPC.
				counts["ingress"]++
				cidr, _ := fp["cidrIpv4"].(string)
				v6, _ := fp["cidrIpv6"].(string)
				open := cidr == "0.0.0.0/0" || v6 == "::/0"
				group, _ := field(fp, "securityGroupIdSelector.matchLabels").(map[string]any)
				port, _ := fp["fromPort"].(float64)
				if open && (group["platform.payments.io/resource"] != "sg-alb" || (port != 443 && port != 80) || fp["toPort"] != fp["fromPort"]) {
					fail("internet-ingress", "opens port to the internet", port)
				}
			case "Cluster":
				// Data at rest encrypted with the platform key; TLS enforced by
				// the parameter group; prod keeps a final snapshot and cannot be
				// deleted by accident.
				counts["cluster"]++
				if fp["storageEncrypted"] != true || selects(fp, "kmsKeyIdSelector") != "kms-key" || selects(fp, "masterUserSecretKmsKeyIdSelector") != "kms-key" {
					fail("encryption", "not encrypted with the platform key")
				}
				if fp["manageMasterUserPassword"] != true {
					fail("no-password", "master password not managed by RDS")
				}
				if env == "prod" && (fp["deletionProtection"] != true || fp["skipFinalSnapshot"] != false || fp["finalSnapshotIdentifier"] == nil) {
					fail("prod-protection", "prod without deletion protection or final snapshot")
				}
			case "ClusterParameterGroup":
				counts["force_ssl"]++
				b, _ := json.Marshal(fp["parameter"])
				if !strings.Contains(string(b), `"name":"rds.force_ssl","value":"1"`) {
					fail("tls", "rds.force_ssl is not 1")
				}
			case "ClusterInstance":
				// Nothing but the ALB is publicly accessible.
				counts["instance"]++
				if fp["publiclyAccessible"] != false {
					fail("private", "database instance may be public")
				}
			case "ReplicationInstance":
				counts["dms"]++
				if fp["publiclyAccessible"] != false || !byKeyARN(fp["kmsKeyArn"]) {
					fail("private+encrypted", "DMS instance public or not under the platform key")
				}
			case "Endpoint":
				// DMS connections are encrypted in transit (a Route 53
				// Resolver endpoint is another Endpoint kind).
				if av, _ := o["apiVersion"].(string); !strings.HasPrefix(av, "dms.") {
					continue
				}
				counts["endpoint"]++
				if m, _ := fp["sslMode"].(string); m != "require" && m != "verify-full" && m != "verify-ca" {
					fail("tls", "DMS endpoint sslMode", m)
				}
				if fp["password"] != nil {
					fail("no-password", "password in the endpoint spec")
				}
			case "Group":
				// Logs are kept at least as long as the claim says (default
				// 365 days, PCI DSS 10.5.1) and encrypted with the platform key.
				counts["logs"]++
				min := 365.0
				if crName == "flowlogs-log-group" {
					if v, ok := field(spec, "network.flowLogRetentionDays").(float64); ok {
						min = v
					}
				} else if v, ok := field(spec, "monitoring.logRetentionDays").(float64); ok {
					min = v
				}
				if r, _ := fp["retentionInDays"].(float64); r < min || selects(fp, "kmsKeyIdSelector") != "kms-key" {
					fail("logs", "retention or key", r)
				}
			case "Topic":
				counts["topic"]++
				if k, _ := fp["kmsMasterKeyId"].(string); !strings.HasPrefix(k, "alias/payment-") {
					fail("encryption", "topic not under the platform key")
				}
			case "LBListener":
				// TLS 1.2+ on HTTPS; HTTP only redirects to HTTPS.
				counts["listener"]++
				switch fp["protocol"] {
				case "HTTPS":
					if p, _ := fp["sslPolicy"].(string); !strings.HasPrefix(p, "ELBSecurityPolicy-TLS13-") && !strings.HasPrefix(p, "ELBSecurityPolicy-FS-1-2") {
						fail("tls", "listener policy", p)
					}
				case "HTTP":
					acts, _ := fp["defaultAction"].([]any)
					if len(acts) != 1 || field(acts[0].(map[string]any), "redirect.protocol") != "HTTPS" {
						fail("redirect", "HTTP listener does not redirect to HTTPS")
					}
				default:
					fail("protocol", "unexpected listener protocol", fp["protocol"])
				}
			case "LB":
				counts["lb"]++
				if env == "prod" && fp["enableDeletionProtection"] != true {
					fail("prod-protection", "prod ALB without deletion protection")
				}
			case "Function":
				counts["function"]++
				if !byKeyARN(fp["kmsKeyArn"]) {
					fail("encryption", "function environment not under the platform key")
				}
			case "Key":
				counts["key"]++
				if fp["enableKeyRotation"] != true {
					fail("rotation", "KMS key rotation off")
				}
			case "RolePolicy":
				// IAM policies name resources; "*" only for the AWS APIs that
				// have no resource-level permissions, listed here.
				counts["iam"]++
				var doc struct {
					Statement []struct {
						Sid      string   `json:"Sid"`
						Resource []string `json:"Resource"`
					} `json:"Statement"`
				}
				if err := json.Unmarshal([]byte(fp["policy"].(string)), &doc); err != nil {
					fail("iam", err.Error())
				}
				for _, s := range doc.Statement {
					if slices.Contains(s.Resource, "*") && !slices.Contains(starAllowed, s.Sid) {
						fail("iam-star", "statement allows Resource *:", s.Sid)
					}
				}
			}
		}
		// No password, secret value or card number anywhere.
		for _, o := range docs {
			b, _ := json.Marshal(o)
			s := string(b)
			for _, re := range secretPatterns {
				if m := re.FindString(s); m != "" {
					t.Errorf("%s: %s %s carries %q", name, kindOf(o), nameOf(o), m)
				}
			}
		}
	}
	for _, rule := range []string{"ingress", "cluster", "force_ssl", "instance", "dms", "endpoint", "logs", "topic", "listener", "lb", "function", "key", "iam"} {
		if counts[rule] == 0 {
			t.Errorf("policy rule %q checked nothing: the goldens lack what it guards", rule)
		}
	}
}

// starAllowed are statements AWS gives no resource-level permissions for.
var starAllowed = []string{
	"DescribeVPCNetwork",  // ec2:DescribeNetworkInterfaces, ec2:DescribeSubnets for Lambda in a VPC
	"XRayTraces",          // xray:PutTraceSegments
	"PutMetrics",          // cloudwatch:PutMetricData (scoped by a namespace condition)
	"GeneratePassword",    // secretsmanager:GetRandomPassword (no resource type)
	"DescribeReplication", // dms:DescribeReplicationTasks (no resource type)
}

var secretPatterns = []*regexp.Regexp{
	regexp.MustCompile(`"(password|masterPassword|secretString)":`),
	regexp.MustCompile(`\b4[0-9]{12}(?:[0-9]{3})?\b`),        // Visa-like PAN
	regexp.MustCompile(`\b5[1-5][0-9]{14}\b`),                // Mastercard-like PAN
	regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY-----`), // key material
}

func selects(fp map[string]any, sel string) any {
	l, _ := field(fp, sel+".matchLabels").(map[string]any)
	return l["platform.payments.io/resource"]
}

func fmtArgs(args []any) []string {
	out := make([]string, len(args))
	for i, a := range args {
		b, _ := json.Marshal(a)
		out[i] = string(b)
	}
	return out
}
