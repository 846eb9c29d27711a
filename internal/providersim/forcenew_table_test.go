package providersim

import "testing"

func TestDefaultForceNewUsesTheTable(t *testing.T) {
	const prefix = "update failed: async update failed: refuse to update the external resource because the following update requires replacing it: "
	state := map[string]any{"id": "vpc-1", "region": "us-east-2", "cidrBlock": "10.0.0.0/16", "tags": map[string]any{"a": "b"}}
	cases := map[string]struct {
		desired map[string]any
		want    string
	}{
		"ForceNew":    {map[string]any{"region": "us-east-2", "cidrBlock": "10.1.0.0/16"}, prefix + `cannot change the value of the argument "cidr_block" from "10.0.0.0/16" to "10.1.0.0/16"`},
		"InPlace":     {map[string]any{"region": "us-east-2", "cidrBlock": "10.0.0.0/16", "tags": map[string]any{"a": "c"}}, ""},
		"NewRegion":   {map[string]any{"region": "eu-west-1", "cidrBlock": "10.0.0.0/16"}, prefix + `cannot change the value of the argument "region" from "us-east-2" to "eu-west-1"`},
		"Unmentioned": {map[string]any{}, ""},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, refused := defaultForceNew().Refusal("ec2.aws.upbound.io/v1beta1", "VPC", state, tc.desired)
			if refused != (tc.want != "") || got != tc.want {
				t.Errorf("got (%q, %t)\nwant %q", got, refused, tc.want)
			}
		})
	}
}
