package controllers_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilptr "k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/controllers"
)

// healthRow is one row of the README's table "Conditions and GitOps health".
type healthRow struct{ kstatus, argo string }

var (
	readmeOnce sync.Once
	readmeRows map[string]healthRow
	readmeErr  error

	// healthViolations collects what checkHealth found on any object any test read. A reconcile
	// that writes an inconsistent status fails the run even if the next one repairs it and an
	// Eventually moves on (TestMain reports them).
	healthMu         sync.Mutex
	healthViolations []string
	healthSeen       = map[string]bool{}
)

// readmeHealthRows parses the README's health table: state -> verdicts.
func readmeHealthRows() (map[string]healthRow, error) {
	readmeOnce.Do(func() {
		f, err := os.Open(repoPath("README.md"))
		if err != nil {
			readmeErr = err
			return
		}
		defer f.Close()
		rows, in := map[string]healthRow{}, false
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "### Conditions and GitOps health":
				in = true
			case in && strings.HasPrefix(line, "#"):
				in = false
			case in && strings.HasPrefix(line, "| ") && !strings.HasPrefix(line, "| state "):
				cells := strings.Split(line, "|")
				if len(cells) != 7 {
					readmeErr = fmt.Errorf("README health table: want 5 columns in %q", line)
					return
				}
				clean := func(s string) string { return strings.Trim(strings.TrimSpace(s), "*`") }
				rows[clean(cells[1])] = healthRow{kstatus: clean(cells[4]), argo: clean(cells[5])}
			}
		}
		if len(rows) == 0 {
			readmeErr = fmt.Errorf("README.md has no health table under \"### Conditions and GitOps health\"")
		}
		readmeRows = rows
	})
	return readmeRows, readmeErr
}

// healthState names the README row an application is in, from what a user sees: phase and
// conditions. The verdicts are then computed by the libraries, never by this function.
func healthState(app *qualv1.CategoryApplication) string {
	st := &app.Status
	c := func(t string) metav1.Condition {
		if c := meta.FindStatusCondition(st.Conditions, t); c != nil {
			return *c
		}
		return metav1.Condition{}
	}
	switch {
	case app.DeletionTimestamp != nil:
		return "being deleted"
	case st.ObservedGeneration == 0 && len(st.Conditions) == 0:
		return "not yet processed"
	case st.ObservedGeneration != app.Generation:
		return "spec changed, not yet processed"
	case c(qualv1.ConditionReconciling).Status == metav1.ConditionTrue:
		return "reconcile failed, retrying"
	case c(qualv1.ConditionStalled).Reason == qualv1.ReasonRequestRefused:
		return "request refused"
	}
	switch st.Phase {
	case qualv1.PhaseIncomplete:
		return "requirements not met"
	case qualv1.PhaseUnderReview:
		if c(qualv1.ConditionReviewOverdue).Status == metav1.ConditionTrue {
			return "under review, deadline passed"
		}
		if c(qualv1.ConditionUnderReview).Reason == qualv1.ReasonAwaitingApprovals {
			return "under review, awaiting approvals"
		}
		return "under review"
	case qualv1.PhaseApproved:
		l := c(qualv1.ConditionListed)
		switch {
		case l.Reason == qualv1.ReasonListingExpired:
			return "approved, listing expired"
		case l.Reason == qualv1.ReasonListingConflict:
			return "approved, listing not ours"
		case l.Status == metav1.ConditionTrue && c(qualv1.ConditionPolicyCompliant).Status == metav1.ConditionFalse:
			return "approved, policy since tightened"
		case l.Status == metav1.ConditionTrue:
			return "approved and listed"
		}
		return "approved, listing " + l.Reason
	case qualv1.PhaseRejected:
		return "rejected"
	case qualv1.PhaseWithdrawn:
		return "withdrawn"
	case qualv1.PhaseDuplicate:
		return "duplicate"
	}
	return "phase " + string(st.Phase)
}

