package v1alpha1

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/yaml"
)

// strictSpec decodes like XPaymentPlatformSpec but without its methods:
// plain encoding/json, for the unknown-field check and for reading a spec
// the API server defaulted.
type strictSpec XPaymentPlatformSpec

// goAdmit is what the function does with an XR's spec (fn.DecodeSpec, then
// Default and Validate): Crossplane's fields are ignored, unknown fields and
// values of the wrong type are refused, then the spec is defaulted and
// checked.
func goAdmit(spec any) (*XPaymentPlatformSpec, field.ErrorList) {
	root := field.NewPath("spec")
	m, ok := spec.(map[string]any)
	if !ok {
		return nil, field.ErrorList{field.Required(root, "not an object")}
	}
	b, err := json.Marshal(stripCrossplane(m))
	if err != nil {
		return nil, field.ErrorList{field.Invalid(root, nil, err.Error())}
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&strictSpec{}); err != nil && strings.Contains(err.Error(), "unknown field") {
		return nil, field.ErrorList{field.NotSupported[string](root, err.Error(), nil)}
	}
	s := &XPaymentPlatformSpec{}
	if err := json.Unmarshal(b, s); err != nil {
		return nil, field.ErrorList{field.TypeInvalid(root, nil, err.Error())}
	}
	s.Default()
	return s, s.Validate()
}

// parseSpec reads a YAML or JSON spec as the API server reads a request
// body: whole numbers are int64, others float64.
func parseSpec(t testing.TB, src string) any {
	t.Helper()
	j, err := yaml.YAMLToJSON([]byte(src))
	if err != nil {
		t.Fatalf("spec %q: %v", src, err)
	}
	var v any
	if err := utiljson.Unmarshal(j, &v); err != nil {
		t.Fatalf("spec %q: %v", src, err)
	}
	return v
}

// verdict is the outcome of one spec on both sides.
type verdict struct {
	input   map[string]any
	apiSpec map[string]any // as stored, without Crossplane's fields
	apiErrs field.ErrorList
	goSpec  *XPaymentPlatformSpec // after Default
	goErrs  field.ErrorList
}

// judge runs a spec through both sides; withXR also admits the XR
// Crossplane creates from the admitted claim.
func judge(t testing.TB, spec any, withXR bool) verdict {
	t.Helper()
	v := verdict{}
	v.input, _ = spec.(map[string]any)
	v.apiSpec, v.apiErrs = theAPIServer(t).admit(spec, withXR)
	v.goSpec, v.goErrs = goAdmit(spec)
	seen.record(v)
	return v
}

// disagreement says how the two sides differ on a spec, or "".
func (v verdict) disagreement() string {
	apiOK, goOK := len(v.apiErrs) == 0, len(v.goErrs) == 0
	switch {
	case apiOK && !goOK:
		if functionOnlyErrors(v.goErrs) {
			return ""
		}
		return "the XRD accepts it, Validate() refuses it:\n  " + errsString(v.goErrs)
	case !apiOK && goOK:
		return "Validate() accepts it, the XRD refuses it:\n  " + errsString(v.apiErrs)
	case !apiOK:
		return ""
	}
	if d := v.defaultsDiff(); d != "" {
		return d
	}
	// What the function is handed in production: the stored XR's spec.
	stored, errs := goAdmit(v.apiSpec)
	if len(errs) > 0 {
		return "Validate() refuses the spec the API server stored:\n  " + errsString(errs)
	}
	if !sameSpec(*v.goSpec, *stored) {
		return "Default() makes another spec of the one the API server stored (-from the claim +from the stored spec):\n" + specDiff(*v.goSpec, *stored)
	}
	return ""
}

// defaultsDiff compares the API server's defaulted spec, decoded into the
// Go type as it is (no Go defaults), with what Default() made of the same
// spec. Where the API server left a field of goOnlyDefaults absent, the Go
// value is taken.
func (v verdict) defaultsDiff() string {
	api := stripCrossplane(v.apiSpec)
	goMap := goJSON(v.goSpec)
	for _, d := range goOnlyDefaults {
		copyIfAbsent(api, goMap, strings.Split(d.path, "."))
	}
	b, err := json.Marshal(api)
	if err != nil {
		return err.Error()
	}
	var fromAPI strictSpec
	if err := json.Unmarshal(b, &fromAPI); err != nil {
		return "the API server's defaulted spec does not decode: " + err.Error()
	}
	if !sameSpec(XPaymentPlatformSpec(fromAPI), *v.goSpec) {
		return "defaults differ (-API server +Default()):\n" + specDiff(XPaymentPlatformSpec(fromAPI), *v.goSpec)
	}
	return ""
}

// sameSpec compares specs but for what they remember of their JSON.
func sameSpec(a, b XPaymentPlatformSpec) bool {
	a.zeros, b.zeros = nil, nil
	return reflect.DeepEqual(a, b)
}

func specDiff(a, b XPaymentPlatformSpec) string {
	return cmp.Diff(a, b, cmpopts.IgnoreUnexported(XPaymentPlatformSpec{}))
}

func goJSON(s *XPaymentPlatformSpec) map[string]any {
	b, _ := json.Marshal(s)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m
}

// copyIfAbsent sets path in dst from src when dst lacks it (its parent
// objects present in both). It reports whether it did.
func copyIfAbsent(dst, src map[string]any, path []string) bool {
	for len(path) > 1 {
		d, ok1 := dst[path[0]].(map[string]any)
		s, ok2 := src[path[0]].(map[string]any)
		if !ok1 || !ok2 {
			return false
		}
		dst, src, path = d, s, path[1:]
	}
	if _, ok := dst[path[0]]; ok {
		return false
	}
	v, ok := src[path[0]]
	if ok {
		dst[path[0]] = v
	}
	return ok
}

