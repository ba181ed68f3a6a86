package controllers_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// TestSecretsArriveLater: GitOps may apply the application before its Secrets (D19). Admission
// accepts it, status names each missing Secret, and the findings clear by themselves when the
// Secrets appear, without anyone re-applying the application.
func TestSecretsArriveLater(t *testing.T) {
	g := NewWithT(t)
	ensurePolicies(t)
	ns := newNamespace(t, "shop-gitops")
	app := sampleApp(t, ns, "gold", nextAppID(), "gold")
	g.Expect(admin.Create(context.Background(), app)).To(Succeed())
	app = waitPhase(g, ns, "gold", qualv1.PhaseIncomplete)
	g.Expect(app.Status.Findings).To(ContainElement(And(
		HaveField("Rule", "D19"), HaveField("Message", ContainSubstring(`Secret "acme-gold-materials" not found`)))))
	g.Expect(condition(app, qualv1.ConditionStalled).Reason).To(Equal(qualv1.ReasonRequirementsNotMet))
	g.Expect(condition(app, qualv1.ConditionReady).Reason).To(Equal(qualv1.ReasonRequirementsNotMet))
	eventually(g, func(g Gomega) { g.Expect(events(g, ns, "gold")).To(HaveKeyWithValue("RequirementsNotMet", 1)) }).Should(Succeed())

	sampleSecrets(t, ns)
	app = waitPhase(g, ns, "gold", qualv1.PhaseUnderReview)
	g.Expect(app.Status.Findings).To(BeEmpty())
	g.Expect(condition(app, qualv1.ConditionStalled).Status).To(Equal(metav1.ConditionStatus("Absent")))
}

// TestPolicyChangeReevaluates: editing a CategoryPolicy re-evaluates its applications (D11, D29).
func TestPolicyChangeReevaluates(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ensurePolicies(t)
	ns := newNamespace(t, "shop-policy")
	sampleSecrets(t, ns)
	app := sampleApp(t, ns, "gold", nextAppID(), "gold")
	g.Expect(admin.Create(ctx, app)).To(Succeed())
	waitPhase(g, ns, "gold", qualv1.PhaseUnderReview)

	policy := &qualv1.CategoryPolicy{}
	g.Expect(admin.Get(ctx, client.ObjectKey{Name: "jewelry"}, policy)).To(Succeed())
	before := policy.DeepCopy()
	policy.Spec.AllowedPlatforms = []qualv1.Platform{qualv1.PlatformKuaishou, qualv1.PlatformTaobao, qualv1.PlatformTmall}
	g.Expect(admin.Patch(ctx, policy, client.MergeFrom(before))).To(Succeed())
	defer func() {
		cur := &qualv1.CategoryPolicy{}
		g.Expect(admin.Get(ctx, client.ObjectKey{Name: "jewelry"}, cur)).To(Succeed())
		restore := cur.DeepCopy()
		restore.Spec = before.Spec
		g.Expect(admin.Patch(ctx, restore, client.MergeFrom(cur))).To(Succeed())
	}()
	app = waitPhase(g, ns, "gold", qualv1.PhaseIncomplete)
	g.Expect(app.Status.Findings).To(ContainElement(And(HaveField("Rule", "D11"),
		HaveField("Field", MatchRegexp(`^spec\.materials\[\d+\]\.platform$`)), HaveField("Message", ContainSubstring("Douyin")))))
}