// healthProblems checks an application against kstatus' rules and the README's table.
func healthProblems(app *qualv1.CategoryApplication) []string {
	out := controllers.KstatusProblems(app)
	rows, err := readmeHealthRows()
	if err != nil {
		return append(out, err.Error())
	}
	state := healthState(app)
	row, ok := rows[state]
	if !ok {
		return append(out, fmt.Sprintf("state %q is not in the README's health table", state))
	}
	ks, argo, err := controllers.Verdicts(app)
	if err != nil {
		return append(out, err.Error())
	}
	if ks != row.kstatus || argo != row.argo {
		out = append(out, fmt.Sprintf("%s: kstatus %s and Argo CD %s, but the README says %s and %s", state, ks, argo, row.kstatus, row.argo))
	}
	return out
}

// checkHealth runs healthProblems on an object a test read, and records what it finds.
func checkHealth(g Gomega, app *qualv1.CategoryApplication) {
	problems := healthProblems(app)
	if len(problems) == 0 {
		return
	}
	msg := fmt.Sprintf("%s/%s generation %d (resourceVersion %s, phase %s): %s; conditions: %v", app.Namespace, app.Name,
		app.Generation, app.ResourceVersion, app.Status.Phase, strings.Join(problems, "; "), app.Status.Conditions)
	healthMu.Lock()
	if !healthSeen[msg] { // Eventually reads the same object many times
		healthSeen[msg] = true
		healthViolations = append(healthViolations, msg)
	}
	healthMu.Unlock()
	g.Expect(problems).To(BeEmpty(), msg)
}

// reportHealthViolations is called by TestMain after the tests: non-zero if any object broke the rules.
func reportHealthViolations() int {
	healthMu.Lock()
	defer healthMu.Unlock()
	if len(healthViolations) == 0 {
		return 0
	}
	fmt.Fprintf(os.Stderr, "FAIL: %d application status(es) broke kstatus' rules or the README's health table:\n", len(healthViolations))
	for _, v := range healthViolations {
		fmt.Fprintln(os.Stderr, "  "+v)
	}
	return 1
}

