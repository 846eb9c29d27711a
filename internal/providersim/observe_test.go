package providersim

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRulesMatchTheGeneratedControllers checks each rule's nameInit against
// provider-aws's generated controller: it runs the NameAsExternalName
// initializer exactly when the kind's external-name configuration is not
// IdentifierFromProvider-like.
func TestRulesMatchTheGeneratedControllers(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/upbound/provider-aws/v2").Output()
	dir := strings.TrimSpace(string(out))
	if err != nil || dir == "" {
		t.Skipf("provider-aws module not found: %v", err)
	}
	for k, r := range rules {
		service, kind, _ := strings.Cut(k, "/")
		f := filepath.Join(dir, "internal", "controller", "cluster", service, strings.ToLower(kind), "zz_controller.go")
		src, err := os.ReadFile(f)
		if err != nil {
			t.Errorf("%s: %v", k, err)
			continue
		}
		if got := strings.Contains(string(src), "managed.NewNameAsExternalName"); got != r.nameInit {
			t.Errorf("%s: the controller runs NameAsExternalName: %t, rule.nameInit: %t", k, got, r.nameInit)
		}
	}
}

func TestIdentifiers(t *testing.T) {
	c := &obsCtx{name: "n", uid: "u", region: "us-east-2", account: "123456789012", now: time.Unix(0, 0),
		params: map[string]any{"routeTableId": "rtb-1", "destinationCidrBlock": "0.0.0.0/0", "functionName": "fn", "role": "r"}}
	cases := map[string]struct {
		rule    string
		ext     string
		wantID  string
		wantExt string
	}{
		// terraform-provider-aws routeCreateID: "r-" + table + StringHashcode(destination).
		"Route":          {"ec2/Route", "", "r-rtb-11080289494", "r-rtb-11080289494"},
		"LambdaAlias":    {"lambda/Alias", "live", "arn:aws:lambda:us-east-2:123456789012:function:fn:live", "live"},
		"RolePolicy":     {"iam/RolePolicy", "p", "r:p", "p"},
		"KMSAlias":       {"kms/Alias", "alias/x", "alias/x", "x"},
		"KMSAliasBare":   {"kms/Alias", "x", "alias/x", "x"},
		"Topic":          {"sns/Topic", "t", "arn:aws:sns:us-east-2:123456789012:t", "t"},
		"Unknown":        {"foo/Bar", "", "n", "n"},
		"KeptAWSName":    {"ec2/VPC", "vpc-0123", "vpc-0123", "vpc-0123"},
		"NamedByAnnotat": {"rds/Cluster", "db", "db", "db"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r, ok := rules[tc.rule]
			if !ok {
				r = defaultRule
			}
			c.ext = tc.ext
			id := r.identify(c)
			if id != tc.wantID {
				t.Errorf("id = %q, want %q", id, tc.wantID)
			}
			if got := r.externalName(id); got != tc.wantExt {
				t.Errorf("external name = %q, want %q", got, tc.wantExt)
			}
		})
	}
}
