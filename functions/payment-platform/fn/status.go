package fn

import (
	"fmt"
	"strings"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/response"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/acme-payments/xpaymentplatform/apis/v1alpha1"
)

// Condition types the platform sets on the XR and the claim (Crossplane owns
// Ready and Synced).
const (
	// ConditionResources is True when every composed resource is Ready and
	// Synced; its message names those that are not.
	ConditionResources = "ResourcesReady"
	// ConditionProtected is True when observed resources the spec no longer
	// wants are being kept instead of deleted.
	ConditionProtected = "ResourcesProtected"
	// ConditionCutoverReady says whether the next cutover step can be
	// taken, and why not.
	ConditionCutoverReady = "CutoverReady"
	// ConditionMigrationHealthy reflects the DMS task.
	ConditionMigrationHealthy = "MigrationHealthy"
)

// setReadiness marks each desired composed resource ready as Crossplane
// reports its kind; a resource not yet observed is not ready.
func (p *Plan) setReadiness(dcds map[resource.Name]*resource.DesiredComposed) {
	for name, d := range dcds {
		if o, ok := p.Observed[name]; ok && o.IsReady() {
			d.Ready = resource.ReadyTrue
		} else {
			d.Ready = resource.ReadyFalse
		}
	}
}

// unready lists the composition-resource names not ready, sorted.
func unready(dcds map[resource.Name]*resource.DesiredComposed) []string {
	var out []string
	for _, n := range sortedNames(dcds) {
		if dcds[n].Ready != resource.ReadyTrue {
			out = append(out, string(n))
		}
	}
	return out
}

// Status computes the XR status from the observed world.
func (p *Plan) Status(dcds map[resource.Name]*resource.DesiredComposed) v1alpha1.XPaymentPlatformStatus {
	notReady := unready(dcds)
	st := v1alpha1.XPaymentPlatformStatus{
		Phase:            v1alpha1.PhaseProvisioning,
		ResourcesReady:   fmt.Sprintf("%d/%d", len(dcds)-len(notReady), len(dcds)),
		UnreadyResources: notReady,
		VPCID:            p.View.Network.VPCID,
		KMSKeyARN:        p.View.Encryption.KeyARN,
	}
	if len(notReady) == 0 {
		st.Phase = v1alpha1.PhaseReady
	}
	for _, az := range p.AZs {
		st.AvailabilityZones = append(st.AvailabilityZones, az.Name)
	}
	sub := v1alpha1.SubnetStatus{
		Public: p.ids(SubnetName, TierPublic),
		App:    p.ids(SubnetName, TierApp),
		Data:   p.ids(SubnetName, TierData),
	}
	if sub.Public != nil || sub.App != nil || sub.Data != nil {
		st.Subnets = &sub
	}
	sg := v1alpha1.SecurityGroupStatus{
		ALB:      p.View.Security.GroupIDs[ResSGALB],
		App:      p.View.Security.GroupIDs[ResSGApp],
		Database: p.View.Security.GroupIDs[ResSGDatabase],
		DMS:      p.View.Security.GroupIDs[ResSGDMS],
	}
	if sg != (v1alpha1.SecurityGroupStatus{}) {
		st.SecurityGroups = &sg
	}
	for _, az := range p.NATZones() {
		if ip := p.View.Network.NATIPs[NATEIPName(az)]; ip != "" {
			st.NATGatewayIPs = append(st.NATGatewayIPs, ip)
		}
	}
	st.DBClusterEndpoint = p.View.Database.Endpoint
	st.DBReaderEndpoint = p.View.Database.ReaderEndpoint
	st.DBClusterARN = p.View.Database.ClusterARN
	st.DBSecretARN = p.DBSecretARN()
	st.Migration = p.migrationStatus()
	if p.Spec.API != nil {
		st.APIFunctionName = p.APIFunctionName()
		st.LambdaFunctionName = st.APIFunctionName
		st.APIFunctionARN = p.View.Compute.FunctionARN
	}
	st.Validation = p.Validation()
	st.DashboardURL = p.DashboardURL()
	st.SNSTopicARN = p.View.Monitoring.TopicARN
	st.ALBDNSName = p.View.Edge.ALBDNSName
	st.ALBZoneID = p.View.Edge.ALBZoneID
	st.WAFWebACLARN = p.View.Edge.WAFARN
	if p.Spec.Cutover != nil {
		st.HostedZoneID = p.HostedZoneID()
		st.NameServers = p.View.Routing.NameServers
		c := p.Decide()
		oldW, newW := Weights(c.Effective, p.Spec.Cutover.Rollback)
		st.Cutover = &v1alpha1.CutoverStatus{
			Step: int(c.Effective), RequestedStep: int(c.Requested), Rollback: p.Spec.Cutover.Rollback,
			Weights:              v1alpha1.CutoverWeights{Old: oldW, New: newW},
			FailbackBoundSeconds: FailbackBoundSeconds(p.Spec.Cutover.TTLSeconds),
			Message:              c.Blocked,
		}
		if st.Cutover.Message == "" && p.Spec.Cutover.Rollback {
			st.Cutover.Message = "rolled back: all traffic goes to the old system"
		}
	}
	if st.Migration != nil {
		st.DMSReplicationTaskARN = p.View.Migration.TaskARN
	}
	return st
}