// TestGitOpsHealth drives applications through every state of the README's health table and
// checks, on the objects the API server returns, that kstatus (Flux) and Argo CD's health.lua
// say what the table says. The table has no row this test does not reach.
func TestGitOpsHealth(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ensurePolicies(t)
	rows, err := readmeHealthRows()
	g.Expect(err).NotTo(HaveOccurred())
	seen := map[string]bool{}
	see := func(app *qualv1.CategoryApplication, state string) {
		t.Helper()
		g.Expect(healthState(app)).To(Equal(state), "conditions: %v", app.Status.Conditions)
		g.Expect(healthProblems(app)).To(BeEmpty())
		seen[state] = true
	}
	waitFor := func(ns, name string, ok func(*qualv1.CategoryApplication) bool) *qualv1.CategoryApplication {
		t.Helper()
		var app *qualv1.CategoryApplication
		eventually(g, func(g Gomega) {
			app = getApp(g, ns, name)
			g.Expect(ok(app)).To(BeTrue(), "phase %s, conditions %v", app.Status.Phase, app.Status.Conditions)
		}).Should(Succeed())
		return app
	}
	is := func(t, status, reason string) func(*qualv1.CategoryApplication) bool {
		return func(a *qualv1.CategoryApplication) bool {
			c := condition(a, t)
			return string(c.Status) == status && (reason == "" || c.Reason == reason) && a.Status.ObservedGeneration == a.Generation
		}
	}
	policy := createJewelryCopy(t, "jewelry-health", nil) // tightened by this test only
	ns := newNamespace(t, "shop-health")
	sampleSecrets(t, ns)
	bindClusterRole(t, "reviewer_role.yaml", "hana")
	hana := userClient(t, "hana")
	start := clock.Now()
	defer clock.SetTime(start)

	app := sampleApp(t, ns, "gold", nextAppID(), "gold")
	app.Spec.Category.Group = policy.GetName()
	g.Expect(admin.Create(ctx, app)).To(Succeed())
	see(app, "not yet processed") // the API server's answer to the create

	app = waitPhase(g, ns, "gold", qualv1.PhaseUnderReview)
	see(app, "under review")
	clock.SetTime(app.Status.ReviewDeadline.Add(time.Second))
	touch(t, app)
	see(waitFor(ns, "gold", is(qualv1.ConditionReviewOverdue, "True", "")), "under review, deadline passed")
	clock.SetTime(start)

	g.Expect(decide(hana, app, qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: app.Generation})).To(Succeed())
	see(waitFor(ns, "gold", is(qualv1.ConditionReady, "True", "")), "approved and listed")

	// The business license ends 2031-06-30 (D20).
	clock.SetTime(time.Date(2031, 6, 30, 16, 0, 1, 0, time.UTC))
	touch(t, app)
	see(waitFor(ns, "gold", is(qualv1.ConditionListed, "False", qualv1.ReasonListingExpired)), "approved, listing expired")
	clock.SetTime(start)
	touch(t, app)
	waitFor(ns, "gold", is(qualv1.ConditionReady, "True", ""))

	// The platform tightens its standard: gold only for official flagship shops (D24, D29).
	g.Expect(admin.Get(ctx, client.ObjectKeyFromObject(policy), policy)).To(Succeed())
	for _, s := range policy.Object["spec"].(map[string]any)["subcategories"].([]any) {
		if s := s.(map[string]any); s["id"] == "gold" {
			s["allowedShopTypes"] = []any{"OfficialFlagship"}
		}
	}
	g.Expect(admin.Update(ctx, policy)).To(Succeed())
	app = waitFor(ns, "gold", is(qualv1.ConditionPolicyCompliant, "False", qualv1.ReasonNoncompliant))
	see(app, "approved, policy since tightened")

	g.Expect(decide(hana, app, qualv1.Decision{Verdict: qualv1.VerdictWithdrawn, Reason: "StandardTightened",
		Message: "gold now requires an official flagship shop", Generation: app.Generation})).To(Succeed())
	app = waitPhase(g, ns, "gold", qualv1.PhaseWithdrawn)
	see(app, "withdrawn")

	before := app.DeepCopy()
	app.Spec.Merchant.ShopType = qualv1.ShopOfficialFlagship
	g.Expect(admin.Patch(ctx, app, client.MergeFrom(before))).To(Succeed())
	see(app, "spec changed, not yet processed") // the API server's answer to the update
	app = waitPhase(g, ns, "gold", qualv1.PhaseUnderReview)
	g.Expect(decide(hana, app, qualv1.Decision{Verdict: qualv1.VerdictRejected, Reason: "FilingLetterUnreadable",
		Message: "the seal is not legible", Generation: app.Generation})).To(Succeed())
	see(waitPhase(g, ns, "gold", qualv1.PhaseRejected), "rejected")

	// Its Secrets are missing (D19).
	bare := newNamespace(t, "shop-health-bare")
	g.Expect(admin.Create(ctx, sampleApp(t, bare, "gold", nextAppID(), "gold"))).To(Succeed())
	see(waitPhase(g, bare, "gold", qualv1.PhaseIncomplete), "requirements not met")

	// A listing of that name exists and is not the application's: made for another application,
	// so not one a deleted application of this name left (that one would be adopted).
	g.Expect(operatorClient(t).Create(ctx, &qualv1.ShowcaseListing{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "taken"},
		Spec: qualv1.ShowcaseListingSpec{ApplicationRef: qualv1.LocalObjectReference{Name: "someone-else"}, AppID: "wx00000000000000aa",
			ShopName: "Someone Else", Category: qualv1.CategoryRef{Group: "jewelry", Level2: "gold"}, Channel: qualv1.ChannelShop,
			ApprovedGeneration: 1, ApprovedAt: metav1.Now()}})).To(Succeed())
	g.Expect(admin.Create(ctx, sampleApp(t, ns, "taken", nextAppID(), "gold"))).To(Succeed())
	taken := waitPhase(g, ns, "taken", qualv1.PhaseUnderReview)
	g.Expect(decide(hana, taken, qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: taken.Generation})).To(Succeed())
	see(waitFor(ns, "taken", is(qualv1.ConditionStalled, "True", qualv1.ReasonListingConflict)), "approved, listing not ours")
	eventually(g, func(g Gomega) { g.Expect(events(g, ns, "taken")).To(HaveKey(qualv1.ReasonListingConflict)) }).Should(Succeed())

	see(raceDuplicate(t, g), "duplicate")

	// Four-eyes (D31): one approval of two given, the round stays under review.
	fourEyes := newNamespace(t, "shop-health-four-eyes")
	sampleSecrets(t, fourEyes)
	pending := sampleApp(t, fourEyes, "gold", nextAppID(), "gold")
	pending.Spec.Category.Group = fourEyesPolicy(t, "jewelry-health-four-eyes")
	g.Expect(admin.Create(ctx, pending)).To(Succeed())
	pending = waitPhase(g, fourEyes, "gold", qualv1.PhaseUnderReview)
	g.Expect(decide(hana, pending, qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: pending.Generation})).To(Succeed())
	see(waitFor(fourEyes, "gold", is(qualv1.ConditionUnderReview, "True", qualv1.ReasonAwaitingApprovals)), "under review, awaiting approvals")

	// An admission policy freezes listings in one namespace: first as Forbidden (RBAC-like,
	// retried), then as Invalid (refused, not retried), then not at all.
	frozen := newNamespace(t, "shop-health-frozen")
	sampleSecrets(t, frozen)
	freeze := freezeListings(t, g, frozen, utilptr.To(metav1.StatusReasonForbidden))
	g.Expect(admin.Create(ctx, sampleApp(t, frozen, "gold", nextAppID(), "gold"))).To(Succeed())
	app = waitPhase(g, frozen, "gold", qualv1.PhaseUnderReview)
	g.Expect(decide(hana, app, qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: app.Generation})).To(Succeed())
	app = waitFor(frozen, "gold", is(qualv1.ConditionReconciling, "True", qualv1.ReasonReconcileError))
	see(app, "reconcile failed, retrying")
	g.Expect(condition(app, qualv1.ConditionReconciling).Message).To(ContainSubstring("listings are frozen here"))
	eventually(g, func(g Gomega) { g.Expect(events(g, frozen, "gold")).To(HaveKey(qualv1.ReasonReconcileError)) }).Should(Succeed())

	freeze(nil) // the API server's default reason: Invalid
	touch(t, app)
	app = waitFor(frozen, "gold", is(qualv1.ConditionStalled, "True", qualv1.ReasonRequestRefused))
	see(app, "request refused")
	eventually(g, func(g Gomega) { g.Expect(events(g, frozen, "gold")).To(HaveKey(qualv1.ReasonRequestRefused)) }).Should(Succeed())

	unfreezeListings(t, g, frozen)
	touch(t, app) // "update the application", as Stalled says
	app = waitFor(frozen, "gold", is(qualv1.ConditionReady, "True", ""))
	g.Expect(app.Status.Conditions).NotTo(ContainElement(HaveField("Type", qualv1.ConditionReconciling)))

	// Deleted with --cascade=orphan: the test environment has no garbage collector, so the
	// orphan finalizer keeps it in deletion.
	g.Expect(admin.Delete(ctx, app, client.PropagationPolicy(metav1.DeletePropagationOrphan))).To(Succeed())
	see(waitFor(frozen, "gold", func(a *qualv1.CategoryApplication) bool { return a.DeletionTimestamp != nil }), "being deleted")

	for state := range rows {
		g.Expect(seen).To(HaveKey(state), "the README documents %q, which this test never produced", state)
	}
}

