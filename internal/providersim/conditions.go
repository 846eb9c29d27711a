package providersim

import (
	"encoding/json"

	xpv1 "github.com/crossplane/crossplane-runtime/v2/apis/common/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// conditioned reads status.conditions of an object.
func conditioned(u *unstructured.Unstructured) *xpv1.ConditionedStatus {
	cs := &xpv1.ConditionedStatus{}
	if l, ok, _ := unstructured.NestedFieldNoCopy(u.Object, "status", "conditions"); ok {
		if b, err := json.Marshal(l); err == nil {
			_ = json.Unmarshal(b, &cs.Conditions)
		}
	}
	return cs
}

// condition returns one condition of an object (Unknown when absent).
func condition(u *unstructured.Unstructured, t xpv1.ConditionType) xpv1.Condition {
	return conditioned(u).GetCondition(t)
}

// markConditions sets conditions as the managed reconciler's
// status.MarkConditions does: with the object's generation as
// observedGeneration, through ConditionedStatus.SetConditions (which keeps
// an unchanged condition's lastTransitionTime).
func markConditions(u *unstructured.Unstructured, c ...xpv1.Condition) {
	for i := range c {
		c[i].ObservedGeneration = u.GetGeneration()
	}
	setConditions(u, c...)
}

// setConditions sets conditions without an observedGeneration, as upjet's
// async callbacks do (tr.SetConditions).
func setConditions(u *unstructured.Unstructured, c ...xpv1.Condition) {
	cs := conditioned(u)
	cs.SetConditions(c...)
	b, err := json.Marshal(cs.Conditions)
	if err != nil {
		return
	}
	var l []any
	if err := json.Unmarshal(b, &l); err != nil {
		return
	}
	_ = unstructured.SetNestedSlice(u.Object, l, "status", "conditions")
}
