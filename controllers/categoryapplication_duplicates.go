package controllers

import (
	"context"
	"fmt"
	"sort"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// duplicates enforces D1: one application per (shop, category). Admission refuses a second
// one; if two raced past it, the later one (by creation time, then namespace/name) is marked
// Duplicate and goes no further, while the original proceeds.
func (r *ApplicationReconciler) duplicates(ctx context.Context, s *appState) (stepResult, error) {
	lookup, recheck := r.duplicateLookup(s.app)
	same, err := lookup.SameKey(ctx, s.app)
	if err != nil {
		return stepResult{}, err
	}
	original := OriginalOf(same)
	if original == nil || (original.Namespace == s.app.Namespace && original.Name == s.app.Name) {
		return stepResult{requeueAfter: recheck}, nil
	}
	markDuplicate(s.app, original)
	s.duplicate = true
	return stepResult{stop: true, requeueAfter: recheck}, nil
}

// OriginalOf returns the application that came first: by creation time, then namespace/name.
func OriginalOf(apps []qualv1.CategoryApplication) *qualv1.CategoryApplication {
	if len(apps) == 0 {
		return nil
	}
	sorted := append([]qualv1.CategoryApplication(nil), apps...)
	sort.Slice(sorted, func(i, j int) bool {
		a, b := sorted[i], sorted[j]
		if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
			return a.CreationTimestamp.Before(&b.CreationTimestamp)
		}
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		return a.Name < b.Name
	})
	return &sorted[0]
}

// markDuplicate is pure: the duplicate's status names the original.
func markDuplicate(app *qualv1.CategoryApplication, original *qualv1.CategoryApplication) {
	// Another tenant's application is never named: its namespace and name are not the
	// merchant's to know (D4).
	msg := fmt.Sprintf("duplicate of %s/%s, which applies for the same shop (appID %s) and category %s: one application per shop and category (D1); delete this one or the other",
		original.Namespace, original.Name, app.Spec.Merchant.AppID, app.Spec.Category.String())
	if original.Namespace != app.Namespace {
		msg = fmt.Sprintf("another namespace already holds an application for the same shop (appID %s) and category %s: one application per shop and category (D1); ask the platform team, who assign AppIDs to namespaces",
			app.Spec.Merchant.AppID, app.Spec.Category.String())
	}
	app.Status.Phase = qualv1.PhaseDuplicate
	// A duplicate takes no part in review: everything about rounds, decisions and listings goes.
	removeConditions(app, qualv1.ConditionsIn(qualv1.ScopeRound, qualv1.ScopeDecision, qualv1.ScopeListing)...)
	setCondition(app, qualv1.ConditionStalled, true, qualv1.ReasonDuplicate, msg)
	setCondition(app, qualv1.ConditionReady, false, qualv1.ReasonDuplicate, msg)
}