// migrationStatus reads the DMS task's state.
func (p *Plan) migrationStatus() *v1alpha1.MigrationStatus {
	if p.Spec.Migration == nil {
		return nil
	}
	ms := &v1alpha1.MigrationStatus{Enabled: p.Spec.MigrationEnabled()}
	if !ms.Enabled {
		ms.Phase, ms.Message = "Disabled", "spec.migration.enabled is false: DMS resources are removed"
		return ms
	}
	ms.TaskStatus = p.View.Migration.TaskStatus
	switch {
	case p.View.Database.Endpoint == "" || p.View.Database.SecretARN == "":
		ms.Phase, ms.Message = "Provisioning", "waiting for the Aurora writer endpoint and master secret before creating the DMS target endpoint"
	case ms.TaskStatus == "running":
		ms.Phase, ms.Message = "Replicating", "full load and change data capture are running"
	case ms.TaskStatus == "stopped" || ms.TaskStatus == "ready" && !*p.Spec.Migration.StartReplication:
		ms.Phase, ms.Message = "Stopped", "the replication task is not running (spec.migration.startReplication or a stop)"
	case ms.TaskStatus == "failed":
		ms.Phase, ms.Message = "Failed", "the replication task failed: see its CloudWatch logs"
	default:
		ms.Phase, ms.Message = "Provisioning", "the replication task is being created or started"
	}
	return ms
}

// ids returns the observed IDs of a tier's per-AZ resources in AZ order, or
// nil until all of them are known.
func (p *Plan) ids(name func(string, AZ) resource.Name, tier string) []string {
	out := make([]string, 0, len(p.AZs))
	for _, az := range p.AZs {
		id := p.View.Network.SubnetIDs[name(tier, az)]
		if id == "" {
			return nil
		}
		out = append(out, id)
	}
	return out
}

