// Package findings assembles everything an application breaks: the requirements engine's rules
// and the policy's custom CEL rules, in one sorted list. The admission webhook and the
// reconciler both call Of, so an application is judged the same way at apply time and after.
package findings

import (
	"fmt"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/celrules"
	"github.com/channelshop/category-operator/internal/requirements"
)

// RulePolicyInvalid is the finding of a policy whose custom rules do not compile: the
// application cannot be judged, so it cannot pass.
const RulePolicyInvalid = "PolicyInvalid"

// Of evaluates in against the engine and the custom rules of in.Policy; nil when nothing is
// broken. The list and its messages are bounded (qualv1.BoundFindings), so status can always
// be written and an admission answer stays small.
func Of(in requirements.Input, rules *celrules.Cache) []qualv1.Finding {
	out := requirements.Evaluate(in)
	if in.Policy != nil && len(in.Policy.Spec.Rules) > 0 {
		prog, errs := rules.Get(in.Policy)
		if len(errs) > 0 {
			out = append(out, qualv1.Finding{Rule: RulePolicyInvalid, Field: "spec.category.group",
				Message: fmt.Sprintf("the custom rules of policy %q do not compile, ask the platform team to fix them: %v", in.Policy.Name, errs.ToAggregate())})
		} else {
			out = append(out, prog.Evaluate(in.App)...)
		}
		requirements.Sort(out)
	}
	if len(out) == 0 {
		return nil
	}
	return qualv1.BoundFindings(out)
}
