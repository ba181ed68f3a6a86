package controllers_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/types"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/controllers"
	"github.com/channelshop/category-operator/internal/filekind"
	"github.com/channelshop/category-operator/internal/notify"
	"github.com/channelshop/category-operator/test/fixture"
)

// sink is a loopback notification receiver that de-duplicates by Idempotency-Key, as a real
// receiver should, and counts every delivery attempt.
type sink struct {
	mu       sync.Mutex
	token    string
	failNext int // answer 500 to this many requests first
	attempts int
	byKey    map[string]notify.Notification
	badSigs  int
	srv      *httptest.Server
}

func newSink(t *testing.T, token string) *sink {
	s := startSink(token)
	t.Cleanup(s.srv.Close)
	return s
}

// startSink starts a sink that lives as long as the test binary.
func startSink(token string) *sink {
	s := &sink{token: token, byKey: map[string]notify.Notification{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

func (s *sink) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.attempts++
	if s.failNext > 0 {
		s.failNext--
		http.Error(w, "down for maintenance", http.StatusInternalServerError)
		return
	}
	mac := hmac.New(sha256.New, []byte(s.token))
	mac.Write(body)
	if r.Header.Get("X-Signature") != "sha256="+hex.EncodeToString(mac.Sum(nil)) {
		s.badSigs++
	}
	var n notify.Notification
	_ = json.Unmarshal(body, &n)
	s.byKey[r.Header.Get("Idempotency-Key")] = n
}

// events counts distinct notifications (by idempotency key) per event.
func (s *sink) events() map[qualv1.NotificationEvent]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[qualv1.NotificationEvent]int{}
	for _, n := range s.byKey {
		out[n.Event]++
	}
	return out
}

// eventsAbout counts distinct notifications per event about one application.
func (s *sink) eventsAbout(ns, name string) map[qualv1.NotificationEvent]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[qualv1.NotificationEvent]int{}
	for _, n := range s.byKey {
		if n.Application.Namespace == ns && n.Application.Name == name {
			out[n.Event]++
		}
	}
	return out
}

func (s *sink) secret(ns, name string) *corev1.Secret {
	return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		StringData: map[string]string{"address": s.srv.URL + "/hook", "token": s.token, "format": "generic"}}
}

// TestNotificationsHappyPath: apply, approve, listed; the merchant's sink receives Submitted,
// Approved and Listed exactly once each, signed; the reviewers' sink receives Submitted.
func TestNotificationsHappyPath(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ensurePolicies(t)
	ns := newNamespace(t, "shop-notify")
	sampleSecrets(t, ns)
	merchant := merchantSink(t, ns, "s3cret-token")
	bindClusterRole(t, "reviewer_role.yaml", "nina")

	app := sampleApp(t, ns, "gold", nextAppID(), "gold")
	g.Expect(admin.Create(ctx, app)).To(Succeed())
	app = waitPhase(g, ns, "gold", qualv1.PhaseUnderReview)
	eventually(g, merchant.events).Should(HaveKeyWithValue(qualv1.EventSubmitted, 1))
	eventually(g, reviewers.events).Should(HaveKey(qualv1.EventSubmitted))

	g.Expect(decide(userClient(t, "nina"), app, qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: app.Generation})).To(Succeed())
	eventually(g, merchant.events).Should(Equal(map[qualv1.NotificationEvent]int{
		qualv1.EventSubmitted: 1, qualv1.EventApproved: 1, qualv1.EventListed: 1}))
	g.Expect(merchant.badSigs).To(BeZero())
	eventually(g, func(g Gomega) {
		app = getApp(g, ns, "gold")
		for _, r := range app.Status.Notifications {
			g.Expect(r.State).To(Equal(qualv1.DeliveryDelivered), "%+v", r)
		}
		g.Expect(app.Status.Notifications).To(HaveLen(4)) // 3 merchant + Submitted to reviewers
	}).Should(Succeed())
	for _, r := range app.Status.Notifications {
		g.Expect(r.LastError).NotTo(ContainSubstring("s3cret-token"))
	}
	g.Expect(merchant.attempts).To(Equal(3), "nothing is sent twice")

	// Two field managers share the ledger: each record's delivery fields are the delivery
	// controller's (server-side apply), its content the status controller's.
	delivery := ledgerFields(g, app, controllers.DeliveryFieldManager, metav1.ManagedFieldsOperationApply)
	content := ledgerFields(g, app, controllers.FieldManager, metav1.ManagedFieldsOperationUpdate)
	g.Expect(delivery).To(HaveLen(4), "every record was tried")
	for key, fields := range delivery {
		g.Expect(fields).To(ContainElements("f:state", "f:attempts", "f:lastAttemptAt", "f:deliveredAt"), key)
		g.Expect(fields).NotTo(ContainElements("f:nextAttemptAt", "f:lastError"), "%s: dropped once delivered", key)
		g.Expect(fields).NotTo(ContainElements("f:reason", "f:message", "f:createdAt"), key)
		g.Expect(content).To(HaveKey(key))
		g.Expect(content[key]).To(ContainElements("f:reason", "f:createdAt"), key)
		g.Expect(content[key]).NotTo(ContainElement("f:state"), "%s: the delivery manager took state over", key)
	}
	for _, r := range app.Status.Notifications {
		g.Expect(r.Reason).NotTo(BeEmpty(), "no record lost its content: %+v", r)
		g.Expect(r.CreatedAt).NotTo(BeNil(), "no record lost its content: %+v", r)
	}
}

