// The health check on hand-made objects, including ones the operator should never produce.
// controllers/health_test.go runs it on the operator's own objects in every phase.
package argocd

import (
	"testing"

	. "github.com/onsi/gomega"
)

func app(gen, observed int, conds ...[3]string) map[string]any {
	var cs []any
	for _, c := range conds {
		cs = append(cs, map[string]any{"type": c[0], "status": c[1], "message": c[2]})
	}
	return map[string]any{"metadata": map[string]any{"generation": int64(gen)},
		"status": map[string]any{"observedGeneration": int64(observed), "conditions": cs}}
}

func TestHealth(t *testing.T) {
	for _, c := range []struct {
		name, want, msg string
		obj             map[string]any
	}{
		{"new", "Progressing", "Waiting for the operator", map[string]any{"metadata": map[string]any{"generation": int64(1)}}},
		{"stale generation", "Progressing", "has not processed", app(2, 1, [3]string{"Ready", "True", "ok"})},
		{"under review", "Suspended", "awaiting", app(1, 1, [3]string{"UnderReview", "True", "awaiting a reviewer"})},
		{"under review, deadline passed", "Suspended", "awaiting", app(1, 1, [3]string{"UnderReview", "True", "awaiting a reviewer"},
			[3]string{"ReviewOverdue", "True", "no decision by the deadline"})},
		{"requirements not met", "Degraded", "D11", app(1, 1, [3]string{"Stalled", "True", "platform (D11)"}, [3]string{"Ready", "False", "x"})},
		{"rejected", "Degraded", "seal", app(3, 3, [3]string{"Stalled", "True", "Rejected: seal"})},
		{"approved and listed", "Healthy", "listed", app(2, 2, [3]string{"Ready", "True", "approved and listed"})},
		{"listing being created", "Progressing", "being created", app(2, 2, [3]string{"Ready", "False", "the listing is being created"})},
		{"retrying", "Progressing", "forbidden", app(2, 2, [3]string{"Reconciling", "True", "retrying after error: forbidden"},
			[3]string{"Ready", "False", "retrying after error: forbidden"}, [3]string{"UnderReview", "False", "approved"})},
		// Reconciling wins over a stale Stalled, as in kstatus when it comes first; the operator
		// never writes both (controllers' kstatus checks).
		{"retrying while stalled", "Progressing", "retrying", app(1, 1, [3]string{"Reconciling", "True", "retrying"}, [3]string{"Stalled", "True", "x"})},
		{"stalled wins over under review", "Degraded", "dup", app(1, 1, [3]string{"UnderReview", "True", "awaiting"}, [3]string{"Stalled", "True", "dup"})},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			status, msg, err := Health(c.obj)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(status).To(Equal(c.want))
			g.Expect(msg).To(ContainSubstring(c.msg))
		})
	}
}
