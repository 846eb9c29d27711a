package fn

import (
	"encoding/json"

	"github.com/crossplane/function-sdk-go/resource"
	"k8s.io/utils/ptr"
)

// PolicyDocument is an IAM (or KMS key) policy, generated from typed values
// so that every policy the platform writes is valid JSON with a stable
// field order.
type PolicyDocument struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// Statement is one policy statement.
type Statement struct {
	Sid       string                       `json:"Sid,omitempty"`
	Effect    string                       `json:"Effect"`
	Principal *Principal                   `json:"Principal,omitempty"`
	Action    []string                     `json:"Action"`
	Resource  []string                     `json:"Resource,omitempty"`
	Condition map[string]map[string]string `json:"Condition,omitempty"`
}

// Principal names who a resource or trust policy applies to.
type Principal struct {
	AWS     []string `json:"AWS,omitempty"`
	Service []string `json:"Service,omitempty"`
}

// Allow is an Allow statement.
func Allow(sid string, actions []string, resources ...string) Statement {
	return Statement{Sid: sid, Effect: "Allow", Action: actions, Resource: resources}
}

// Policy renders statements as a policy document.
func Policy(st ...Statement) *string {
	b, err := json.Marshal(PolicyDocument{Version: "2012-10-17", Statement: st})
	if err != nil {
		// Only plain strings and maps are marshalled; this cannot fail.
		return ptr.To("")
	}
	return ptr.To(string(b))
}

// TrustPolicy lets an AWS service assume a role, limited to this account
// when it is known and to the given source ARN pattern.
func (p *Plan) TrustPolicy(service, sourceArn string) *string {
	st := Statement{
		Sid:       "AssumeRole",
		Effect:    "Allow",
		Principal: &Principal{Service: []string{service}},
		Action:    []string{"sts:AssumeRole"},
		Condition: map[string]map[string]string{},
	}
	if sourceArn != "" {
		st.Condition["ArnLike"] = map[string]string{"aws:SourceArn": sourceArn}
	}
	if a := p.View.Account(); a != "" {
		st.Condition["StringEquals"] = map[string]string{"aws:SourceAccount": a}
	}
	if len(st.Condition) == 0 {
		st.Condition = nil
	}
	return Policy(st)
}

// secretARNOrPattern is the master secret's ARN once observed, else the
// pattern of RDS-managed secrets of this cluster.
func (p *Plan) secretARNOrPattern() string {
	if arn := p.DBSecretARN(); arn != "" {
		return arn
	}
	return p.ARN("secretsmanager", "secret:rds!cluster-*")
}

// KMSKeyARN is the platform key's ARN once observed, nil before. Fields
// that Terraform validates as ARNs (verify.ValidARN: Lambda's and the DMS
// replication instance's kms_key_arn, an Aurora instance's
// performance_insights_kms_key_id) take it from here, not from a selector:
// provider-aws resolves those selectors to the key's external name, its key
// ID, which Terraform refuses. A resource that needs it waits for it
// (Desired.WaitsFor).
func (p *Plan) KMSKeyARN() *string {
	if arn := p.View.Encryption.KeyARN; arn != "" {
		return &arn
	}
	return nil
}

// waitsForKey is what a resource that needs KMSKeyARN waits for.
func (p *Plan) waitsForKey() []resource.Name {
	if p.KMSKeyARN() == nil {
		return []resource.Name{ResKMSKey}
	}
	return nil
}

// KMSKeyARNOrPattern is the platform key's ARN once observed, else any key
// of the account in the region (narrowed as soon as the key exists).
func (p *Plan) KMSKeyARNOrPattern() string {
	if arn := p.View.Encryption.KeyARN; arn != "" {
		return arn
	}
	return p.ARN("kms", "key/*")
}

// orPattern is a statement's resource: the ARN once observed, the pattern
// that matches it until then.
func orPattern(known, pattern string) string {
	if known != "" {
		return known
	}
	return pattern
}
