package model_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/controllers"
)

// grace is how long a violated invariant of the operator's state (I0, I1, I2, I6) is given to
// heal before it counts: quiet is judged from outside, and an operator that converges a
// little later than the test's quiet window is not wrong.
const grace = 3 * time.Second

// clockSlack allows for times stored to the second: the API server, the operator and the test
// share this machine's clock.
const clockSlack = 2 * time.Second

// tb is what a sequence needs of rapid's T or testing's T.
type tb interface {
	Helper()
	Logf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// seq is one sequence: its namespace, the model, and what went wrong.
type seq struct {
	t          tb
	ctx        context.Context
	h          *harness
	ns, appID  string
	m          *model
	n          int // steps done
	transcript []string
	violations []violation
	stats      *stats
	reacts     bool    // the step changed something the operator watches
	before     float64 // reconciles before the step
	began      time.Time
}

// violation is an invariant found broken. kind names it briefly, for counting distinct ones.
type violation struct {
	inv, kind, msg string
}

func (v violation) String() string { return v.inv + " (" + v.kind + "): " + v.msg }

func (s *seq) violate(inv, kind, format string, args ...any) {
	v := violation{inv: inv, kind: kind, msg: fmt.Sprintf(format, args...)}
	if tolerated(v) {
		s.stats.tolerate(v)
		s.logf("    tolerated: %s", v)
		return
	}
	s.violations = append(s.violations, v)
	s.logf("    VIOLATION %s", v)
}

// tolerated: MODEL_TOLERATE lists violations, comma-separated ("I4 (accepted against the
// rules)" or a part of it, such as "I2"), that are logged and counted but do not fail a
// sequence, so a long run can look past known ones (while their fixes are pending) for others.
func tolerated(v violation) bool {
	for _, t := range strings.Split(os.Getenv("MODEL_TOLERATE"), ",") {
		if t = strings.TrimSpace(t); t != "" && strings.Contains(v.inv+" ("+v.kind+")", t) {
			return true
		}
	}
	return false
}

func (s *seq) logf(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	s.transcript = append(s.transcript, line)
	s.t.Logf("%s", line)
}

// do runs one step and checks the invariants afterwards.
func (s *seq) do(st step) error {
	s.n++
	s.stats.steps.Add(1)
	s.reacts, s.before, s.began = false, reconciles(), time.Now()
	out, err := st.run(s)
	if err != nil {
		return fmt.Errorf("step %d %v: %w", s.n, st, err)
	}
	s.logf("step %d: %v → %s", s.n, st, out)
	began := time.Now()
	err = s.check()
	if debug {
		fmt.Fprintf(os.Stderr, "%s step %d %v: run %s, check %s\n", s.ns, s.n, st, began.Sub(s.began).Round(time.Millisecond), time.Since(began).Round(time.Millisecond))
	}
	return err
}

// changed says the step changed something the operator watches: it will reconcile.
func (s *seq) changed() { s.reacts = true }

// waitQuiet waits for the operator's reaction to the step, if one is due, and for quiet.
func (s *seq) waitQuiet() error {
	after := -1.0 // no reaction due: nothing to wait for
	if s.reacts {
		after = s.before
		s.reacts = false
	}
	return s.h.waitQuiet(s.ctx, s.ns, after)
}

// observation is the namespace as the API server holds it.
type observation struct {
	app      *qualv1.CategoryApplication // nil: none
	listings []qualv1.ShowcaseListing
}

func (s *seq) observe() (*observation, error) {
	o := &observation{}
	app := &qualv1.CategoryApplication{}
	err := s.h.admin.Get(s.ctx, client.ObjectKey{Namespace: s.ns, Name: appName}, app)
	switch {
	case err == nil:
		o.app = app
	case !apierrors.IsNotFound(err):
		return nil, err
	}
	var ls qualv1.ShowcaseListingList
	if err := s.h.admin.List(s.ctx, &ls, client.InNamespace(s.ns)); err != nil {
		return nil, err
	}
	o.listings = ls.Items
	return o, nil
}

// syncApp follows the application object: gone, the model's incarnation ends.
func (s *seq) syncApp(o *observation) {
	switch {
	case o.app == nil:
		s.m.app = nil
	case s.m.app == nil || s.m.app.uid != o.app.UID:
		s.logf("    (an application the model did not create: uid %s)", o.app.UID)
		s.m.app = &incarnation{uid: o.app.UID}
	}
}

// check runs the invariants once the operator is quiet. While the manager is stopped only
// I4 holds (it is checked on every write); the rest waits for it to run again.
func (s *seq) check() error {
	if !s.h.running() {
		o, err := s.observe()
		if err != nil {
			return err
		}
		s.syncApp(o)
		return nil
	}
	if s.m.gcDue {
		s.collectGarbage()
	}
	if err := s.waitQuiet(); err != nil {
		s.violate("I6", "never quiet", "%v", err)
		return nil
	}
	var o *observation
	var found []violation
	deadline := time.Now().Add(grace)
	for {
		var err error
		if o, err = s.observe(); err != nil {
			return err
		}
		s.syncApp(o)
		found = s.checkState(o)
		if len(found) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
		if err := s.waitQuiet(); err != nil {
			s.violate("I6", "never quiet", "%v", err)
			return nil
		}
	}
	for _, inv := range []string{"I0", "I1", "I2", "I6"} {
		if inv != "I2" || o.app != nil && slices.ContainsFunc(o.listings, func(l qualv1.ShowcaseListing) bool { return l.Status.State == qualv1.ListingActive }) {
			s.stats.count(inv)
		}
	}
	for _, v := range found {
		s.violate(v.inv, v.kind, "%s", v.msg)
	}
	s.checkHistory(o)
	s.checkLedger(o)
	return nil
}

// checkState checks what must hold of the operator's state now: I0 (the model and the
// operator agree on the materials), I1, I2 and I6. It reports without recording, so a caller
// may look again.
func (s *seq) checkState(o *observation) []violation {
	var out []violation
	add := func(inv, kind, format string, args ...any) {
		out = append(out, violation{inv, kind, fmt.Sprintf(format, args...)})
	}
	app, inc := o.app, s.m.app
	if app != nil && app.DeletionTimestamp == nil && app.Status.MaterialsDigest != "" {
		if want := s.m.digest(app); app.Status.MaterialsDigest != want {
			add("I0", "materials digest", "status.materialsDigest is %s, the files now have %s", app.Status.MaterialsDigest, want)
		}
	}

	// I1: an Active listing stands on the latest decision that counts, a rightful approval of
	// the generation it names; and such an approval has its Active listing.
	var latest *accepted
	if inc != nil {
		latest = inc.latest()
	}
	for _, l := range o.listings {
		if l.Status.State != qualv1.ListingActive {
			continue
		}
		switch {
		case app == nil:
			add("I1", "Active without application", "listing %s is Active but application %s does not exist", l.Name, l.Spec.ApplicationRef.Name)
		case latest == nil:
			add("I1", "Active without approval", "listing %s is Active but no decision of application %s (uid %s) counts", l.Name, app.Name, app.UID)
		case latest.verdict != qualv1.VerdictApproved:
			add("I1", "Active after "+string(latest.verdict), "listing %s is Active but the latest decision is the %v", l.Name, latest)
		case !latest.rightful:
			add("I1", "Active on a wrongful approval", "listing %s is Active on the %v, who may write the application or its Secrets, or lacks approve", l.Name, latest)
		case l.Spec.ApprovedGeneration != latest.gen:
			add("I1", "Active on another generation", "listing %s is Active for generation %d but the latest decision is the %v", l.Name, l.Spec.ApprovedGeneration, latest)
		case l.Spec.ApprovedAt.Before(&metav1.Time{Time: latest.at.Add(-clockSlack)}) || l.Spec.ApprovedAt.After(time.Now().Add(clockSlack)):
			// Item 9a: the times the operator records come from its own clock, not the client's.
			add("I1", "approvedAt not the operator's", "listing %s says approved at %s, but the %v was accepted at %s",
				l.Name, l.Spec.ApprovedAt.UTC().Format(time.RFC3339), latest, latest.at.UTC().Format(time.RFC3339))
		}
	}
	if app != nil && app.DeletionTimestamp == nil && latest != nil && latest.verdict == qualv1.VerdictApproved && latest.rightful {
		var mine *qualv1.ShowcaseListing
		for i := range o.listings {
			if metav1.IsControlledBy(&o.listings[i], app) {
				mine = &o.listings[i]
			}
		}
		switch {
		case mine == nil:
			add("I1", "approval without listing", "the %v counts, but application %s owns no listing", latest, app.Name)
		case mine.Status.State != qualv1.ListingActive:
			add("I1", "approval without listing", "the %v counts, but listing %s is %s (%s)", latest, mine.Name, mine.Status.State, mine.Status.Reason)
		}
	}

	// I2: while a listing is Active, an authorized reviewer (rita) can withdraw the approval it
	// stands on. Tried as a dry run, so nothing changes.
	for _, l := range o.listings {
		if l.Status.State != qualv1.ListingActive || app == nil {
			continue
		}
		if err := s.tryWithdrawal(); err != nil {
			add("I2", "withdrawal refused", "listing %s is Active but rita's withdrawal is refused: %s", l.Name, firstLine(err.Error()))
		}
	}

	// I6: the operator can always write status.
	for _, err := range reconcileErrors.refusals(s.ns) {
		add("I6", "operator write refused", "%s", firstLine(err.Error()))
	}
	if app != nil {
		if c := meta.FindStatusCondition(app.Status.Conditions, qualv1.ConditionStalled); c != nil && c.Status == metav1.ConditionTrue && c.Reason == qualv1.ReasonRequestRefused {
			add("I6", "stalled on a refused write", "%s", c.Message)
		}
	}
	return out
}

// tryWithdrawal dry-runs rita's withdrawal of the current generation, as a careful client
// does without the webhook (the replaced approval archived).
func (s *seq) tryWithdrawal() error {
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		read := &qualv1.CategoryApplication{}
		if err := s.h.clients[rita].Get(s.ctx, client.ObjectKey{Namespace: s.ns, Name: appName}, read); err != nil {
			return err
		}
		d := qualv1.Decision{Verdict: qualv1.VerdictWithdrawn, Reason: "ModelCheck", Message: "I2 probe",
			Generation: read.Generation, Reviewer: string(rita)}
		return s.writeDecision(rita, read, d, true, true)
	})
}