func errsString(errs field.ErrorList) string {
	s := make([]string, len(errs))
	for i, e := range errs {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n  ")
}

// goOnlyDefaults are the defaults the XRD cannot express, each because it
// depends on another field of the spec: Default() sets them, the API server
// leaves them absent. TestGoOnlyDefaults pins their values, and
// TestXRDInstallsOnAPIServer checks the XRD has no default there.
var goOnlyDefaults = []struct{ path, reason string }{
	{"network.natMode", "PerAZ in staging and prod, Single in dev: depends on spec.environment"},
	{"network.subnetPrefixLength", "the VPC's prefix length + 4: depends on spec.network.vpcCidr"},
	{"database.backupRetentionDays", "35 days in prod, 7 otherwise: depends on spec.environment"},
	{"database.deletionProtection", "true in staging and prod, false in dev: depends on spec.environment"},
	{"migration.multiAz", "true in prod: depends on spec.environment"},
	{"migration.allocatedStorageGb", "a quarter of spec.migration.source.sizeGb, 100 to 6144 GB: depends on the source's size"},
	{"migration.source.cidr", "host/32 when spec.migration.source.host is an IPv4 address: depends on the host"},
	{"network.onPremises.vpn.bgpAsn", "65000: a schema default inside this optional object would make the catalog form fill it without an address"},
	{"migration.source.caCertificateSecretRef.key", "ca.crt: a schema default inside this optional object would make the catalog form fill it without a name"},
}

// functionOnlyRules are the rules of Validate() the API server cannot
// check, each because it needs something the API server cannot see. There
// are none: every rule of Validate() is in the XRD. (The function's one
// other refusal, spec.migration.source.credentialsSecretRef.namespace on an
// XR without a claim, is not part of Validate(): it needs the XR's claim
// reference, which Crossplane sets after admission.)
var functionOnlyRules = []struct{ path, detail, reason string }{}

// admissionOnlyRules are the XRD's rules the function cannot check: they
// compare the edit with the stored object (oldSelf), which the function
// never sees. TestXRDUpdateRules runs an edit against each.
var admissionOnlyRules = map[string]string{
	"spec.environmentSuffix is immutable":                  "transition rule: every AWS name is derived from the suffix",
	"spec.region is immutable":                             "transition rule: a platform does not move between regions",
	"spec.database.databaseName is immutable":              "transition rule: the cluster's database is created once",
	"spec.database.masterUsername is immutable":            "transition rule: the master user is created once",
	"spec.database.engineVersion: a major version upgrade": "transition rule: only minor versions may change in place",
}

func functionOnlyErrors(errs field.ErrorList) bool {
	for _, e := range errs {
		if !slices.ContainsFunc(functionOnlyRules, func(r struct{ path, detail, reason string }) bool {
			return e.Field == r.path && strings.Contains(e.Detail, r.detail)
		}) {
			return false
		}
	}
	return true
}

// coverage is what the specs judged so far exercised: the XRD's CEL rules
// that refused one, the fields the API server defaulted, the Go-only
// defaults used.
type coverage struct {
	mu          sync.Mutex
	n           int
	celRefusals map[string]bool // rule messages
	xrdDefaults map[string]bool // paths, [] for list items
	goDefaults  map[string]bool
}

var seen = newCoverage()

func newCoverage() *coverage {
	return &coverage{celRefusals: map[string]bool{}, xrdDefaults: map[string]bool{}, goDefaults: map[string]bool{}}
}

func (c *coverage) reset() {
	n := newCoverage()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n, c.celRefusals, c.xrdDefaults, c.goDefaults = 0, n.celRefusals, n.xrdDefaults, n.goDefaults
}

func (c *coverage) record(v verdict) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	for _, e := range v.apiErrs {
		c.celRefusals[e.Detail] = true
		if s, ok := e.BadValue.(string); ok {
			c.celRefusals[s] = true
		}
	}
	if len(v.apiErrs) > 0 || v.input == nil {
		return
	}
	addedPaths(v.input, v.apiSpec, "", c.xrdDefaults)
	api, goMap := stripCrossplane(v.apiSpec), goJSON(v.goSpec)
	for _, d := range goOnlyDefaults {
		if copyIfAbsent(api, goMap, strings.Split(d.path, ".")) {
			c.goDefaults[d.path] = true
		}
	}
}

// addedPaths collects the paths of out that in lacks (what defaulting
// added), list indices written [].
func addedPaths(in, out any, path string, into map[string]bool) {
	switch o := out.(type) {
	case map[string]any:
		i, _ := in.(map[string]any)
		for k, v := range o {
			p := k
			if path != "" {
				p = path + "." + k
			}
			iv, ok := i[k]
			if !ok || iv == nil {
				into[p] = true
			}
			addedPaths(iv, v, p, into)
		}
	case []any:
		i, _ := in.([]any)
		for n, v := range o {
			var iv any
			if n < len(i) {
				iv = i[n]
			}
			addedPaths(iv, v, path+"[]", into)
		}
	}
}

// check fails t for every XRD rule that refused no spec, every XRD default
// never applied and every Go-only default never used.
func (c *coverage) check(t testing.TB) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	spec := theAPIServer(t).claim.structural.Properties["spec"]
	rules, defaults := xrdRules(&spec, "spec"), xrdDefaultPaths(&spec, "")
	t.Logf("%d specs judged: %d CEL rules, %d XRD defaults, %d Go-only defaults covered", c.n, len(rules), len(defaults), len(goOnlyDefaults))
	for _, r := range rules {
		if _, ok := admissionOnlyRules[ruleKey(r.message)]; ok {
			continue
		}
		if !c.celRefusals[r.message] {
			t.Errorf("no spec breaks the XRD rule at %s: %q", r.path, r.message)
		}
	}
	for _, p := range defaults {
		if !c.xrdDefaults[p] {
			t.Errorf("no spec has the XRD default of %s applied", p)
		}
	}
	for _, d := range goOnlyDefaults {
		if !c.goDefaults[d.path] {
			t.Errorf("no spec has the Go-only default of %s applied", d.path)
		}
	}
}

