package fn

import (
	"encoding/json"
	"fmt"

	"github.com/acme-payments/xpaymentplatform/internal/contract"
)

// dashboardBody is a CloudWatch dashboard body, built from typed values.
type dashboardBody struct {
	Widgets []widget `json:"widgets"`
}

type widget struct {
	Type       string           `json:"type"`
	X          int              `json:"x"`
	Y          int              `json:"y"`
	Width      int              `json:"width"`
	Height     int              `json:"height"`
	Properties widgetProperties `json:"properties"`
}

type widgetProperties struct {
	Title    string   `json:"title,omitempty"`
	Region   string   `json:"region,omitempty"`
	View     string   `json:"view,omitempty"`
	Period   int      `json:"period,omitempty"`
	Stacked  bool     `json:"stacked,omitempty"`
	Metrics  []Metric `json:"metrics,omitempty"`
	Markdown string   `json:"markdown,omitempty"`
}

// Metric is one line of a metric widget: namespace, name, dimension pairs
// and rendering options, marshalled as CloudWatch's array form.
type Metric struct {
	Namespace  string
	Name       string
	Dimensions [][2]string
	Stat       string
	Label      string
}

// MarshalJSON renders ["Namespace","Name","Dim","Value",...,{"stat":..}].
func (m Metric) MarshalJSON() ([]byte, error) {
	arr := []any{m.Namespace, m.Name}
	for _, d := range m.Dimensions {
		arr = append(arr, d[0], d[1])
	}
	opts := map[string]string{}
	if m.Stat != "" {
		opts["stat"] = m.Stat
	}
	if m.Label != "" {
		opts["label"] = m.Label
	}
	if len(opts) > 0 {
		arr = append(arr, opts)
	}
	return json.Marshal(arr)
}

