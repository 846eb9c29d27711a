package providersim

import (
	"context"

	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	"github.com/pkg/errors"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// crossplane-runtime's error strings for the writes.
const (
	errUpdateManaged             = "cannot update managed resource"
	errUpdateManagedStatus       = "cannot update managed resource status"
	errUpdateCriticalAnnotations = "cannot update critical annotations"
	errAddFinalizer              = "cannot add finalizer"
	errRemoveFinalizer           = "cannot remove finalizer"
	writeAttempts                = 5
)

// update writes metadata and spec (client.Update): the object as read, so a
// concurrent change is a conflict and the reconcile starts over.
func (r *rec) update(ctx context.Context) error {
	out, err := r.rc.Update(ctx, r.u, metav1.UpdateOptions{})
	if err != nil {
		return errors.Wrap(err, errUpdateManaged)
	}
	r.keepStatus(out)
	return nil
}

// keepStatus adopts the written object but keeps the status this reconcile
// has computed so far (an update does not write status).
func (r *rec) keepStatus(out *unstructured.Unstructured) {
	if st, ok := r.u.Object["status"]; ok {
		out.Object["status"] = st
	}
	r.u = out
}

// updateCritical is managed.RetryingCriticalAnnotationUpdater: on a
// conflict it re-reads the object, re-adds the annotations and tries again.
func (r *rec) updateCritical(ctx context.Context) error {
	a := r.u.GetAnnotations()
	var err error
	for range writeAttempts {
		var out *unstructured.Unstructured
		if out, err = r.rc.Update(ctx, r.u, metav1.UpdateOptions{}); err == nil {
			r.keepStatus(out)
			return nil
		}
		if !kerrors.IsConflict(err) {
			break
		}
		fresh, gerr := r.rc.Get(ctx, r.u.GetName(), metav1.GetOptions{})
		if gerr != nil {
			err = gerr
			break
		}
		meta.AddAnnotations(fresh, a)
		r.keepStatus(fresh)
	}
	return errors.Wrap(err, errUpdateCriticalAnnotations)
}

// writeStatus writes status through the status subresource. The simulator
// is the only writer of an MR's status, so after a conflict (a concurrent
// spec or metadata change) the computed status is written onto the fresh
// object: a create's or an invocation's outcome is never lost.
func (r *rec) writeStatus(ctx context.Context) error {
	var err error
	for range writeAttempts {
		var out *unstructured.Unstructured
		if out, err = r.rc.UpdateStatus(ctx, r.u, metav1.UpdateOptions{}); err == nil {
			r.u = out
			return nil
		}
		if !kerrors.IsConflict(err) {
			break
		}
		fresh, gerr := r.rc.Get(ctx, r.u.GetName(), metav1.GetOptions{})
		if gerr != nil {
			err = gerr
			break
		}
		r.keepStatus(fresh)
	}
	return errors.Wrap(err, errUpdateManagedStatus)
}

// addFinalizer is resource.APIFinalizer.AddFinalizer.
func (r *rec) addFinalizer(ctx context.Context) error {
	if meta.FinalizerExists(r.u, managed.FinalizerName) {
		return nil
	}
	meta.AddFinalizer(r.u, managed.FinalizerName)
	return errors.Wrap(r.update(ctx), errAddFinalizer)
}

// removeFinalizer is resource.APIFinalizer.RemoveFinalizer; the object is
// gone afterwards when it was the last finalizer.
func (r *rec) removeFinalizer(ctx context.Context) error {
	meta.RemoveFinalizer(r.u, managed.FinalizerName)
	out, err := r.rc.Update(ctx, r.u, metav1.UpdateOptions{})
	if kerrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return errors.Wrap(err, errRemoveFinalizer)
	}
	r.u = out
	return nil
}
