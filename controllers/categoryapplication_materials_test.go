package controllers

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

func pinnedApp() *qualv1.CategoryApplication {
	app := testApp(2, nil)
	app.Spec.Materials = []qualv1.Material{
		{Type: qualv1.MaterialFilingLetter, Files: []qualv1.FileRef{
			{SecretKeyRef: &qualv1.SecretKeyReference{Name: "m", Key: "b.jpg"}},
			{URL: "https://files.example/x.pdf", SHA256: "00"},
		}},
		{Type: qualv1.MaterialSalesFlow, Files: []qualv1.FileRef{{SecretKeyRef: &qualv1.SecretKeyReference{Name: "m", Key: "a.png"}}},
			Recordings: []qualv1.FileRef{{SecretKeyRef: &qualv1.SecretKeyReference{Name: "m", Key: "b.jpg"}}}}, // named twice
	}
	return app
}

// TestPinsOf: one digest per distinct Secret key, sorted; a missing key is pinned as such;
// URL files are pinned by the spec and not here; any change of content changes the digest.
func TestPinsOf(t *testing.T) {
	g := NewWithT(t)
	app := pinnedApp()
	p := pinsOf(app, map[string]map[string]string{"m": {"a.png": "sha256:aa", "b.jpg": "sha256:bb"}})
	g.Expect(p.files).To(Equal([]qualv1.SecretFileDigest{
		{Name: "m", Key: "a.png", SHA256: "sha256:aa"}, {Name: "m", Key: "b.jpg", SHA256: "sha256:bb"}}))
	g.Expect(p.digest).To(HavePrefix("sha256:"))

	g.Expect(pinsOf(app, map[string]map[string]string{"m": {"a.png": "sha256:aa", "b.jpg": "sha256:cc"}}).digest).NotTo(Equal(p.digest))
	missing := pinsOf(app, map[string]map[string]string{"m": {"a.png": "sha256:aa"}})
	g.Expect(missing.files[1].SHA256).To(Equal(missingFile))
	g.Expect(missing.digest).NotTo(Equal(p.digest))
	g.Expect(pinsOf(app, map[string]map[string]string{"m": {"b.jpg": "sha256:bb", "a.png": "sha256:aa"}}).digest).To(Equal(p.digest), "order does not matter")
}

// TestRepinRound: a round (decided or not) is about the content recorded when it started;
// other content closes it, as a spec change does.
func TestRepinRound(t *testing.T) {
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	round := func(d *qualv1.Decision) *qualv1.CategoryApplication {
		app := testApp(2, d)
		app.Status.SubmittedGeneration, app.Status.MaterialsDigest = 2, "sha256:old"
		app.Status.SecretFiles = []qualv1.SecretFileDigest{{Name: "m", Key: "a", SHA256: "sha256:1"}}
		return app
	}
	approved := &qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: 2, Reviewer: "alice", MaterialsDigest: "sha256:old"}
	for _, c := range []struct {
		name     string
		app      *qualv1.CategoryApplication
		pins     *pins
		archived bool
	}{
		{"same content: nothing happens", round(approved), &pins{digest: "sha256:old"}, false},
		{"content changed after approval: the approval goes to history", round(approved), &pins{digest: "sha256:new"}, true},
		{"content changed under review", round(nil), &pins{digest: "sha256:new"}, true},
		{"not computed (a read failed): nothing happens", round(approved), nil, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			repinRound(c.app, c.pins, now)
			if !c.archived {
				g.Expect(c.app.Status.History).To(BeEmpty())
				return
			}
			st := c.app.Status
			g.Expect(st.History).To(HaveLen(1))
			g.Expect(st.History[0].MaterialsDigest).To(Equal("sha256:old"))
			g.Expect(st.Decision).To(BeNil())
			g.Expect(st.SubmittedGeneration).To(BeZero(), "a new round starts")
			g.Expect(st.MaterialsDigest).To(BeEmpty())
			if st.History[0].Decision != nil {
				g.Expect(st.DecidedSecretFiles).To(Equal([]qualv1.SecretFileDigest{{Name: "m", Key: "a", SHA256: "sha256:1"}}),
					"the decided round's files: what describe compares the next round with")
			} else {
				g.Expect(st.DecidedSecretFiles).To(BeNil())
			}
			recordPins(c.app, &pins{digest: "sha256:new"})
			g.Expect(c.app.Status.MaterialsDigest).To(BeEmpty(), "pins are recorded only once the new round started")
		})
	}
}