// Dashboard is the migration dashboard: migration progress, API latency,
// error rates, the database, WAF and where the cutover is. Metrics whose
// dimensions are not known yet (the ALB before it exists) are left out and
// appear on a later reconcile.
func (p *Plan) Dashboard() dashboardBody {
	r := p.Region()
	suffix := [2]string{contract.DimensionEnvironmentSuffix, p.Spec.EnvironmentSuffix}
	var widgets []widget
	add := func(title string, metrics []Metric) {
		if len(metrics) == 0 {
			return
		}
		n := len(widgets)
		widgets = append(widgets, widget{
			Type: "metric", X: (n % 2) * 12, Y: (n / 2) * 6, Width: 12, Height: 6,
			Properties: widgetProperties{Title: title, Region: r, View: "timeSeries", Period: 60, Metrics: metrics},
		})
	}

	var migration []Metric
	if p.Spec.MigrationEnabled() {
		if task := p.DMSTaskID(); task != "" {
			dims := [][2]string{{"ReplicationInstanceIdentifier", p.Name(ResDMSInstance)}, {"ReplicationTaskIdentifier", task}}
			for _, m := range []string{"CDCLatencySource", "CDCLatencyTarget", "FullLoadThroughputRowsTarget", "CDCIncomingChanges"} {
				migration = append(migration, Metric{Namespace: "AWS/DMS", Name: m, Dimensions: dims, Stat: "Maximum"})
			}
		}
		for _, m := range []string{contract.MetricRowsCompared, contract.MetricMismatches, contract.MetricValidationFailed} {
			migration = append(migration, Metric{Namespace: contract.MetricNamespace, Name: m, Dimensions: [][2]string{suffix}, Stat: "Sum"})
		}
	}
	add("Migration progress", migration)

	var latency, errs []Metric
	if lb := p.View.Edge.ALBARNSuffix; lb != "" {
		d := [][2]string{{"LoadBalancer", lb}}
		latency = append(latency,
			Metric{Namespace: "AWS/ApplicationELB", Name: "TargetResponseTime", Dimensions: d, Stat: "p50", Label: "ALB p50"},
			Metric{Namespace: "AWS/ApplicationELB", Name: "TargetResponseTime", Dimensions: d, Stat: "p99", Label: "ALB p99"})
		errs = append(errs,
			Metric{Namespace: "AWS/ApplicationELB", Name: "HTTPCode_Target_5XX_Count", Dimensions: d, Stat: "Sum"},
			Metric{Namespace: "AWS/ApplicationELB", Name: "HTTPCode_ELB_5XX_Count", Dimensions: d, Stat: "Sum"})
	}
	if p.Spec.API != nil {
		d := [][2]string{{"FunctionName", p.APIFunctionName()}}
		latency = append(latency, Metric{Namespace: "AWS/Lambda", Name: "Duration", Dimensions: d, Stat: "p99", Label: "Lambda p99"})
		errs = append(errs,
			Metric{Namespace: "AWS/Lambda", Name: "Errors", Dimensions: d, Stat: "Sum"},
			Metric{Namespace: "AWS/Lambda", Name: "Throttles", Dimensions: d, Stat: "Sum"})
	}
	add("API latency", latency)
	add("Errors", errs)

	db := [][2]string{{"DBClusterIdentifier", p.DBClusterIdentifier()}}
	add("Database", []Metric{
		{Namespace: "AWS/RDS", Name: "ServerlessDatabaseCapacity", Dimensions: db, Stat: "Average"},
		{Namespace: "AWS/RDS", Name: "ACUUtilization", Dimensions: db, Stat: "Average"},
		{Namespace: "AWS/RDS", Name: "CPUUtilization", Dimensions: db, Stat: "Average"},
		{Namespace: "AWS/RDS", Name: "DatabaseConnections", Dimensions: db, Stat: "Sum"},
	})
	// The on-prem connectivity: traffic through the transit gateway
	// attachment (AWS/TransitGateway, per attachment) or the VPN tunnels'
	// state (AWS/VPN TunnelState: 1 up, 0 down), and the queries the
	// Resolver endpoint forwards (AWS/Route53Resolver).
	if o := p.Spec.Network.OnPremises; o != nil {
		v := p.View.Network
		var onprem []Metric
		if a := v.TGWAttachmentID; a != "" {
			d := [][2]string{{"TransitGateway", o.TransitGatewayID}, {"TransitGatewayAttachment", a}}
			onprem = append(onprem,
				Metric{Namespace: "AWS/TransitGateway", Name: "BytesIn", Dimensions: d, Stat: "Sum"},
				Metric{Namespace: "AWS/TransitGateway", Name: "BytesOut", Dimensions: d, Stat: "Sum"},
				Metric{Namespace: "AWS/TransitGateway", Name: "PacketDropCountNoRoute", Dimensions: d, Stat: "Sum"})
		}
		if vpn := v.VPNConnectionID; vpn != "" {
			d := [][2]string{{"VpnId", vpn}}
			onprem = append(onprem,
				Metric{Namespace: "AWS/VPN", Name: "TunnelState", Dimensions: d, Stat: "Maximum", Label: "a tunnel up (1)"},
				Metric{Namespace: "AWS/VPN", Name: "TunnelDataIn", Dimensions: d, Stat: "Sum"},
				Metric{Namespace: "AWS/VPN", Name: "TunnelDataOut", Dimensions: d, Stat: "Sum"})
		}
		if ep := v.ResolverEndpointID; ep != "" {
			onprem = append(onprem, Metric{Namespace: "AWS/Route53Resolver", Name: "OutboundQueryVolume", Dimensions: [][2]string{{"EndpointId", ep}}, Stat: "Sum"})
		}
		add("On-prem connectivity", onprem)
	}
	if p.Spec.Ingress != nil {
		add("WAF blocked requests", []Metric{{Namespace: "AWS/WAFV2", Name: "BlockedRequests",
			Dimensions: [][2]string{{"WebACL", p.Name(ResWAF)}, {"Region", r}, {"Rule", "ALL"}}, Stat: "Sum"}})
	}
	if c := p.Spec.Cutover; c != nil {
		d := p.Cutover
		oldW, newW := Weights(d.Effective, c.Rollback)
		n := len(widgets)
		widgets = append(widgets, widget{Type: "text", X: (n % 2) * 12, Y: (n / 2) * 6, Width: 12, Height: 6, Properties: widgetProperties{
			Markdown: fmt.Sprintf("## Cutover\n\nStep **%d** (requested %d), rollback %t.\n\nWeights: old system **%d**, AWS **%d**.\n\nAutomatic failback within **%d s**.",
				d.Effective, d.Requested, c.Rollback, oldW, newW, FailbackBoundSeconds(c.TTLSeconds)),
		}})
	}
	return dashboardBody{Widgets: widgets}
}
