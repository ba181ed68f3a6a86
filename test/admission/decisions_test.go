package admission_test

import (
	"context"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/testenv"
	"github.com/channelshop/category-operator/test/fixture"
)

// someDigest stands for a round's materials digest until the operator records one.
var someDigest = "sha256:" + strings.Repeat("ab", 32)

// underReview creates the sample application as creator in a namespace assigned its AppID, and
// waits until the operator puts it under review. It makes sure the round has a materials
// digest, so an approval's digest is checked against a real value.
func underReview(t *testing.T, g Gomega, nsName, creator string) *qualv1.CategoryApplication {
	t.Helper()
	ctx := context.Background()
	appID := fixture.NextAppID()
	ns := fx.Namespace(t, nsName, map[string]string{qualv1.AnnotationAppIDs: appID})
	fx.Secrets(t, ns)
	fx.Merchant(t, ns, creator)
	app := fixture.SampleApp(t, ns, "gold", appID)
	// The RoleBinding just made reaches the API server's authorizer cache within moments.
	creatorClient := fx.Client(t, creator)
	g.Eventually(func() error { return creatorClient.Create(ctx, app.DeepCopy()) }).WithTimeout(10 * time.Second).Should(Succeed())
	app = fx.WaitPhase(g, ns, "gold", qualv1.PhaseUnderReview)
	if app.Status.MaterialsDigest == "" { // until the operator records one itself
		op := fx.Operator(t)
		before := app.DeepCopy()
		app.Status.MaterialsDigest = someDigest
		g.Expect(op.Status().Patch(ctx, app, client.MergeFrom(before))).To(Succeed())
	}
	return app
}

// as returns a decision builder for the current generation and digest, signed by reviewer.
// Without the status webhook nobody stamps reviewer and decidedAt: the client sends them, and
// the operator dates the listing from decidedAt.
func as(reviewer string, verdict qualv1.Verdict) func(*qualv1.CategoryApplication) *qualv1.Decision {
	return func(cur *qualv1.CategoryApplication) *qualv1.Decision {
		now := metav1.Now()
		d := &qualv1.Decision{Verdict: verdict, Reviewer: reviewer, DecidedAt: &now, Generation: cur.Generation, MaterialsDigest: cur.Status.MaterialsDigest}
		if verdict != qualv1.VerdictApproved {
			d.Reason, d.Message = "Changed", "a reason"
		}
		if verdict == qualv1.VerdictRejected {
			d.Reason = "DetailsMismatch" // a code of the jewelry policy's rejection reasons (D32)
		}
		return d
	}
}

