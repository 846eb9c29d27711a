package fn

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/crossplane/crossplane-runtime/v2/pkg/fieldpath"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"google.golang.org/protobuf/types/known/structpb"
	"sigs.k8s.io/yaml"
)

// Worlds the function is tested in: specs, requests under a claim, and
// observed states built by running the function and observing what it
// composed.

func readyEdge(t *testing.T) *fnv1.RunFunctionResponse {
	t.Helper()
	spec := edgeSpec(0, false) + monitoredSpec
	return run(t, withClaim(newRequest(t, spec, edgeWorld(t, spec))))
}

// composedIdentifiers are the AWS identifiers a metric dimension may name:
// metadata names, external names, observed IDs, ALB/target group ARN
// suffixes, the DMS task resource ID, the platform suffix and the transit
// gateway the claim names.
func composedIdentifiers(t *testing.T, rsp *fnv1.RunFunctionResponse) map[string]bool {
	t.Helper()
	ids := map[string]bool{
		"app/payment-alb-prod/50dc6c495c0c9188":            true, // observed ALB arnSuffix (edgeWorld)
		"targetgroup/payment-api-tg-prod/73e2d6bc24d8a067": true, // observed target group arnSuffix
		"ABCDEFGHIJKLMNOP":                                 true, // observed DMS task resource ID
		"prod":                                             true, // EnvironmentSuffix dimension of PaymentMigration metrics
		"tgw-0a1b2c3d4e5f60718":                            true, // the claim's transit gateway (prodSpec)
	}
	for _, n := range names(rsp) {
		r := desired(t, rsp, n)
		ids[n+"-id"] = true // the observed ID (observedReady)
		ids[get(r, "metadata.name").(string)] = true
		if a, ok := get(r, "metadata.annotations").(map[string]any); ok {
			if e, ok := a[AnnotationExternalName].(string); ok {
				ids[e] = true
			}
		}
	}
	return ids
}

func n2r(n string) resource.Name { return resource.Name(n) }

const lambdasSpec = `lambdas:
  artifactBucket: payments-artifacts
  version: v0.1.0
  sourceCodeHashes:
    validation: 47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=
    rollback: LCa0a2j/xo/5m0U8HTBBNBNCLXBkg7+g+YpeiGJm564=
    dmsUser: F7xYCKe2nHFc0BQf+6KXt6rMPgPW9RHJi3pZf5fX/kc=
  sourceSecretArn: arn:aws:secretsmanager:us-east-2:123456789012:secret:payments/source-abc
  hmacSecretArn: arn:aws:secretsmanager:us-east-2:123456789012:secret:payments/hmac-def
`

// dmsUserSpec is the least spec.lambdas a migration needs: the zip of the
// rotation Lambda of DMS's own Aurora user.
const dmsUserSpec = "lambdas: {artifactBucket: payments-artifacts, version: v0.1.0, sourceCodeHashes: {dmsUser: F7xYCKe2nHFc0BQf+6KXt6rMPgPW9RHJi3pZf5fX/kc=}}\n"

// withValidation sets the observed result of the validation run for a step.
// The run is validation-run-<step>-1, made from the world's run of another
// step; the validator echoes the step unless the result says otherwise.
func withValidation(obs map[string]*fnv1.Resource, step string, result map[string]any) map[string]*fnv1.Resource {
	obs = cloneResources(obs)
	var r *fnv1.Resource
	for name, o := range obs {
		if strings.HasPrefix(name, string(ResValidationRun)+"-") {
			r = o
		}
	}
	if r == nil {
		return obs
	}
	m := r.GetResource().AsMap()
	name := "validation-run-" + step + "-1"
	m["metadata"].(map[string]any)["name"] = "payment-" + name + "-prod"
	m["metadata"].(map[string]any)["labels"].(map[string]any)[LabelResource] = name
	if _, ok := result["step"]; !ok {
		n, _ := strconv.Atoi(step)
		result["step"] = n
	}
	b, _ := json.Marshal(result)
	m["status"].(map[string]any)["atProvider"].(map[string]any)["result"] = string(b)
	s, _ := structpb.NewStruct(m)
	obs[name] = &fnv1.Resource{Resource: s}
	return obs
}

// xr builds an observed XR from a YAML spec.
func xr(t testing.TB, spec string) *fnv1.Resource {
	t.Helper()
	m := map[string]any{}
	if err := yaml.Unmarshal([]byte(spec), &m); err != nil {
		t.Fatal(err)
	}
	s, err := structpb.NewStruct(map[string]any{
		"apiVersion": "platform.payments.io/v1alpha1",
		"kind":       "XPaymentPlatform",
		"metadata":   map[string]any{"name": "payments"},
		"spec":       m,
	})
	if err != nil {
		t.Fatal(err)
	}
	return &fnv1.Resource{Resource: s}
}

