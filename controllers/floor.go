package controllers

import (
	"time"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/calendar"
)

// The benchmark's floor writes, with plain clients, what the reconciler writes; these compose
// the reconciler's own pure steps, so the two write the same objects by construction.

// SubmittedStatus is the status the reconciler writes for an application that meets every
// requirement, at now: a round under review, its Secret files pinned from secrets (name →
// key → "sha256:<hex>").
func SubmittedStatus(app *qualv1.CategoryApplication, secrets map[string]map[string]string, now time.Time, cal *calendar.Calendar, reviewDays int32) {
	p := pinsOf(app, secrets)
	setRequirementsMetCondition(app, nil)
	closeRound(app, p, now)
	reviewRound(app, now, cal, reviewDays)
	recordRound(app, p)
	summarize(app, false)
}

// ListedStatus is the status the reconciler writes once the decision in app.Status is
// reflected and l, the approval's listing, is in its state.
func ListedStatus(app *qualv1.CategoryApplication, l *qualv1.ShowcaseListing, now time.Time, cal *calendar.Calendar) {
	reviewRound(app, now, cal, 0)
	setListedCondition(app, l)
	summarize(app, false)
}