// ledgerFields reads, from managedFields, the fields one manager owns in each record of
// status.notifications, by record key.
func ledgerFields(g Gomega, app *qualv1.CategoryApplication, manager string, op metav1.ManagedFieldsOperationType) map[string][]string {
	out := map[string][]string{}
	for _, mf := range app.ManagedFields {
		if mf.Manager != manager || mf.Operation != op || mf.Subresource != "status" || mf.FieldsV1 == nil {
			continue
		}
		var set map[string]map[string]map[string]map[string]any
		g.Expect(json.Unmarshal(mf.FieldsV1.Raw, &set)).To(Succeed())
		for key, fields := range set["f:status"]["f:notifications"] {
			if !strings.HasPrefix(key, "k:") {
				continue
			}
			for f := range fields {
				if f != "." {
					out[key] = append(out[key], f)
				}
			}
		}
	}
	return out
}

// TestNotificationsSurviveOutageAndRestart: the sink fails, deliveries back off and are retried;
// after it recovers everything is delivered once per idempotency key; a manager restart in
// between neither loses nor re-sends anything.
func TestNotificationsSurviveOutageAndRestart(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ensurePolicies(t)
	ns := newNamespace(t, "shop-outage")
	sampleSecrets(t, ns)
	s := merchantSink(t, ns, "tok")
	s.failNext = 2

	app := sampleApp(t, ns, "gold", nextAppID(), "gold")
	g.Expect(admin.Create(ctx, app)).To(Succeed())
	var rec qualv1.NotificationRecord
	eventually(g, func(g Gomega) {
		app = getApp(g, ns, "gold")
		g.Expect(app.Status.Notifications).NotTo(BeEmpty())
		rec = app.Status.Notifications[0]
		g.Expect(rec.Attempts).To(BeNumerically(">=", 1))
	}).Should(Succeed())
	g.Expect(rec.State).To(Equal(qualv1.DeliveryPending))
	g.Expect(rec.LastError).To(Equal("HTTP 500"), "status gets the class, not the receiver's body")
	g.Expect(rec.NextAttemptAt.Sub(rec.LastAttemptAt.Time)).To(Equal(5*time.Second), "exponential backoff starts at 5s")

	// Restart the manager while the delivery is pending.
	stopManager()
	g.Expect(startManager()).To(Succeed())
	for i := 0; i < 3; i++ { // the test clock crosses each backoff
		clock.Step(10 * time.Minute)
		touch(t, app)
		time.Sleep(300 * time.Millisecond)
	}
	eventually(g, s.events).Should(Equal(map[qualv1.NotificationEvent]int{qualv1.EventSubmitted: 1}))
	eventually(g, func(g Gomega) {
		r := getApp(g, ns, "gold").Status.Notifications[0]
		g.Expect(r.State).To(Equal(qualv1.DeliveryDelivered))
		g.Expect(r.Attempts).To(Equal(int32(3)))
	}).Should(Succeed())
	attempts := s.attempts
	stopManager()
	g.Expect(startManager()).To(Succeed())
	touch(t, app)
	time.Sleep(2 * time.Second)
	g.Expect(s.attempts).To(Equal(attempts), "a delivered notification is never sent again")
}

