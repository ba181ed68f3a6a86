package decision

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// Check is pure: it refuses, with what to do instead, a decision the server's webhook would
// refuse (D14, D17, D29), so a reviewer learns it before writing. The webhook stays the
// authority: it also checks permission and self-review, which need the server.
func Check(app *qualv1.CategoryApplication, v qualv1.Verdict, seen int64) error {
	gen := app.Generation
	if seen != gen {
		return fmt.Errorf("%s changed since you looked: generation %d → %d; describe it again (kubectl category describe %s)",
			app.Name, seen, gen, app.Name)
	}
	d := app.Status.Decision
	decidedNow := d != nil && d.Generation == gen
	if v == qualv1.VerdictWithdrawn {
		switch {
		case decidedNow && d.Verdict == qualv1.VerdictApproved:
			return nil
		case decidedNow && d.Verdict == qualv1.VerdictWithdrawn:
			return fmt.Errorf("generation %d of %s was already withdrawn%s", gen, app.Name, by(d))
		}
		return fmt.Errorf("%s is not approved (phase %s): only an approved application can be withdrawn (D29)", app.Name, phase(app))
	}
	if decidedNow {
		msg := fmt.Sprintf("generation %d of %s was already %s%s; a decision is final for its generation (D17)",
			gen, app.Name, PastTense(d.Verdict), by(d))
		if d.Verdict == qualv1.VerdictApproved {
			msg += "; to take an approval back use `kubectl category withdraw`"
		} else {
			msg += "; the merchant starts a new round by changing the application"
		}
		return fmt.Errorf("%s", msg)
	}
	under := meta.FindStatusCondition(app.Status.Conditions, qualv1.ConditionUnderReview)
	if app.Status.Phase == qualv1.PhaseUnderReview && under != nil && under.Status == metav1.ConditionTrue && under.ObservedGeneration == gen {
		return nil
	}
	return fmt.Errorf("%s is not under review (phase %s)%s", app.Name, phase(app), whyNotUnderReview(app))
}

func whyNotUnderReview(app *qualv1.CategoryApplication) string {
	gen := app.Generation
	if app.Status.ObservedGeneration != gen {
		return fmt.Sprintf(": the operator has not processed generation %d yet; try again in a moment", gen)
	}
	if c := meta.FindStatusCondition(app.Status.Conditions, qualv1.ConditionRequirementsMet); c != nil && c.Status != metav1.ConditionTrue {
		return fmt.Sprintf(": its requirements are not met (%d finding(s)); see `kubectl category describe %s`", len(app.Status.Findings), app.Name)
	}
	if c := meta.FindStatusCondition(app.Status.Conditions, qualv1.ConditionStalled); c != nil && c.Status == metav1.ConditionTrue {
		return ": " + c.Message
	}
	return ""
}

func by(d *qualv1.Decision) string {
	if d.Reviewer == "" {
		return ""
	}
	return " by " + d.Reviewer
}

func phase(app *qualv1.CategoryApplication) string {
	if app.Status.Phase == "" {
		return "not yet processed"
	}
	return string(app.Status.Phase)
}