// TestWhoMayDecideWithoutWebhooks is controllers' TestWhoMayDecide with the admission policies
// alone: every refusal still happens, in the webhook's words, and the allowed path still ends
// in an Active listing.
func TestWhoMayDecideWithoutWebhooks(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	fx.Policies(t)
	fx.ClusterRole(t, "reviewer_role.yaml", "maria") // a reviewer who is also the applicant
	fx.ClusterRole(t, "reviewer_role.yaml", "rita")
	fx.ClusterRole(t, "reviewer_jewelry_role.yaml", "jules")
	watches := fixture.ShippedRole(t, "reviewer_jewelry_role.yaml")
	watches.Name = "category-reviewer-watches"
	watches.Rules[2].ResourceNames = []string{"watches"}
	g.Expect(env.Grant(ctx, watches, "", testenv.User("walt"))).To(Succeed())

	app := underReview(t, g, "shop-authz", "maria")
	g.Expect(app.Annotations).To(HaveKeyWithValue(qualv1.AnnotationCreatedBy, "maria"), "the MutatingAdmissionPolicy records the creator")
	g.Expect(app.Annotations).NotTo(HaveKey(qualv1.AnnotationSpecEditors))
	maria, rita, jules := fx.Client(t, "maria"), fx.Client(t, "rita", "reviewers"), fx.Client(t, "jules")

	cases := []struct {
		name     string
		who      client.Client
		decision func(*qualv1.CategoryApplication) *qualv1.Decision
		denial   string
	}{
		{"reviewer of another group", fx.Client(t, "walt"), as("walt", qualv1.VerdictApproved),
			`user "walt" may not decide jewelry applications: needs verb "approve" on categorypolicies.qualification.channelshop.dev "jewelry" (D16)`},
		{"creator", maria, as("maria", qualv1.VerdictApproved), `user "maria" created this application and cannot decide it`},
		{"no RBAC", fx.Client(t, "mo"), as("mo", qualv1.VerdictApproved), `cannot patch resource "categoryapplications/status"`},
		{"operator", fx.Operator(t), as("", qualv1.VerdictApproved), "the operator may archive a decision but never make or change one"},
		{"forged reviewer", rita, as("boss", qualv1.VerdictApproved), "is recorded from the authenticated user and cannot be given by the client (D16)"},
		{"no reviewer", rita, as("", qualv1.VerdictApproved), "is recorded from the authenticated user"},
		{"a later generation", rita, func(cur *qualv1.CategoryApplication) *qualv1.Decision {
			d := as("rita", qualv1.VerdictApproved)(cur)
			d.Generation++
			return d
		}, "gold changed since you looked: generation 2 → 1 (D17); describe it again: kubectl category describe gold -n shop-authz"},
		{"wrong materials digest", rita, func(cur *qualv1.CategoryApplication) *qualv1.Decision {
			d := as("rita", qualv1.VerdictApproved)(cur)
			d.MaterialsDigest = "sha256:" + strings.Repeat("0", 64)
			return d
		}, "the materials of gold changed since you looked"},
		{"an approval naming no materials digest", rita, func(cur *qualv1.CategoryApplication) *qualv1.Decision {
			d := as("rita", qualv1.VerdictApproved)(cur)
			d.MaterialsDigest = ""
			return d
		}, "an approval names the generation and the materials digest of what the reviewer looked at (D17, D19); describe it: kubectl category describe gold -n shop-authz"},
		{"withdrawing what was not approved", rita, as("rita", qualv1.VerdictWithdrawn), "only an approved application can be withdrawn (D29)"},
	}
	for _, c := range cases {
		err := fx.Decide(c.who, app.DeepCopy(), c.decision)
		g.Expect(err).To(MatchError(ContainSubstring(c.denial)), c.name)
		if c.name != "no RBAC" {
			g.Expect(err).To(MatchError(ContainSubstring("ValidatingAdmissionPolicy 'application-status'")), c.name)
		}
	}

	// A reviewer may touch status.decision only: not the phase, not a condition.
	for name, forge := range map[string]func(*qualv1.CategoryApplication){
		"phase": func(a *qualv1.CategoryApplication) { a.Status.Phase = qualv1.PhaseApproved },
		"Listed condition": func(a *qualv1.CategoryApplication) {
			meta.SetStatusCondition(&a.Status.Conditions, metav1.Condition{Type: qualv1.ConditionListed, Status: metav1.ConditionTrue,
				Reason: qualv1.ReasonListingActive, ObservedGeneration: a.Generation})
		},
		"materials digest": func(a *qualv1.CategoryApplication) { a.Status.MaterialsDigest = "sha256:" + strings.Repeat("1", 64) },
		"history": func(a *qualv1.CategoryApplication) {
			a.Status.History = append(a.Status.History, qualv1.ReviewRecord{Generation: 1})
		},
	} {
		cur := fx.Get(g, app.Namespace, app.Name)
		before := cur.DeepCopy()
		forge(cur)
		err := rita.Status().Patch(ctx, cur, client.MergeFrom(before))
		want := "only the operator writes status; a reviewer may set status.decision only"
		if name == "history" {
			want = "status.history: Forbidden: history is append-only"
		}
		g.Expect(err).To(MatchError(ContainSubstring(want)), name)
	}

	// jules, reviewer of jewelry only, sends his own name, the generation and the digest: the
	// approval stands and the operator lists the shop.
	g.Expect(fx.Decide(jules, app, as("jules", qualv1.VerdictApproved))).To(Succeed())
	app = fx.WaitPhase(g, app.Namespace, app.Name, qualv1.PhaseApproved)
	g.Expect(app.Status.Decision.Reviewer).To(Equal("jules"))
	fixture.Await(g, func(g Gomega) {
		cur := fx.Get(g, app.Namespace, app.Name)
		listed := meta.FindStatusCondition(cur.Status.Conditions, qualv1.ConditionListed)
		g.Expect(listed).NotTo(BeNil())
		g.Expect(listed.Status).To(Equal(metav1.ConditionTrue))
	}).Should(Succeed())
	listing := &qualv1.ShowcaseListing{}
	g.Expect(env.Admin.Get(ctx, client.ObjectKeyFromObject(app), listing)).To(Succeed())
	g.Expect(listing.Status.State).To(Equal(qualv1.ListingActive))
	g.Expect(listing.Spec.ApprovedGeneration).To(Equal(app.Generation))

	// The decision is immutable for its generation, and cannot be removed.
	err := fx.Decide(rita, app, as("rita", qualv1.VerdictRejected))
	g.Expect(err).To(MatchError(ContainSubstring("generation 1 of gold was already approved by jules; a decision is final for its generation (D17)")))
	err = fx.Decide(rita, app, func(*qualv1.CategoryApplication) *qualv1.Decision { return nil })
	g.Expect(err).To(MatchError(ContainSubstring("a decision cannot be removed")))
}