func newRequest(t testing.TB, spec string, observed map[string]*fnv1.Resource) *fnv1.RunFunctionRequest {
	t.Helper()
	return &fnv1.RunFunctionRequest{
		Meta:     &fnv1.RequestMeta{Tag: "t"},
		Observed: &fnv1.State{Composite: xr(t, spec), Resources: observed},
	}
}

func run(t testing.TB, req *fnv1.RunFunctionRequest) *fnv1.RunFunctionResponse {
	t.Helper()
	rsp, err := (&Function{}).RunFunction(context.Background(), req)
	if err != nil {
		t.Fatalf("RunFunction returned a Go error: %v", err)
	}
	return rsp
}

// desired returns a desired composed resource as a map, or fails.
func desired(t testing.TB, rsp *fnv1.RunFunctionResponse, name string) map[string]any {
	t.Helper()
	r, ok := rsp.GetDesired().GetResources()[name]
	if !ok {
		t.Fatalf("no desired resource %q; have %v", name, names(rsp))
	}
	return r.GetResource().AsMap()
}

func names(rsp *fnv1.RunFunctionResponse) []string {
	var out []string
	for n := range rsp.GetDesired().GetResources() {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

func get(m map[string]any, path string) any {
	v, err := fieldpath.Pave(m).GetValue(path)
	if err != nil {
		return nil
	}
	return v
}

// label is the resource label a selector at path matches.
func label(m map[string]any, path string) any {
	l, _ := get(m, path+".matchLabels").(map[string]any)
	return l[LabelResource]
}

func fatal(rsp *fnv1.RunFunctionResponse) string {
	for _, r := range rsp.GetResults() {
		if r.GetSeverity() == fnv1.Severity_SEVERITY_FATAL {
			return r.GetMessage()
		}
	}
	return ""
}

// observedReady makes every desired resource of rsp observed and ready,
// with IDs and ARNs, with the conditions its owner sets (as the end-to-end
// control plane shows): a managed resource Ready and Synced, a ClusterUsage
// only Ready (Crossplane's Usage controller never sets Synced).
func observedReady(t testing.TB, rsp *fnv1.RunFunctionResponse) map[string]*fnv1.Resource {
	t.Helper()
	out := map[string]*fnv1.Resource{}
	for name, r := range rsp.GetDesired().GetResources() {
		m := r.GetResource().AsMap()
		conds := []any{map[string]any{"type": "Ready", "status": "True", "reason": "Available"}}
		if m["kind"] != ClusterUsageGVK.Kind {
			conds = append(conds, map[string]any{"type": "Synced", "status": "True", "reason": "ReconcileSuccess"})
		}
		m["status"] = map[string]any{
			"atProvider": map[string]any{
				"id":       name + "-id",
				"arn":      fmt.Sprintf("arn:aws:svc:us-east-2:123456789012:%s", name),
				"publicIp": "3.3.3.3",
			},
			"conditions": conds,
		}
		s, err := structpb.NewStruct(m)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = &fnv1.Resource{Resource: s}
	}
	return out
}

func findCondition(rsp *fnv1.RunFunctionResponse, typ string) *fnv1.Condition {
	for _, c := range rsp.GetConditions() {
		if c.GetType() == typ {
			return c
		}
	}
	return nil
}

// edgeSpec is prodSpec with the API, ingress and cutover at a step.
func edgeSpec(step int, rollback bool) string {
	return prodSpec + fmt.Sprintf(`api:
  imageUri: 123456789012.dkr.ecr.us-east-2.amazonaws.com/payment-api:v1
ingress:
  domainName: api.payments.example.com
  certificateArn: arn:aws:acm:us-east-2:123456789012:certificate/abcd-1234
cutover:
  hostedZoneId: Z0123456789ABCDEF
  zoneName: payments.example.com
  oldSystem: {hostname: legacy.payments.example.com}
  step: %d
  rollback: %t
`, step, rollback)
}

// edgeWorld is readyWorld with what the provider reports for the edge.
func edgeWorld(t testing.TB, spec string) map[string]*fnv1.Resource {
	t.Helper()
	var obs map[string]*fnv1.Resource
	for range 12 {
		rsp := run(t, withClaim(newRequest(t, spec, obs)))
		if msg := fatal(rsp); msg != "" {
			t.Fatal(msg)
		}
		next := observedReady(t, rsp)
		for name, r := range next {
			atp := r.GetResource().GetFields()["status"].GetStructValue().GetFields()["atProvider"].GetStructValue()
			set := func(k, v string) { atp.Fields[k] = structpb.NewStringValue(v) }
			switch name {
			case "aurora":
				set("endpoint", "payment-aurora-prod.cluster-x.us-east-2.rds.amazonaws.com")
				set("readerEndpoint", "payment-aurora-prod.cluster-ro-x.us-east-2.rds.amazonaws.com")
				secret, _ := structpb.NewValue([]any{map[string]any{"secretArn": "arn:aws:secretsmanager:us-east-2:123456789012:secret:rds!cluster-abc"}})
				atp.Fields["masterUserSecret"] = secret
			case "migration":
				set("status", "running")
				set("replicationTaskArn", "arn:aws:dms:us-east-2:123456789012:task:ABCDEFGHIJKLMNOP")
			case "dms-source-ca":
				set("certificateArn", "arn:aws:dms:us-east-2:123456789012:cert:SOURCECA")
			case "api":
				set("version", "7")
			case "alb":
				set("dnsName", "payment-alb-prod-123.us-east-2.elb.amazonaws.com")
				set("arnSuffix", "app/payment-alb-prod/50dc6c495c0c9188")
				set("zoneId", "Z3AADJGX6KTTL2")
			case "api-tg":
				set("arnSuffix", "targetgroup/payment-api-tg-prod/73e2d6bc24d8a067")
			}
		}
		if sameNames(next, obs) {
			return next
		}
		obs = next
	}
	t.Fatalf("the composed set did not settle in 12 renders: %d resources", len(obs))
	return nil
}

func sameNames(a, b map[string]*fnv1.Resource) bool {
	if len(a) != len(b) {
		return false
	}
	for n := range a {
		if _, ok := b[n]; !ok {
			return false
		}
	}
	return true
}

func setObservedCondition(r *fnv1.Resource, typ, status string) {
	for _, c := range r.GetResource().GetFields()["status"].GetStructValue().GetFields()["conditions"].GetListValue().GetValues() {
		if c.GetStructValue().GetFields()["type"].GetStringValue() == typ {
			c.GetStructValue().Fields["status"] = structpb.NewStringValue(status)
		}
	}
}

func cloneResources(in map[string]*fnv1.Resource) map[string]*fnv1.Resource {
	out := map[string]*fnv1.Resource{}
	for k, v := range in {
		s, _ := structpb.NewStruct(v.GetResource().AsMap())
		out[k] = &fnv1.Resource{Resource: s}
	}
	return out
}

// prodSpec is a prod claim with the data tier and migration.
const prodSpec = `environmentSuffix: prod
environment: prod
network:
  onPremises:
    cidrs: [192.168.0.0/16]
    transitGatewayId: tgw-0a1b2c3d4e5f60718
    dns: {domain: corp.example.com, resolverIps: [192.168.1.10, 192.168.1.11]}
database: {minCapacity: 2, maxCapacity: 16, instances: 3}
migration:
  schemaReady: true
  source:
    host: pg.corp.example.com
    cidr: 192.168.10.0/24
    credentialsSecretRef: {name: source-db}
` + dmsUserSpec

// withClaim puts the XR under a claim in namespace payments.
func withClaim(req *fnv1.RunFunctionRequest) *fnv1.RunFunctionRequest {
	spec := req.GetObserved().GetComposite().GetResource().GetFields()["spec"].GetStructValue()
	spec.Fields["claimRef"] = structpb.NewStructValue(&structpb.Struct{Fields: map[string]*structpb.Value{
		"apiVersion": structpb.NewStringValue("platform.payments.io/v1alpha1"),
		"kind":       structpb.NewStringValue("PaymentPlatform"),
		"name":       structpb.NewStringValue("payments"),
		"namespace":  structpb.NewStringValue("payments"),
	}})
	return req
}

// readyWorld runs the spec until every resource it composes is observed
// Ready, with what the provider reports for the data tier and the edge.
func readyWorld(t testing.TB, spec string) map[string]*fnv1.Resource { return edgeWorld(t, spec) }

func unreadyNames(rsp *fnv1.RunFunctionResponse) []string {
	var out []string
	for _, n := range names(rsp) {
		if rsp.GetDesired().GetResources()[n].GetReady() != fnv1.Ready_READY_TRUE {
			out = append(out, n)
		}
	}
	return out
}
