// Package decision is a reviewer's write of status.decision: {verdict, reason, message,
// generation} through the status subresource, guarded by the resourceVersion read, so a
// decision is only ever made on the generation of the spec the reviewer looked at (D17). Who
// decided and when are recorded by the API server's webhook from the authenticated request
// (D16), never sent here.
//
// `kubectl category approve|reject|withdraw` and the benchmark both write through Write, so
// the benchmark measures the path reviewers take.
package decision

import (
	"context"
	"encoding/json"
	"strings"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// Request is one reviewer's decision about one application.
type Request struct {
	Key     client.ObjectKey
	Verdict qualv1.Verdict
	Reason  string
	Message string
	// Generation is the generation the reviewer looked at; 0 means the one read just before
	// writing, which only a rejection or a withdrawal may leave out (Named).
	Generation int64
	// MaterialsDigest is the round's materials digest the reviewer looked at; empty means the
	// one read just before writing (only when Generation is 0 too; never for an approval).
	MaterialsDigest string
	// BeforeWrite, if set, runs between reading the application and writing the decision:
	// a seam for tests to change the application in that window.
	BeforeWrite func(ctx context.Context) error
}

// Write reads the application, refuses locally what the server would refuse (Allowed), and
// patches the decision; on a conflict (someone wrote meanwhile) it reads again and re-checks.
// Conflicts back off for about 1.5 s in all: when a round starts the operator's status and
// delivery controllers write the application several times in a row.
// It returns the application as last read or, on success, as stored, and the generation
// decided. Server refusals are returned as they are: they are written for reviewers.
// An approval that does not name what the reviewer saw is refused before anything is read.
func Write(ctx context.Context, c client.Client, r Request) (*qualv1.CategoryApplication, int64, error) {
	seen, seenDigest := r.Generation, r.MaterialsDigest
	app := &qualv1.CategoryApplication{}
	if refusal := Named(qualv1.Decision{Verdict: r.Verdict, Generation: seen, MaterialsDigest: seenDigest}); refusal != nil {
		return app, seen, refusal
	}
	err := retry.RetryOnConflict(retry.DefaultBackoff, func() error {
		app = &qualv1.CategoryApplication{}
		if err := c.Get(ctx, r.Key, app); err != nil {
			return err
		}
		if seen == 0 {
			seen = app.Generation
			if seenDigest == "" {
				seenDigest = app.Status.MaterialsDigest
			}
		}
		d := qualv1.Decision{Verdict: r.Verdict, Reason: r.Reason, Message: r.Message, Generation: seen, MaterialsDigest: seenDigest}
		if refusal := Allowed(app, d); refusal != nil {
			return refusal
		}
		if err := catalogue(ctx, c, app, &d); err != nil {
			return err
		}
		if r.BeforeWrite != nil {
			if err := r.BeforeWrite(ctx); err != nil {
				return err
			}
		}
		patch, err := Patch(app.ResourceVersion, d)
		if err != nil {
			return err
		}
		return c.Status().Patch(ctx, app, client.RawPatch(types.MergePatchType, patch))
	})
	return app, seen, err
}

// Patch is a JSON merge patch naming status.decision only, so it cannot overwrite the
// operator's status fields, and carrying resourceVersion, so it fails with 409 Conflict if
// anything changed since the read. reason and message are null when empty, and reviewer and
// decidedAt always, so nothing of an earlier decision (the approval a withdrawal replaces)
// survives the merge; the server fills in reviewer and decidedAt.
func Patch(resourceVersion string, d qualv1.Decision) ([]byte, error) {
	orNull := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	return json.Marshal(map[string]any{
		"metadata": map[string]any{"resourceVersion": resourceVersion},
		"status": map[string]any{"decision": map[string]any{
			"verdict":         d.Verdict,
			"reason":          orNull(d.Reason),
			"message":         orNull(d.Message),
			"generation":      d.Generation,
			"materialsDigest": orNull(d.MaterialsDigest),
			"title":           orNull(d.Title),
			"guidance":        orNull(d.Guidance),
			"reviewer":        nil,
			"decidedAt":       nil,
		}},
	})
}

// PastTense renders a verdict for messages: "approved", "rejected", "withdrawn".
func PastTense(v qualv1.Verdict) string { return strings.ToLower(string(v)) }
