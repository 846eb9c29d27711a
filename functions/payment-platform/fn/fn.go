// Package fn is the XPaymentPlatform composition function: one claim in,
// typed provider-aws managed resources and the XR's status out.
package fn

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/acme-payments/xpaymentplatform/apis/v1alpha1"
	"github.com/crossplane/function-sdk-go/errors"
	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/request"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/response"
	"google.golang.org/protobuf/types/known/durationpb"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Function composes an XPaymentPlatform.
type Function struct {
	fnv1.UnimplementedFunctionRunnerServiceServer

	Log logging.Logger
	// TTL is how long Crossplane may cache a response.
	TTL time.Duration
}

// EstimateCost estimates the monthly cost of the platform a defaulted spec
// creates: the tiers build it in the world where everything exists (so
// resources that wait for others count too), and PriceResources prices
// what they built. It depends on the spec alone and is remembered per spec.
func EstimateCost(spec *v1alpha1.XPaymentPlatformSpec) (v1alpha1.CostEstimate, []CostLine, error) {
	if _, err := pricesOf(spec); err != nil {
		return v1alpha1.CostEstimate{}, nil, err
	}
	key, err := json.Marshal(spec)
	if err != nil {
		return v1alpha1.CostEstimate{}, nil, err
	}
	if e, ok := estimates.get(string(key)); ok {
		return e.est, e.lines, e.err
	}
	p := NewPlan(spec, nil)
	p.View = completeViews()
	p.decideAll()
	var built []Desired
	for _, tier := range tiers {
		built = append(built, tier(p).Resources...)
	}
	est, lines, err := PriceResources(spec, built)
	estimates.put(string(key), estimate{est, lines, err})
	return est, lines, err
}

// estimate is a remembered cost estimate.
type estimate struct {
	est   v1alpha1.CostEstimate
	lines []CostLine
	err   error
}

// estimates remembers the last estimates by spec: a platform's spec rarely
// changes between reconciles. Bounded: it forgets everything when full.
var estimates = &memo[estimate]{max: 256}

type memo[V any] struct {
	mu  sync.Mutex
	max int
	m   map[string]V
}

func (c *memo[V]) get(k string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[k]
	return v, ok
}

func (c *memo[V]) put(k string, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= c.max {
		c.m = map[string]V{}
	}
	c.m[k] = v
}

// tiers build the desired resources, in the order of the house plan. Each is
// a plain function of the plan to its part: resources, status, conditions;
// none calls another (TestHouseOneWay).
var tiers = []func(*Plan) Part{
	encryption,
	network,
	flowLogs,
	security,
	database,
	migration,
	compute,
	edge,
	routing,
	monitoring,
	lambdas,
}

// RunFunction runs the six steps of the house plan: read, check, observe,
// build, assemble, report. Bad input is one Fatal result naming the fields;
// it never returns a Go error.
func (f *Function) RunFunction(_ context.Context, req *fnv1.RunFunctionRequest) (*fnv1.RunFunctionResponse, error) {
	ttl := f.TTL
	if ttl == 0 {
		ttl = response.DefaultTTL
	}
	rsp := response.To(req, ttl)

	// 1. read
	oxr, err := request.GetObservedCompositeResource(req)
	if err != nil {
		response.Fatal(rsp, errors.Wrap(err, "cannot read the observed composite resource"))
		return rsp, nil
	}
	if v, ok := oxr.Resource.GetAnnotations()[AnnotationTTL]; ok {
		d, err := time.ParseDuration(v)
		if err != nil || d < MinTTL || d > MaxTTL {
			response.Fatal(rsp, specError(oxr.Resource.GetKind()+" "+oxr.Resource.GetName(), field.ErrorList{field.Invalid(
				field.NewPath("metadata", "annotations").Key(AnnotationTTL), v, fmt.Sprintf("must be a duration from %s to %s, e.g. 5m", MinTTL, MaxTTL))}))
			return rsp, nil
		}
		rsp.GetMeta().Ttl = durationpb.New(d)
	}
	spec, errs := DecodeSpec(oxr.Resource.Object["spec"])
	// 2. check
	if len(errs) == 0 {
		spec.Default()
		errs = spec.Validate()
	}
	if len(errs) > 0 {
		response.Fatal(rsp, specError(oxr.Resource.GetKind()+" "+oxr.Resource.GetName(), errs))
		return rsp, nil
	}

	// 3. observe
	p := NewPlan(spec, NewObserved(req.GetObserved().GetResources()))
	p.ClaimNamespace = claimNamespace(oxr)
	if spec.MigrationEnabled() && spec.Migration.Source.CredentialsSecretRef.Namespace == "" && p.ClaimNamespace == "" {
		response.Fatal(rsp, specError(oxr.Resource.GetKind()+" "+oxr.Resource.GetName(), field.ErrorList{field.Required(
			field.NewPath("spec", "migration", "source", "credentialsSecretRef", "namespace"),
			"this XR has no claim, so the secret's namespace cannot default to the claim's")}))
		return rsp, nil
	}

	// 4. build
	var want []Desired
	parts := make([]Part, 0, len(tiers))
	for _, tier := range tiers {
		part := tier(p)
		parts = append(parts, part)
		want = append(want, part.Resources...)
	}

	// 5. assemble
	dcds, err := request.GetDesiredComposedResources(req)
	if err != nil {
		response.Fatal(rsp, errors.Wrap(err, "cannot read the desired composed resources"))
		return rsp, nil
	}
	for _, d := range want {
		if _, dup := dcds[d.Name]; dup {
			response.Fatal(rsp, fmt.Errorf("composition-resource name %q is produced twice", d.Name))
			return rsp, nil
		}
		u, err := p.assemble(d)
		if err != nil {
			response.Fatal(rsp, errors.Wrap(err, "cannot compose a managed resource"))
			return rsp, nil
		}
		dcds[d.Name] = &resource.DesiredComposed{Resource: u}
	}
	waiting := p.deferUnselectable(dcds, want)
	kept := p.keepObserved(dcds, removalRequested(oxr.Resource.GetAnnotations()))

	// 6. report
	p.setReadiness(dcds)
	dxr, err := request.GetDesiredCompositeResource(req)
	if err != nil {
		response.Fatal(rsp, errors.Wrap(err, "cannot read the desired composite resource"))
		return rsp, nil
	}
	est, _, costErr := EstimateCost(spec)
	if err := p.report(rsp, dxr, dcds, waiting, kept, parts, est, costErr); err != nil {
		response.Fatal(rsp, errors.Wrap(err, "cannot report status"))
		return rsp, nil
	}
	if err := response.SetDesiredComposedResources(rsp, dcds); err != nil {
		response.Fatal(rsp, errors.Wrap(err, "cannot set the desired composed resources"))
		return rsp, nil
	}
	if err := response.SetDesiredCompositeResource(rsp, dxr); err != nil {
		response.Fatal(rsp, errors.Wrap(err, "cannot set the desired composite resource"))
		return rsp, nil
	}
	return rsp, nil
}