// TestNotificationsEveryOccurrence: an event that happens again for the same generation, round
// and sink is a new notification, each delivered once with an Idempotency-Key of its own:
// Submitted after the materials go D1 -> D2 -> D1, RequirementsNotMet twice while no round is
// open (materialsDigest ""), PolicyNoncompliant after the policy tightens, relaxes and tightens.
// A restart and a re-reconcile then send nothing more.
func TestNotificationsEveryOccurrence(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ensurePolicies(t)
	policy := createJewelryCopy(t, "jewelry-occurrence", nil) // tightened by this test only
	ns := newNamespace(t, "shop-occurrence")
	sampleSecrets(t, ns)
	merchant := merchantSink(t, ns, "occ-token")
	bindClusterRole(t, "reviewer_role.yaml", "otto")

	app := sampleApp(t, ns, "gold", nextAppID(), "gold")
	app.Spec.Category.Group = "jewelry-occurrence"
	g.Expect(admin.Create(ctx, app)).To(Succeed())
	app = waitPhase(g, ns, "gold", qualv1.PhaseUnderReview)
	d1 := app.Status.MaterialsDigest
	eventually(g, merchant.events).Should(HaveKeyWithValue(qualv1.EventSubmitted, 1))

	// setLetter sets (or, with "", removes) the filing letter in the materials Secret and waits
	// until the application's materials digest matches want (empty while incomplete).
	setLetter := func(content string, want types.GomegaMatcher) {
		sec := &corev1.Secret{}
		g.Expect(admin.Get(ctx, client.ObjectKey{Namespace: ns, Name: "acme-gold-materials"}, sec)).To(Succeed())
		if content == "" {
			delete(sec.Data, "filing-letter.jpg")
		} else {
			sec.Data["filing-letter.jpg"] = []byte(content)
		}
		g.Expect(admin.Update(ctx, sec)).To(Succeed())
		eventually(g, func(g Gomega) {
			app = getApp(g, ns, "gold")
			g.Expect(app.Status.MaterialsDigest).To(want)
			if content == "" {
				g.Expect(app.Status.Phase).To(Equal(qualv1.PhaseIncomplete))
			} else {
				g.Expect(app.Status.Phase).To(Equal(qualv1.PhaseUnderReview))
			}
		}).Should(Succeed())
	}
	sample := &corev1.Secret{}
	g.Expect(admin.Get(ctx, client.ObjectKey{Namespace: ns, Name: "acme-gold-materials"}, sample)).To(Succeed())
	original := string(sample.Data["filing-letter.jpg"])
	setLetter(string(filekind.JPEG("a second letter")), And(HavePrefix("sha256:"), Not(Equal(d1)))) // D2: a second round
	setLetter(original, Equal(d1))                                                                  // D1 again: a third round
	setLetter("", BeEmpty())                                                                        // RequirementsNotMet
	setLetter(original, Equal(d1))                                                                  // a fourth round
	setLetter("", BeEmpty())                                                                        // RequirementsNotMet again, same generation, no round
	setLetter(original, Equal(d1))                                                                  // a fifth round
	eventually(g, merchant.events).Should(And(
		HaveKeyWithValue(qualv1.EventSubmitted, 5), HaveKeyWithValue(qualv1.EventRequirementsNotMet, 2)))

	// Approve, then the policy tightens, relaxes and tightens: PolicyNoncompliant twice.
	g.Expect(decide(userClient(t, "otto"), app, qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: app.Generation})).To(Succeed())
	waitPhase(g, ns, "gold", qualv1.PhaseApproved)
	shopTypes := func(types ...any) {
		cur := readObjects(t, repoPath("config", "policies", "jewelry.yaml"))[0]
		g.Expect(admin.Get(ctx, client.ObjectKeyFromObject(policy), policy)).To(Succeed())
		cur.SetName(policy.GetName())
		cur.SetResourceVersion(policy.GetResourceVersion())
		if types != nil {
			for _, s := range cur.Object["spec"].(map[string]any)["subcategories"].([]any) {
				if s := s.(map[string]any); s["id"] == "gold" {
					s["allowedShopTypes"] = types
				}
			}
		}
		g.Expect(admin.Update(ctx, cur)).To(Succeed())
	}
	compliant := func(want metav1.ConditionStatus) {
		eventually(g, func(g Gomega) {
			g.Expect(condition(getApp(g, ns, "gold"), qualv1.ConditionPolicyCompliant).Status).To(Equal(want))
		}).Should(Succeed())
	}
	shopTypes("OfficialFlagship")
	compliant(metav1.ConditionFalse)
	shopTypes() // the shipped policy again
	compliant(metav1.ConditionTrue)
	shopTypes("OfficialFlagship")
	compliant(metav1.ConditionFalse)
	eventually(g, merchant.events).Should(HaveKeyWithValue(qualv1.EventPolicyNoncompliant, 2))
	eventually(g, func() map[qualv1.NotificationEvent]int { return reviewers.eventsAbout(ns, "gold") }).Should(And(
		HaveKeyWithValue(qualv1.EventPolicyNoncompliant, 2), HaveKeyWithValue(qualv1.EventSubmitted, 5)))

	want := map[qualv1.NotificationEvent]int{qualv1.EventSubmitted: 5, qualv1.EventRequirementsNotMet: 2,
		qualv1.EventApproved: 1, qualv1.EventListed: 1, qualv1.EventPolicyNoncompliant: 2}
	eventually(g, merchant.events).Should(Equal(want))
	eventually(g, func(g Gomega) {
		for _, r := range getApp(g, ns, "gold").Status.Notifications {
			g.Expect(r.State).To(Equal(qualv1.DeliveryDelivered), "%+v", r)
		}
	}).Should(Succeed())
	attempts := merchant.attempts
	g.Expect(attempts).To(Equal(11), "each occurrence sent once")

	stopManager()
	g.Expect(startManager()).To(Succeed())
	touch(t, app)
	time.Sleep(2 * time.Second)
	g.Expect(merchant.events()).To(Equal(want))
	g.Expect(merchant.attempts).To(Equal(attempts), "a restart and a re-reconcile send nothing again")
}

