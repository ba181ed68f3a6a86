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
// who claimed, with an expiry bounded by the platform's maximum (D30), and a rejection's title
// and guidance from the policy's catalogue (D32).
// A decision that replaces another (a withdrawal replaces the approval) archives the replaced
// one to history first, so who decided it, and when, stays on record (D13, D29). History is
// written from the stored object, never from what the client sent.
func (w *Review) Mutate(ctx context.Context, req admission.Request) admission.Response {
	old, app, err := w.decode(req)
	if err != nil {
		return admission.Errored(http.StatusBadRequest, err)
	}
	claim := w.claimPatch(req, old, app)
	d := app.Status.Decision
	if d == nil || req.UserInfo.Username == w.Operator || sameDecision(old.Status.Decision, d) {
		if claim == nil {
			return admission.Allowed("")
		}
		return patchRaw(req.Object.Raw, func(obj map[string]any) { stampClaim(obj, claim) })
	}
	now := metav1.NewTime(w.Clock.Now()).Rfc3339Copy()
	stamped := d.DeepCopy()
	stamped.Reviewer, stamped.DecidedAt = req.UserInfo.Username, &now
	var history any
	// A decision that comes out as the one stored (the same reviewer sending it again within
	// the second) replaces nothing: history stays as it is, and the write changes nothing.
	if old.Status.Decision != nil && !sameDecision(old.Status.Decision, stamped) {
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
		stampClaim(obj, claim)
	})
}

// stampClaim writes claimPatch's fields into status.claim (D30); nil: nothing to stamp.
func stampClaim(obj map[string]any, fields map[string]any) {
	if fields == nil {
		return
	}
	c := child(child(obj, "status"), "claim")
	for k, v := range fields {
		c[k] = v
	}
}

// setOrDelete sets obj[key], or removes it when v is nil.
func setOrDelete(obj map[string]any, key string, v any) {
	if v == nil {
		delete(obj, key)
		return
	}
	obj[key] = v
}
