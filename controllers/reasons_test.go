package controllers_test

import (
	"context"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/notify"
)

// notification is the one notification about an application for event, if it came.
func (s *sink) notification(ns, name string, e qualv1.NotificationEvent) (notify.Notification, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range s.byKey {
		if n.Application.Namespace == ns && n.Application.Name == name && n.Event == e {
			return n, true
		}
	}
	return notify.Notification{}, false
}

// shippedReason is the entry of the shipped jewelry policy's rejection reasons for code.
func shippedReason(t *testing.T, code string) qualv1.RejectionReason {
	t.Helper()
	p := &qualv1.CategoryPolicy{}
	if err := admin.Get(context.Background(), client.ObjectKey{Name: "jewelry"}, p); err != nil {
		t.Fatal(err)
	}
	for _, r := range p.Spec.RejectionReasons {
		if r.Code == code {
			return r
		}
	}
	t.Fatalf("jewelry has no rejection reason %s", code)
	return qualv1.RejectionReason{}
}

// merchantVisibleText is every text the merchant reads about an application in its own
// namespace: condition messages, the Kubernetes events, and the notification ledger's content.
func merchantVisibleText(g Gomega, ns, name string) []string {
	app := getApp(g, ns, name)
	var out []string
	for _, c := range app.Status.Conditions {
		out = append(out, c.Type+": "+c.Message)
	}
	for _, r := range app.Status.Notifications {
		out = append(out, string(r.Event)+" record: "+r.Message)
	}
	var list corev1.EventList
	g.Expect(admin.List(context.Background(), &list, client.InNamespace(ns))).To(Succeed())
	for _, e := range list.Items {
		if e.InvolvedObject.Name == name {
			out = append(out, "event "+e.Reason+": "+e.Message)
		}
	}
	return out
}

