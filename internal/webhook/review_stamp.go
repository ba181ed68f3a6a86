package webhook

import (
	"context"
	"fmt"
	"net/http"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
)

// Mutate records who decided and when, from the request, overwriting whatever the client sent,
// and a rejection's title and guidance from the policy's catalogue (D32).
// A decision that replaces another (a withdrawal replaces the approval) archives the replaced
// one to history first, so who decided it, and when, stays on record (D13, D29). History is
// written from the stored object, never from what the client sent.
func (w *Review) Mutate(ctx context.Context, req admission.Request) admission.Response {
	old, app, err := w.decode(req)
	if err != nil {
		return admission.Errored(http.StatusBadRequest, err)
	}
	d := app.Status.Decision
	if d == nil || req.UserInfo.Username == w.Operator || sameDecision(old.Status.Decision, d) {
		return admission.Allowed("")
	}
	now := metav1.NewTime(w.Clock.Now())
	var history any
	if old.Status.Decision != nil {
		st := old.Status.DeepCopy()
		st.ArchiveDecision(now)
		if history, err = toJSONValue(st.History); err != nil {
			return admission.Errored(http.StatusInternalServerError, err)
		}
	}
	title, guidance, err := w.catalogueText(ctx, app)
	if err != nil {
		return admission.Errored(http.StatusInternalServerError, fmt.Errorf("reading the category policy: %w", err))
	}
	return patchRaw(req.Object.Raw, func(obj map[string]any) {
		st := child(obj, "status")
		d := child(st, "decision")
		d["reviewer"] = req.UserInfo.Username
		d["decidedAt"] = now.UTC().Format(time.RFC3339)
		setOrDelete(d, "title", title)
		setOrDelete(d, "guidance", guidance)
		if history != nil {
			st["history"] = history
		}
	})
}

// setOrDelete sets obj[key], or removes it when v is nil.
func setOrDelete(obj map[string]any, key string, v any) {
	if v == nil {
		delete(obj, key)
		return
	}
	obj[key] = v
}
