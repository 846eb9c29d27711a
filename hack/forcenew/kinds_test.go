package main

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestReflect: Terraform attribute paths map to spec.forProvider paths
// through the kinds' tags: v1beta2 kinds make MaxItems=1 blocks objects,
// v1beta1 kinds keep lists; references and selectors belong to the field
// they resolve.
func TestReflect(t *testing.T) {
	cases := []struct {
		apiVersion, kind, tfType string
		want                     map[string]param
	}{
		{"ec2.aws.upbound.io/v1beta1", "Subnet", "aws_subnet", map[string]param{
			"cidr_block": {JSON: "cidrBlock"},
			"vpc_id":     {JSON: "vpcId", Refs: []string{"vpcIdRef", "vpcIdSelector"}},
		}},
		{"rds.aws.upbound.io/v1beta1", "SubnetGroup", "aws_db_subnet_group", map[string]param{
			"subnet_ids": {JSON: "subnetIds", Refs: []string{"subnetIdRefs", "subnetIdSelector"}},
		}},
		{"rds.aws.upbound.io/v1beta2", "Cluster", "aws_rds_cluster", map[string]param{
			"restore_to_point_in_time.restore_type": {JSON: "restoreToPointInTime.restoreType"},
		}},
		{"rds.aws.upbound.io/v1beta1", "ClusterParameterGroup", "aws_rds_cluster_parameter_group", map[string]param{
			"parameter.apply_method": {JSON: "parameter[*].applyMethod"},
		}},
	}
	for _, c := range cases {
		k := kind{APIVersion: c.apiVersion, Kind: c.kind}
		if err := k.reflect(); err != nil {
			t.Fatal(err)
		}
		if k.TerraformType != c.tfType {
			t.Errorf("%s: Terraform type %s, want %s", c.kind, k.TerraformType, c.tfType)
		}
		for tf, want := range c.want {
			if diff := cmp.Diff(want, k.params[tf]); diff != "" {
				t.Errorf("%s %s (-want +got):\n%s", c.kind, tf, diff)
			}
		}
	}
}

func TestGoldenKinds(t *testing.T) {
	kinds, err := goldenKinds("../../examples/golden")
	if err != nil {
		t.Fatal(err)
	}
	if len(kinds) < 40 {
		t.Fatalf("%d kinds", len(kinds))
	}
	for _, k := range kinds {
		if k.APIVersion == "" || k.Kind == "" {
			t.Errorf("incomplete kind %+v", k)
		}
	}
}
