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
	const migration = "\nmigration: {source: {host: 198.51.100.1, credentialsSecretRef: {name: s}}}\n" + dmsUserSpec
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
					// AWS-0104: nothing leaves for the internet; AWS
					// services are reached through VPC endpoints.
					if deref(r.Spec.ForProvider.CidrIPv4) == "0.0.0.0/0" {
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

// TestSecurityEndpoints: the Lambdas and DMS reach AWS services on 443
// only through the endpoints' security group, and S3 through its gateway
// endpoint's prefix list once the endpoint reports it.
func TestSecurityEndpoints(t *testing.T) {
	for name, tc := range map[string]struct {
		prefixList string
		s3Rule     bool
	}{"BeforeTheS3Endpoint": {}, "S3EndpointKnown": {prefixList: "pl-1", s3Rule: true}} {
		t.Run(name, func(t *testing.T) {
			part := security(tierPlan(t, "environmentSuffix: t", nil, func(v *Views) { v.Network.S3PrefixListID = tc.prefixList }))
			for _, n := range []resource.Name{"sgr-app-out-endpoints", "sgr-dms-out-endpoints"} {
				r := object[*ec2.SecurityGroupEgressRule](t, part, n).Spec.ForProvider
				if deref(r.FromPort) != 443 || r.ReferencedSecurityGroupIDSelector.MatchLabels[LabelResource] != string(ResSGEndpoints) {
					t.Errorf("%s = %+v", n, r)
				}
			}
			for _, n := range []resource.Name{"sgr-endpoints-in-app", "sgr-endpoints-in-dms"} {
				if r := object[*ec2.SecurityGroupIngressRule](t, part, n).Spec.ForProvider; deref(r.FromPort) != 443 || r.CidrIPv4 != nil {
					t.Errorf("%s = %+v", n, r)
				}
			}
			if composes(part, "sgr-app-out-s3") != tc.s3Rule {
				t.Fatalf("sgr-app-out-s3 composed = %t", !tc.s3Rule)
			}
			if tc.s3Rule {
				if r := object[*ec2.SecurityGroupEgressRule](t, part, "sgr-app-out-s3").Spec.ForProvider; deref(r.PrefixListID) != "pl-1" || r.CidrIPv4 != nil {
					t.Errorf("sgr-app-out-s3 = %+v", r)
				}
			}
		})
	}
}
