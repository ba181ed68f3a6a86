package controllers

import (
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
