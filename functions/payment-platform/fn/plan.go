package fn

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	utilversion "k8s.io/apimachinery/pkg/util/version"

	"k8s.io/utils/ptr"

	"github.com/acme-payments/xpaymentplatform/apis/v1alpha1"
	xpv1 "github.com/crossplane/crossplane-runtime/v2/apis/common/v1"
	"github.com/crossplane/function-sdk-go/resource"
	route53v2 "github.com/upbound/provider-aws/v2/apis/cluster/route53/v1beta2"

	"net/netip"
	"strings"
)

// Plan is everything computed once per request from the defaulted spec and
// the observed world: names, tags, zones, subnet CIDRs, selectors. Tiers read
// it and never each other.
type Plan struct {
	Spec     *v1alpha1.XPaymentPlatformSpec
	Observed Observed
	// View is what the tiers read of the observed world, typed.
	View Views

	// ClaimNamespace is the namespace of the claim, where secrets the claim
	// references live by default; empty for an unclaimed XR.
	ClaimNamespace string

	AZs     []AZ
	Subnets map[string][]netip.Prefix // tier -> CIDR per AZ
	Tags    map[string]string         // tags every AWS resource gets

	// Validation is what the migration validator said for the requested
	// step (nil without a validator); Cutover is the step decision. Both are
	// made once, in NewPlan, before any tier runs.
	Validation *v1alpha1.ValidationStatus
	Cutover    Cutover
	// Chain is the requested step's validation run, invocation by
	// invocation (validationChain); nil without a validator.
	Chain []ValidationLink
}

// NewPlan computes the plan of a validated, defaulted spec.
func NewPlan(spec *v1alpha1.XPaymentPlatformSpec, obs Observed) *Plan {
	p := &Plan{Spec: spec, Observed: obs, View: observe(obs)}
	p.AZs = zones(spec)
	p.Subnets = carve(spec.Network, len(p.AZs))
	p.Tags = map[string]string{
		"Environment": string(spec.Environment),
		"Project":     "payment-migration",
		"Team":        spec.Team,
		"CostCenter":  spec.CostCenter,
		"ManagedBy":   "crossplane",
	}
	for k, v := range spec.Tags {
		p.Tags[k] = v
	}
	p.decideAll()
	return p
}

// decideAll makes, once, what the plan decides from its views: the names of
// zones pinned by ID, the validation chain and its verdict, and the cutover
// step. The tiers and the status read the results.
func (p *Plan) decideAll() {
	p.nameZones()
	p.Chain = nil
	if p.Spec.Cutover != nil && p.Spec.Lambdas.ValidatorEnabled() && p.Spec.MigrationEnabled() {
		p.Chain = p.validationChain()
	}
	p.Validation = p.validation()
	if p.Spec.Cutover != nil {
		p.Cutover = p.decide()
	}
}

func zones(spec *v1alpha1.XPaymentPlatformSpec) []AZ {
	out := make([]AZ, spec.Network.AvailabilityZones)
	for i := range out {
		key := string(rune('a' + i))
		name := spec.Region + key
		var id string
		switch {
		case len(spec.Network.AvailabilityZoneNames) == len(out):
			name = spec.Network.AvailabilityZoneNames[i]
		case len(spec.Network.AvailabilityZoneIDs) == len(out):
			// A zone's name differs between accounts; AWS reports it for
			// the zone's subnets (NewPlan fills it in from the view).
			name, id = "", spec.Network.AvailabilityZoneIDs[i]
		}
		out[i] = AZ{Name: name, ID: id, Key: key}
	}
	return out
}

// nameZones gives zones pinned by ID the name AWS reports for their data
// subnet, once it exists (empty until then).
func (p *Plan) nameZones() {
	for i, az := range p.AZs {
		if az.ID != "" {
			p.AZs[i].Name = p.View.Network.SubnetZones[SubnetName(TierData, az)]
		}
	}
}

// carve splits the VPC CIDR into 16 equal slots: public subnets take slots
// 0-2, app 4-6 and data 8-10 (one spare per tier for a fourth AZ, and 12-15
// for later tiers). The layout depends only on the CIDR, so it never moves.
func carve(n v1alpha1.NetworkSpec, azs int) map[string][]netip.Prefix {
	vpc := netip.MustParsePrefix(n.VPCCIDR)
	base := vpc.Addr().As4()
	start := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3])
	slotStride := uint32(1) << (32 - vpc.Bits() - v1alpha1.SubnetSlotBits)
	out := map[string][]netip.Prefix{}
	for t, tier := range SubnetTiers {
		for i := 0; i < azs; i++ {
			slot := uint32(t*4 + i)
			a := start + slot*slotStride
			addr := netip.AddrFrom4([4]byte{byte(a >> 24), byte(a >> 16), byte(a >> 8), byte(a)})
			out[tier] = append(out[tier], netip.PrefixFrom(addr, n.SubnetPrefixLength))
		}
	}
	return out
}