// TestSpecEditorCannotDecide: whoever changed the spec in a round cannot decide it (D16), the
// record is kept by the API server, and users cannot forge it; a decision on the generation
// before the change is refused (D17).
func TestSpecEditorCannotDecide(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	fx.Policies(t)
	app := underReview(t, g, "shop-editors", "mona")
	fx.Merchant(t, app.Namespace, "eddie")
	fx.ClusterRole(t, "reviewer_role.yaml", "eddie") // a reviewer who also edits the application
	fx.ClusterRole(t, "reviewer_role.yaml", "rosa")
	eddie := fx.Client(t, "eddie")

	before := app.DeepCopy()
	app.Spec.Merchant.ShopName += " (renamed)"
	g.Expect(eddie.Patch(ctx, app, client.MergeFrom(before))).To(Succeed())
	g.Expect(app.Annotations).To(HaveKeyWithValue(qualv1.AnnotationSpecEditors, "eddie"))
	g.Expect(app.Annotations).To(HaveKeyWithValue(qualv1.AnnotationCreatedBy, "mona"))

	// Nobody rewrites the record: a forged value is replaced by what the API server recorded.
	mona := fx.Client(t, "mona")
	before = app.DeepCopy()
	app.Annotations[qualv1.AnnotationSpecEditors] = "someone-else"
	app.Annotations[qualv1.AnnotationCreatedBy] = "someone-else"
	g.Expect(mona.Patch(ctx, app, client.MergeFrom(before))).To(Succeed())
	g.Expect(app.Annotations).To(HaveKeyWithValue(qualv1.AnnotationSpecEditors, "eddie"))
	g.Expect(app.Annotations).To(HaveKeyWithValue(qualv1.AnnotationCreatedBy, "mona"))

	app = fx.WaitPhase(g, app.Namespace, app.Name, qualv1.PhaseUnderReview)
	g.Expect(app.Generation).To(BeNumerically("==", 2))
	err := fx.Decide(eddie, app, as("eddie", qualv1.VerdictApproved))
	g.Expect(err).To(MatchError(ContainSubstring(`user "eddie" changed the spec of this application since its last decision`)))

	rosa := fx.Client(t, "rosa")
	err = fx.Decide(rosa, app, func(cur *qualv1.CategoryApplication) *qualv1.Decision {
		d := as("rosa", qualv1.VerdictApproved)(cur)
		d.Generation = 1
		return d
	})
	g.Expect(err).To(MatchError(ContainSubstring("changed since you looked: generation 1 → 2")))

	// Rejected, then edited: the list restarts with the new round's editor.
	g.Expect(fx.Decide(rosa, app, as("rosa", qualv1.VerdictRejected))).To(Succeed())
	fx.WaitPhase(g, app.Namespace, app.Name, qualv1.PhaseRejected)
	app = fx.Get(g, app.Namespace, app.Name)
	before = app.DeepCopy()
	app.Spec.Merchant.ShopName += " again"
	g.Expect(mona.Patch(ctx, app, client.MergeFrom(before))).To(Succeed())
	g.Expect(app.Annotations).To(HaveKeyWithValue(qualv1.AnnotationSpecEditors, "mona"))
}

// TestNotUnderReview: no decision on an application whose requirements are unmet (D14).
func TestNotUnderReview(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	fx.Policies(t)
	fx.ClusterRole(t, "reviewer_role.yaml", "rhea")
	appID := fixture.NextAppID()
	ns := fx.Namespace(t, "shop-unmet", map[string]string{qualv1.AnnotationAppIDs: appID})
	app := fixture.SampleApp(t, ns, "gold", appID) // its Secrets are missing (D19)
	g.Expect(env.Admin.Create(ctx, app)).To(Succeed())
	app = fx.WaitPhase(g, ns, "gold", qualv1.PhaseIncomplete)
	err := fx.Decide(fx.Client(t, "rhea"), app, as("rhea", qualv1.VerdictApproved))
	g.Expect(err).To(MatchError(ContainSubstring("is not under review (phase Incomplete): its requirements are not met")))
}

// TestAppIDsOfNamespace: in a namespace the platform team assigned AppIDs, an application for
// another AppID is refused by the policy alone (D4).
func TestAppIDsOfNamespace(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := fx.Namespace(t, "shop-assigned", map[string]string{qualv1.AnnotationAppIDs: "wx00000000000000a1, wx00000000000000a2"})
	err := env.Admin.Create(ctx, fixture.SampleApp(t, ns, "squat", "wx00000000000000b1"))
	g.Expect(err).To(MatchError(ContainSubstring("namespace shop-assigned is not assigned AppID wx00000000000000b1: the platform team assigns AppIDs to namespaces in the Namespace annotation qualification.channelshop.dev/app-ids (D4)")))
	g.Expect(env.Admin.Create(ctx, fixture.SampleApp(t, ns, "own", "wx00000000000000a2"))).To(Succeed())
	// Without the annotation the policy does not restrict (the manager's flag, which a policy
	// cannot see, makes it mandatory).
	open := fx.Namespace(t, "shop-unassigned", nil)
	g.Expect(env.Admin.Create(ctx, fixture.SampleApp(t, open, "any", "wx00000000000000b1"))).To(Succeed())
}
