package controllers

import (
	"context"
	"fmt"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/celrules"
)

// +kubebuilder:rbac:groups=qualification.channelshop.dev,resources=categorypolicies/status,verbs=get;update;patch

// PolicyReconciler reports whether a CategoryPolicy is valid. The webhook refuses invalid
// policies at apply time; this also covers a policy that was stored while the webhook was
// down, so a broken custom rule is visible on the policy itself.
type PolicyReconciler struct {
	client.Client
	Rules *celrules.Cache
}

// Reconcile validates the policy and sets Ready.
func (r *PolicyReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	policy := &qualv1.CategoryPolicy{}
	if err := r.Get(ctx, req.NamespacedName, policy); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	before := policy.DeepCopy()
	c := metav1.Condition{Type: qualv1.ConditionReady, Status: metav1.ConditionTrue, Reason: qualv1.ReasonPolicyValid,
		Message:            fmt.Sprintf("%d level-2 categories, %d custom rules", len(policy.Spec.Subcategories), len(policy.Spec.Rules)),
		ObservedGeneration: policy.Generation}
	if _, errs := r.Rules.Get(policy); len(errs) > 0 {
		c.Status, c.Reason, c.Message = metav1.ConditionFalse, qualv1.ReasonPolicyInvalid, errs.ToAggregate().Error()
	}
	meta.SetStatusCondition(&policy.Status.Conditions, c)
	policy.Status.ObservedGeneration = policy.Generation
	if apiequality.Semantic.DeepEqual(before.Status, policy.Status) {
		return ctrl.Result{}, nil
	}
	return ctrl.Result{}, r.Status().Patch(ctx, policy, client.MergeFrom(before), client.FieldOwner(FieldManager))
}

// SetupWithManager watches policies' spec.
func (r *PolicyReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&qualv1.CategoryPolicy{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Complete(r)
}
