package fn

import (
	"github.com/acme-payments/xpaymentplatform/apis/v1alpha1"
	acm "github.com/upbound/provider-aws/v2/apis/cluster/acm/v1beta1"
	acmv2 "github.com/upbound/provider-aws/v2/apis/cluster/acm/v1beta2"
	elbv2 "github.com/upbound/provider-aws/v2/apis/cluster/elbv2/v1beta1"
	elbv2v2 "github.com/upbound/provider-aws/v2/apis/cluster/elbv2/v1beta2"
	lambda "github.com/upbound/provider-aws/v2/apis/cluster/lambda/v1beta1"
	route53v2 "github.com/upbound/provider-aws/v2/apis/cluster/route53/v1beta2"
	wafv2 "github.com/upbound/provider-aws/v2/apis/cluster/wafv2/v1beta1"
	"k8s.io/utils/ptr"
)

// ListMapKeyDefault is the value the provider's CRD defaults a listener
// action's `index` to. `defaultAction` is a list map keyed by `index`, and
// the typed struct has no omitempty on it: left nil it is sent as null, the
// API server stores the defaulted item, and the next server-side apply adds
// a second item keyed null ("Duplicate value: {"index":"default"}"), so the
// listener never syncs again. Sending the key the server would store makes
// every apply merge into the same item.
const ListMapKeyDefault = "default"

