package webhook

import (
	"context"
	"net/http"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// Mutate records who decided and when, from the request, overwriting whatever the client sent.
func (w *Review) Mutate(_ context.Context, req admission.Request) admission.Response {
	old, app, err := w.decode(req)
	if err != nil {
		return admission.Errored(http.StatusBadRequest, err)
	}
	d := app.Status.Decision
	if d == nil || req.UserInfo.Username == w.Operator || sameDecision(old.Status.Decision, d) {
		return admission.Allowed("")
	}
	now := metav1.NewTime(w.Clock.Now())
	history, withdrawal := withdrawalHistory(old, d, now)
	var historyJSON any
	if withdrawal {
		if historyJSON, err = toJSONValue(history); err != nil {
			return admission.Errored(http.StatusInternalServerError, err)
		}
	}
	return patchRaw(req.Object.Raw, func(obj map[string]any) {
		st := child(obj, "status")
		d := child(st, "decision")
		d["reviewer"] = req.UserInfo.Username
		d["decidedAt"] = now.UTC().Format(time.RFC3339)
		if withdrawal {
			st["history"] = historyJSON
		}
	})
}

// withdrawalHistory is pure: a withdrawal replaces the approval of the same generation, so the
// approved round goes to history first and who approved, and when, stays on record (D29). (A
// withdrawal of the approval an Active listing stands on, after the spec or the materials
// changed, replaces nothing: the operator archived that approval when the round changed.)
func withdrawalHistory(old *qualv1.CategoryApplication, d *qualv1.Decision, at metav1.Time) ([]qualv1.ReviewRecord, bool) {
	prev := old.Status.Decision
	if d == nil || d.Verdict != qualv1.VerdictWithdrawn || prev == nil || prev.Verdict != qualv1.VerdictApproved ||
		prev.Generation != d.Generation {
		return nil, false
	}
	st := old.Status.DeepCopy()
	st.PushHistory(qualv1.ReviewRecord{Generation: prev.Generation, SubmittedAt: st.SubmittedAt,
		ReviewDeadline: st.ReviewDeadline, MaterialsDigest: st.MaterialsDigest, SecretFiles: st.SecretFiles, Decision: st.Decision, ArchivedAt: &at})
	return st.History, true
}