// TestDuplicates: a second application for the same shop and category is refused at admission
// (D1), without naming another namespace's application; two that raced past admission end with exactly one Duplicate, the later one.
func TestDuplicates(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ensurePolicies(t)
	ns, ns2 := newNamespace(t, "shop-dup"), newNamespace(t, "shop-dup-2")
	sampleSecrets(t, ns)
	sampleSecrets(t, ns2)
	appID := nextAppID()
	g.Expect(admin.Create(ctx, sampleApp(t, ns, "first", appID, "gold"))).To(Succeed())
	eventually(g, func(g Gomega) {
		err := admin.Create(ctx, sampleApp(t, ns2, "second", appID, "gold"))
		// Another namespace's application is not named (D4): only that the shop has one.
		g.Expect(err).To(MatchError(And(ContainSubstring("spec.category: Duplicate value"),
			ContainSubstring("another namespace already applies for shop "+appID), ContainSubstring("(D1)"))))
		g.Expect(err.Error()).NotTo(ContainSubstring("first"))
	}).Should(Succeed())

	// Race: with the validating webhook out of the way, both get in.
	raceID := nextAppID()
	vwc := &admissionregistrationv1.ValidatingWebhookConfiguration{}
	g.Expect(admin.Get(ctx, client.ObjectKey{Name: env.WebhookInstallOptions.ValidatingWebhooks[0].Name}, vwc)).To(Succeed())
	saved := vwc.DeepCopy()
	saved.ResourceVersion = ""
	g.Expect(admin.Delete(ctx, vwc)).To(Succeed())
	a := sampleApp(t, ns, "race-a", raceID, "jadeite")
	b := sampleApp(t, ns2, "race-b", raceID, "jadeite")
	g.Expect(admin.Create(ctx, a)).To(Succeed())
	time.Sleep(1100 * time.Millisecond) // creation timestamps have second precision
	g.Expect(admin.Create(ctx, b)).To(Succeed())
	g.Expect(admin.Create(ctx, saved)).To(Succeed())

	waitPhase(g, ns, "race-a", qualv1.PhaseUnderReview)
	dup := waitPhase(g, ns2, "race-b", qualv1.PhaseDuplicate)
	g.Expect(condition(dup, qualv1.ConditionStalled).Reason).To(Equal(qualv1.ReasonDuplicate))
	g.Expect(condition(dup, qualv1.ConditionStalled).Message).To(And(ContainSubstring("another namespace already holds an application"),
		Not(ContainSubstring("race-a"))), "another tenant's application is not named (D4)")

	// When the original goes, the duplicate proceeds by itself.
	g.Expect(admin.Delete(ctx, a)).To(Succeed())
	waitPhase(g, ns2, "race-b", qualv1.PhaseUnderReview)
}

// TestResyncWritesNothing: a full resync (a new manager with a cold cache) reconciles every
// application again; nothing changed, so there is no status write and no event.
func TestResyncWritesNothing(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ensurePolicies(t)
	ns := newNamespace(t, "shop-resync")
	sampleSecrets(t, ns)
	bindClusterRole(t, "reviewer_role.yaml", "ruth")
	under := sampleApp(t, ns, "under", nextAppID(), "gold")
	g.Expect(admin.Create(ctx, under)).To(Succeed())
	approved := sampleApp(t, ns, "approved", nextAppID(), "gold")
	g.Expect(admin.Create(ctx, approved)).To(Succeed())
	waitPhase(g, ns, "under", qualv1.PhaseUnderReview)
	approved = waitPhase(g, ns, "approved", qualv1.PhaseUnderReview)
	g.Expect(decide(userClient(t, "ruth"), approved, qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: approved.Generation})).To(Succeed())
	eventually(g, func(g Gomega) {
		g.Expect(condition(getApp(g, ns, "approved"), qualv1.ConditionReady).Status).To(Equal(metav1.ConditionTrue))
	}).Should(Succeed())
	time.Sleep(time.Second) // let in-flight reconciles finish
	rv := map[string]string{"under": getApp(g, ns, "under").ResourceVersion, "approved": getApp(g, ns, "approved").ResourceVersion}
	evUnder, evApproved := events(g, ns, "under"), events(g, ns, "approved")

	stopManager()
	g.Expect(startManager()).To(Succeed())
	touch(t, getApp(g, ns, "under")) // an annotation change reconciles too, and writes no status
	time.Sleep(3 * time.Second)
	g.Expect(getApp(g, ns, "approved").ResourceVersion).To(Equal(rv["approved"]), "resync must not write status")
	cur := getApp(g, ns, "under")
	g.Expect(cur.Status.ObservedGeneration).To(Equal(cur.Generation))
	g.Expect(events(g, ns, "under")).To(Equal(evUnder))
	g.Expect(events(g, ns, "approved")).To(Equal(evApproved))
	_ = rv["under"]
}
