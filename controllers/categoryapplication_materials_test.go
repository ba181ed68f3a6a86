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
		app := testApp(2, d, [4]string{"Approved", "True", "Approved", "ok"})
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
			closed, note := closeRound(c.app, c.pins, now)
			g.Expect(closed).To(BeNil(), "the approval was in effect already")
			g.Expect(note).To(BeNil())
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
			recordRound(c.app, &pins{digest: "sha256:new"})
			g.Expect(c.app.Status.MaterialsDigest).To(BeEmpty(), "pins are recorded only once the new round started")
		})
	}
}

// TestCloseRound (D13, D17, D29): a decision the operator first sees after the spec or the
// Secret content moved on takes effect for the round it was made on, with its event and what
// the round recorded for a listing; one already in effect goes to history quietly; a decision
// about the current generation is not the closing round's and stays.
func TestCloseRound(t *testing.T) {
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	facts := &qualv1.ListingFacts{ShopName: "Acme Jewelry", Channel: qualv1.ChannelShop}
	round1 := func(gen int64, d *qualv1.Decision, conds ...[4]string) *qualv1.CategoryApplication {
		app := testApp(gen, d, conds...)
		for i := range app.Status.Conditions {
			app.Status.Conditions[i].ObservedGeneration = 1 // reflected when generation 1 was current
		}
		app.Status.SubmittedGeneration, app.Status.MaterialsDigest, app.Status.ListingFacts = 1, "sha256:one", facts
		app.Spec.Merchant.ShopName = "Acme Jewelry (edited)"
		return app
	}
	decision := func(v qualv1.Verdict, gen int64) *qualv1.Decision {
		d := &qualv1.Decision{Verdict: v, Generation: gen, Reviewer: "rae", MaterialsDigest: "sha256:one"}
		if v != qualv1.VerdictApproved {
			d.Reason, d.Message = "Changed", "why"
		}
		return d
	}
	underReview := [4]string{"UnderReview", "True", "AwaitingReview", "waiting"}
	for _, c := range []struct {
		name  string
		app   *qualv1.CategoryApplication
		pins  *pins
		event qualv1.NotificationEvent // "": nothing takes effect now
		kept  bool                     // the decision stays: it is about the current generation
	}{
		{"an approval, then an edit", round1(2, decision(qualv1.VerdictApproved, 1), underReview), nil, qualv1.EventApproved, false},
		{"an approval, then new Secret content", round1(1, decision(qualv1.VerdictApproved, 1), underReview), &pins{digest: "sha256:two"}, qualv1.EventApproved, false},
		{"a rejection, then an edit", round1(2, decision(qualv1.VerdictRejected, 1), underReview), nil, qualv1.EventRejected, false},
		{"a withdrawal, then an edit", round1(2, decision(qualv1.VerdictWithdrawn, 1), [4]string{"Approved", "True", "Approved", "ok"}), nil, qualv1.EventWithdrawn, false},
		{"an approval in effect, then an edit", round1(2, decision(qualv1.VerdictApproved, 1), [4]string{"Approved", "True", "Approved", "ok"}), nil, "", false},
		{"a withdrawal in effect, then an edit", round1(2, decision(qualv1.VerdictWithdrawn, 1), [4]string{"Approved", "False", "Withdrawn", "w"}), nil, "", false},
		{"an edit, then a withdrawal of the listing", round1(2, decision(qualv1.VerdictWithdrawn, 2), [4]string{"Approved", "True", "Approved", "ok"}), nil, "", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			d := c.app.Status.Decision.DeepCopy()
			closed, note := closeRound(c.app, c.pins, now)
			st := c.app.Status
			g.Expect(st.SubmittedGeneration).To(BeZero(), "the round closed")
			g.Expect(st.ListingFacts).To(BeNil())
			g.Expect(st.History).To(HaveLen(1))
			g.Expect(st.History[0].Generation).To(Equal(int64(1)))
			g.Expect(st.History[0].MaterialsDigest).To(Equal("sha256:one"))
			if c.kept {
				g.Expect(st.Decision).To(Equal(d))
				g.Expect(st.History[0].Decision).To(BeNil(), "the withdrawal is not the closing round's")
				g.Expect(closed).To(BeNil())
				return
			}
			g.Expect(st.Decision).To(BeNil())
			g.Expect(st.History[0].Decision).To(Equal(d), "on record")
			if c.event == "" {
				g.Expect(closed).To(BeNil())
				g.Expect(note).To(BeNil())
				return
			}
			g.Expect(closed).To(Equal(&closedDecision{decision: d, facts: facts}), "the listing lists what the round recorded")
			g.Expect(note.event).To(Equal(c.event))
			g.Expect(note.warning).To(Equal(c.event != qualv1.EventApproved))
			g.Expect(note.message).NotTo(ContainSubstring("rae"), "the merchant never reads the reviewer's name (D32)")
			g.Expect(note.message).To(ContainSubstring("generation 1, decided before the application changed"))
		})
	}

	t.Run("an approval whose round recorded no listing facts lists nothing", func(t *testing.T) {
		g := NewWithT(t)
		app := round1(2, decision(qualv1.VerdictApproved, 1), underReview)
		app.Status.ListingFacts = nil
		closed, note := closeRound(app, nil, now)
		g.Expect(closed).To(BeNil())
		g.Expect(note.event).To(Equal(EventDecisionIgnored))
		g.Expect(app.Status.History[0].Decision).NotTo(BeNil(), "still on record")
	})
	t.Run("nothing moved: nothing closes", func(t *testing.T) {
		g := NewWithT(t)
		app := round1(1, decision(qualv1.VerdictApproved, 1), underReview)
		closed, note := closeRound(app, &pins{digest: "sha256:one"}, now)
		g.Expect(closed).To(BeNil())
		g.Expect(note).To(BeNil())
		g.Expect(app.Status.SubmittedGeneration).To(Equal(int64(1)))
	})
}