// raceDuplicate makes two applications for one shop and category get past admission (as in
// TestDuplicates) and returns the later one, once it is marked Duplicate.
func raceDuplicate(t *testing.T, g *WithT) *qualv1.CategoryApplication {
	t.Helper()
	ctx := context.Background()
	ns := newNamespace(t, "shop-health-dup")
	sampleSecrets(t, ns)
	vwc := &admissionregistrationv1.ValidatingWebhookConfiguration{}
	g.Expect(admin.Get(ctx, client.ObjectKey{Name: env.WebhookInstallOptions.ValidatingWebhooks[0].Name}, vwc)).To(Succeed())
	saved := vwc.DeepCopy()
	saved.ResourceVersion = ""
	g.Expect(admin.Delete(ctx, vwc)).To(Succeed())
	id := nextAppID()
	g.Expect(admin.Create(ctx, sampleApp(t, ns, "first", id, "jadeite"))).To(Succeed())
	time.Sleep(1100 * time.Millisecond) // creation timestamps have second precision
	g.Expect(admin.Create(ctx, sampleApp(t, ns, "second", id, "jadeite"))).To(Succeed())
	g.Expect(admin.Create(ctx, saved)).To(Succeed())
	return waitPhase(g, ns, "second", qualv1.PhaseDuplicate)
}

