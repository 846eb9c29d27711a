package providersim

import (
	"context"
	"strings"
	"time"

	xpv1 "github.com/crossplane/crossplane-runtime/v2/apis/common/v1"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	upjetresource "github.com/crossplane/upjet/v2/pkg/resource"
	tferrors "github.com/crossplane/upjet/v2/pkg/terraform/errors"
	"github.com/pkg/errors"
	corev1 "k8s.io/api/core/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
)

// crossplane-runtime's managed reconciler (pkg/reconciler/managed/
// reconciler.go) and upjet's async callbacks (pkg/controller/api.go).
const (
	errCreateIncomplete         = "cannot determine creation result - remove the " + meta.AnnotationKeyExternalCreatePending + " annotation if it is safe to proceed"
	errExternalResourceNotExist = "external resource does not exist"
	errReconcileObserve         = "observe failed"
	errXPCreate                 = "create failed"
	errXPDelete                 = "delete failed"
)

// result is what to do with the object's key after a reconcile.
type result struct {
	requeue bool          // again, with the per-object backoff
	after   time.Duration // again after this long
}

// conflictRetry is the requeue after a write conflict.
const conflictRetry = 100 * time.Millisecond

// rec is one reconcile of one object.
type rec struct {
	s    *Simulator
	rc   dynamic.ResourceInterface
	w    *watch
	u    *unstructured.Unstructured
	rule rule
}

func (s *Simulator) reconcile(ctx context.Context, k key) (result, error) {
	var rc dynamic.ResourceInterface = s.dyn.Resource(k.gvr)
	if k.namespace != "" {
		rc = s.dyn.Resource(k.gvr).Namespace(k.namespace)
	}
	// Read the object itself, not the cache: side effects (invocations)
	// must not run twice off a stale copy.
	u, err := rc.Get(ctx, k.name, metav1.GetOptions{})
	if kerrors.IsNotFound(err) {
		return result{}, nil
	}
	if err != nil {
		return result{}, err
	}
	r := &rec{s: s, rc: rc, w: s.watchForResource(k.gvr), u: u, rule: ruleFor(u.GroupVersionKind())}
	res, err := r.run(ctx)
	if kerrors.IsConflict(errors.Cause(err)) {
		return result{after: conflictRetry}, nil
	}
	return res, err
}

// run follows managed.Reconciler.Reconcile with upjet's async Terraform
// plugin SDK external client.
func (r *rec) run(ctx context.Context) (result, error) {
	u := r.u
	policy := managed.NewLegacyManagementPoliciesResolver(true, managementPolicies(u), deletionPolicy(u))

	if meta.IsPaused(u) || policy.IsPaused() {
		markConditions(u, xpv1.ReconcilePaused())
		return result{}, r.writeStatus(ctx)
	}
	if err := policy.Validate(); err != nil {
		markConditions(u, xpv1.ReconcileError(err))
		return result{}, r.writeStatus(ctx)
	}
	if meta.WasDeleted(u) && !policy.ShouldDelete() {
		// Orphan: no external call, unpublish and drop the finalizer.
		if meta.FinalizerExists(u, managed.FinalizerName) {
			if err := r.removeFinalizer(ctx); err != nil {
				return result{}, err
			}
			r.s.record(EventOrphan, u, "the external resource is kept (deletionPolicy "+string(deletionPolicy(u))+", managementPolicies "+policiesString(u)+")")
		}
		return result{}, nil
	}

	// Initialize: managed.NewNameAsExternalName, for the kinds whose
	// controller runs it.
	if r.rule.nameInit && meta.GetExternalName(u) == "" {
		meta.SetExternalName(u, u.GetName())
		if err := r.update(ctx); err != nil {
			return result{}, err
		}
	}

	if meta.ExternalCreateIncomplete(r.u) {
		markConditions(r.u, xpv1.Creating(), xpv1.ReconcileError(errors.New(errCreateIncomplete)))
		return result{}, r.writeStatus(ctx)
	}

	if !meta.WasDeleted(r.u) {
		resolved, err := r.s.resolve(ctx, r.rc, r.u)
		if err != nil {
			if kerrors.IsConflict(errors.Cause(err)) {
				return result{after: conflictRetry}, nil
			}
			markConditions(r.u, xpv1.ReconcileError(err))
			return result{requeue: true}, r.writeStatus(ctx)
		}
		r.u = resolved
	}

	state := r.state()
	exists := state["id"] != nil && state["id"] != ""

	if meta.WasDeleted(r.u) {
		return r.delete(ctx, state, exists, policy)
	}

	if err := r.addFinalizer(ctx); err != nil {
		return result{}, err
	}

	if !exists {
		switch {
		case policy.ShouldOnlyObserve():
			markConditions(r.u, xpv1.ReconcileError(errors.Wrap(errors.New(errExternalResourceNotExist), errReconcileObserve)))
			return result{requeue: true}, r.writeStatus(ctx)
		case !policy.ShouldCreate():
			markConditions(r.u, xpv1.ReconcileSuccess())
			return result{after: r.s.o.PollInterval}, r.writeStatus(ctx)
		}
		return r.create(ctx)
	}
	return r.observe(ctx, state, policy)
}

