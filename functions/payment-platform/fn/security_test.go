package fn

import (
	"testing"

	"github.com/crossplane/function-sdk-go/resource"

	ec2 "github.com/upbound/provider-aws/v2/apis/cluster/ec2/v1beta1"
)

// TestSecurity: only the ALB accepts the internet, on 443 and 80; the
// database accepts 5432 from the app and DMS groups only; DMS reaches the
// source only when migration is on, and the app (the validator) only when
// the Lambdas are there too.
func TestSecurity(t *testing.T) {
	const migration = "\nmigration: {source: {host: 10.1.1.1, credentialsSecretRef: {name: s}}}"
	cases := map[string]struct {
		spec            string
		dmsToSource     bool
		validatorSource bool
	}{
		"NoMigration":      {spec: "environmentSuffix: t"},
		"Migration":        {spec: "environmentSuffix: t" + migration, dmsToSource: true},
		"MigrationLambdas": {spec: "environmentSuffix: t" + migration + "\n" + lambdasSpec, dmsToSource: true, validatorSource: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			part := security(tierPlan(t, tc.spec, nil, nil))
			for _, d := range part.Resources {
				switch r := d.Object.(type) {
				case *ec2.SecurityGroupIngressRule:
					fp := r.Spec.ForProvider
					group := fp.SecurityGroupIDSelector.MatchLabels[LabelResource]
					if deref(fp.CidrIPv4) == "0.0.0.0/0" && (group != string(ResSGALB) || (deref(fp.FromPort) != 443 && deref(fp.FromPort) != 80)) {
						t.Errorf("%s opens %s port %v to the internet", d.Name, group, deref(fp.FromPort))
					}
					if group == string(ResSGDatabase) {
						peer := fp.ReferencedSecurityGroupIDSelector
						if deref(fp.FromPort) != PostgresPort || peer == nil || (peer.MatchLabels[LabelResource] != string(ResSGApp) && peer.MatchLabels[LabelResource] != string(ResSGDMS)) {
							t.Errorf("%s lets %v into the database on %v", d.Name, peer, deref(fp.FromPort))
						}
					}
				case *ec2.SecurityGroupEgressRule:
					if deref(r.Spec.ForProvider.CidrIPv4) == "0.0.0.0/0" && d.Name != "sgr-app-out-https" {
						t.Errorf("%s lets traffic out to anywhere", d.Name)
					}
				}
			}
			for n, want := range map[resource.Name]bool{ResSGRuleDMSOutSource: tc.dmsToSource, ResSGRuleAppOutSource: tc.validatorSource} {
				if composes(part, n) != want {
					t.Errorf("%s composed = %t, want %t", n, !want, want)
				}
			}
		})
	}
	// The status shows the groups once known.
	p := tierPlan(t, "environmentSuffix: t", nil, func(v *Views) {
		v.Security.GroupIDs = map[resource.Name]string{ResSGALB: "sg-1", ResSGDatabase: "sg-3"}
	})
	if sg := security(p).Status.SecurityGroups; sg == nil || sg.ALB != "sg-1" || sg.Database != "sg-3" || sg.App != "" {
		t.Errorf("status.securityGroups = %+v", sg)
	}
	if sg := security(tierPlan(t, "environmentSuffix: t", nil, nil)).Status.SecurityGroups; sg != nil {
		t.Errorf("status.securityGroups before any is known = %+v", sg)
	}
}
