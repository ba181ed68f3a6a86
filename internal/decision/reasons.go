package decision

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// Catalogued is pure and the one home of D32: a rejection under a policy with a catalogue of
// rejection reasons names one of its codes, exactly, and carries that entry's title and
// guidance, never text the policy does not say. It returns the entry (nil: the policy has no
// catalogue, and the reason is the reviewer's own CamelCase word) or the refusal, which lists
// the valid codes. others are every policy, for a hint when the code is another group's; nil
// is fine. A decision other than a rejection, or under a policy without a catalogue, carries
// no title or guidance. policy nil: the group has no policy; nothing to check here.
func Catalogued(policy *qualv1.CategoryPolicy, others []qualv1.CategoryPolicy, d qualv1.Decision) (*qualv1.RejectionReason, *Refusal) {
	if policy == nil {
		return nil, nil
	}
	catalogue := policy.Spec.RejectionReasons
	if d.Verdict != qualv1.VerdictRejected || len(catalogue) == 0 {
		if d.Title != "" || d.Guidance != "" {
			return nil, &Refusal{Field: "title", Value: d.Title, Message: fmt.Sprintf(
				"title and guidance come from the rejection reasons of category group %s, and %s decision under it carries none (D32)",
				policy.Name, article(d.Verdict))}
		}
		return nil, nil
	}
	if i := slices.IndexFunc(catalogue, func(r qualv1.RejectionReason) bool { return r.Code == d.Reason }); i >= 0 {
		entry := catalogue[i]
		if d.Title != "" && d.Title != entry.Title || d.Guidance != "" && d.Guidance != entry.Guidance {
			return nil, &Refusal{Field: "title", Value: d.Title, Message: fmt.Sprintf(
				"title and guidance of reason %s are those of category group %s's rejection reasons, copied as they are (D32)", entry.Code, policy.Name)}
		}
		return &entry, nil
	}
	return nil, &Refusal{Field: "reason", Value: d.Reason, Message: UnknownReason(policy, d.Reason) + reasonHint(policy, others, d.Reason)}
}

// UnknownReason is the refusal of a code outside the catalogue, in the words the admission
// policy application-status-reasons uses too.
func UnknownReason(policy *qualv1.CategoryPolicy, code string) string {
	return fmt.Sprintf("%q is not a rejection reason of category group %s (D32); use one of: %s",
		code, policy.Name, strings.Join(Codes(policy), ", "))
}

// Codes are the codes of the policy's catalogue, in its order.
func Codes(policy *qualv1.CategoryPolicy) []string {
	out := make([]string, len(policy.Spec.RejectionReasons))
	for i, r := range policy.Spec.RejectionReasons {
		out[i] = r.Code
	}
	return out
}

// reasonHint helps a careless reviewer: a code in the wrong case, or one of another group.
func reasonHint(policy *qualv1.CategoryPolicy, others []qualv1.CategoryPolicy, code string) string {
	for _, r := range policy.Spec.RejectionReasons {
		if strings.EqualFold(r.Code, code) {
			return fmt.Sprintf(" (did you mean %s? codes are case-sensitive)", r.Code)
		}
	}
	var groups []string
	for _, p := range others {
		if p.Name != policy.Name && slices.ContainsFunc(p.Spec.RejectionReasons, func(r qualv1.RejectionReason) bool { return r.Code == code }) {
			groups = append(groups, p.Name)
		}
	}
	if len(groups) > 0 {
		return fmt.Sprintf(" (%s is a reason of %s, not of %s)", code, strings.Join(groups, ", "), policy.Name)
	}
	return ""
}

// article names a verdict's decision: "a rejected", "an approved", "a withdrawn".
func article(v qualv1.Verdict) string {
	if v == qualv1.VerdictApproved {
		return "an approved"
	}
	return "a " + strings.ToLower(string(v))
}

// catalogue checks a rejection's reason against the policy of the application's group before
// anything is written, and copies the entry's title and guidance into d (D32). A policy the
// user may not read, or that is missing, is left to the server to judge.
func catalogue(ctx context.Context, c client.Client, app *qualv1.CategoryApplication, d *qualv1.Decision) error {
	if d.Verdict != qualv1.VerdictRejected {
		return nil
	}
	policy := &qualv1.CategoryPolicy{}
	if err := c.Get(ctx, client.ObjectKey{Name: app.Spec.Category.Group}, policy); err != nil {
		return nil
	}
	entry, refusal := Catalogued(policy, nil, *d)
	if refusal != nil && refusal.Field == "reason" {
		var all qualv1.CategoryPolicyList
		if c.List(ctx, &all) == nil {
			_, refusal = Catalogued(policy, all.Items, *d)
		}
	}
	if refusal != nil {
		return refusal
	}
	if entry != nil {
		d.Title, d.Guidance = entry.Title, entry.Guidance
	}
	return nil
}
