//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"
)

// admissionCase is one invalid claim: edits of the paused dev claim (update
// edits are applied to an accepted claim, for rules on oldSelf). field is
// what the API server's message must name.
type admissionCase struct {
	create []func(map[string]any)
	update []func(map[string]any)
	field  string
}

// celCases has one case per CEL rule of the XRD, keyed by the start of the
// rule's message; enumCases one per enum, keyed by the field's path.
var celCases = map[string]admissionCase{
	"spec.network.natMode: prod needs one NAT gateway":                                 {create: edits(set("spec.environment", "prod"), set("spec.network.natMode", "Single")), field: "spec.network.natMode"},
	"spec.network.flowLogRetentionDays: prod keeps flow logs":                          {create: edits(set("spec.environment", "prod"), set("spec.network.flowLogRetentionDays", int64(30))), field: "spec.network.flowLogRetentionDays"},
	"spec.environmentSuffix is immutable":                                              {update: edits(set("spec.environmentSuffix", "dev2")), field: "spec.environmentSuffix"},
	"spec.region is immutable":                                                         {update: edits(set("spec.region", "eu-west-1")), field: "spec.region"},
	"spec.ingress needs spec.api":                                                      {create: edits(unset("spec.api")), field: "spec.ingress"},
	"spec.cutover needs spec.ingress":                                                  {create: edits(unset("spec.ingress")), field: "spec.cutover"},
	"spec.ingress.domainName must be inside":                                           {create: edits(set("spec.ingress.domainName", "api.other.example.com")), field: "spec.ingress.domainName"},
	"spec.database.instances: at most one instance":                                    {create: edits(set("spec.network.availabilityZones", int64(2)), set("spec.database.instances", int64(3))), field: "spec.database.instances"},
	"spec.api.provisionedConcurrency.max must not exceed spec.api.reservedConcurrency": {create: edits(set("spec.api.reservedConcurrency", int64(5)), set("spec.api.provisionedConcurrency", map[string]any{"min": int64(1), "max": int64(10)})), field: "spec.api.provisionedConcurrency.max"},
	"spec.api.environment: keys must be letters":                                       {create: edits(set("spec.api.environment", map[string]any{"1BAD": "x"})), field: "spec.api.environment"},
	"spec.api.environment: no secrets":                                                 {create: edits(set("spec.api.environment", map[string]any{"DB_PASSWORD": "x"})), field: "spec.api.environment"},
	"spec.api.provisionedConcurrency.min must not exceed max":                          {create: edits(set("spec.api.provisionedConcurrency", map[string]any{"min": int64(5), "max": int64(3)})), field: "spec.api.provisionedConcurrency"},
	"spec.cutover: set exactly one of hostedZoneId":                                    {create: edits(set("spec.cutover.hostedZoneId", "Z0123456789ABCDEFGHIJ")), field: "spec.cutover"},
	"spec.database.minCapacity must not exceed":                                        {create: edits(set("spec.database.minCapacity", int64(8)), set("spec.database.maxCapacity", int64(4))), field: "spec.database.minCapacity"},
	"spec.database.engineVersion: a major version upgrade":                             {update: edits(set("spec.database.engineVersion", "17.2")), field: "spec.database.engineVersion"},
	"spec.database.databaseName is immutable":                                          {update: edits(set("spec.database.databaseName", "payments2")), field: "spec.database.databaseName"},
	"spec.database.masterUsername: postgres":                                           {create: edits(set("spec.database.masterUsername", "postgres")), field: "spec.database.masterUsername"},
	"spec.database.masterUsername is immutable":                                        {update: edits(set("spec.database.masterUsername", "dbadmin2")), field: "spec.database.masterUsername"},
	"spec.database.maxCapacity: must be in 0.5 ACU steps":                              {create: edits(set("spec.database.maxCapacity", 4.3)), field: "spec.database.maxCapacity"},
	"spec.database.minCapacity: must be in 0.5 ACU steps":                              {create: edits(set("spec.database.minCapacity", 0.7)), field: "spec.database.minCapacity"},
	"spec.ingress: set exactly one of certificateArn":                                  {create: edits(set("spec.ingress.certificateArn", "arn:aws:acm:us-east-2:123456789012:certificate/4f1c2d3e-5a6b-7c8d-9e0f-112233445566")), field: "spec.ingress"},
	"spec.migration.source.cidr is required":                                           {create: edits(set("spec.migration.source.host", "db.corp.example.com")), field: "spec.migration.source.cidr"},
	"spec.migration.source.cidr must be an IPv4 CIDR":                                  {create: edits(set("spec.migration.source.cidr", "fd00::/64")), field: "spec.migration.source.cidr"},
	"spec.network.availabilityZoneNames must list exactly":                             {create: edits(set("spec.network.availabilityZoneNames", []any{"us-east-2a"})), field: "spec.network.availabilityZoneNames"},
	"spec.network.subnetPrefixLength: the VPC CIDR must hold":                          {create: edits(set("spec.network.vpcCidr", "10.0.0.0/24"), set("spec.network.subnetPrefixLength", int64(27))), field: "spec.network.subnetPrefixLength"},
	"spec.network.availabilityZoneNames must not repeat":                               {create: edits(set("spec.network.availabilityZoneNames", []any{"us-east-2a", "us-east-2a", "us-east-2b"})), field: "spec.network.availabilityZoneNames"},
	"spec.network.vpcCidr must be an IPv4 CIDR":                                        {create: edits(set("spec.network.vpcCidr", "10.0.0.0/8")), field: "spec.network.vpcCidr"},
	"spec.tags: keys are 1-128 characters":                                             {create: edits(set("spec.tags", map[string]any{"aws:owner": "x"})), field: "spec.tags"},
	"spec.tags: Environment, Project, Team":                                            {create: edits(set("spec.tags", map[string]any{"Team": "x"})), field: "spec.tags"},
	"spec.tags: values are at most 256":                                                {create: edits(set("spec.tags", map[string]any{"Note": strings.Repeat("x", 300)})), field: "spec.tags"},
	"spec.network.availabilityZoneNames: every zone must be in":                        {create: edits(set("spec.network.availabilityZoneNames", []any{"eu-west-1a", "eu-west-1b", "eu-west-1c"})), field: "spec.network.availabilityZoneNames"},
	"spec.migration.replicationInstanceClass: burstable":                               {create: edits(set("spec.environment", "prod")), field: "spec.migration.replicationInstanceClass"},
	"spec.ingress.certificateArn must be in spec.region": {create: edits(set("spec.ingress.createCertificate", false),
		set("spec.ingress.certificateArn", "arn:aws:acm:eu-west-1:123456789012:certificate/4f1c2d3e-5a6b-7c8d-9e0f-112233445566")), field: "spec.ingress.certificateArn"},
	"spec.ingress.createCertificate needs spec.cutover": {create: edits(unset("spec.cutover")), field: "spec.ingress.createCertificate"},
	"spec.cutover.oldSystem.hostname must differ":       {create: edits(set("spec.cutover.oldSystem.hostname", "api.dev.payments.example.com")), field: "spec.cutover.oldSystem.hostname"},
	"spec.migration.allocatedStorageGb: DMS needs": {create: edits(set("spec.migration.source.sizeGb", int64(1000)), set("spec.migration.allocatedStorageGb", int64(100))),
		field: "spec.migration.allocatedStorageGb"},
	"spec.database.minCapacity must be at least 0.5":     {create: edits(set("spec.database.minCapacity", int64(0))), field: "spec.database.minCapacity"},
	"spec.api.provisionedConcurrency.targetUtilization":  {create: edits(set("spec.api.provisionedConcurrency", map[string]any{"targetUtilization": int64(0)})), field: "spec.api.provisionedConcurrency.targetUtilization"},
	"spec.cutover.guard.latencySeconds must be at least": {create: edits(set("spec.cutover.guard", map[string]any{"latencySeconds": int64(0)})), field: "spec.cutover.guard.latencySeconds"},
	"spec.monitoring.thresholds.albLatencySeconds must be at least": {create: edits(set("spec.monitoring.thresholds", map[string]any{"albLatencySeconds": int64(0)})),
		field: "spec.monitoring.thresholds.albLatencySeconds"},
	// #13: DMS's own user, source TLS, zones, on-prem connectivity.
	"spec.network.availabilityZones: most accounts see only 2": {create: edits(set("spec.region", "us-west-1")), field: "spec"},
	"spec.network: give availabilityZoneNames or availabilityZoneIds": {create: edits(set("spec.network.availabilityZoneNames", []any{"us-east-2a", "us-east-2b", "us-east-2c"}),
		set("spec.network.availabilityZoneIds", []any{"use2-az1", "use2-az2", "use2-az3"})), field: "spec"},
	"spec.network.availabilityZoneIds must list exactly": {create: edits(set("spec.network.availabilityZoneIds", []any{"use2-az1"})), field: "spec"},
	"spec.network.availabilityZoneIds must not repeat":   {create: edits(set("spec.network.availabilityZoneIds", []any{"use2-az1", "use2-az1", "use2-az2"})), field: "spec.network.availabilityZoneIds"},
	"spec.lambdas is required while spec.migration":      {create: edits(unset("spec.lambdas")), field: "spec"},
	"spec.lambdas: sourceSecretArn and hmacSecretArn":    {create: edits(set("spec.lambdas.sourceSecretArn", "arn:aws:secretsmanager:us-east-2:123456789012:secret:src-AbCdEf")), field: "spec.lambdas"},
	"spec.lambdas.sourceCodeHashes.validation and .rollback are required": {create: edits(set("spec.lambdas.sourceSecretArn", "arn:aws:secretsmanager:us-east-2:123456789012:secret:src-AbCdEf"),
		set("spec.lambdas.hmacSecretArn", "arn:aws:secretsmanager:us-east-2:123456789012:secret:hmac-AbCdEf")), field: "spec.lambdas"},
	"spec.lambdas.sourceCodeHashes: validation and rollback come together": {create: edits(set("spec.lambdas.sourceCodeHashes.validation", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")),
		field: "spec.lambdas.sourceCodeHashes"},
	"spec.migration.source.caCertificateSecretRef is required": {create: edits(set("spec.migration.source.sslMode", "verify-full")), field: "spec.migration.source"},
	"spec.network.onPremises: the migration source's network":  {create: edits(unset("spec.network.onPremises")), field: "spec"},
	"spec.network.onPremises.dns: the migration source is a hostname": {create: edits(set("spec.migration.source.host", "pg.corp.example.com"),
		set("spec.migration.source.cidr", "10.50.0.0/24")), field: "spec"},
	"spec.network.onPremises: give exactly one of": {create: edits(set("spec.network.onPremises.transitGatewayId", "tgw-0a1b2c3d4e5f60718")), field: "spec.network.onPremises"},
	"spec.network.onPremises.dns.resolverIps must lie in": {create: edits(set("spec.network.onPremises.dns", map[string]any{"domain": "corp.example.com", "resolverIps": []any{"192.168.1.10"}})),
		field: "spec.network.onPremises"},
	"spec.network.onPremises.dns.resolverIps must be IPv4": {create: edits(set("spec.network.onPremises.dns", map[string]any{"domain": "corp.example.com", "resolverIps": []any{"fd00::1"}})),
		field: "spec.network.onPremises.dns.resolverIps"},
	"spec.network.onPremises.dns.resolverIps: list at least one": {create: edits(set("spec.network.onPremises.dns", map[string]any{"domain": "corp.example.com", "resolverIps": []any{}})),
		field: "spec.network.onPremises.dns.resolverIps"},
	"spec.network.onPremises.cidrs must be IPv4 CIDRs":      {create: edits(set("spec.network.onPremises.cidrs", []any{"10.50.0.0/16", "fd00::/64"})), field: "spec.network.onPremises.cidrs"},
	"spec.network.onPremises.cidrs must not overlap":        {create: edits(set("spec.network.onPremises.cidrs", []any{"10.50.0.0/16", "10.0.0.0/8"})), field: "spec.network"},
	"spec.network.onPremises.vpn.customerGatewayIp must be": {create: edits(set("spec.network.onPremises.vpn.customerGatewayIp", "10.1.1.1")), field: "spec.network.onPremises.vpn.customerGatewayIp"},
}

var enumCases = map[string]admissionCase{
	"spec.cutover.step":                     {create: edits(set("spec.cutover.step", int64(5))), field: "spec.cutover.step"},
	"spec.environment":                      {create: edits(set("spec.environment", "qa")), field: "spec.environment"},
	"spec.ingress.tlsPolicy":                {create: edits(set("spec.ingress.tlsPolicy", "ELBSecurityPolicy-2016-08")), field: "spec.ingress.tlsPolicy"},
	"spec.migration.source.sslMode":         {create: edits(set("spec.migration.source.sslMode", "disable")), field: "spec.migration.source.sslMode"},
	"spec.migration.tableMappings[].action": {create: edits(set("spec.migration.tableMappings", []any{map[string]any{"schema": "public", "table": "%", "action": "drop"}})), field: "spec.migration.tableMappings[0].action"},
	"spec.monitoring.logRetentionDays":      {create: edits(set("spec.monitoring.logRetentionDays", int64(2))), field: "spec.monitoring.logRetentionDays"},
	"spec.network.flowLogRetentionDays":     {create: edits(set("spec.network.flowLogRetentionDays", int64(2))), field: "spec.network.flowLogRetentionDays"},
	"spec.network.natMode":                  {create: edits(set("spec.network.natMode", "None")), field: "spec.network.natMode"},
}

func edits(e ...func(map[string]any)) []func(map[string]any) { return e }

// admission: the real API server refuses every invalid claim with a
// message naming the field — one claim per CEL rule and per enum of the
// XRD (the test fails when the XRD has a rule or enum without a case), and
// every claim in examples/broken. The claims are paused: an accepted one
// (the base of an update case) composes nothing.
func admission(t *testing.T) {
	prepareNamespace(t)
	rules, enums := xrdRulesAndEnums(t)
	for _, r := range rules {
		if _, ok := caseFor(celCases, r); !ok {
			t.Errorf("CEL rule %q has no admission case", r)
		}
	}
	for _, e := range enums {
		if _, ok := enumCases[e]; !ok {
			t.Errorf("enum %s has no admission case", e)
		}
	}
	n := 0
	run := func(name string, c admissionCase) {
		n++
		claimName := fmt.Sprintf("admission-%02d", n)
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			base := []func(map[string]any){set("metadata.name", claimName), set("metadata.annotations", map[string]any{"crossplane.io/paused": "true"})}
			if len(c.update) > 0 {
				if _, err := apply(ctx, claimGVR, readClaim(t, "claim.yaml", base...)); err != nil {
					t.Fatalf("the valid claim the update starts from was refused: %v", err)
				}
				t.Cleanup(func() { deleteClaim(t, claimName) })
			}
			_, err := apply(ctx, claimGVR, readClaim(t, "claim.yaml", append(append(base, c.create...), c.update...)...))
			if err == nil {
				deleteClaim(t, claimName)
				t.Fatalf("accepted, want refused")
			}
			if !strings.Contains(err.Error(), c.field) {
				t.Errorf("the refusal does not name %s:\n%v", c.field, err)
			}
			if !strings.Contains(err.Error(), name) && !strings.HasPrefix(name, "spec.") {
				t.Errorf("the refusal lacks the rule's message %q:\n%v", name, err)
			}
		})
	}
	for _, r := range rules {
		if k, ok := caseFor(celCases, r); ok {
			run(k, celCases[k])
		}
	}
	for _, e := range enums {
		if c, ok := enumCases[e]; ok {
			run(e, c)
		}
	}
	t.Run("examples/broken", func(t *testing.T) {
		files, _ := filepath.Glob(filepath.Join(repo, "examples", "broken", "*.yaml"))
		for _, f := range files {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var obj map[string]any
			if err := yaml.Unmarshal(raw, &obj); err != nil {
				t.Fatal(err)
			}
			gvr := claimGVR
			if av, _ := obj["apiVersion"].(string); av != "platform.payments.io/v1alpha1" {
				g, v, _ := strings.Cut(av, "/")
				kind, _ := obj["kind"].(string)
				gvr = schema.GroupVersionResource{Group: g, Version: v, Resource: strings.ToLower(kind) + "s"}
			}
			// A create with strict field validation reports every bad
			// field (server-side apply stops at the first).
			u := &unstructured.Unstructured{Object: obj}
			_, err = world.dyn.Resource(gvr).Namespace(u.GetNamespace()).Create(context.Background(), u, metav1.CreateOptions{FieldValidation: "Strict"})
			if err == nil {
				t.Errorf("%s: accepted, want refused", filepath.Base(f))
				continue
			}
			// The API server stops at the first kind of problem (an
			// unknown field before wrong types): it must name one of
			// the broken fields.
			want, _ := os.ReadFile(f + ".want")
			if !slices.ContainsFunc(strings.Fields(string(want)), func(w string) bool { return strings.Contains(err.Error(), w) }) {
				t.Errorf("%s: the refusal names none of %s:\n%v", filepath.Base(f), strings.Fields(string(want)), err)
			}
		}
	})
}