// checkHistory checks I3: history only grows at the front (the oldest may drop beyond
// MaxHistory), and every accepted decision is in it, or is the current decision, exactly once.
func (s *seq) checkHistory(o *observation) {
	inc, app := s.m.app, o.app
	if inc == nil || app == nil {
		return
	}
	s.stats.count("I3")
	if inc.observed && !extends(app.Status.History, inc.history) {
		s.violate("I3", "history rewritten", "status.history is not the previous one with records added at the front:\nbefore: %s\nnow:    %s",
			describeHistory(inc.history), describeHistory(app.Status.History))
	}
	full := len(app.Status.History) >= qualv1.MaxHistory
	for _, d := range inc.decisions {
		n := 0
		if cur := app.Status.Decision; cur != nil && cur.Message == d.tag {
			n++
		}
		for _, r := range app.Status.History {
			if r.Decision != nil && r.Decision.Message == d.tag {
				n++
			}
		}
		switch {
		case n > 1:
			s.violate("I3", "decision recorded twice", "the %v is in status %d times", d, n)
		case n == 0 && !full:
			s.violate("I3", "decision lost", "the %v is neither status.decision nor in status.history", d)
		}
	}
	inc.history, inc.observed = app.Status.History, true
}

// extends: now is before with records put at the front, possibly cut to MaxHistory.
func extends(now, before []qualv1.ReviewRecord) bool {
	for k := 0; k <= len(now); k++ {
		rest := now[k:]
		if len(rest) > len(before) || len(rest) < len(before) && len(now) < qualv1.MaxHistory {
			continue
		}
		if apiequality.Semantic.DeepEqual(rest, before[:len(rest)]) || len(rest) == 0 && len(before) == 0 {
			return true
		}
	}
	return false
}