// TestRejectionReasons (D32): under the shipped jewelry policy a rejection must name a code
// of its rejection reasons, and the refusal lists them; the decision and the merchant's
// notification carry the code's title and guidance, from the policy whatever the reviewer
// sent, with the reviewer's message; nothing the merchant reads names the reviewer, for a
// rejection or an approval.
func TestRejectionReasons(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ensurePolicies(t)
	ns := newNamespace(t, "shop-reasons")
	sampleSecrets(t, ns)
	merchant := merchantSink(t, ns, "reasons-token")
	const reviewer = "rory-the-reviewer"
	bindClusterRole(t, "reviewer_role.yaml", reviewer)
	rory := userClient(t, reviewer)

	app := sampleApp(t, ns, "gold", nextAppID(), "gold")
	g.Expect(admin.Create(ctx, app)).To(Succeed())
	app = waitPhase(g, ns, "gold", qualv1.PhaseUnderReview)

	reject := func(code, title string) error {
		return decide(rory, app.DeepCopy(), qualv1.Decision{Verdict: qualv1.VerdictRejected, Reason: code, Title: title,
			Message: "the seal is missing on page 2", Generation: app.Generation})
	}
	err := reject("Blurry", "")
	g.Expect(err).To(MatchError(ContainSubstring(
		`"Blurry" is not a rejection reason of category group jewelry (D32); use one of: FilingLetterMissing, FilingLetterUnsealed, FilingLetterUnreadable, SubjectMismatch, `)))
	g.Expect(err).To(MatchError(ContainSubstring("PlatformNotAccepted, StoreProofMissing, ShopTypeNotAdmitted, BrandNotInLibrary, AuthorizationTooDeep")))
	g.Expect(reject("FilingletterUnsealed", "")).To(MatchError(ContainSubstring("(did you mean FilingLetterUnsealed? codes are case-sensitive)")))
	g.Expect(reject("CapitalTooLow", "")).To(MatchError(ContainSubstring(`"CapitalTooLow" is not a rejection reason of category group jewelry`)), "alcohol's")
	g.Expect(getApp(g, ns, "gold").Status.Decision).To(BeNil(), "nothing refused was written")

	// A title the policy never said is replaced by the policy's.
	g.Expect(reject("FilingLetterUnsealed", "Your shop is banned forever")).To(Succeed())
	want := shippedReason(t, "FilingLetterUnsealed")
	app = waitPhase(g, ns, "gold", qualv1.PhaseRejected)
	d := app.Status.Decision
	g.Expect(d.Reviewer).To(Equal(reviewer), "the decision records who decided, for reviewers")
	g.Expect([]string{d.Reason, d.Title, d.Guidance, d.Message}).To(Equal([]string{want.Code, want.Title, want.Guidance, "the seal is missing on page 2"}))
	rejected := condition(app, qualv1.ConditionRejected)
	g.Expect(rejected.Reason).To(Equal(want.Code))
	g.Expect(rejected.Message).To(Equal("Rejected: FilingLetterUnsealed (" + want.Title + "): the seal is missing on page 2; what to fix: " + want.Guidance))

	var n notify.Notification
	eventually(g, func(g Gomega) {
		var ok bool
		n, ok = merchant.notification(ns, "gold", qualv1.EventRejected)
		g.Expect(ok).To(BeTrue())
	}).Should(Succeed())
	g.Expect([]string{n.Reason, n.Title, n.Guidance}).To(Equal([]string{want.Code, want.Title, want.Guidance}))
	g.Expect(n.Message).To(ContainSubstring("the seal is missing on page 2"))

	// An approval of the next round: "Approved by <reviewer>" was the message until now.
	before := app.DeepCopy()
	app.Spec.Merchant.ShopName = "Acme Jewelry Official Flagship"
	g.Expect(admin.Patch(ctx, app, client.MergeFrom(before))).To(Succeed())
	app = waitPhase(g, ns, "gold", qualv1.PhaseUnderReview)
	g.Expect(decide(rory, app, qualv1.Decision{Verdict: qualv1.VerdictApproved, Message: "all good now", Generation: app.Generation})).To(Succeed())
	app = waitPhase(g, ns, "gold", qualv1.PhaseApproved)
	g.Expect(app.Status.Decision.Title).To(BeEmpty(), "an approval carries no title")
	eventually(g, func(g Gomega) {
		_, ok := merchant.notification(ns, "gold", qualv1.EventApproved)
		g.Expect(ok).To(BeTrue())
	}).Should(Succeed())

	merchant.mu.Lock()
	var sent []string
	for _, n := range merchant.byKey {
		sent = append(sent, string(n.Event)+" notification: "+n.Reason+" "+n.Title+" "+n.Guidance+" "+n.Message)
	}
	merchant.mu.Unlock()
	eventually(g, func(g Gomega) {
		texts := append(merchantVisibleText(g, ns, "gold"), sent...)
		g.Expect(strings.Join(texts, "\n")).To(ContainSubstring("Approved: all good now"))
		for _, s := range texts {
			g.Expect(s).NotTo(ContainSubstring(reviewer))
		}
	}).Should(Succeed())
}

// TestFreeReasonsWithoutCatalogue: a policy without rejection reasons keeps the reviewer's own
// CamelCase reasons (D32), and a title sent with one is dropped: there is nothing it could be
// checked against.
func TestFreeReasonsWithoutCatalogue(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ensurePolicies(t)
	createJewelryCopy(t, "jewelry-free-reasons", func(spec map[string]any) { delete(spec, "rejectionReasons") })
	ns := newNamespace(t, "shop-free-reasons")
	sampleSecrets(t, ns)
	bindClusterRole(t, "reviewer_role.yaml", "fern")
	app := sampleApp(t, ns, "gold", nextAppID(), "gold")
	app.Spec.Category.Group = "jewelry-free-reasons"
	app.Spec.Notify = nil
	g.Expect(admin.Create(ctx, app)).To(Succeed())
	app = waitPhase(g, ns, "gold", qualv1.PhaseUnderReview)
	g.Expect(decide(userClient(t, "fern"), app, qualv1.Decision{Verdict: qualv1.VerdictRejected, Reason: "Blurry", Title: "Made up",
		Message: "the photos are blurry", Generation: app.Generation})).To(Succeed())
	app = waitPhase(g, ns, "gold", qualv1.PhaseRejected)
	g.Expect(app.Status.Decision.Reason).To(Equal("Blurry"))
	g.Expect(app.Status.Decision.Title).To(BeEmpty())
	g.Expect(condition(app, qualv1.ConditionRejected).Message).To(Equal("Rejected: Blurry: the photos are blurry"))
}
