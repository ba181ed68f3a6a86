package controllers

import (
	"context"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/findings"
	"github.com/channelshop/category-operator/internal/requirements"
)

// requirements evaluates the application against its policy (D2..D27, custom rules) and
// records the findings. The same engine runs in the admission webhook; here Secrets are
// checked too (D19), because at admission they may legitimately not exist yet.
func (r *ApplicationReconciler) requirements(ctx context.Context, s *appState) (stepResult, error) {
	in := requirements.Input{
		App: s.app, Policy: s.policy, Now: s.now, Location: s.cal.Location(),
		Secrets: secretKeys(s.secrets),
	}
	found := findings.Of(in, r.Rules)
	s.app.Status.Findings = found
	setRequirementsMetCondition(s.app, found)

	var res stepResult
	if next, ok := requirements.NextExpiry(in); ok {
		res.requeueAfter = next.Sub(s.now)
	}
	return res, nil
}

// setRequirementsMetCondition is pure: findings decide RequirementsMet.
func setRequirementsMetCondition(app *qualv1.CategoryApplication, findings []qualv1.Finding) {
	c := metav1.Condition{Type: qualv1.ConditionRequirementsMet, ObservedGeneration: app.Generation}
	if len(findings) == 0 {
		c.Status, c.Reason, c.Message = metav1.ConditionTrue, qualv1.ReasonRequirementsMet, "all requirements of the category's policy are met"
	} else {
		c.Status, c.Reason, c.Message = metav1.ConditionFalse, qualv1.ReasonRequirementsNotMet, summarizeFindings(findings)
	}
	meta.SetStatusCondition(&app.Status.Conditions, c)
}

// summarizeFindings renders findings for a condition message, bounded in size.
func summarizeFindings(findings []qualv1.Finding) string {
	const maxShown = 5
	var b strings.Builder
	fmt.Fprintf(&b, "%d requirement(s) not met (see status.findings): ", len(findings))
	for i, f := range findings {
		if i == maxShown {
			fmt.Fprintf(&b, "; and %d more", len(findings)-maxShown)
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s: %s", f.Field, qualv1.Truncate(f.Message, qualv1.MaxConditionMessage/maxShown-64))
	}
	return qualv1.Truncate(b.String(), qualv1.MaxConditionMessage)
}

// secretKeys answers the engine's Secret lookups from what readSecrets read: keys only.
func secretKeys(secrets map[string]*secretRead) requirements.SecretLookup {
	return func(name string) (requirements.SecretKeys, bool) {
		read := secrets[name]
		if read == nil {
			return requirements.SecretKeys{}, false
		}
		return read.keys(), true
	}
}
