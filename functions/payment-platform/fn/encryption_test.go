package fn

import (
	"strings"
	"testing"

	kms "github.com/upbound/provider-aws/v2/apis/cluster/kms/v1beta1"
)

// TestEncryption: the key rotates, is single-region and symmetric; its
// policy waits for the account (learnt from the key's own ARN) and then
// lets CloudWatch Logs and alarms use it in this account only; the alias'
// external name is what the provider keeps; the status shows the key.
func TestEncryption(t *testing.T) {
	const keyARN = "arn:aws:kms:us-east-2:123456789012:key/0a1b"
	cases := map[string]struct {
		keyARN     string
		wantPolicy []string
	}{
		"BeforeTheKeyExists": {},
		"OnceItsARNIsKnown":  {keyARN: keyARN, wantPolicy: []string{"arn:aws:iam::123456789012:root", "logs.us-east-2.amazonaws.com", "cloudwatch.amazonaws.com", `"aws:SourceAccount":"123456789012"`}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := tierPlan(t, "environmentSuffix: t", nil, func(v *Views) { v.Encryption.KeyARN = tc.keyARN })
			part := encryption(p)
			key := object[*kms.Key](t, part, ResKMSKey).Spec.ForProvider
			if !deref(key.EnableKeyRotation) || deref(key.MultiRegion) || deref(key.KeyUsage) != "ENCRYPT_DECRYPT" {
				t.Errorf("key = %+v", key)
			}
			pol := deref(key.Policy)
			if (pol == "") != (tc.keyARN == "") {
				t.Errorf("policy %q with key ARN %q", pol, tc.keyARN)
			}
			for _, w := range tc.wantPolicy {
				if !strings.Contains(pol, w) {
					t.Errorf("policy lacks %s: %s", w, pol)
				}
			}
			for _, d := range part.Resources {
				if d.Name == ResKMSAlias && d.ExternalName != "payment-t" {
					t.Errorf("alias external name %q, want payment-t (provider-aws strips alias/)", d.ExternalName)
				}
			}
			if part.Status.KMSKeyARN != tc.keyARN {
				t.Errorf("status.kmsKeyArn = %q", part.Status.KMSKeyARN)
			}
		})
	}
}