// edgeResources composes the public HTTPS entry: an internet-facing ALB on the public
// subnets (ALB security group, invalid headers dropped, deletion protection
// in prod), a Lambda target group health-checking the API, the permission
// for the ALB to invoke the live alias and the attachment, an HTTPS
// listener with the certificate and a TLS 1.2+ policy, an HTTP listener that
// only redirects to HTTPS, the ACM certificate when the claim asks for one
// (validated by DNS in the cutover zone), and the WAF web ACL on the ALB.
func edgeResources(p *Plan) []Desired {
	in := p.Spec.Ingress
	if in == nil || p.Spec.API == nil {
		return nil
	}
	alb := &elbv2v2.LB{Spec: elbv2v2.LBSpec{ForProvider: elbv2v2.LBParameters{
		Name:                     ptr.To(p.Name(ResALB)),
		LoadBalancerType:         ptr.To("application"),
		Internal:                 ptr.To(false),
		Subnets:                  p.TierSubnetIDs(TierPublic),
		SecurityGroupSelector:    p.Sel(ResSGALB),
		DropInvalidHeaderFields:  ptr.To(true),
		EnableDeletionProtection: ptr.To(p.Spec.IsProd()),
		EnableHttp2:              ptr.To(true),
		DesyncMitigationMode:     ptr.To("strictest"),
		IdleTimeout:              ptr.To(60.0),
	}}}
	if b := in.AccessLogsBucket; b != "" {
		alb.Spec.ForProvider.AccessLogs = &elbv2v2.AccessLogsParameters{Bucket: ptr.To(b), Enabled: ptr.To(true), Prefix: ptr.To(p.Name(ResALB))}
	}
	var out []Desired
	// The load balancer is on every public subnet, once all are known.
	if alb.Spec.ForProvider.Subnets != nil {
		out = append(out, Desired{Name: ResALB, Object: alb})
	}
	out = append(out, []Desired{
		{
			Name: ResAPITargetGroup,
			Object: &elbv2v2.LBTargetGroup{Spec: elbv2v2.LBTargetGroupSpec{ForProvider: elbv2v2.LBTargetGroupParameters{
				// ELB allows 32 characters (CreateTargetGroup Name).
				Name:                           ptr.To(p.NameWithin(ResAPITargetGroup, 32)),
				TargetType:                     ptr.To("lambda"),
				LambdaMultiValueHeadersEnabled: ptr.To(false),
				HealthCheck: &elbv2v2.HealthCheckParameters{
					Enabled:            ptr.To(true),
					Path:               ptr.To(p.Spec.API.HealthCheckPath),
					Interval:           ptr.To(35.0),
					Timeout:            ptr.To(30.0),
					HealthyThreshold:   ptr.To(2.0),
					UnhealthyThreshold: ptr.To(2.0),
					Matcher:            ptr.To("200"),
				},
			}}},
		},
		{
			Name: ResListenerHTTPS,
			Object: &elbv2v2.LBListener{Spec: elbv2v2.LBListenerSpec{ForProvider: elbv2v2.LBListenerParameters{
				LoadBalancerArnSelector: p.Sel(ResALB),
				Port:                    ptr.To(443.0),
				Protocol:                ptr.To("HTTPS"),
				SSLPolicy:               ptr.To(in.TLSPolicy),
				CertificateArn:          p.certificateARN(),
				DefaultAction: []elbv2v2.DefaultActionParameters{{
					Index:                  ptr.To(ListMapKeyDefault),
					Type:                   ptr.To("forward"),
					TargetGroupArnSelector: p.Sel(ResAPITargetGroup),
				}},
				RoutingHTTPResponseStrictTransportSecurityHeaderValue: ptr.To("max-age=31536000; includeSubDomains"),
			}}},
		},
		{
			Name: ResListenerHTTP,
			Object: &elbv2v2.LBListener{Spec: elbv2v2.LBListenerSpec{ForProvider: elbv2v2.LBListenerParameters{
				LoadBalancerArnSelector: p.Sel(ResALB),
				Port:                    ptr.To(80.0),
				Protocol:                ptr.To("HTTP"),
				DefaultAction: []elbv2v2.DefaultActionParameters{{
					Index: ptr.To(ListMapKeyDefault),
					Type:  ptr.To("redirect"),
					Redirect: &elbv2v2.RedirectParameters{
						Protocol: ptr.To("HTTPS"), Port: ptr.To("443"), StatusCode: ptr.To("HTTP_301"),
					},
				}},
			}}},
		},
		{
			Name: ResWAF,
			// Requests no rule blocks are allowed.
			Set: map[string]any{"spec.forProvider.defaultAction": map[string]any{"allow": map[string]any{}}},
			Object: &wafv2.WebACL{Spec: wafv2.WebACLSpec{ForProvider: wafv2.WebACLParameters{
				Name:        ptr.To(p.Name(ResWAF)),
				Description: ptr.To("Payment API: AWS managed rules and a per-IP rate limit"),
				Scope:       ptr.To("REGIONAL"),
				RuleJSON:    ptr.To(WAFRulesJSON(p)),
				VisibilityConfig: &wafv2.WebACLVisibilityConfigParameters{
					CloudwatchMetricsEnabled: ptr.To(true),
					MetricName:               ptr.To(p.Name(ResWAF)),
					SampledRequestsEnabled:   ptr.To(true),
				},
			}}},
		},
	}...)
	// The web ACL is associated with the ALB by its ARN once observed:
	// provider-aws v2.5.0 resolves resourceArnSelector to API Gateway
	// Stages, not load balancers (apis/cluster/wafv2/v1beta1/
	// zz_generated.resolvers.go), so a selector would never resolve.
	if albARN := p.View.Edge.ALBARN; albARN != "" {
		out = append(out, Desired{
			Name: ResWAFAssociation,
			Object: &wafv2.WebACLAssociation{Spec: wafv2.WebACLAssociationSpec{ForProvider: wafv2.WebACLAssociationParameters{
				ResourceArn:       ptr.To(albARN),
				WebACLArnSelector: p.Sel(ResWAF),
			}}},
		})
	}
	if in.CreateCertificate {
		out = append(out, p.certificate()...)
	}
	// The ALB may invoke the live alias once the target group exists; the
	// alias is attached once the permission does.
	tgARN, aliasARN := p.View.Edge.TargetGroupARN, p.View.Compute.AliasARN
	if tgARN != "" {
		out = append(out, Desired{
			Name: ResAPIPermissionALB,
			Object: &lambda.Permission{Spec: lambda.PermissionSpec{ForProvider: lambda.PermissionParameters{
				Action:               ptr.To("lambda:InvokeFunction"),
				FunctionNameSelector: p.Sel(ResAPI),
				Qualifier:            ptr.To(AliasLive),
				Principal:            ptr.To("elasticloadbalancing.amazonaws.com"),
				SourceArn:            ptr.To(tgARN),
				StatementID:          ptr.To("AllowALBInvoke"),
			}}},
		})
	}
	if tgARN != "" && aliasARN != "" && p.View.Edge.PermissionReady {
		out = append(out, Desired{
			Name: ResAPITGAttachment,
			Object: &elbv2.LBTargetGroupAttachment{Spec: elbv2.LBTargetGroupAttachmentSpec{ForProvider: elbv2.LBTargetGroupAttachmentParameters{
				TargetGroupArnSelector: p.Sel(ResAPITargetGroup),
				TargetID:               ptr.To(aliasARN),
			}}},
		})
	}
	return out
}

// certificateARN is the claim's certificate, or the one the platform
// requests once it is issued (validated).
func (p *Plan) certificateARN() *string {
	if arn := p.Spec.Ingress.CertificateARN; arn != "" {
		return ptr.To(arn)
	}
	if arn := p.View.Edge.CertificateARN; arn != "" && p.View.Edge.CertValidated {
		return ptr.To(arn)
	}
	return nil
}

