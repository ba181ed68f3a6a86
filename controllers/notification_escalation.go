package controllers

import (
	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// EscalationSink is the ledger name of the escalation sink (--escalation-sink-secret): it gets
// what the reviewers' sink gets of an overdue round, ReviewOverdue, so that someone beyond the
// review team hears of it (D36).
const EscalationSink = "escalation"

// platformSink reports whether a ledger sink is one the platform chose (its Secret is in the
// manager's namespace): it is sent with the Trusted sender, is a tenant of its own for the
// send limits, and its records keep the precise error class.
func platformSink(sink string) bool { return sink == ReviewerSink || sink == EscalationSink }

// onceARound are the events told at most once per review round (generation and materials
// digest), however often their condition flips in it: a deadline that moves later after a
// calendar change and passes again is still the one overdue round (D36).
var onceARound = map[qualv1.NotificationEvent]bool{qualv1.EventReviewOverdue: true}

// toldThisRound is pure: whether the ledger already holds event e for the round (gen, digest).
func toldThisRound(recs []qualv1.NotificationRecord, e qualv1.NotificationEvent, gen int64, digest string) bool {
	for _, r := range recs {
		if r.Event == e && r.Generation == gen && r.MaterialsDigest == digest {
			return true
		}
	}
	return false
}
