package controllers

import (
	"fmt"
	"slices"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// catalogueText is pure: the title and guidance a rejection's notification carries (D32). The
// decision's own, which the webhook copied from the policy and the admission policy checked,
// come first; a decision written without the webhook by a client that left them out gets
// them from the policy in force, if its reason is catalogued there.
func catalogueText(policy *qualv1.CategoryPolicy, t transition) (title, guidance string) {
	if t.title != "" || t.guidance != "" || policy == nil {
		return t.title, t.guidance
	}
	for _, r := range policy.Spec.RejectionReasons {
		if r.Code == t.reason {
			return r.Title, r.Guidance
		}
	}
	return "", ""
}

// EventRejectionReasonUnknown is the warning event of a rejection whose reason is not in its
// policy's rejection reasons: only a cluster without the status webhook and the admission
// policy application-status-reasons lets one through (D32).
const EventRejectionReasonUnknown qualv1.NotificationEvent = "RejectionReasonUnknown"

// reasonWarnings is pure: a rejection the operator puts into effect although its reason is not
// one of the policy's codes (a rejection only takes rights away, so it stands) is flagged with
// a warning event, once, as the rejection happens; its notification carries the code alone.
// The message names no reviewer: the merchant reads it.
func reasonWarnings(policy *qualv1.CategoryPolicy, events []transition) []transition {
	if policy == nil || len(policy.Spec.RejectionReasons) == 0 {
		return nil
	}
	var out []transition
	for _, t := range events {
		if t.event != qualv1.EventRejected || slices.ContainsFunc(policy.Spec.RejectionReasons, func(r qualv1.RejectionReason) bool { return r.Code == t.reason }) {
			continue
		}
		out = append(out, transition{event: EventRejectionReasonUnknown, warning: true, reason: string(EventRejectionReasonUnknown), message: fmt.Sprintf(
			"the rejection's reason %q is not a rejection reason of category group %s (D32): it stands, and the merchant is told the code without a title or guidance; "+
				"the status webhook and the admission policy application-status-reasons refuse such a rejection", t.reason, policy.Name)})
	}
	return out
}
