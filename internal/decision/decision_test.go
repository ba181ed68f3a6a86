package decision

import (
	"encoding/json"
	"testing"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

func underReview(gen int64) *qualv1.CategoryApplication {
	return &qualv1.CategoryApplication{
		ObjectMeta: metav1.ObjectMeta{Name: "acme-gold", Namespace: "shop-acme", Generation: gen},
		Status: qualv1.CategoryApplicationStatus{
			ObservedGeneration: gen, Phase: qualv1.PhaseUnderReview, MaterialsDigest: "sha256:aaaa",
			Conditions: []metav1.Condition{
				{Type: qualv1.ConditionRequirementsMet, Status: metav1.ConditionTrue, ObservedGeneration: gen},
				{Type: qualv1.ConditionUnderReview, Status: metav1.ConditionTrue, ObservedGeneration: gen},
			},
		},
	}
}

func decided(gen int64, v qualv1.Verdict) *qualv1.CategoryApplication {
	app := underReview(gen)
	app.Status.Phase = qualv1.PhaseApproved
	if v != qualv1.VerdictApproved {
		app.Status.Phase = qualv1.ApplicationPhase(v)
	}
	app.Status.Conditions[1].Status = metav1.ConditionFalse
	app.Status.Decision = &qualv1.Decision{Verdict: v, Generation: gen, Reviewer: "alice"}
	return app
}

func listedUnderReview(gen int64) *qualv1.CategoryApplication {
	app := underReview(gen)
	app.Status.Conditions = append(app.Status.Conditions, metav1.Condition{Type: qualv1.ConditionListed, Status: metav1.ConditionTrue, ObservedGeneration: gen})
	return app
}

func TestAllowed(t *testing.T) {
	incomplete := underReview(2)
	incomplete.Status.Phase = qualv1.PhaseIncomplete
	incomplete.Status.Conditions[0].Status = metav1.ConditionFalse
	incomplete.Status.Conditions[1].Status = metav1.ConditionFalse
	incomplete.Status.Findings = []qualv1.Finding{{Rule: "D19"}}
	unprocessed := underReview(3)
	unprocessed.Status.ObservedGeneration = 2
	unprocessed.Status.Conditions[1].ObservedGeneration = 2
	// Approved at generation 1, then the merchant broke a Secret reference: the listing
	// still stands on the old approval (the withdrawal dodge).
	listedIncomplete := listedUnderReview(2)
	listedIncomplete.Status.Phase = qualv1.PhaseIncomplete
	listedIncomplete.Status.Conditions[0].Status = metav1.ConditionFalse
	listedIncomplete.Status.Conditions[1].Status = metav1.ConditionFalse
	pinned := underReview(2)
	unpinned := underReview(2) // no round records a digest: nothing can be approved
	unpinned.Status.MaterialsDigest = ""

	for _, tc := range []struct {
		name    string
		app     *qualv1.CategoryApplication
		verdict qualv1.Verdict
		seen    int64
		digest  string
		want    string // "" = allowed
	}{
		{"approve under review", underReview(2), qualv1.VerdictApproved, 2, "sha256:aaaa", ""},
		{"reject under review", underReview(2), qualv1.VerdictRejected, 2, "", ""},
		{"changed since looked", underReview(3), qualv1.VerdictApproved, 2, "sha256:aaaa",
			"acme-gold changed since you looked: generation 2 → 3 (D17); describe it again: kubectl category describe acme-gold -n shop-acme"},
		{"approve twice", decided(2, qualv1.VerdictApproved), qualv1.VerdictApproved, 2, "sha256:aaaa", "generation 2 of acme-gold was already approved by alice; a decision is final for its generation (D17); to take an approval back use `kubectl category withdraw`"},
		{"reject an approval", decided(2, qualv1.VerdictApproved), qualv1.VerdictRejected, 2, "", "was already approved by alice"},
		{"approve a rejection", decided(2, qualv1.VerdictRejected), qualv1.VerdictApproved, 2, "sha256:aaaa", "was already rejected by alice"},
		{"requirements not met", incomplete, qualv1.VerdictApproved, 2, "sha256:aaaa", "acme-gold is not under review (phase Incomplete): its requirements are not met (1 finding(s))"},
		{"not processed yet", unprocessed, qualv1.VerdictApproved, 3, "sha256:aaaa", "the operator has not processed generation 3 yet"},
		{"withdraw approval", decided(2, qualv1.VerdictApproved), qualv1.VerdictWithdrawn, 2, "", ""},
		{"withdraw under review", underReview(2), qualv1.VerdictWithdrawn, 2, "", "acme-gold is not approved (phase UnderReview) and has no Active listing: only an approved application can be withdrawn (D29)"},
		{"withdraw rejection", decided(2, qualv1.VerdictRejected), qualv1.VerdictWithdrawn, 2, "", "only an approved application can be withdrawn"},
		{"withdraw twice", decided(2, qualv1.VerdictWithdrawn), qualv1.VerdictWithdrawn, 2, "", "generation 2 of acme-gold was already withdrawn by alice"},
		{"withdraw a listing whose new round is incomplete", listedIncomplete, qualv1.VerdictWithdrawn, 2, "", ""},
		{"withdraw a listing whose new round is under review", listedUnderReview(2), qualv1.VerdictWithdrawn, 2, "", ""},
		{"withdraw a listing: still the current generation only", listedUnderReview(3), qualv1.VerdictWithdrawn, 2, "", "changed since you looked"},
		{"approve the digest looked at", pinned, qualv1.VerdictApproved, 2, "sha256:aaaa", ""},
		{"approve after the Secrets changed", pinned, qualv1.VerdictApproved, 2, "sha256:bbbb",
			"the materials of acme-gold changed since you looked: the files in its Secrets now have digest sha256:aaaa, not sha256:bbbb (D17, D19); describe it again: kubectl category describe acme-gold -n shop-acme"},
		{"approve without a digest", pinned, qualv1.VerdictApproved, 2, "",
			"an approval names the generation and the materials digest of what the reviewer looked at (D17, D19); describe it: kubectl category describe acme-gold -n shop-acme"},
		{"approve without a generation", pinned, qualv1.VerdictApproved, 0, "sha256:aaaa", "an approval names the generation and the materials digest"},
		{"approve a round without a digest", unpinned, qualv1.VerdictApproved, 2, "sha256:aaaa", "now have digest <none>, not sha256:aaaa"},
		{"reject without a digest", pinned, qualv1.VerdictRejected, 2, "", ""},
		{"reject naming an old digest", pinned, qualv1.VerdictRejected, 2, "sha256:bbbb", "changed since you looked"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			r := Allowed(tc.app, qualv1.Decision{Verdict: tc.verdict, Generation: tc.seen, MaterialsDigest: tc.digest})
			if tc.want == "" {
				g.Expect(r).To(BeNil())
				return
			}
			g.Expect(r).NotTo(BeNil())
			g.Expect(r.Message).To(ContainSubstring(tc.want))
		})
	}
}