// ruleKey is the admissionOnlyRules key a rule message starts with, or the
// message.
func ruleKey(message string) string {
	for k := range admissionOnlyRules {
		if strings.HasPrefix(message, k) {
			return k
		}
	}
	return message
}

type xrdRule struct{ path, rule, message string }

// xrdRules lists the CEL rules of a schema and its children, without
// Crossplane's fields.
func xrdRules(s *structuralschema.Structural, path string) []xrdRule {
	var out []xrdRule
	for _, r := range s.XValidations {
		out = append(out, xrdRule{path, r.Rule, r.Message})
	}
	for _, k := range slices.Sorted(maps.Keys(s.Properties)) {
		if path == "spec" && slices.Contains(crossplaneFields, k) {
			continue
		}
		p := s.Properties[k]
		out = append(out, xrdRules(&p, path+"."+k)...)
	}
	if s.Items != nil {
		out = append(out, xrdRules(s.Items, path+"[]")...)
	}
	if s.AdditionalProperties != nil && s.AdditionalProperties.Structural != nil {
		out = append(out, xrdRules(s.AdditionalProperties.Structural, path+"{}")...)
	}
	return out
}

// xrdDefaultPaths lists the paths of the spec schema that have a default,
// without Crossplane's fields.
func xrdDefaultPaths(s *structuralschema.Structural, path string) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(s.Properties)) {
		if path == "" && slices.Contains(crossplaneFields, k) {
			continue
		}
		p := s.Properties[k]
		child := k
		if path != "" {
			child = path + "." + k
		}
		if p.Default.Object != nil {
			out = append(out, child)
		}
		out = append(out, xrdDefaultPaths(&p, child)...)
	}
	if s.Items != nil {
		out = append(out, xrdDefaultPaths(s.Items, path+"[]")...)
	}
	return out
}

// --- the specs ---------------------------------------------------------------

type specCase struct {
	name   string
	spec   string         // YAML or JSON
	want   string         // accept or refuse; "": either, as long as both sides agree
	stored map[string]any // values the API server stores (paths a.b[0].c)
}

// exampleSpecs are the specs of every example claim.
func exampleSpecs(t testing.TB) []specCase {
	t.Helper()
	var files []string
	for _, g := range []string{"claim*.yaml", "cutover/*.yaml", "broken/claim-*.yaml"} {
		f, err := filepath.Glob(filepath.Join("..", "..", "examples", g))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f...)
	}
	if len(files) < 7 {
		t.Fatalf("example claims not found: %v", files)
	}
	var out []specCase
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		claim := map[string]any{}
		if err := yaml.Unmarshal(raw, &claim); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		b, err := json.Marshal(claim["spec"])
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, specCase{name: "examples/" + strings.TrimPrefix(f, "../../examples/"), spec: string(b)})
	}
	return out
}

// The specs of the function's tests (functions/payment-platform/fn).
const (
	fnProdSpec = `environmentSuffix: prod
environment: prod
database: {minCapacity: 2, maxCapacity: 16, instances: 3}
migration:
  source:
    host: pg.corp.example.com
    cidr: 192.168.10.0/24
    credentialsSecretRef: {name: source-db}
`
	fnLambdasSpec = `lambdas:
  artifactBucket: payments-artifacts
  version: v0.1.0
  sourceCodeHashes:
    validation: 47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=
    rollback: LCa0a2j/xo/5m0U8HTBBNBNCLXBkg7+g+YpeiGJm564=
    dmsUser: F7xYCKe2nHFc0BQf+6KXt6rMPgPW9RHJi3pZf5fX/kc=
  sourceSecretArn: arn:aws:secretsmanager:us-east-2:123456789012:secret:payments/source-abc
  hmacSecretArn: arn:aws:secretsmanager:us-east-2:123456789012:secret:payments/hmac-def
`
	fnMonitoredSpec = "monitoring: {alarmEmails: [oncall@example.com], alarmWebhooks: ['https://events.pagerduty.com/x']}\n"
)