// report writes the XR status, connection details, conditions and results.
func (p *Plan) report(rsp *fnv1.RunFunctionResponse, oxr, dxr *resource.Composite, dcds map[resource.Name]*resource.DesiredComposed, kept []resource.Name) error {
	st := p.Status(dcds)
	est, _, costErr := EstimateCost(p.Spec)
	if costErr == nil {
		st.EstimatedMonthlyCostUSD = &est
	}
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&st)
	if err != nil {
		return err
	}
	dxr.Resource.Object["status"] = m

	if dxr.ConnectionDetails == nil {
		dxr.ConnectionDetails = resource.ConnectionDetails{}
	}
	for k, v := range map[string]string{
		"vpcId": st.VPCID, "kmsKeyArn": st.KMSKeyARN,
		"dbWriterEndpoint": st.DBClusterEndpoint, "dbReaderEndpoint": st.DBReaderEndpoint,
		"dbSecretArn": st.DBSecretARN, "dbClusterArn": st.DBClusterARN,
		"albDnsName": st.ALBDNSName, "apiFunctionName": st.APIFunctionName, "snsTopicArn": st.SNSTopicARN,
	} {
		if v != "" {
			dxr.ConnectionDetails[k] = []byte(v)
		}
	}

	if st.DBClusterEndpoint != "" {
		dxr.ConnectionDetails["dbPort"] = []byte(fmt.Sprint(PostgresPort))
		dxr.ConnectionDetails["dbName"] = []byte(p.Spec.Database.DatabaseName)
	}

	if len(st.UnreadyResources) == 0 {
		response.ConditionTrue(rsp, ConditionResources, "AllReady").
			WithMessage(fmt.Sprintf("all %d composed resources are Ready and Synced", len(dcds))).
			TargetCompositeAndClaim()
	} else {
		response.ConditionFalse(rsp, ConditionResources, "Creating").
			WithMessage(fmt.Sprintf("%s composed resources ready; waiting for: %s", st.ResourcesReady, summarize(st.UnreadyResources, 12))).
			TargetCompositeAndClaim()
	}
	if c := p.Spec.Cutover; c != nil {
		d := p.Decide()
		if d.Blocked != "" {
			response.Warning(rsp, fmt.Errorf("spec.cutover.step: %s", d.Blocked)).TargetCompositeAndClaim()
			response.ConditionFalse(rsp, ConditionCutoverReady, "StepHeld").WithMessage(d.Blocked).TargetCompositeAndClaim()
		} else if d.NextBlocked != "" {
			response.ConditionFalse(rsp, ConditionCutoverReady, "NotReady").
				WithMessage(fmt.Sprintf("at step %d; the next step cannot be taken: %s", d.Effective, d.NextBlocked)).TargetCompositeAndClaim()
		} else {
			response.ConditionTrue(rsp, ConditionCutoverReady, "Ready").
				WithMessage(fmt.Sprintf("at step %d; the next step can be taken (failback within %d s)", d.Effective, FailbackBoundSeconds(c.TTLSeconds))).TargetCompositeAndClaim()
		}
	}
	if costErr != nil {
		response.Warning(rsp, fmt.Errorf("no cost estimate: %w", costErr)).TargetCompositeAndClaim()
	} else if est.Max > p.Spec.Monitoring.BudgetMonthlyUSD {
		response.Warning(rsp, fmt.Errorf("estimated monthly cost at maximum capacity is $%d (at minimum $%d), above spec.monitoring.budgetMonthlyUsd $%d: lower spec.database.maxCapacity or instances, or raise the budget",
			est.Max, est.Min, p.Spec.Monitoring.BudgetMonthlyUSD)).TargetCompositeAndClaim()
	}
	if ms := st.Migration; ms != nil {
		switch ms.Phase {
		case "Replicating":
			response.ConditionTrue(rsp, ConditionMigrationHealthy, "Replicating").
				WithMessage("DMS task " + p.Name(ResMigrationTask) + " is running full load and CDC; CDC latency is on the dashboard and alarms above " +
					fmt.Sprint(p.Spec.Monitoring.Thresholds.DMSCDCLatencySeconds) + " s").TargetCompositeAndClaim()
		case "Disabled":
			response.ConditionTrue(rsp, ConditionMigrationHealthy, "Disabled").WithMessage(ms.Message).TargetCompositeAndClaim()
		default:
			response.ConditionFalse(rsp, ConditionMigrationHealthy, ms.Phase).
				WithMessage(fmt.Sprintf("DMS task status %q: %s", ms.TaskStatus, ms.Message)).TargetCompositeAndClaim()
		}
	}
	if len(kept) > 0 {
		names := make([]string, len(kept))
		for i, k := range kept {
			names[i] = string(k)
		}
		msg := fmt.Sprintf("the spec no longer produces %s; they are kept, not deleted. To delete them, annotate the claim %s=%s",
			strings.Join(names, ", "), AnnotationRemove, strings.Join(names, ","))
		response.Warning(rsp, fmt.Errorf("%s", msg)).TargetCompositeAndClaim()
		response.ConditionTrue(rsp, ConditionProtected, "KeptAfterSpecEdit").WithMessage(msg).TargetCompositeAndClaim()
	} else {
		response.ConditionFalse(rsp, ConditionProtected, "NothingToProtect").TargetCompositeAndClaim()
	}
	_ = oxr
	return nil
}