// AnnotationTTL on the claim or XR sets how long Crossplane may cache the
// function's response (default: the --ttl flag, 60 s). Large fleets raise
// it to poll less often.
const AnnotationTTL = "platform.payments.io/response-ttl"

// TTL bounds.
const (
	MinTTL = 10 * time.Second
	MaxTTL = time.Hour
)

func removalRequested(annotations map[string]string) map[resource.Name]bool {
	out := map[resource.Name]bool{}
	for _, n := range strings.Split(annotations[AnnotationRemove], ",") {
		if n = strings.TrimSpace(n); n != "" {
			out[resource.Name(n)] = true
		}
	}
	return out
}

// statefulKinds hold data or keys: never deleted because a spec edit
// stopped wanting them, whatever the annotation says.
var statefulKinds = []string{"Key", "Cluster", "Secret", "Zone"}

// IsStateful reports whether a composed kind holds data or keys: a spec
// edit never deletes one.
func IsStateful(kind string) bool { return slices.Contains(statefulKinds, kind) }

// retired reports whether the spec explicitly asked for a resource to go:
// migration.enabled false (or no migration block) removes the DMS
// resources, step 0 or a rollback the new-system record, and a lower database.instances removes the instances beyond it
// (instances hold no data of their own: the cluster volume does).
func (p *Plan) retired(name resource.Name) bool {
	if !p.Spec.MigrationEnabled() && (IsMigrationResource(name) || IsLambdaResource(name)) {
		return true
	}
	if !p.Spec.Lambdas.ValidatorEnabled() && IsLambdaResource(name) {
		return true
	}
	// Validation runs of other steps or attempts: each ran once, and
	// deleting a CREATE_ONLY Invocation does nothing in AWS.
	if strings.HasPrefix(string(name), string(ResValidationRun)+"-") && (p.Spec.Cutover == nil ||
		!slices.ContainsFunc(p.Chain, func(l ValidationLink) bool { return l.Name == name })) {
		return true
	}
	// No new-system record at step 0 or while rolled back (routing.go).
	if name == ResRecordNew && p.Spec.Cutover != nil {
		if _, newW := Weights(p.Cutover.Effective, p.Spec.Cutover.Rollback); newW == 0 {
			return true
		}
	}
	for i, az := range p.AZs {
		if name == AuroraInstanceName(az) {
			return i >= p.Spec.Database.Instances
		}
	}
	return false
}

// claimNamespace is the namespace of the XR's claim, if any.
func claimNamespace(xr *resource.Composite) string {
	if ref := xr.Resource.GetClaimReference(); ref != nil && ref.Namespace != "" {
		return ref.Namespace
	}
	return xr.Resource.GetLabels()["crossplane.io/claim-namespace"]
}

// keepObserved carries over every observed composed resource the spec no
// longer produces, unless the user listed it in AnnotationRemove (and it
// holds no state). Crossplane deletes what is missing from desired state, so
// without this a spec edit — fewer AZs, a single NAT — would silently delete
// live infrastructure. It returns the names kept.
func (p *Plan) keepObserved(dcds map[resource.Name]*resource.DesiredComposed, allowed map[resource.Name]bool) []resource.Name {
	var kept []resource.Name
	for _, name := range sortedNames(p.Observed) {
		if _, ok := dcds[name]; ok {
			continue
		}
		o := p.Observed[name]
		if name == "" || o.APIVersion == "" || o.Kind == "" || o.Name == "" {
			continue // not a resource Crossplane could have composed
		}
		if (allowed[name] || p.retired(name)) && !IsStateful(o.Kind) {
			continue
		}
		u := resource.NewDesiredComposed()
		u.Resource.SetAPIVersion(o.APIVersion)
		u.Resource.SetKind(o.Kind)
		u.Resource.SetName(o.Name)
		u.Resource.SetLabels(map[string]string{LabelResource: string(name), LabelSuffix: p.Spec.EnvironmentSuffix})
		if o.ExternalName != "" {
			u.Resource.SetAnnotations(map[string]string{AnnotationExternalName: o.ExternalName})
		}
		if spec := o.Spec(); spec != nil {
			u.Resource.Object["spec"] = spec
		}
		dcds[name] = u
		kept = append(kept, name)
	}
	return kept
}
