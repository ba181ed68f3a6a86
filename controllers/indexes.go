package controllers

import (
	"context"
	"slices"

	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/index"
)

// SetupIndexes registers the field indexes the controllers and webhooks use.
func SetupIndexes(ctx context.Context, mgr ctrl.Manager) error {
	return index.Setup(ctx, mgr.GetFieldIndexer())
}

func (r *ApplicationReconciler) requestsFor(ctx context.Context, field, value string) []reconcile.Request {
	var list qualv1.CategoryApplicationList
	if err := r.List(ctx, &list, client.MatchingFields{field: value}); err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "listing applications by index", "index", field)
		return nil
	}
	reqs := make([]reconcile.Request, 0, len(list.Items))
	for _, a := range list.Items {
		reqs = append(reqs, reconcile.Request{NamespacedName: types.NamespacedName{Namespace: a.Namespace, Name: a.Name}})
	}
	return reqs
}

// appsOfPolicy re-evaluates every application of a group when its policy changes (D29).
func (r *ApplicationReconciler) appsOfPolicy(ctx context.Context, o client.Object) []reconcile.Request {
	return r.requestsFor(ctx, index.PolicyField, o.GetName())
}

// appsOfSecret re-evaluates the applications that reference a Secret that appeared, changed
// or disappeared.
func (r *ApplicationReconciler) appsOfSecret(ctx context.Context, o client.Object) []reconcile.Request {
	return r.requestsFor(ctx, index.SecretField, o.GetNamespace()+"/"+o.GetName())
}

// duplicatesOf wakes the other applications for the same shop and category when one is created
// or deleted, so a duplicate recovers when its original goes away. Not the application itself:
// the For watch has it, and a second request for it would reconcile it twice from a cache that
// may not show the first reconcile's write yet.
func (r *ApplicationReconciler) duplicatesOf(ctx context.Context, o client.Object) []reconcile.Request {
	reqs := r.requestsFor(ctx, index.DuplicateKeyField, index.DuplicateKey(o.(*qualv1.CategoryApplication)))
	self := types.NamespacedName{Namespace: o.GetNamespace(), Name: o.GetName()}
	return slices.DeleteFunc(reqs, func(q reconcile.Request) bool { return q.NamespacedName == self })
}

// createOrDelete passes only creations and deletions.
type createOrDelete struct{ predicate.Funcs }

func (createOrDelete) Create(event.CreateEvent) bool   { return true }
func (createOrDelete) Delete(event.DeleteEvent) bool   { return true }
func (createOrDelete) Update(event.UpdateEvent) bool   { return false }
func (createOrDelete) Generic(event.GenericEvent) bool { return false }

// listingChangedByOthers passes what the operator must repair on an owned listing: its
// deletion (recreate it) and a spec change (restore it). Its own creates and status writes
// need no second look (the reconcile that made them already knows), and at start-up every
// application is reconciled anyway, so creations add nothing: skipping them saves two no-op
// reconciles per approval.
type listingChangedByOthers struct{ predicate.Funcs }

func (listingChangedByOthers) Create(event.CreateEvent) bool   { return false }
func (listingChangedByOthers) Delete(event.DeleteEvent) bool   { return true }
func (listingChangedByOthers) Generic(event.GenericEvent) bool { return false }
func (listingChangedByOthers) Update(e event.UpdateEvent) bool {
	return e.ObjectOld.GetGeneration() != e.ObjectNew.GetGeneration()
}

// statusDecisionChanged passes updates that make or change the reviewer's decision: the only
// status field written by someone else, and the only status change the controller must react
// to. A decision going away is the operator's own archiving at the start of a new round (only
// the operator may remove one, D13), already reconciled by the write that did it.
type statusDecisionChanged struct{ predicate.Funcs }

func (statusDecisionChanged) Create(event.CreateEvent) bool   { return false }
func (statusDecisionChanged) Delete(event.DeleteEvent) bool   { return false }
func (statusDecisionChanged) Generic(event.GenericEvent) bool { return false }
func (statusDecisionChanged) Update(e event.UpdateEvent) bool {
	o, ok1 := e.ObjectOld.(*qualv1.CategoryApplication)
	n, ok2 := e.ObjectNew.(*qualv1.CategoryApplication)
	if !ok1 || !ok2 {
		return false
	}
	return n.Status.Decision != nil && !decisionEqual(o.Status.Decision, n.Status.Decision)
}

func decisionEqual(a, b *qualv1.Decision) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Verdict == b.Verdict && a.Generation == b.Generation && a.Reason == b.Reason &&
		a.Message == b.Message && a.Reviewer == b.Reviewer
}