const freezeName = "health-test-freeze-listings"

// freezeListings makes the API server refuse new ShowcaseListings in ns, with the given
// reason, and returns a function that changes the reason. It returns once the refusal is in
// force (admission policies take effect asynchronously).
func freezeListings(t *testing.T, g *WithT, ns string, reason *metav1.StatusReason) func(*metav1.StatusReason) {
	t.Helper()
	ctx := context.Background()
	policy := &admissionregistrationv1.ValidatingAdmissionPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: freezeName},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
			FailurePolicy: utilptr.To(admissionregistrationv1.Fail),
			MatchConstraints: &admissionregistrationv1.MatchResources{ResourceRules: []admissionregistrationv1.NamedRuleWithOperations{{
				RuleWithOperations: admissionregistrationv1.RuleWithOperations{
					Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
					Rule: admissionregistrationv1.Rule{APIGroups: []string{qualv1.GroupVersion.Group}, APIVersions: []string{"*"},
						Resources: []string{"showcaselistings"}},
				},
			}}},
			Validations: []admissionregistrationv1.Validation{{Expression: "false", Message: "listings are frozen here", Reason: reason}},
		},
	}
	binding := &admissionregistrationv1.ValidatingAdmissionPolicyBinding{
		ObjectMeta: metav1.ObjectMeta{Name: freezeName},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec{PolicyName: freezeName,
			ValidationActions: []admissionregistrationv1.ValidationAction{admissionregistrationv1.Deny},
			MatchResources: &admissionregistrationv1.MatchResources{NamespaceSelector: &metav1.LabelSelector{
				MatchLabels: map[string]string{"kubernetes.io/metadata.name": ns}}}},
	}
	g.Expect(admin.Create(ctx, policy)).To(Succeed())
	g.Expect(admin.Create(ctx, binding)).To(Succeed())
	t.Cleanup(func() { unfreezeListings(t, NewWithT(t), ns) })
	inForce := func(reason metav1.StatusReason) {
		eventually(g, func(g Gomega) {
			err := probeListing(t, ns)
			g.Expect(err).To(MatchError(ContainSubstring("listings are frozen here")))
			g.Expect(apierrors.ReasonForError(err)).To(Equal(reason))
		}).Should(Succeed())
	}
	inForce(utilptr.Deref(reason, metav1.StatusReasonInvalid))
	return func(reason *metav1.StatusReason) {
		g.Expect(admin.Get(ctx, client.ObjectKeyFromObject(policy), policy)).To(Succeed())
		policy.Spec.Validations[0].Reason = reason
		g.Expect(admin.Update(ctx, policy)).To(Succeed())
		inForce(utilptr.Deref(reason, metav1.StatusReasonInvalid))
	}
}

func unfreezeListings(t *testing.T, g *WithT, ns string) {
	t.Helper()
	ctx := context.Background()
	for _, o := range []client.Object{
		&admissionregistrationv1.ValidatingAdmissionPolicyBinding{ObjectMeta: metav1.ObjectMeta{Name: freezeName}},
		&admissionregistrationv1.ValidatingAdmissionPolicy{ObjectMeta: metav1.ObjectMeta{Name: freezeName}},
	} {
		g.Expect(client.IgnoreNotFound(admin.Delete(ctx, o))).To(Succeed())
	}
	eventually(g, func(g Gomega) { g.Expect(probeListing(t, ns)).To(Succeed()) }).Should(Succeed())
}

// probeListing tries, as the operator and without storing anything, to create a listing in ns.
func probeListing(t *testing.T, ns string) error {
	return operatorClient(t).Create(context.Background(), &qualv1.ShowcaseListing{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "probe"},
		Spec: qualv1.ShowcaseListingSpec{ApplicationRef: qualv1.LocalObjectReference{Name: "probe"}, AppID: "wx00000000000000ab",
			ShopName: "Probe", Category: qualv1.CategoryRef{Group: "jewelry", Level2: "gold"}, Channel: qualv1.ChannelShop,
			ApprovedGeneration: 1, ApprovedAt: metav1.Now()}}, client.DryRunAll)
}