// TestLedgerDropsAreCounted: a merchant sink that never answers fills the ledger with
// undelivered records. When a new event must make room and nothing delivered is left to drop,
// an undelivered record goes (the oldest that failed, then the oldest), and never silently:
// status.notificationsDropped counts it, a NotificationsDropped warning names it, and
// category_notifications_dropped_total counts it for the platform.
func TestLedgerDropsAreCounted(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ensurePolicies(t)
	ns := newNamespace(t, "shop-dropped")
	sampleSecrets(t, ns)
	dead := &corev1.Secret{}
	g.Expect(admin.Get(ctx, client.ObjectKey{Namespace: ns, Name: "acme-notify"}, dead)).To(Succeed())
	dead.StringData = map[string]string{"address": "http://127.0.0.1:1/hook"} // nothing listens
	g.Expect(admin.Update(ctx, dead)).To(Succeed())

	app := sampleApp(t, ns, "gold", nextAppID(), "gold")
	g.Expect(admin.Create(ctx, app)).To(Succeed())
	app = waitPhase(g, ns, "gold", qualv1.PhaseUnderReview)

	// The ledger as months of a dead sink leave it: 100 undelivered records, retried later.
	later := metav1.NewTime(clock.Now().Add(time.Hour))
	created := metav1.NewTime(clock.Now().Add(-time.Hour))
	var ledger []qualv1.NotificationRecord
	for i := range controllers.MaxNotificationRecords {
		r := qualv1.NotificationRecord{Event: qualv1.EventSubmitted, Generation: app.Generation, Sink: "secret/acme-notify",
			Seq: int64(i + 1), State: qualv1.DeliveryPending, Attempts: 1, Reason: "AwaitingReview", CreatedAt: &created,
			LastAttemptAt: &created, NextAttemptAt: &later, LastError: "delivery failed"}
		if i == 5 {
			r.State, r.Attempts = qualv1.DeliveryFailed, 3
		}
		ledger = append(ledger, r)
	}
	operator := operatorClient(t)
	g.Expect(retry.RetryOnConflict(fixture.PatientBackoff, func() error {
		g.Expect(admin.Get(ctx, client.ObjectKeyFromObject(app), app)).To(Succeed())
		before := app.DeepCopy()
		app.Status.Notifications = ledger
		return operator.Status().Patch(ctx, app, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{}))
	})).To(Succeed())
	dropped := func() float64 {
		return counter(metricsFamilies(g), "category_notifications_dropped_total", map[string]string{"event": "Submitted"})
	}
	start := dropped()

	seqs := func(app *qualv1.CategoryApplication) []int64 {
		var out []int64
		for _, r := range app.Status.Notifications {
			out = append(out, r.Seq)
		}
		return out
	}
	// RequirementsNotMet (to the merchant only) needs room for one record: the one that failed goes.
	sec := &corev1.Secret{}
	g.Expect(admin.Get(ctx, client.ObjectKey{Namespace: ns, Name: "acme-gold-materials"}, sec)).To(Succeed())
	letter := sec.Data["filing-letter.jpg"]
	delete(sec.Data, "filing-letter.jpg")
	g.Expect(admin.Update(ctx, sec)).To(Succeed())
	app = waitPhase(g, ns, "gold", qualv1.PhaseIncomplete)
	g.Expect(app.Status.Notifications).To(HaveLen(controllers.MaxNotificationRecords))
	g.Expect(seqs(app)).NotTo(ContainElement(int64(6)), "the record that had failed went")
	g.Expect(seqs(app)).To(ContainElements(int64(1), int64(101)), "the oldest pending stayed; the new event is recorded")
	g.Expect(app.Status.NotificationsDropped).To(Equal(int64(1)))
	eventually(g, func(g Gomega) { g.Expect(events(g, ns, "gold")).To(HaveKeyWithValue("NotificationsDropped", 1)) }).Should(Succeed())

	// Submitted (to the merchant and the reviewers) needs two: with none failed, the two oldest.
	sec.Data["filing-letter.jpg"] = letter
	g.Expect(admin.Update(ctx, sec)).To(Succeed())
	app = waitPhase(g, ns, "gold", qualv1.PhaseUnderReview)
	g.Expect(seqs(app)).NotTo(ContainElements(int64(1), int64(2)))
	g.Expect(seqs(app)).To(ContainElements(int64(3), int64(101), int64(102)))
	g.Expect(app.Status.NotificationsDropped).To(Equal(int64(3)))
	eventually(g, func(g Gomega) { g.Expect(events(g, ns, "gold")).To(HaveKeyWithValue("NotificationsDropped", 2)) }).Should(Succeed())
	eventually(g, dropped).Should(Equal(start + 3))
}