// state is the simulated external resource: status.atProvider.
func (r *rec) state() map[string]any {
	m, _, _ := unstructured.NestedMap(r.u.Object, "status", "atProvider")
	if m == nil {
		m = map[string]any{}
	}
	return m
}

func (r *rec) obsCtx(params map[string]any) *obsCtx {
	region, _ := params["region"].(string)
	if region == "" {
		region = r.s.o.Region
	}
	return &obsCtx{
		name: r.u.GetName(), uid: r.s.o.Identity(r.u), ext: meta.GetExternalName(r.u),
		region: region, account: r.s.o.Account, params: params, now: r.s.o.ReportedTime(),
	}
}

// setState writes the observation the API server would keep.
func (r *rec) setState(atp map[string]any) {
	var s map[string]any
	if r.w != nil {
		s = r.w.atProvider
	}
	v, _ := prune(normalize(atp), s).(map[string]any)
	if v == nil {
		v = map[string]any{}
	}
	_ = unstructured.SetNestedField(r.u.Object, v, "status", "atProvider")
}

// create is the managed reconciler's create branch with upjet's async
// Create: the external-create-pending annotation, the create, then the
// external-create-succeeded annotation, Ready=False/Creating and
// Synced=True; a failed create is reported as upjet's async callback does.
func (r *rec) create(ctx context.Context) (result, error) {
	meta.SetExternalCreatePending(r.u, r.s.o.Now())
	if err := r.update(ctx); err != nil {
		return result{}, err
	}
	params := createParameters(r.u)
	var atp map[string]any
	var err error
	if isInvocation(r.u.GroupVersionKind()) {
		atp, err = r.s.createInvocation(ctx, r.u, params)
	} else {
		c := r.obsCtx(params)
		atp = r.rule.observation(c, r.rule.identify(c), nil)
	}
	meta.SetExternalCreateSucceeded(r.u, r.s.o.Now())
	if err != nil {
		if uerr := r.updateCritical(ctx); uerr != nil {
			return result{}, uerr
		}
		aerr := tferrors.NewAsyncCreateFailed(err)
		markConditions(r.u, xpv1.Creating(), xpv1.ReconcileSuccess())
		setConditions(r.u, upjetresource.LastAsyncOperationCondition(aerr), xpv1.ReconcileError(errors.Wrap(aerr, errXPCreate)))
		r.s.record(EventError, r.u, errors.Wrap(aerr, errXPCreate).Error())
		return result{requeue: true}, r.writeStatus(ctx)
	}
	if id, _ := atp["id"].(string); id != "" {
		meta.SetExternalName(r.u, r.rule.externalName(id))
	}
	if err := r.updateCritical(ctx); err != nil {
		return result{}, err
	}
	r.setState(atp)
	markConditions(r.u, xpv1.Creating(), xpv1.ReconcileSuccess())
	setConditions(r.u, upjetresource.LastAsyncOperationCondition(nil))
	r.s.created.Store(r.u.GetUID(), r.s.o.Now())
	r.s.record(EventCreate, r.u, "")
	return result{after: r.s.o.ReadyDelay}, r.writeStatus(ctx)
}

