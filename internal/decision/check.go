package decision

import (
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// Refusal says why a decision is not allowed, on which field of status.decision, and what to
// do instead. The plugin prints Message; the webhook returns FieldError.
type Refusal struct {
	// Field is the child of status.decision concerned; empty for the decision as a whole.
	Field     string
	Value     any
	Forbidden bool
	Message   string
	// LookAgain says the reviewer's view is out of date or missing: Message then ends with the
	// command that shows the application as it is now (see Describe), to which a client
	// appends the connection flags its user gave, so the command can be copied as it is.
	LookAgain bool
}

func (r *Refusal) Error() string { return r.Message }

// FieldError renders the refusal under path (status.decision).
func (r *Refusal) FieldError(path *field.Path) *field.Error {
	if r.Field != "" {
		path = path.Child(r.Field)
	}
	if r.Forbidden {
		return field.Forbidden(path, r.Message)
	}
	return field.Invalid(path, r.Value, r.Message)
}

// Allowed is pure and is the one home of which decisions the state of an application allows
// (D13, D14, D17, D19, D29). The webhook enforces it and the plugin checks it before writing;
// who may decide is Who's and Writer's. d is the decision as the reviewer makes it: verdict, the generation
// and the materials digest they looked at.
func Allowed(app *qualv1.CategoryApplication, d qualv1.Decision) *Refusal {
	if r := Named(d); r != nil {
		r.Message += "; describe it: " + Describe(app)
		r.LookAgain = true
		return r
	}
	gen := app.Generation
	if d.Generation != gen {
		return &Refusal{Field: "generation", Value: d.Generation, LookAgain: true, Message: fmt.Sprintf(
			"%s changed since you looked: generation %d → %d (D17); describe it again: %s",
			app.Name, d.Generation, gen, Describe(app))}
	}
	prev := app.Status.Decision
	// An approval still short of the round's required approvals decides nothing yet (D31).
	decidedNow := prev != nil && prev.Generation == gen && !Pending(app)
	if d.Verdict == qualv1.VerdictWithdrawn {
		switch {
		case decidedNow && prev.Verdict == qualv1.VerdictApproved:
			return nil
		case decidedNow && prev.Verdict == qualv1.VerdictWithdrawn:
			return &Refusal{Forbidden: true, Message: fmt.Sprintf("generation %d of %s was already withdrawn%s", gen, app.Name, by(prev))}
		case !decidedNow && Listed(app):
			// The listing stands on an approval of an earlier generation: whatever the
			// current round's state, a reviewer can always take it back.
			return nil
		}
		return &Refusal{Field: "verdict", Forbidden: true, Message: fmt.Sprintf(
			"%s is not approved (phase %s) and has no Active listing: only an approved application can be withdrawn (D29)", app.Name, phase(app))}
	}
	if decidedNow {
		msg := fmt.Sprintf("generation %d of %s was already %s%s; a decision is final for its generation (D17)",
			gen, app.Name, PastTense(prev.Verdict), by(prev))
		if prev.Verdict == qualv1.VerdictApproved {
			msg += "; to take an approval back use `kubectl category withdraw`"
		} else {
			msg += "; the merchant starts a new round by changing the application"
		}
		return &Refusal{Forbidden: true, Message: msg}
	}
	under := meta.FindStatusCondition(app.Status.Conditions, qualv1.ConditionUnderReview)
	if under == nil || under.Status != metav1.ConditionTrue || under.ObservedGeneration != gen {
		return &Refusal{Forbidden: true, Message: fmt.Sprintf("%s is not under review (phase %s)%s (D14)", app.Name, phase(app), whyNotUnderReview(app))}
	}
	return digestRefusal(app, d)
}

// Named is the rule that an approval names what the reviewer saw (D17, D19): the generation and
// the materials digest that describe showed, never values read just before writing, which
// would approve whatever is current when the request lands. A rejection or a withdrawal may
// leave them out: the plugin then sends what it read. The schema requires a generation of at
// least 1 in every decision, and Allowed applies this rule, so the server refuses the same.
func Named(d qualv1.Decision) *Refusal {
	const msg = "an approval names the generation and the materials digest of what the reviewer looked at (D17, D19)"
	switch {
	case d.Verdict != qualv1.VerdictApproved:
		return nil
	case d.Generation == 0:
		return &Refusal{Field: "generation", Value: d.Generation, Message: msg}
	case d.MaterialsDigest == "":
		return &Refusal{Field: "materialsDigest", Value: "", Message: msg}
	}
	return nil
}

// Describe is the command that shows an application as a reviewer decides it.
func Describe(app *qualv1.CategoryApplication) string {
	return fmt.Sprintf("kubectl category describe %s -n %s", app.Name, app.Namespace)
}

// digestRefusal binds a decision to the content of the Secret files under review (D17, D19):
// any decision that names a digest must name the current one.
func digestRefusal(app *qualv1.CategoryApplication, d qualv1.Decision) *Refusal {
	want := app.Status.MaterialsDigest
	if d.MaterialsDigest == want || d.MaterialsDigest == "" && d.Verdict != qualv1.VerdictApproved {
		return nil
	}
	return &Refusal{Field: "materialsDigest", Value: d.MaterialsDigest, LookAgain: true, Message: fmt.Sprintf(
		"the materials of %s changed since you looked: the files in its Secrets now have digest %s, not %s (D17, D19); describe it again: %s",
		app.Name, orNone(want), d.MaterialsDigest, Describe(app))}
}

// Who is pure: nobody approves or rejects an application they created or whose spec they
// changed since the last decision (D16); a withdrawal is not separated (Separated). Permission
// to decide a group, and to write the application (Writer), is the API server's to say.
func Who(app *qualv1.CategoryApplication, v qualv1.Verdict, user string) *Refusal {
	if !Separated(v) {
		return nil
	}
	if creator := app.Annotations[qualv1.AnnotationCreatedBy]; creator != "" && creator == user {
		return &Refusal{Forbidden: true, Message: fmt.Sprintf(
			"user %q created this application and cannot decide it: nobody reviews their own application (D16)", user)}
	}
	if slices.Contains(Editors(app), user) {
		return &Refusal{Forbidden: true, Message: fmt.Sprintf(
			"user %q changed the spec of this application since its last decision (annotation %s) and cannot decide this round: nobody reviews their own application (D16)",
			user, qualv1.AnnotationSpecEditors)}
	}
	return nil
}

// Editors are the users recorded as having changed the spec since the last decision.
func Editors(app *qualv1.CategoryApplication) []string {
	var out []string
	for _, u := range strings.Split(app.Annotations[qualv1.AnnotationSpecEditors], ",") {
		if u = strings.TrimSpace(u); u != "" {
			out = append(out, u)
		}
	}
	return out
}

// Listed reports that an Active listing stands on an approval (the operator's Listed condition).
func Listed(app *qualv1.CategoryApplication) bool {
	return meta.IsStatusConditionTrue(app.Status.Conditions, qualv1.ConditionListed)
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

func orNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}

func phase(app *qualv1.CategoryApplication) string {
	if app.Status.Phase == "" {
		return "not yet processed"
	}
	return string(app.Status.Phase)
}