// caseFor finds the case whose key starts the rule's message.
func caseFor(cases map[string]admissionCase, message string) (string, bool) {
	for k := range cases {
		if strings.HasPrefix(message, k) {
			return k, true
		}
	}
	return "", false
}

// xrdRulesAndEnums lists the messages of every CEL rule and the path of
// every enum in the XRD's spec schema.
func xrdRulesAndEnums(t *testing.T) (rules, enums []string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repo, "apis", "xpaymentplatforms", "definition.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var xrd struct {
		Spec struct {
			Versions []struct {
				Schema struct {
					OpenAPIV3Schema schemaNode `json:"openAPIV3Schema"`
				} `json:"schema"`
			} `json:"versions"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(raw, &xrd); err != nil {
		t.Fatal(err)
	}
	var walk func(n *schemaNode, path string)
	walk = func(n *schemaNode, path string) {
		for _, r := range n.Validations {
			rules = append(rules, r.Message)
		}
		if len(n.Enum) > 0 {
			enums = append(enums, path)
		}
		for k, p := range n.Properties {
			walk(&p, path+"."+k)
		}
		if n.Items != nil {
			walk(n.Items, path+"[]")
		}
	}
	spec := xrd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"]
	walk(&spec, "spec")
	return rules, enums
}

type schemaNode struct {
	Properties  map[string]schemaNode `json:"properties"`
	Items       *schemaNode           `json:"items"`
	Enum        []any                 `json:"enum"`
	Validations []struct {
		Message string `json:"message"`
	} `json:"x-kubernetes-validations"`
}