// TestDeliveryErrorsMerchantsSee: a merchant's sink aimed at a port where nothing listens, and
// another at an address sinks may not reach, fail alike for the merchant ("delivery failed" in
// status and in the NotificationFailed warning): which of the two it was would tell a merchant
// which internal names exist and which of their ports listen. The manager's log has the detail;
// the reviewers' sink, which the platform chose, still delivers.
func TestDeliveryErrorsMerchantsSee(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ensurePolicies(t)
	ns := newNamespace(t, "shop-probe")
	sampleSecrets(t, ns)
	for name, address := range map[string]string{
		"acme-notify":  "http://127.0.0.1:1/hook", // nothing listens: "connection refused"
		"probe-notify": "http://10.255.255.1/",    // private: "address not allowed"
	} {
		sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
		_ = admin.Delete(ctx, sec)
		sec.StringData = map[string]string{"address": address}
		g.Expect(admin.Create(ctx, sec)).To(Succeed())
	}
	allowLocalSinks(t, ns) // loopback is dialed (and refused); 10.255.255.1 is still not allowed
	app := sampleApp(t, ns, "gold", nextAppID(), "gold")
	app.Spec.Notify = append(app.Spec.Notify, qualv1.NotifyTarget{SecretRef: qualv1.LocalObjectReference{Name: "probe-notify"}})
	g.Expect(admin.Create(ctx, app)).To(Succeed())

	merchantRecords := func(g Gomega, min int32) []qualv1.NotificationRecord {
		var out []qualv1.NotificationRecord
		for _, r := range getApp(g, ns, "gold").Status.Notifications {
			if r.Sink != controllers.ReviewerSink {
				g.Expect(r.Attempts).To(BeNumerically(">=", min), "%+v", r)
				out = append(out, r)
			}
		}
		g.Expect(out).To(HaveLen(2))
		return out
	}
	eventually(g, func(g Gomega) {
		for _, r := range merchantRecords(g, 1) {
			g.Expect(r.LastError).To(Equal("delivery failed"), "%s", r.Sink)
		}
	}).Should(Succeed())
	eventually(g, func() map[qualv1.NotificationEvent]int { return reviewers.eventsAbout(ns, "gold") }).
		Should(HaveKeyWithValue(qualv1.EventSubmitted, 1))

	for range 3 { // the test clock crosses each backoff, up to the warning
		clock.Step(10 * time.Minute)
		touch(t, app)
		time.Sleep(300 * time.Millisecond)
	}
	eventually(g, func(g Gomega) { merchantRecords(g, 3) }).Should(Succeed())
	var list corev1.EventList
	g.Expect(admin.List(ctx, &list, client.InNamespace(ns))).To(Succeed())
	var failed []string
	for _, e := range list.Items {
		if e.Reason == controllers.EventNotificationFailed {
			failed = append(failed, e.Message)
		}
	}
	g.Expect(failed).NotTo(BeEmpty())
	for _, m := range failed {
		g.Expect(m).To(ContainSubstring("(delivery failed)"))
		g.Expect(m).NotTo(Or(ContainSubstring("refused"), ContainSubstring("not allowed"), ContainSubstring("10.255")))
	}
}