func fnEdgeSpec(step int, rollback bool) string {
	return fnProdSpec + fmt.Sprintf(`api:
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

// fnTestSpecs are the specs of TestBadInput, TestDataTierBadInput,
// TestEdgeBadInput, TestProdAndNATModes, TestDefaults, the edge, lambdas and
// monitoring tests and FuzzRunFunction's seeds.
func fnTestSpecs() []specCase {
	base := fnEdgeSpec(0, false)
	cases := []specCase{
		// TestBadInput
		{name: "BadInput/EmptySuffix", spec: `environmentSuffix: ""`},
		{name: "BadInput/SuffixNotADNSLabel", spec: `environmentSuffix: Prod_1`},
		{name: "BadInput/CIDRTooSmallForSubnets", spec: "environmentSuffix: t\nnetwork: {vpcCidr: 10.0.0.0/26}"},
		{name: "BadInput/SubnetsDoNotFit", spec: "environmentSuffix: t\nnetwork: {vpcCidr: 10.0.0.0/20, subnetPrefixLength: 22}"},
		{name: "BadInput/CIDRNotIPv4", spec: "environmentSuffix: t\nnetwork: {vpcCidr: 'fd00::/48'}"},
		{name: "BadInput/CIDRHostBits", spec: "environmentSuffix: t\nnetwork: {vpcCidr: 10.0.1.0/16}"},
		{name: "BadInput/UnknownAZCount", spec: "environmentSuffix: t\nnetwork: {availabilityZones: 4}"},
		{name: "BadInput/AZNamesDoNotMatchCount", spec: "environmentSuffix: t\nnetwork: {availabilityZones: 3, availabilityZoneNames: [us-east-2a, us-east-2b]}"},
		{name: "BadInput/AZOfAnotherRegion", spec: "environmentSuffix: t\nnetwork: {availabilityZones: 2, availabilityZoneNames: [us-east-2a, eu-west-1b]}"},
		{name: "BadInput/MalformedTagKey", spec: "environmentSuffix: t\ntags: {'aws:owner': me}"},
		{name: "BadInput/MalformedTagValue", spec: "environmentSuffix: t\ntags: {Owner: 'a<b>'}"},
		{name: "BadInput/ReservedTag", spec: "environmentSuffix: t\ntags: {ManagedBy: me}"},
		{name: "BadInput/ProdSingleNAT", spec: "environmentSuffix: t\nenvironment: prod\nnetwork: {natMode: Single}"},
		{name: "BadInput/ProdShortRetention", spec: "environmentSuffix: t\nenvironment: prod\nnetwork: {flowLogRetentionDays: 90}"},
		{name: "BadInput/RetentionNotACloudWatchValue", spec: "environmentSuffix: t\nnetwork: {flowLogRetentionDays: 100}"},
		{name: "BadInput/UnknownEnvironment", spec: "environmentSuffix: t\nenvironment: qa"},
		{name: "BadInput/UnknownField", spec: "environmentSuffix: t\nnetwork: {vpcCidrr: 10.0.0.0/16}"},
		{name: "BadInput/WrongType", spec: "environmentSuffix: t\nnetwork: {availabilityZones: three}"},
		{name: "BadInput/BadRegion", spec: "environmentSuffix: t\nregion: mars-1"},
		// TestDataTierBadInput
		{name: "DataTierBadInput/MaxBelowMin", spec: "environmentSuffix: t\ndatabase: {minCapacity: 8, maxCapacity: 4}"},
		{name: "DataTierBadInput/UnknownEngineVersion", spec: "environmentSuffix: t\ndatabase: {engineVersion: '13.4'}"},
		{name: "DataTierBadInput/EngineVersionNotMajorMinor", spec: "environmentSuffix: t\ndatabase: {engineVersion: latest}"},
		{name: "DataTierBadInput/MoreInstancesThanAZs", spec: "environmentSuffix: t\nnetwork: {availabilityZones: 2}\ndatabase: {instances: 3}"},
		{name: "DataTierBadInput/ReservedMasterUser", spec: "environmentSuffix: t\ndatabase: {masterUsername: postgres}"},
		{name: "DataTierBadInput/SourceWithoutSecretRef", spec: "environmentSuffix: t\nmigration: {source: {host: 198.51.100.1}}\nlambdas: {artifactBucket: a-artifacts, version: v0.1.0, sourceCodeHashes: {dmsUser: F7xYCKe2nHFc0BQf+6KXt6rMPgPW9RHJi3pZf5fX/kc=}}\n"},
		{name: "DataTierBadInput/SourceHostnameWithoutCIDR", spec: "environmentSuffix: t\nmigration: {source: {host: db.corp, credentialsSecretRef: {name: s}}}\nlambdas: {artifactBucket: a-artifacts, version: v0.1.0, sourceCodeHashes: {dmsUser: F7xYCKe2nHFc0BQf+6KXt6rMPgPW9RHJi3pZf5fX/kc=}}\n"},
		{name: "DataTierBadInput/SourceCIDRAnywhere", spec: "environmentSuffix: t\nmigration: {source: {host: db.corp, cidr: 0.0.0.0/0, credentialsSecretRef: {name: s}}}\nlambdas: {artifactBucket: a-artifacts, version: v0.1.0, sourceCodeHashes: {dmsUser: F7xYCKe2nHFc0BQf+6KXt6rMPgPW9RHJi3pZf5fX/kc=}}\n"},
		{name: "DataTierBadInput/StorageBelowSourceNeeds", spec: "environmentSuffix: t\nmigration: {allocatedStorageGb: 60, source: {host: 198.51.100.1, sizeGb: 500, credentialsSecretRef: {name: s}}}\nlambdas: {artifactBucket: a-artifacts, version: v0.1.0, sourceCodeHashes: {dmsUser: F7xYCKe2nHFc0BQf+6KXt6rMPgPW9RHJi3pZf5fX/kc=}}\n"},
		{name: "DataTierBadInput/BurstableDMSInProd", spec: "environmentSuffix: t\nenvironment: prod\nmigration: {replicationInstanceClass: dms.t3.medium, source: {host: 198.51.100.1, credentialsSecretRef: {name: s}}}\nlambdas: {artifactBucket: a-artifacts, version: v0.1.0, sourceCodeHashes: {dmsUser: F7xYCKe2nHFc0BQf+6KXt6rMPgPW9RHJi3pZf5fX/kc=}}\n"},
		{name: "DataTierBadInput/SSLDisabled", spec: "environmentSuffix: t\nmigration: {source: {host: 198.51.100.1, sslMode: disable, credentialsSecretRef: {name: s}}}\nlambdas: {artifactBucket: a-artifacts, version: v0.1.0, sourceCodeHashes: {dmsUser: F7xYCKe2nHFc0BQf+6KXt6rMPgPW9RHJi3pZf5fX/kc=}}\n"},
		{name: "DataTierBadInput/Unclaimed", spec: "environmentSuffix: t\nmigration: {source: {host: 198.51.100.1, credentialsSecretRef: {name: s}}}\nlambdas: {artifactBucket: a-artifacts, version: v0.1.0, sourceCodeHashes: {dmsUser: F7xYCKe2nHFc0BQf+6KXt6rMPgPW9RHJi3pZf5fX/kc=}}\n"},
		// TestEdgeBadInput
		{name: "EdgeBadInput/UnknownStep", spec: strings.Replace(base, "step: 0", "step: 25", 1)},
		{name: "EdgeBadInput/DomainNotInZone", spec: strings.Replace(base, "zoneName: payments.example.com", "zoneName: other.example.org", 1)},
		{name: "EdgeBadInput/BothCertificates", spec: strings.Replace(base, "  certificateArn:", "  createCertificate: true\n  certificateArn:", 1)},
		{name: "EdgeBadInput/NoCertificate", spec: strings.Replace(base, "  certificateArn: arn:aws:acm:us-east-2:123456789012:certificate/abcd-1234\n", "", 1)},
		{name: "EdgeBadInput/ImageNotECR", spec: strings.Replace(base, "123456789012.dkr.ecr.us-east-2.amazonaws.com/payment-api:v1", "docker.io/library/payment-api:v1", 1)},
		{name: "EdgeBadInput/BothZones", spec: strings.Replace(base, "  hostedZoneId:", "  createHostedZone: true\n  hostedZoneId:", 1)},
		{name: "EdgeBadInput/SecretInEnv", spec: strings.Replace(base, "api:\n", "api:\n  environment: {DB_PASSWORD: hunter2}\n", 1)},
		{name: "EdgeBadInput/ProvisionedAboveReserved", spec: strings.Replace(base, "api:\n", "api:\n  reservedConcurrency: 5\n", 1)},
		{name: "EdgeBadInput/CutoverWithoutIngress", spec: strings.Split(base, "ingress:")[0] + "cutover:" + strings.Split(base, "cutover:")[1]},
		// Valid specs of the function's tests.
		{name: "Defaults", spec: "environmentSuffix: dev1"},
		{name: "ProdAndNATModes/Prod", spec: "environmentSuffix: p\nenvironment: prod"},
		{name: "ProdAndNATModes/StagingSingle", spec: "environmentSuffix: s\nenvironment: staging\nnetwork: {natMode: Single}"},
		{name: "ProdAndNATModes/DevPerAZTwoAZ", spec: "environmentSuffix: d\nnetwork: {natMode: PerAZ, availabilityZones: 2}"},
		{name: "ProdSpec", spec: fnProdSpec},
		{name: "EdgeSpec/0", spec: base},
		{name: "EdgeSpec/100Rollback", spec: fnEdgeSpec(100, true)},
		{name: "EdgeSpec/Lambdas", spec: base + fnLambdasSpec},
		{name: "EdgeSpec/Monitored", spec: base + fnMonitoredSpec},
	}
	// FuzzRunFunction's seeds.
	for i, s := range []string{
		`{"environmentSuffix":""}`, `{"environmentSuffix":"t","network":{"vpcCidr":"10.0.0.0/26"}}`,
		`{"environmentSuffix":"t","network":{"availabilityZones":4}}`, `{"environmentSuffix":"t","tags":{"aws:x":"y"}}`,
		`{"environmentSuffix":"t","database":{"minCapacity":8,"maxCapacity":4}}`, `{"environmentSuffix":"t","migration":{"source":{}}}`,
		`{"environmentSuffix":"t","cutover":{"step":25}}`, `{"environmentSuffix":"t","api":{"imageUri":"x"}}`,
		`{"environmentSuffix":"t","network":{"availabilityZones":"three"}}`, `{"environmentSuffix":"t","network":null}`,
		`{"environmentSuffix":"t","migration":null,"api":null}`, `{"environmentSuffix":"t","network":{"vpcCidr":"10.0.0.0/16","subnetPrefixLength":-1}}`,
	} {
		cases = append(cases, specCase{name: fmt.Sprintf("FuzzRunFunction/seed%d", i), spec: s})
	}
	return cases
}

// tableSpecs are the specs of TestXRDAgreesWithGo, also in the fuzz
// target's seed corpus.
func tableSpecs(t testing.TB) []specCase {
	return slices.Concat(exampleSpecs(t), fnTestSpecs(), ownSpecs)
}

// TestXRDAgreesWithGo runs every example claim's spec and every spec of the
// function's tests through the API server (the claim, then the XR
// Crossplane makes of it) and through the function's Default and Validate:
// both accept it or both refuse it, and an accepted spec is defaulted alike.
func TestXRDAgreesWithGo(t *testing.T) {
	for _, c := range tableSpecs(t) {
		t.Run(c.name, func(t *testing.T) {
			v := judge(t, parseSpec(t, c.spec), true)
			if d := v.disagreement(); d != "" {
				t.Errorf("%s\nspec: %s", d, c.spec)
			}
			if c.want != "" {
				if got := map[bool]string{true: "accept", false: "refuse"}[len(v.apiErrs) == 0]; got != c.want {
					t.Errorf("both sides %s it, want %s: %s", got, c.want, errsString(v.apiErrs))
				}
			}
			for path, want := range c.stored {
				got, _ := pathOf(path).get(v.apiSpec)
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("stored %s = %v, want %v", path, got, want)
				}
			}
		})
	}
}

// pathOf parses a.b[0].c.
func pathOf(s string) path {
	var p path
	for _, part := range strings.Split(s, ".") {
		name, idx, isList := strings.Cut(part, "[")
		p = append(p, name)
		if isList {
			n, _ := strconv.Atoi(strings.TrimSuffix(idx, "]"))
			p = append(p, n)
		}
	}
	return p
}

// ownSpecs pin how the disagreements this test found were settled: which
// side changed, and what both now do.
var ownSpecs = []specCase{
	// A field given its zero value is present, not absent: the API server
	// keeps it (and judges it), so Default must not replace it.
	{name: "Zero/budget", spec: "environmentSuffix: x\nmonitoring: {budgetMonthlyUsd: 0}", want: "accept", stored: map[string]any{"monitoring.budgetMonthlyUsd": 0}},
	{name: "Zero/provisionedMin", spec: "environmentSuffix: x\napi: {imageUri: 123456789012.dkr.ecr.us-east-2.amazonaws.com/a:b, provisionedConcurrency: {min: 0}}", want: "accept", stored: map[string]any{"api.provisionedConcurrency.min": 0, "api.provisionedConcurrency.max": 10}},
	{name: "Zero/provisionedMaxOnly", spec: "environmentSuffix: x\napi: {imageUri: 123456789012.dkr.ecr.us-east-2.amazonaws.com/a:b, provisionedConcurrency: {max: 5}}", want: "accept", stored: map[string]any{"api.provisionedConcurrency.min": 2}},
	{name: "Zero/memory", spec: "environmentSuffix: x\napi: {imageUri: 123456789012.dkr.ecr.us-east-2.amazonaws.com/a:b, memoryMb: 0}", want: "refuse"},
	{name: "Zero/region", spec: "environmentSuffix: x\nregion: ''", want: "refuse"},
	{name: "Zero/natMode", spec: "environmentSuffix: x\nnetwork: {natMode: ''}", want: "refuse"},
	{name: "Zero/subnetPrefixLength", spec: "environmentSuffix: x\nnetwork: {subnetPrefixLength: 0}", want: "refuse"},
	{name: "Zero/certificateArn", spec: fnEdgeSpec(0, false) + "  createCertificate: true\n  certificateArn: ''\n", want: "refuse"},
	{name: "Zero/secretKey", spec: "environmentSuffix: x\nmigration: {source: {host: 198.51.100.1, credentialsSecretRef: {name: s, key: ''}}}\nlambdas: {artifactBucket: a-artifacts, version: v0.1.0, sourceCodeHashes: {dmsUser: F7xYCKe2nHFc0BQf+6KXt6rMPgPW9RHJi3pZf5fX/kc=}}\n", want: "refuse"},
	{name: "Null/tagValue", spec: `{"environmentSuffix":"x","tags":{"Owner":null}}`, want: "accept", stored: map[string]any{"tags": map[string]any{}}},
	{name: "Null/tableMapping", spec: `{"environmentSuffix":"x","migration":{"source":{"host":"10.1.1.1","credentialsSecretRef":{"name":"s"}},"tableMappings":[null]}}`, want: "refuse"},
	// The XRD's minimum 0.5 (0.1) let a whole-number 0 through: the API
	// server compares an integer with int64(minimum).
	{name: "FractionalMinimum/minCapacity", spec: "environmentSuffix: x\ndatabase: {minCapacity: 0}", want: "refuse"},
	{name: "FractionalMinimum/albLatency", spec: "environmentSuffix: x\nmonitoring: {thresholds: {albLatencySeconds: 0}}", want: "refuse"},
	// Rules only the function had, now in the XRD.
	{name: "XRD/vpcCidrHostBits", spec: "environmentSuffix: x\nnetwork: {vpcCidr: 10.0.1.0/16}", want: "refuse"},
	{name: "XRD/sourceCidrHostBits", spec: "environmentSuffix: x\nmigration: {source: {host: db.corp, cidr: 10.0.0.1/24, credentialsSecretRef: {name: s}}}\nlambdas: {artifactBucket: a-artifacts, version: v0.1.0, sourceCodeHashes: {dmsUser: F7xYCKe2nHFc0BQf+6KXt6rMPgPW9RHJi3pZf5fX/kc=}}\n", want: "refuse"},
	{name: "XRD/zoneOfAnotherRegion", spec: "environmentSuffix: x\nregion: eu-west-1\nnetwork: {availabilityZones: 2, availabilityZoneNames: [us-east-2a, us-east-2b]}", want: "refuse"},
	{name: "XRD/tagKeyAWSAnyCase", spec: "environmentSuffix: x\ntags: {'AWS:x': y}", want: "refuse"},
	{name: "XRD/tagKeyCharacters", spec: "environmentSuffix: x\ntags: {'a<b': y}", want: "refuse"},
	{name: "XRD/certificateOfAnotherRegion", spec: strings.Replace(fnEdgeSpec(0, false), "acm:us-east-2", "acm:eu-west-1", 1), want: "refuse"},
	{name: "XRD/createCertificateWithoutCutover", spec: "environmentSuffix: x\napi: {imageUri: 123456789012.dkr.ecr.us-east-2.amazonaws.com/a:b}\ningress: {domainName: api.example.com, createCertificate: true}", want: "refuse"},
	{name: "XRD/oldSystemIsTheDomain", spec: strings.Replace(fnEdgeSpec(0, false), "legacy.payments.example.com", "API.payments.example.com", 1), want: "refuse"},
	{name: "XRD/storageForHugeSource", spec: "environmentSuffix: x\nmigration: {source: {host: 198.51.100.1, sizeGb: 30721, credentialsSecretRef: {name: s}}}\nlambdas: {artifactBucket: a-artifacts, version: v0.1.0, sourceCodeHashes: {dmsUser: F7xYCKe2nHFc0BQf+6KXt6rMPgPW9RHJi3pZf5fX/kc=}}\n", want: "refuse"},
	{name: "CEL/privateSourceUnreachable", spec: "environmentSuffix: x\nmigration: {source: {host: 10.50.0.10, credentialsSecretRef: {name: s}}}\nlambdas: {artifactBucket: a-artifacts, version: v0.1.0, sourceCodeHashes: {dmsUser: F7xYCKe2nHFc0BQf+6KXt6rMPgPW9RHJi3pZf5fX/kc=}}", want: "refuse"},
	{name: "CEL/privateSourceOverVPN", spec: "environmentSuffix: x\nnetwork: {onPremises: {cidrs: [10.50.0.0/16], vpn: {customerGatewayIp: 203.0.113.10}}}\nmigration: {source: {host: 10.50.0.10, credentialsSecretRef: {name: s}}}\nlambdas: {artifactBucket: a-artifacts, version: v0.1.0, sourceCodeHashes: {dmsUser: F7xYCKe2nHFc0BQf+6KXt6rMPgPW9RHJi3pZf5fX/kc=}}", want: "accept"},
	{name: "CEL/privateSourceOtherCIDR", spec: "environmentSuffix: x\nnetwork: {onPremises: {cidrs: [10.60.0.0/16], vpn: {customerGatewayIp: 203.0.113.10}}}\nmigration: {source: {host: 10.50.0.10, credentialsSecretRef: {name: s}}}\nlambdas: {artifactBucket: a-artifacts, version: v0.1.0, sourceCodeHashes: {dmsUser: F7xYCKe2nHFc0BQf+6KXt6rMPgPW9RHJi3pZf5fX/kc=}}", want: "refuse"},
	{name: "CEL/onPremTGWAndVPN", spec: "environmentSuffix: x\nnetwork: {onPremises: {cidrs: [10.50.0.0/16], transitGatewayId: tgw-0a1b2c3d4e5f60718, vpn: {customerGatewayIp: 203.0.113.10}}}", want: "refuse"},
	{name: "CEL/onPremNeither", spec: "environmentSuffix: x\nnetwork: {onPremises: {cidrs: [10.50.0.0/16]}}", want: "refuse"},
	{name: "CEL/onPremOverlapsVPC", spec: "environmentSuffix: x\nnetwork: {onPremises: {cidrs: [10.0.128.0/17], transitGatewayId: tgw-0a1b2c3d4e5f60718}}", want: "refuse"},
	{name: "CEL/onPremPrivateVPNDevice", spec: "environmentSuffix: x\nnetwork: {onPremises: {cidrs: [10.50.0.0/16], vpn: {customerGatewayIp: 10.50.0.1}}}", want: "refuse"},
	{name: "CEL/resolverOutsideCIDRs", spec: "environmentSuffix: x\nnetwork: {onPremises: {cidrs: [192.168.0.0/16], transitGatewayId: tgw-0a1b2c3d4e5f60718, dns: {domain: corp.example.com, resolverIps: [10.9.9.9]}}}", want: "refuse"},
	{name: "CEL/hostnameSourceWithoutDNS", spec: "environmentSuffix: x\nnetwork: {onPremises: {cidrs: [192.168.0.0/16], transitGatewayId: tgw-0a1b2c3d4e5f60718}}\nmigration: {source: {host: pg.corp.example.com, cidr: 192.168.10.0/24, credentialsSecretRef: {name: s}}}\nlambdas: {artifactBucket: a-artifacts, version: v0.1.0, sourceCodeHashes: {dmsUser: F7xYCKe2nHFc0BQf+6KXt6rMPgPW9RHJi3pZf5fX/kc=}}", want: "refuse"},
	{name: "CEL/hostnameSourceOtherDomain", spec: "environmentSuffix: x\nnetwork: {onPremises: {cidrs: [192.168.0.0/16], transitGatewayId: tgw-0a1b2c3d4e5f60718, dns: {domain: example.org, resolverIps: [192.168.1.10]}}}\nmigration: {source: {host: pg.corp.example.com, cidr: 192.168.10.0/24, credentialsSecretRef: {name: s}}}\nlambdas: {artifactBucket: a-artifacts, version: v0.1.0, sourceCodeHashes: {dmsUser: F7xYCKe2nHFc0BQf+6KXt6rMPgPW9RHJi3pZf5fX/kc=}}", want: "refuse"},
	{name: "CEL/hostnameSourceOverTGW", spec: "environmentSuffix: x\nnetwork: {onPremises: {cidrs: [192.168.0.0/16], transitGatewayId: tgw-0a1b2c3d4e5f60718, dns: {domain: corp.example.com, resolverIps: [192.168.1.10]}}}\nmigration: {source: {host: pg.corp.example.com, cidr: 192.168.10.0/24, credentialsSecretRef: {name: s}}}\nlambdas: {artifactBucket: a-artifacts, version: v0.1.0, sourceCodeHashes: {dmsUser: F7xYCKe2nHFc0BQf+6KXt6rMPgPW9RHJi3pZf5fX/kc=}}", want: "accept"},
	{name: "CEL/usWest1ThreeZones", spec: "environmentSuffix: x\nregion: us-west-1", want: "refuse"},
	{name: "CEL/usWest1TwoZones", spec: "environmentSuffix: x\nregion: us-west-1\nnetwork: {availabilityZones: 2}", want: "accept"},
	{name: "CEL/usWest1ZoneIDs", spec: "environmentSuffix: x\nregion: us-west-1\nnetwork: {availabilityZoneIds: [usw1-az1, usw1-az3, usw1-az4]}", want: "accept"},
	{name: "CEL/zoneIDsCount", spec: "environmentSuffix: x\nnetwork: {availabilityZoneIds: [use2-az1, use2-az2]}", want: "refuse"},
	{name: "CEL/zoneIDsRepeat", spec: "environmentSuffix: x\nnetwork: {availabilityZoneIds: [use2-az1, use2-az1, use2-az2]}", want: "refuse"},
	{name: "CEL/zoneNamesAndIDs", spec: "environmentSuffix: x\nnetwork: {availabilityZoneIds: [use2-az1, use2-az2, use2-az3], availabilityZoneNames: [us-east-2a, us-east-2b, us-east-2c]}", want: "refuse"},
	{name: "CEL/verifyFullNeedsCA", spec: "environmentSuffix: x\nmigration: {source: {host: 198.51.100.1, sslMode: verify-full, credentialsSecretRef: {name: s}}}\nlambdas: {artifactBucket: a-artifacts, version: v0.1.0, sourceCodeHashes: {dmsUser: F7xYCKe2nHFc0BQf+6KXt6rMPgPW9RHJi3pZf5fX/kc=}}\n", want: "refuse"},
	{name: "CEL/verifyCAWithCA", spec: "environmentSuffix: x\nmigration: {source: {host: 198.51.100.1, sslMode: verify-ca, caCertificateSecretRef: {name: ca}, credentialsSecretRef: {name: s}}}\nlambdas: {artifactBucket: a-artifacts, version: v0.1.0, sourceCodeHashes: {dmsUser: F7xYCKe2nHFc0BQf+6KXt6rMPgPW9RHJi3pZf5fX/kc=}}\n", want: "accept"},
	{name: "CEL/migrationNeedsLambdas", spec: "environmentSuffix: x\nmigration: {source: {host: 198.51.100.1, credentialsSecretRef: {name: s}}}", want: "refuse"},
	{name: "CEL/validatorSecretsTogether", spec: "environmentSuffix: x\nmigration: {source: {host: 198.51.100.1, credentialsSecretRef: {name: s}}}\nlambdas: {artifactBucket: a-artifacts, version: v0.1.0, sourceCodeHashes: {dmsUser: F7xYCKe2nHFc0BQf+6KXt6rMPgPW9RHJi3pZf5fX/kc=}, sourceSecretArn: 'arn:aws:secretsmanager:us-east-2:123456789012:secret:s-abc'}", want: "refuse"},
	{name: "XRD/storageDefaultCapped", spec: "environmentSuffix: x\nmigration: {source: {host: 198.51.100.1, sizeGb: 30000, credentialsSecretRef: {name: s}}}\nlambdas: {artifactBucket: a-artifacts, version: v0.1.0, sourceCodeHashes: {dmsUser: F7xYCKe2nHFc0BQf+6KXt6rMPgPW9RHJi3pZf5fX/kc=}}\n", want: "accept"},
	// Settled on the function's side: the doc says an empty list means "not
	// pinned", and an empty list of table mappings would replicate nothing.
	{name: "XRD/noZoneNames", spec: "environmentSuffix: x\nnetwork: {availabilityZoneNames: []}", want: "accept"},
	{name: "XRD/noTableMappings", spec: "environmentSuffix: x\nmigration: {source: {host: 198.51.100.1, credentialsSecretRef: {name: s}}, tableMappings: []}", want: "refuse"},
	{name: "XRD/tableMappingsDefault", spec: "environmentSuffix: x\nmigration: {source: {host: 198.51.100.1, credentialsSecretRef: {name: s}}}\nlambdas: {artifactBucket: a-artifacts, version: v0.1.0, sourceCodeHashes: {dmsUser: F7xYCKe2nHFc0BQf+6KXt6rMPgPW9RHJi3pZf5fX/kc=}}\n", want: "accept", stored: map[string]any{"migration.tableMappings[0].schema": "public"}},
	// Limits only the XRD had, now in Validate().
	{name: "Go/teamLength", spec: "environmentSuffix: x\nteam: " + strings.Repeat("t", 129), want: "refuse"},
	{name: "Go/providerConfigNameCharacters", spec: "environmentSuffix: x\nproviderConfigName: " + strings.Repeat("é", 253), want: "accept"},
	{name: "Go/imageURILength", spec: "environmentSuffix: x\napi: {imageUri: 123456789012.dkr.ecr.us-east-2.amazonaws.com/" + strings.Repeat("a", 500) + ":v1}", want: "refuse"},
	{name: "Go/tooManyEmails", spec: "environmentSuffix: x\nmonitoring: {alarmEmails: [" + strings.TrimSuffix(strings.Repeat("a@b.c, ", 11), ", ") + "]}", want: "refuse"},
}

// TestXRDUpdateRules edits an admitted claim (and its XR) with the API
// server's update path: the transition rules (admissionOnlyRules) refuse
// what they must, and the function — which never sees the stored object —
// accepts both the old and the new spec.
func TestXRDUpdateRules(t *testing.T) {
	var base string
	for _, c := range exampleSpecs(t) {
		if strings.HasSuffix(c.name, "/claim.yaml") {
			base = c.spec
		}
	}
	edit := func(p string, v any) string {
		m, _ := parseSpec(t, base).(map[string]any)
		mutation{path: pathOf(p), value: v}.apply(m)
		b, _ := json.Marshal(m)
		return string(b)
	}
	cases := map[string]struct {
		old, new string
		refusal  string // an admissionOnlyRules key; "": accepted
	}{
		"Suffix":           {base, edit("environmentSuffix", "dev2"), "spec.environmentSuffix is immutable"},
		"Region":           {base, edit("region", "eu-west-1"), "spec.region is immutable"},
		"RegionAsDefault":  {base, edit("region", "us-east-2"), ""},
		"DatabaseName":     {base, edit("database.databaseName", "payments2"), "spec.database.databaseName is immutable"},
		"MasterUsername":   {base, edit("database.masterUsername", "dbadmin2"), "spec.database.masterUsername is immutable"},
		"EngineMajor":      {base, edit("database.engineVersion", "17.2"), "spec.database.engineVersion: a major version upgrade"},
		"EngineMinor":      {base, edit("database.engineVersion", "16.8"), ""},
		"OtherFields":      {base, edit("monitoring.budgetMonthlyUsd", 2500), ""},
		"CutoverMovesOn":   {base, edit("cutover.step", 10), ""},
		"MigrationStopped": {base, edit("migration.enabled", false), ""},
	}
	tested := map[string]bool{}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			oldSpec, newSpec := parseSpec(t, tc.old), parseSpec(t, tc.new)
			for which, s := range map[string]any{"old": oldSpec, "new": newSpec} {
				if _, errs := goAdmit(s); len(errs) > 0 {
					t.Errorf("Validate() refuses the %s spec: %v", which, errs)
				}
			}
			errs := theAPIServer(t).admitUpdate(oldSpec, newSpec)
			switch {
			case tc.refusal == "" && len(errs) > 0:
				t.Errorf("the API server refuses the edit: %s", errsString(errs))
			case tc.refusal != "" && !strings.Contains(errsString(errs), tc.refusal):
				t.Errorf("the API server does not refuse the edit with %q: %s", tc.refusal, errsString(errs))
			}
			tested[tc.refusal] = true
		})
	}
	// Every transition rule of the XRD is listed, and has a refused edit.
	spec := theAPIServer(t).claim.structural.Properties["spec"]
	var transitions []string
	for _, r := range xrdRules(&spec, "spec") {
		if strings.Contains(r.rule, "oldSelf") {
			k := ruleKey(r.message)
			if _, ok := admissionOnlyRules[k]; !ok {
				t.Errorf("transition rule at %s (%q) is not in admissionOnlyRules", r.path, r.message)
			}
			transitions = append(transitions, k)
		}
	}
	for k := range admissionOnlyRules {
		if !slices.Contains(transitions, k) {
			t.Errorf("admissionOnlyRules lists %q, which is no transition rule of the XRD", k)
		}
		if !tested[k] {
			t.Errorf("no edit is refused by %q", k)
		}
	}
}