// An approval names what the reviewer saw; a rejection or withdrawal may leave it to the
// plugin's read (D17, D19).
func TestNamed(t *testing.T) {
	for _, tc := range []struct {
		verdict qualv1.Verdict
		gen     int64
		digest  string
		field   string // "" = named well enough
	}{
		{qualv1.VerdictApproved, 2, "sha256:aaaa", ""},
		{qualv1.VerdictApproved, 0, "", "generation"},
		{qualv1.VerdictApproved, 0, "sha256:aaaa", "generation"},
		{qualv1.VerdictApproved, 2, "", "materialsDigest"},
		{qualv1.VerdictRejected, 0, "", ""},
		{qualv1.VerdictWithdrawn, 0, "", ""},
	} {
		g := NewWithT(t)
		r := Named(qualv1.Decision{Verdict: tc.verdict, Generation: tc.gen, MaterialsDigest: tc.digest})
		if tc.field == "" {
			g.Expect(r).To(BeNil(), "%+v", tc)
			continue
		}
		g.Expect(r).NotTo(BeNil(), "%+v", tc)
		g.Expect(r.Field).To(Equal(tc.field))
		g.Expect(r.Message).To(Equal("an approval names the generation and the materials digest of what the reviewer looked at (D17, D19)"))
	}
}

// The patch must name status.decision and the resourceVersion and nothing else: the webhook
// refuses a reviewer's write to any other status field, and the lock makes a concurrent change
// a 409 instead of a decision about something the reviewer did not see.
func TestPatch(t *testing.T) {
	g := NewWithT(t)
	raw, err := Patch("42", qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: 2})
	g.Expect(err).NotTo(HaveOccurred())
	var got map[string]any
	g.Expect(json.Unmarshal(raw, &got)).To(Succeed())
	g.Expect(got).To(Equal(map[string]any{
		"metadata": map[string]any{"resourceVersion": "42"},
		"status": map[string]any{"decision": map[string]any{
			"verdict": "Approved", "generation": float64(2),
			"reason": nil, "message": nil, "reviewer": nil, "decidedAt": nil, "materialsDigest": nil,
			"title": nil, "guidance": nil, // nothing of a replaced rejection survives (D32)
		}},
	}))
}

func TestWho(t *testing.T) {
	app := underReview(2)
	app.Annotations = map[string]string{
		qualv1.AnnotationCreatedBy:   "maria",
		qualv1.AnnotationSpecEditors: "ed, rita",
	}
	for user, want := range map[string]string{
		"maria": `user "maria" created this application and cannot decide it`,
		"rita":  `user "rita" changed the spec of this application since its last decision (annotation qualification.channelshop.dev/spec-editors)`,
		"ed":    `user "ed" changed the spec`,
		"alice": "",
	} {
		t.Run(user, func(t *testing.T) {
			g := NewWithT(t)
			g.Expect(Who(app, qualv1.VerdictWithdrawn, user)).To(BeNil(), "any reviewer of the group may withdraw")
			for _, v := range []qualv1.Verdict{qualv1.VerdictApproved, qualv1.VerdictRejected} {
				r := Who(app, v, user)
				if want == "" {
					g.Expect(r).To(BeNil())
					continue
				}
				g.Expect(r.Message).To(ContainSubstring(want))
			}
		})
	}
}