// certificate requests an ACM certificate for the domain and validates it
// with the DNS record ACM asks for, in the cutover zone.
func (p *Plan) certificate() []Desired {
	out := []Desired{{
		Name: ResCertificate,
		Object: &acmv2.Certificate{Spec: acmv2.CertificateSpec{ForProvider: acmv2.CertificateParameters{
			DomainName:       ptr.To(p.Spec.Ingress.DomainName),
			ValidationMethod: ptr.To("DNS"),
			KeyAlgorithm:     ptr.To("EC_prime256v1"),
		}}},
	}}
	name, typ, value := p.View.Edge.CertRecord.Name, p.View.Edge.CertRecord.Type, p.View.Edge.CertRecord.Value
	if name == "" || typ == "" || value == "" {
		return out
	}
	rec := &route53v2.Record{Spec: route53v2.RecordSpec{ForProvider: route53v2.RecordParameters{
		Name:           ptr.To(name),
		Type:           ptr.To(typ),
		Records:        []*string{ptr.To(value)},
		TTL:            ptr.To(60.0),
		AllowOverwrite: ptr.To(true),
	}}}
	p.setZone(&rec.Spec.ForProvider)
	return append(out, Desired{Name: ResCertValidationRec, Object: rec}, Desired{
		Name: ResCertValidation,
		Object: &acm.CertificateValidation{Spec: acm.CertificateValidationSpec{ForProvider: acm.CertificateValidationParameters{
			CertificateArnSelector: p.Sel(ResCertificate),
			ValidationRecordFqdns:  []*string{ptr.To(name)},
		}}},
	})
}

// wafRule is a WAFv2 rule in the AWS API's JSON shape (what ruleJson takes).
type wafRule struct {
	Name             string            `json:"Name"`
	Priority         int               `json:"Priority"`
	Statement        wafStatement      `json:"Statement"`
	OverrideAction   *wafAction        `json:"OverrideAction,omitempty"`
	Action           *wafAction        `json:"Action,omitempty"`
	VisibilityConfig wafVisibilityConf `json:"VisibilityConfig"`
}

type wafStatement struct {
	ManagedRuleGroupStatement *wafManagedRuleGroup `json:"ManagedRuleGroupStatement,omitempty"`
	RateBasedStatement        *wafRateBased        `json:"RateBasedStatement,omitempty"`
}

type wafManagedRuleGroup struct {
	VendorName string `json:"VendorName"`
	Name       string `json:"Name"`
}

type wafRateBased struct {
	Limit               int    `json:"Limit"`
	EvaluationWindowSec int    `json:"EvaluationWindowSec"`
	AggregateKeyType    string `json:"AggregateKeyType"`
}

type wafAction struct {
	None  *struct{} `json:"None,omitempty"`
	Block *struct{} `json:"Block,omitempty"`
}

type wafVisibilityConf struct {
	SampledRequestsEnabled   bool   `json:"SampledRequestsEnabled"`
	CloudWatchMetricsEnabled bool   `json:"CloudWatchMetricsEnabled"`
	MetricName               string `json:"MetricName"`
}

// WAFRulesJSON: the per-IP rate limit over a 60-second window (not the
// 5-minute default, so a burst is cut within a minute), the AWS common rule
// set and, unless the claim turns it off, the SQL-injection rule set.
func WAFRulesJSON(p *Plan) string {
	vis := func(n string) wafVisibilityConf {
		return wafVisibilityConf{SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: n}
	}
	managed := func(name string, prio int) wafRule {
		return wafRule{
			Name: name, Priority: prio,
			Statement:        wafStatement{ManagedRuleGroupStatement: &wafManagedRuleGroup{VendorName: "AWS", Name: name}},
			OverrideAction:   &wafAction{None: &struct{}{}},
			VisibilityConfig: vis(name),
		}
	}
	rules := []wafRule{{
		Name: "rate-limit-per-ip", Priority: 0,
		Statement: wafStatement{RateBasedStatement: &wafRateBased{
			Limit: p.Spec.Ingress.WAF.RateLimitPerMinute, EvaluationWindowSec: 60, AggregateKeyType: "IP",
		}},
		Action:           &wafAction{Block: &struct{}{}},
		VisibilityConfig: vis("rate-limit-per-ip"),
	}, managed("AWSManagedRulesCommonRuleSet", 1)}
	if *p.Spec.Ingress.WAF.SQLInjection {
		rules = append(rules, managed("AWSManagedRulesSQLiRuleSet", 2))
	}
	return mustJSON(rules)
}

// edge is the load balancer, its listeners and the WAF; the status shows
// where the API answers.
func edge(p *Plan) Part {
	e := p.View.Edge
	return Part{Resources: edgeResources(p), Status: v1alpha1.XPaymentPlatformStatus{ALBDNSName: e.ALBDNSName, ALBZoneID: e.ALBZoneID, WAFWebACLARN: e.WAFARN}}
}