// Name is the metadata.name of a composed resource: payment-<name>-<suffix>.
// It is derived from the composition-resource name only, so both are stable.
func (p *Plan) Name(n resource.Name) string {
	return fmt.Sprintf("payment-%s-%s", n, p.Spec.EnvironmentSuffix)
}

// NameWithin is Name, shortened deterministically when AWS allows fewer
// characters (an ALB target group's name: 32): the first limit-9
// characters, a hyphen and 8 hex digits of the full name's SHA-256. A name
// that fits is Name itself, so existing suffixes keep their names.
func (p *Plan) NameWithin(n resource.Name, limit int) string {
	full := p.Name(n)
	if len(full) <= limit {
		return full
	}
	sum := sha256.Sum256([]byte(full))
	return strings.TrimRight(full[:limit-9], "-") + "-" + hex.EncodeToString(sum[:4])
}

// Sel selects the composed resource of this XR with the given
// composition-resource name.
func (p *Plan) Sel(n resource.Name) *xpv1.Selector {
	t := true
	return &xpv1.Selector{MatchControllerRef: &t, MatchLabels: map[string]string{LabelResource: string(n)}}
}

// Region of every regional resource.
func (p *Plan) Region() string { return p.Spec.Region }

// Partition is the AWS partition of the region.
func (p *Plan) Partition() string {
	switch {
	case strings.HasPrefix(p.Spec.Region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(p.Spec.Region, "us-gov-"):
		return "aws-us-gov"
	default:
		return "aws"
	}
}

// AccountID is the AWS account, read from any observed ARN; "*" until one is
// observed (ARNs in policies then match the resource in any account, still
// naming the resource).
func (p *Plan) AccountID() string {
	if id := p.View.Account(); id != "" {
		return id
	}
	return "*"
}

// ARN builds an ARN in this platform's partition, region and account.
func (p *Plan) ARN(service, res string) string {
	return fmt.Sprintf("arn:%s:%s:%s:%s:%s", p.Partition(), service, p.Region(), p.AccountID(), res)
}

// setZone points a record at the cutover zone: the claim's, or the created
// one.
func (p *Plan) setZone(r *route53v2.RecordParameters) {
	if id := p.Spec.Cutover.HostedZoneID; id != "" {
		r.ZoneID = ptr.To(id)
		return
	}
	r.ZoneIDSelector = p.Sel(ResZone)
}

// TierSubnetIDs are the IDs of a tier's subnets in AZ order once every one
// is observed, nil before. Resources on a tier's subnets name them by ID and
// wait for all of them: the provider resolves a list selector once
// (crossplane-runtime's ResolveMultiple) with the subnets that exist then,
// and keeps that list.
func (p *Plan) TierSubnetIDs(tier string) []*string {
	ids := make([]*string, 0, len(p.AZs))
	for _, az := range p.AZs {
		id := p.View.Network.SubnetID(SubnetName(tier, az))
		if id == "" {
			return nil
		}
		ids = append(ids, ptr.To(id))
	}
	return ids
}

// KMSAliasName is the alias of the platform key, as AWS names it.
func (p *Plan) KMSAliasName() string { return "alias/" + p.kmsAliasExternalName() }

// kmsAliasExternalName is the alias' external name as provider-aws keeps
// it: without the alias/ prefix, which the provider adds for AWS and strips
// from what it writes back (config/externalname.go kmsAlias). The prefixed
// form would be rewritten by the provider on every reconcile and re-applied
// by Crossplane, forever.
func (p *Plan) kmsAliasExternalName() string { return "payment-" + p.Spec.EnvironmentSuffix }

// DBClusterIdentifier is the Aurora cluster's identifier.
func (p *Plan) DBClusterIdentifier() string { return p.Name(ResAurora) }

// DBSecretARN is the ARN of the RDS-managed master user secret, once
// observed.
func (p *Plan) DBSecretARN() string {
	return p.View.Database.SecretARN
}

// APIFunctionName is the payment API's Lambda function name.
func (p *Plan) APIFunctionName() string { return p.Name(ResAPI) }

// EngineUpgradeWanted reports whether the claim asks for a higher engine
// version than Aurora runs: only then does the cluster's forProvider carry
// one (a lower one would be a downgrade AWS refuses).
func (p *Plan) EngineUpgradeWanted() bool {
	actual := p.View.Database.EngineVersionActual
	if actual == "" {
		return false
	}
	want, err := utilversion.ParseGeneric(p.Spec.Database.EngineVersion)
	if err != nil {
		return false
	}
	have, err := utilversion.ParseGeneric(actual)
	return err == nil && want.GreaterThan(have)
}

// ValidationRunName is the Invocation of the requested step's validation,
// attempt spec.cutover.validationAttempt: validation-run-<step>-<attempt>.
func (p *Plan) ValidationRunName() resource.Name {
	return ValidationRunName(int(p.Spec.Cutover.Step), p.Spec.Cutover.ValidationAttempt)
}
