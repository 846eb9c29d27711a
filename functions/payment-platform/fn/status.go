package fn

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/response"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/acme-payments/xpaymentplatform/apis/v1alpha1"
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
func unready(dcds map[resource.Name]*resource.DesiredComposed, waiting map[resource.Name][]resource.Name) []string {
	var out []string
	for _, n := range sortedNames(dcds) {
		if dcds[n].Ready != resource.ReadyTrue {
			out = append(out, string(n))
		}
	}
	for n := range waiting {
		out = append(out, string(n))
	}
	slices.Sort(out)
	return out
}

// report merges the tiers' parts into the XR: their status fragments
// (each field owned by one tier), the report's own fields (readiness of
// every composed resource, the cost estimate of the platform), the
// connection details, and the conditions and warnings: ResourcesReady first,
// the tiers' conditions by type, ResourcesProtected last.
func (p *Plan) report(rsp *fnv1.RunFunctionResponse, dxr *resource.Composite, dcds map[resource.Name]*resource.DesiredComposed, waiting map[resource.Name][]resource.Name, kept []resource.Name, parts []Part, est v1alpha1.CostEstimate, costErr error) error {
	var st v1alpha1.XPaymentPlatformStatus
	for _, part := range parts {
		if err := mergeStatus(&st, part.Status); err != nil {
			return err
		}
	}
	notReady := unready(dcds, waiting)
	total := len(dcds) + len(waiting)
	st.Phase = v1alpha1.PhaseProvisioning
	if len(notReady) == 0 {
		st.Phase = v1alpha1.PhaseReady
	}
	st.ResourcesReady = fmt.Sprintf("%d/%d", total-len(notReady), total)
	st.UnreadyResources = notReady
	if costErr == nil {
		st.EstimatedMonthlyCostUSD = &est
	}
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&st)
	if err != nil {
		return err
	}
	dxr.Resource.Object["status"] = m
	p.connectionDetails(dxr, st)

	if len(notReady) == 0 {
		setCondition(rsp, Condition{Type: ConditionResources, Status: true, Reason: "AllReady",
			Message: fmt.Sprintf("all %d composed resources are Ready and Synced", len(dcds))})
	} else {
		setCondition(rsp, Condition{Type: ConditionResources, Reason: "Creating",
			Message: fmt.Sprintf("%s composed resources ready; waiting for: %s", st.ResourcesReady, summarize(notReady, 12))})
	}
	var conds []Condition
	for _, part := range parts {
		conds = append(conds, part.Conditions...)
		for _, w := range part.Warnings {
			response.Warning(rsp, errors.New(w)).TargetCompositeAndClaim()
		}
	}
	slices.SortStableFunc(conds, func(a, b Condition) int { return strings.Compare(a.Type, b.Type) })
	for _, c := range conds {
		setCondition(rsp, c)
	}
	if costErr != nil {
		response.Warning(rsp, fmt.Errorf("no cost estimate: %w", costErr)).TargetCompositeAndClaim()
	} else if est.Max > p.Spec.Monitoring.BudgetMonthlyUSD {
		response.Warning(rsp, fmt.Errorf("estimated monthly cost at maximum capacity is $%d (at minimum $%d), above spec.monitoring.budgetMonthlyUsd $%d: lower spec.database.maxCapacity or instances, or raise the budget",
			est.Max, est.Min, p.Spec.Monitoring.BudgetMonthlyUSD)).TargetCompositeAndClaim()
	}
	if len(kept) > 0 {
		names := make([]string, len(kept))
		for i, k := range kept {
			names[i] = string(k)
		}
		msg := fmt.Sprintf("the spec no longer produces %s; they are kept, not deleted. To delete them, annotate the claim %s=%s",
			strings.Join(names, ", "), AnnotationRemove, strings.Join(names, ","))
		response.Warning(rsp, errors.New(msg)).TargetCompositeAndClaim()
		setCondition(rsp, Condition{Type: ConditionProtected, Status: true, Reason: "KeptAfterSpecEdit", Message: msg})
	} else {
		setCondition(rsp, Condition{Type: ConditionProtected, Reason: "NothingToProtect"})
	}
	return nil
}

// connectionDetails are the claim's connection secret: identifiers only,
// never a password.
func (p *Plan) connectionDetails(dxr *resource.Composite, st v1alpha1.XPaymentPlatformStatus) {
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
}

// setCondition sets a condition on the XR and its claim.
func setCondition(rsp *fnv1.RunFunctionResponse, c Condition) {
	var o *response.ConditionOption
	if c.Status {
		o = response.ConditionTrue(rsp, c.Type, c.Reason)
	} else {
		o = response.ConditionFalse(rsp, c.Type, c.Reason)
	}
	if c.Message != "" {
		o = o.WithMessage(c.Message)
	}
	o.TargetCompositeAndClaim()
}

// mergeStatus copies the fields a part set into the status; a field set by
// two parts is a programming error (each belongs to one tier).
func mergeStatus(st *v1alpha1.XPaymentPlatformStatus, part v1alpha1.XPaymentPlatformStatus) error {
	dst, src := reflect.ValueOf(st).Elem(), reflect.ValueOf(part)
	for i := range src.NumField() {
		if src.Field(i).IsZero() {
			continue
		}
		if !dst.Field(i).IsZero() {
			return fmt.Errorf("status.%s is set by two tiers", src.Type().Field(i).Name)
		}
		dst.Field(i).Set(src.Field(i))
	}
	return nil
}
