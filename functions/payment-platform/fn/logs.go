package fn

import (
	"github.com/crossplane/function-sdk-go/resource"
	"k8s.io/utils/ptr"

	cwlogs "github.com/upbound/provider-aws/v2/apis/cluster/cloudwatchlogs/v1beta1"
)

// LogGroup is a CloudWatch log group encrypted with the platform key and
// kept for the given number of days. Every tier's log group is built here.
func LogGroup(p *Plan, name resource.Name, groupName string, retentionDays int) Desired {
	return Desired{
		Name:         name,
		ExternalName: groupName,
		Object: &cwlogs.Group{Spec: cwlogs.GroupSpec{ForProvider: cwlogs.GroupParameters{
			RetentionInDays:  ptr.To(float64(retentionDays)),
			KMSKeyIDSelector: p.Sel(ResKMSKey),
			LogGroupClass:    ptr.To("STANDARD"),
		}}},
	}
}

// LogRetentionDays is how long every log group the platform creates keeps
// its events.
func (p *Plan) LogRetentionDays() int { return p.Spec.Monitoring.LogRetentionDays }
