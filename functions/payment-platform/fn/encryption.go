package fn

import (
	"github.com/acme-payments/xpaymentplatform/apis/v1alpha1"
	kms "github.com/upbound/provider-aws/v2/apis/cluster/kms/v1beta1"
	"k8s.io/utils/ptr"
)

// encryptionResources composes the platform customer-managed KMS key (rotation on)
// that encrypts logs, secrets, topics, the database and DMS, and its alias.
//
// The key policy needs the account ID, which the platform learns from the
// key's own ARN: on the first reconcile the key is created with AWS's
// default policy (the account root may administer it); once its ARN is
// observed the full policy, which also lets the regional CloudWatch Logs
// service use the key for this platform's log groups, is applied.
func encryptionResources(p *Plan) []Desired {
	key := &kms.Key{Spec: kms.KeySpec{ForProvider: kms.KeyParameters{
		Description:          ptr.To("payment-migration platform key for " + p.Spec.EnvironmentSuffix),
		EnableKeyRotation:    ptr.To(true),
		RotationPeriodInDays: ptr.To(365.0),
		DeletionWindowInDays: ptr.To(30.0),
		KeyUsage:             ptr.To("ENCRYPT_DECRYPT"),
		MultiRegion:          ptr.To(false),
	}}}
	if acct := p.View.Account(); acct != "" {
		key.Spec.ForProvider.Policy = p.keyPolicy(acct)
	}
	return []Desired{{
		Name:   ResKMSKey,
		Object: key,
	}, {
		Name:         ResKMSAlias,
		ExternalName: p.kmsAliasExternalName(),
		Object: &kms.Alias{Spec: kms.AliasSpec{ForProvider: kms.AliasParameters{
			TargetKeyIDSelector: p.Sel(ResKMSKey),
		}}},
	}}
}

// keyPolicy: key policies must use Resource "*" (the key itself); the
// account root keeps administration so IAM policies can grant use, and
// CloudWatch Logs may use the key only for log groups of this account and
// region.
func (p *Plan) keyPolicy(acct string) *string {
	root := "arn:" + p.Partition() + ":iam::" + acct + ":root"
	logs := Statement{
		Sid:       "AllowCloudWatchLogs",
		Effect:    "Allow",
		Principal: &Principal{Service: []string{"logs." + p.Region() + ".amazonaws.com"}},
		Action:    []string{"kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"},
		Resource:  []string{"*"},
		Condition: map[string]map[string]string{"ArnLike": {
			"kms:EncryptionContext:aws:logs:arn": "arn:" + p.Partition() + ":logs:" + p.Region() + ":" + acct + ":log-group:*",
		}},
	}
	// CloudWatch alarms publish to the topic encrypted with this key.
	alarms := Statement{
		Sid:       "AllowCloudWatchAlarmsToEncryptedTopic",
		Effect:    "Allow",
		Principal: &Principal{Service: []string{"cloudwatch.amazonaws.com"}},
		Action:    []string{"kms:Decrypt", "kms:GenerateDataKey*"},
		Resource:  []string{"*"},
		Condition: map[string]map[string]string{"StringEquals": {"aws:SourceAccount": acct}},
	}
	return Policy(
		Statement{Sid: "EnableRootAccount", Effect: "Allow", Principal: &Principal{AWS: []string{root}}, Action: []string{"kms:*"}, Resource: []string{"*"}},
		logs,
		alarms,
	)
}

// encryption is the platform key and its alias; the status shows the key.
func encryption(p *Plan) Part {
	return Part{Resources: encryptionResources(p), Status: v1alpha1.XPaymentPlatformStatus{KMSKeyARN: p.View.Encryption.KeyARN}}
}