func describeHistory(h []qualv1.ReviewRecord) string {
	var parts []string
	for _, r := range h {
		d := "-"
		if r.Decision != nil {
			d = string(r.Decision.Verdict)
		}
		parts = append(parts, fmt.Sprintf("{gen %d %s %s}", r.Generation, d, r.MaterialsDigest))
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// Sinks of the ledger.
var (
	merchantSink  = "secret/" + notifySecret
	reviewersSink = controllers.ReviewerSink
)

// checkLedger checks I5: every event that occurred (as seen from one quiet state to the next)
// has its own record in status.notifications, and no undelivered record goes missing.
func (s *seq) checkLedger(o *observation) {
	inc, app := s.m.app, o.app
	if inc == nil || app == nil {
		return
	}
	s.stats.count("I5")
	if inc.occurred == nil {
		inc.occurred, inc.undeliver, inc.conds = map[occurrence]int{}, map[string]qualv1.NotificationRecord{}, map[string]string{}
	}
	st := &app.Status
	gen := app.Generation
	cond := func(t string) string {
		if c := meta.FindStatusCondition(st.Conditions, t); c != nil {
			return string(c.Status) + "/" + c.Reason
		}
		return ""
	}
	became := func(t string, status metav1.ConditionStatus) bool {
		now := cond(t)
		return strings.HasPrefix(now, string(status)+"/") && !strings.HasPrefix(inc.conds[t], string(status)+"/")
	}
	happened := func(e qualv1.NotificationEvent, sinks ...string) {
		for _, sink := range sinks {
			inc.occurred[occurrence{e, gen, sink}]++
		}
	}
	if became(qualv1.ConditionRequirementsMet, metav1.ConditionFalse) && st.Phase != qualv1.PhaseApproved {
		happened(qualv1.EventRequirementsNotMet, merchantSink)
	}
	if became(qualv1.ConditionPolicyCompliant, metav1.ConditionFalse) {
		happened(qualv1.EventPolicyNoncompliant, merchantSink, reviewersSink)
	}
	round := ""
	if st.SubmittedAt != nil && st.SubmittedGeneration == gen {
		round = fmt.Sprintf("%d %s %s", gen, st.SubmittedAt.UTC().Format(time.RFC3339), st.MaterialsDigest)
		if round != inc.round {
			happened(qualv1.EventSubmitted, merchantSink, reviewersSink)
		}
	}
	if became(qualv1.ConditionApproved, metav1.ConditionTrue) {
		happened(qualv1.EventApproved, merchantSink)
	}
	if became(qualv1.ConditionRejected, metav1.ConditionTrue) {
		happened(qualv1.EventRejected, merchantSink)
	}
	if st.Phase == qualv1.PhaseWithdrawn && inc.phase != qualv1.PhaseWithdrawn {
		happened(qualv1.EventWithdrawn, merchantSink)
	}
	if became(qualv1.ConditionListed, metav1.ConditionTrue) {
		happened(qualv1.EventListed, merchantSink)
	}
	if became(qualv1.ConditionListed, metav1.ConditionFalse) && strings.HasPrefix(inc.conds[qualv1.ConditionListed], "True/") &&
		cond(qualv1.ConditionListed) == "False/"+qualv1.ReasonListingSuspended {
		happened(qualv1.EventListingSuspended, merchantSink)
	}
	inc.round, inc.phase = round, st.Phase
	for _, t := range []string{qualv1.ConditionRequirementsMet, qualv1.ConditionPolicyCompliant, qualv1.ConditionApproved,
		qualv1.ConditionRejected, qualv1.ConditionListed} {
		inc.conds[t] = cond(t)
	}

	// Records are trimmed beyond the ledger's bound: count only below it.
	if len(st.Notifications) < controllers.MaxNotificationRecords-10 {
		for occ, n := range inc.occurred {
			got := 0
			for _, r := range st.Notifications {
				if r.Event == occ.event && r.Generation == occ.gen && r.Sink == occ.sink {
					got++
				}
			}
			if got < n {
				s.violate("I5", "occurrence not recorded", "%s of generation %d happened %d times, but status.notifications has %d record(s) of it for %s",
					occ.event, occ.gen, n, got, occ.sink)
				inc.occurred[occ] = got // reported once
			}
		}
	}
	key := func(r qualv1.NotificationRecord) string {
		return fmt.Sprintf("%s/%d/%s/%s/%v", r.Event, r.Generation, r.Sink, r.MaterialsDigest, r.CreatedAt)
	}
	present := map[string]bool{}
	for _, r := range st.Notifications {
		present[key(r)] = true
	}
	for k, r := range inc.undeliver {
		if !present[k] {
			s.violate("I5", "undelivered record lost", "the %s record of %s (generation %d) was dropped while %s", r.Sink, r.Event, r.Generation, r.State)
		}
	}
	inc.undeliver = map[string]qualv1.NotificationRecord{}
	for _, r := range st.Notifications {
		if r.State != qualv1.DeliveryDelivered {
			inc.undeliver[key(r)] = r
		}
	}
}