// TestHonourDecision: the controller's own check behind the admission layers (D17).
func TestHonourDecision(t *testing.T) {
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	app := func(submitted int64, d qualv1.Decision) *qualv1.CategoryApplication {
		a := testApp(2, &d)
		a.Status.SubmittedGeneration, a.Status.MaterialsDigest = submitted, "sha256:round"
		return a
	}
	for _, c := range []struct {
		name    string
		app     *qualv1.CategoryApplication
		honored bool
	}{
		{"an approval of the round under review", app(2, qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: 2, MaterialsDigest: "sha256:round"}), true},
		{"an approval of other materials", app(2, qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: 2, MaterialsDigest: "sha256:other"}), false},
		{"a decision on a generation that was never under review", app(0, qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: 2, MaterialsDigest: "sha256:round"}), false},
		{"a rejection of the round", app(2, qualv1.Decision{Verdict: qualv1.VerdictRejected, Generation: 2}), true},
		{"a withdrawal always counts: it only takes rights away", app(0, qualv1.Decision{Verdict: qualv1.VerdictWithdrawn, Generation: 2}), true},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			d := *c.app.Status.Decision
			tr := honourDecision(c.app, now)
			if c.honored {
				g.Expect(tr).To(BeNil())
				g.Expect(c.app.Status.Decision).NotTo(BeNil())
				return
			}
			g.Expect(tr).NotTo(BeNil())
			g.Expect(tr.warning).To(BeTrue())
			g.Expect(tr.message).To(ContainSubstring("was not honoured"))
			g.Expect(c.app.Status.Decision).To(BeNil())
			g.Expect(c.app.Status.History[0].Decision).To(Equal(&d), "kept on record")
		})
	}
}

// TestSetListedCompliance (D29): while a new round is open, an Active listing still stands on
// an earlier approval; reviewers learn whether the current spec meets the policy.
func TestSetListedCompliance(t *testing.T) {
	for _, c := range []struct {
		name string
		app  *qualv1.CategoryApplication
		want string // PolicyCompliant status, "" = absent
	}{
		{"listed, the edit meets the policy", testApp(2, nil, [4]string{"Listed", "True", "ListingActive", "x"},
			[4]string{"RequirementsMet", "True", "RequirementsMet", "ok"}), "True"},
		{"listed, the edit breaks it", testApp(2, nil, [4]string{"Listed", "True", "ListingActive", "x"},
			[4]string{"RequirementsMet", "False", "RequirementsNotMet", "D19 missing key"}), "False"},
		{"not listed: nothing to withdraw", testApp(2, nil, [4]string{"RequirementsMet", "False", "RequirementsNotMet", "x"},
			[4]string{"PolicyCompliant", "False", "Noncompliant", "stale"}), ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			setListedCompliance(c.app)
			got := meta.FindStatusCondition(c.app.Status.Conditions, qualv1.ConditionPolicyCompliant)
			if c.want == "" {
				g.Expect(got).To(BeNil())
				return
			}
			g.Expect(got.Status).To(Equal(metav1.ConditionStatus(c.want)))
			if c.want == "False" {
				g.Expect(got.Message).To(ContainSubstring("D19 missing key"))
				g.Expect(got.Message).To(ContainSubstring("a reviewer may withdraw it"))
			}
		})
	}
}