// TestRecordRound: a round records the content of its Secret files and the facts its
// approval will list, once, when it starts.
func TestRecordRound(t *testing.T) {
	g := NewWithT(t)
	app := pinnedApp()
	app.Spec.Merchant.ShopName, app.Spec.Channel = "Acme Jewelry", qualv1.ChannelShop
	app.Spec.Materials[0].ValidUntil = ptrTo(qualv1.Date("2031-06-30"))
	recordRound(app, &pins{digest: "sha256:new"})
	g.Expect(app.Status.ListingFacts).To(BeNil(), "no round yet")
	app.Status.SubmittedGeneration = app.Generation
	recordRound(app, &pins{digest: "sha256:new", files: []qualv1.SecretFileDigest{{Name: "m", Key: "a", SHA256: "sha256:1"}}})
	g.Expect(app.Status.MaterialsDigest).To(Equal("sha256:new"))
	g.Expect(app.Status.ListingFacts).To(Equal(&qualv1.ListingFacts{ShopName: "Acme Jewelry", Channel: qualv1.ChannelShop, ValidUntil: ptrTo(qualv1.Date("2031-06-30"))}))
	app.Spec.Merchant.ShopName = "changed without a new generation (cannot happen)"
	recordRound(app, &pins{digest: "sha256:other"})
	g.Expect(app.Status.MaterialsDigest).To(Equal("sha256:new"), "recorded once")
	g.Expect(app.Status.ListingFacts.ShopName).To(Equal("Acme Jewelry"))
}

func ptrTo[T any](v T) *T { return &v }

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
		{"an approval of the round under review, the spec changed since", app(1, qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: 1, MaterialsDigest: "sha256:round"}), true},
		{"an approval of an older generation than the round's", app(2, qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: 1, MaterialsDigest: "sha256:round"}), false},
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
