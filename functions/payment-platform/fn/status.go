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
)

// setReadiness marks each desired composed resource ready when its observed
// counterpart is Ready and Synced; a resource not yet observed is not ready.
func (p *Plan) setReadiness(dcds map[resource.Name]*resource.DesiredComposed) {
	for name, d := range dcds {
		o, ok := p.Observed[name]
		if ok && o.Ready && o.Synced {
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
		VPCID:            p.Observed.ID(ResVPC),
		KMSKeyARN:        p.Observed.ARN(ResKMSKey),
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
		ALB:      p.Observed.ID(ResSGALB),
		App:      p.Observed.ID(ResSGApp),
		Database: p.Observed.ID(ResSGDatabase),
		DMS:      p.Observed.ID(ResSGDMS),
	}
	if sg != (v1alpha1.SecurityGroupStatus{}) {
		st.SecurityGroups = &sg
	}
	for _, az := range p.NATZones() {
		if ip := p.Observed.String(NATEIPName(az), "publicIp"); ip != "" {
			st.NATGatewayIPs = append(st.NATGatewayIPs, ip)
		}
	}
	st.DBClusterEndpoint = p.Observed.String(ResAurora, "endpoint")
	st.DBReaderEndpoint = p.Observed.String(ResAurora, "readerEndpoint")
	st.DBClusterARN = p.Observed.ARN(ResAurora)
	st.DBSecretARN = p.DBSecretARN()
	st.Migration = p.migrationStatus()
	if st.Migration != nil {
		st.DMSReplicationTaskARN = p.Observed.String(ResMigrationTask, "replicationTaskArn")
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
	ms.TaskStatus = p.Observed.String(ResMigrationTask, "status")
	switch {
	case p.Observed.String(ResAurora, "endpoint") == "" || p.DBSecretARN() == "":
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
		id := p.Observed.ID(name(tier, az))
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

func summarize(names []string, most int) string {
	if len(names) <= most {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:most], ", "), len(names)-most)
}
