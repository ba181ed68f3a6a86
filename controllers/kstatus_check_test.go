package controllers

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/config/argocd"
)

// KstatusProblems lists the ways an application's status breaks the kstatus conventions, the
// rules Flux's conditions checker (fluxcd/pkg runtime/conditions/check) enforces, and the
// polarities of api/v1alpha1's conditions table. The envtest suite runs it on every object it
// reads, so a reconcile that writes an inconsistent status fails the tests even if the next
// one repairs it.
//
// One Flux rule is left out on purpose: "Ready must always be present". Ready is absent while
// a reviewer decides, because kstatus reads any Ready=False as InProgress (see summarize).
func KstatusProblems(app *qualv1.CategoryApplication) []string {
	var out []string
	st := &app.Status
	bad := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	get := func(t string) *metav1.Condition { return meta.FindStatusCondition(st.Conditions, t) }
	isTrue := func(t string) bool { c := get(t); return c != nil && c.Status == metav1.ConditionTrue }

	if st.ObservedGeneration > app.Generation {
		bad("observedGeneration %d is ahead of generation %d", st.ObservedGeneration, app.Generation)
	}
	for _, c := range st.Conditions {
		p, owned := qualv1.ConditionPolarity(c.Type)
		if !owned {
			bad("condition %s is not in api/v1alpha1's conditions table", c.Type)
			continue
		}
		if c.Reason == "" || c.ObservedGeneration == 0 {
			bad("condition %s lacks a reason or an observedGeneration", c.Type)
		}
		if c.ObservedGeneration > app.Generation {
			bad("condition %s observed generation %d, ahead of %d", c.Type, c.ObservedGeneration, app.Generation)
		}
		if p == qualv1.AbnormalTrue && c.Status == metav1.ConditionTrue && isTrue(qualv1.ConditionReady) {
			bad("abnormal-true condition %s is True while Ready is True", c.Type)
		}
	}
	for _, t := range []string{qualv1.ConditionReconciling, qualv1.ConditionStalled} {
		if c := get(t); c != nil && c.Status != metav1.ConditionTrue {
			bad("%s is %s: kstatus' abnormal-true conditions are removed, not set False", t, c.Status)
		}
	}
	if get(qualv1.ConditionReconciling) != nil && get(qualv1.ConditionStalled) != nil {
		bad("Reconciling and Stalled are both present")
	}
	for _, t := range []string{qualv1.ConditionReconciling, qualv1.ConditionStalled} {
		if r := get(qualv1.ConditionReady); isTrue(t) && (r == nil || r.Status != metav1.ConditionFalse) {
			bad("%s is True but Ready is not False", t)
		}
	}
	// Ready=True on an object whose spec changed since (observedGeneration behind) is the last
	// reconcile's word, not the operator's claim about the new spec: kstatus reads the generation
	// first (InProgress), and `kubectl wait` compares the condition's observedGeneration.
	if isTrue(qualv1.ConditionReady) {
		for _, c := range st.Conditions {
			if c.ObservedGeneration != st.ObservedGeneration {
				bad("Ready is True but %s is about generation %d, not %d", c.Type, c.ObservedGeneration, st.ObservedGeneration)
			}
		}
	}
	return out
}

// Verdicts is what GitOps tools make of an application: kstatus' status.Compute from
// cli-utils (Flux's health checks run the same function: fluxcd/cli-utils' kstatus status
// package is identical for custom resources), and Argo CD's health.lua.
func Verdicts(app *qualv1.CategoryApplication) (kstatus, argo string, err error) {
	obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(app)
	if err != nil {
		return "", "", err
	}
	u := &unstructured.Unstructured{Object: obj}
	u.SetGroupVersionKind(qualv1.GroupVersion.WithKind("CategoryApplication"))
	res, err := status.Compute(u)
	if err != nil {
		return "", "", err
	}
	argo, _, err = argocd.Health(u.Object)
	return string(res.Status), argo, err
}