// observe is upjet's Observe of an existing resource (Available, the
// external name from the ID) followed by the managed reconciler's update
// branch.
func (r *rec) observe(ctx context.Context, state map[string]any, policy managed.ManagementPoliciesChecker) (result, error) {
	if condition(r.u, xpv1.TypeReady).Status != corev1.ConditionTrue {
		// Creating until ReadyDelay after the create.
		if due := r.createdAt().Add(r.s.o.ReadyDelay); due.After(r.s.o.Now()) {
			return result{after: due.Sub(r.s.o.Now())}, nil
		}
	}
	if id, _ := state["id"].(string); id != "" {
		if n := r.rule.externalName(id); n != meta.GetExternalName(r.u) {
			// setExternalName: a changed name is a late-initialization update.
			meta.SetExternalName(r.u, n)
			if err := r.update(ctx); err != nil {
				return result{}, err
			}
		}
	}
	markConditions(r.u, xpv1.Available())

	desired := parameters(r.u, "forProvider")
	if r.w != nil {
		desired, _ = prune(desired, r.w.atProvider).(map[string]any)
	}
	if len(changedKeys(state, desired)) == 0 {
		setConditions(r.u, upjetresource.LastAsyncOperationCondition(nil))
		markConditions(r.u, xpv1.ReconcileSuccess())
		return result{after: r.s.o.PollInterval}, r.writeStatus(ctx)
	}
	if !policy.ShouldUpdate() {
		markConditions(r.u, xpv1.ReconcileSuccess())
		return result{after: r.s.o.PollInterval}, r.writeStatus(ctx)
	}
	if msg, refuse := r.s.o.ForceNew.Refusal(r.u.GetAPIVersion(), r.u.GetKind(), state, desired); refuse {
		if prev := condition(r.u, xpv1.TypeSynced); prev.Message != msg {
			r.s.record(EventRefuse, r.u, msg)
		}
		setConditions(r.u, xpv1.ReconcileError(errors.New(msg)), xpv1.Condition{
			Type: upjetresource.TypeLastAsyncOperation, Status: corev1.ConditionFalse, LastTransitionTime: metav1.Now(),
			Reason: upjetresource.ReasonAsyncUpdateFailure, Message: strings.TrimPrefix(msg, errXPUpdate+": "),
		})
		return result{requeue: true}, r.writeStatus(ctx)
	}

	var next map[string]any
	if isInvocation(r.u.GroupVersionKind()) {
		var err error
		if next, err = r.s.updateInvocation(ctx, r.u, state, desired); err != nil {
			aerr := tferrors.NewAsyncUpdateFailed(err)
			setConditions(r.u, upjetresource.LastAsyncOperationCondition(aerr), xpv1.ReconcileError(errors.Wrap(aerr, errXPUpdate)))
			r.s.record(EventError, r.u, errors.Wrap(aerr, errXPUpdate).Error())
			return result{requeue: true}, r.writeStatus(ctx)
		}
	} else {
		c := r.obsCtx(desired)
		id, _ := state["id"].(string)
		next = r.rule.observation(c, id, state)
	}
	r.setState(next)
	setConditions(r.u, upjetresource.LastAsyncOperationCondition(nil))
	markConditions(r.u, xpv1.ReconcileSuccess())
	r.s.record(EventUpdate, r.u, strings.Join(changedKeys(state, desired), ","))
	if id, _ := next["id"].(string); id != "" && r.rule.externalName(id) != meta.GetExternalName(r.u) {
		// An invocation's ID changes with its payload; upjet records the
		// new external name at the next observe.
		return result{after: conflictRetry}, r.writeStatus(ctx)
	}
	return result{after: r.s.o.PollInterval}, r.writeStatus(ctx)
}

// delete is the managed reconciler's deletion branch: wait for other
// finalizers, delete the external resource, then remove the finalizer.
func (r *rec) delete(ctx context.Context, state map[string]any, exists bool, policy managed.ManagementPoliciesChecker) (result, error) {
	if len(r.u.GetFinalizers()) > 1 {
		return result{requeue: true}, nil // other controllers first
	}
	if exists && policy.ShouldDelete() {
		var err error
		if isInvocation(r.u.GroupVersionKind()) {
			err = r.s.deleteInvocation(ctx, r.u, state)
		}
		if err != nil {
			aerr := tferrors.NewAsyncDeleteFailed(err)
			markConditions(r.u, xpv1.Deleting())
			setConditions(r.u, upjetresource.LastAsyncOperationCondition(aerr), xpv1.ReconcileError(errors.Wrap(aerr, errXPDelete)))
			r.s.record(EventError, r.u, errors.Wrap(aerr, errXPDelete).Error())
			return result{requeue: true}, r.writeStatus(ctx)
		}
		r.s.record(EventDelete, r.u, "")
		r.setState(map[string]any{})
		markConditions(r.u, xpv1.Deleting(), xpv1.ReconcileSuccess())
		setConditions(r.u, upjetresource.LastAsyncOperationCondition(nil))
		if err := r.writeStatus(ctx); err != nil {
			return result{}, err
		}
	}
	if meta.FinalizerExists(r.u, managed.FinalizerName) {
		return result{}, r.removeFinalizer(ctx)
	}
	return result{}, nil
}

// createdAt is when the resource was created: as remembered, or the
// external-create-succeeded annotation rounded up to the next second.
func (r *rec) createdAt() time.Time {
	if t, ok := r.s.created.Load(r.u.GetUID()); ok {
		return t.(time.Time)
	}
	t := meta.GetExternalCreateSucceeded(r.u)
	if t.IsZero() {
		return t
	}
	return t.Add(time.Second)
}

func managementPolicies(u *unstructured.Unstructured) xpv1.ManagementPolicies {
	l, ok, _ := unstructured.NestedStringSlice(u.Object, "spec", "managementPolicies")
	if !ok {
		return xpv1.ManagementPolicies{xpv1.ManagementActionAll}
	}
	out := make(xpv1.ManagementPolicies, 0, len(l))
	for _, p := range l {
		out = append(out, xpv1.ManagementAction(p))
	}
	return out
}

func policiesString(u *unstructured.Unstructured) string {
	var s []string
	for _, p := range managementPolicies(u) {
		s = append(s, string(p))
	}
	return "[" + strings.Join(s, ",") + "]"
}

func deletionPolicy(u *unstructured.Unstructured) xpv1.DeletionPolicy {
	p, _, _ := unstructured.NestedString(u.Object, "spec", "deletionPolicy")
	if p == "" {
		return xpv1.DeletionDelete
	}
	return xpv1.DeletionPolicy(p)
}