// TestSinkAllowlistIsThePlatforms: --sink-allowed-cidrs (loopback here) lets the reviewers'
// sink through, and a merchant's only where the platform labelled the namespace: a merchant
// cannot aim its sink at an address the platform allowed for its own receivers. The label is
// read when sending, so labelling the namespace lets the next retry through.
func TestSinkAllowlistIsThePlatforms(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ensurePolicies(t)
	ns := newNamespace(t, "shop-unlabelled")
	sampleSecrets(t, ns)
	local := newSink(t, "local-token")
	g.Expect(admin.Delete(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "acme-notify"}})).To(Succeed())
	g.Expect(admin.Create(ctx, local.secret(ns, "acme-notify"))).To(Succeed())

	app := sampleApp(t, ns, "gold", nextAppID(), "gold")
	g.Expect(admin.Create(ctx, app)).To(Succeed())
	merchantRecord := func(g Gomega) qualv1.NotificationRecord {
		for _, r := range getApp(g, ns, "gold").Status.Notifications {
			if r.Sink == "secret/acme-notify" {
				return r
			}
		}
		g.Expect("no merchant record").To(BeEmpty())
		return qualv1.NotificationRecord{}
	}
	eventually(g, func(g Gomega) {
		r := merchantRecord(g)
		g.Expect(r.Attempts).To(BeNumerically(">=", 1))
		g.Expect(r.State).NotTo(Equal(qualv1.DeliveryDelivered))
		g.Expect(r.LastError).To(Equal("delivery failed"))
	}).Should(Succeed())
	eventually(g, func() map[qualv1.NotificationEvent]int { return reviewers.eventsAbout(ns, "gold") }).
		Should(HaveKeyWithValue(qualv1.EventSubmitted, 1), "the reviewers' sink is the platform's: the allowlist applies")
	g.Expect(local.events()).To(BeEmpty(), "nothing reached the loopback receiver")

	allowLocalSinks(t, ns)
	clock.Step(10 * time.Minute) // past the backoff
	touch(t, app)
	eventually(g, local.events).Should(Equal(map[qualv1.NotificationEvent]int{qualv1.EventSubmitted: 1}))
	eventually(g, func(g Gomega) { g.Expect(merchantRecord(g).State).To(Equal(qualv1.DeliveryDelivered)) }).Should(Succeed())
}
