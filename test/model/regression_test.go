package model_test

import (
	"strings"
	"testing"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// replay runs a sequence TestModel found, step by step, with every invariant checked after each
// step as there, and fails with every violation. creator creates the application first.
func replay(t *testing.T, creator actor, steps ...step) {
	t.Helper()
	s := newSeq(t, newStats())
	defer s.cleanup()
	if err := s.do(create{creator}); err != nil {
		t.Fatal(err)
	}
	for _, st := range steps {
		if !st.applicable(s) {
			t.Fatalf("step %v does not apply after step %d", st, s.n)
		}
		if err := s.do(st); err != nil {
			t.Fatal(err)
		}
	}
	if len(s.violations) > 0 {
		var lines []string
		for _, v := range s.violations {
			lines = append(lines, v.String())
		}
		t.Errorf("%d invariant(s) broken:\n%s", len(s.violations), strings.Join(lines, "\n"))
	}
}

// approve is rita's approval of what she read, as `kubectl category approve` with
// --generation and --materials-digest sends it.
func approve(who actor) decide {
	return decide{who: who, verdict: qualv1.VerdictApproved, archive: true}
}

func withdraw(who actor) decide {
	return decide{who: who, verdict: qualv1.VerdictWithdrawn, archive: true}
}

func reject(who actor) decide {
	return decide{who: who, verdict: qualv1.VerdictRejected, archive: true}
}

// Sequences TestModel found on 309262b (issue 22). Each fails there; the name says what.

// Item 3: carl may write the namespace (merchant role) and holds approve on jewelry; he did
// not create or edit the application, and his approval is accepted and listed.
func TestRegression_CoMerchantApproves(t *testing.T) {
	replay(t, mia, approve(carl))
}

// Item 1: approve, a new round, approve again; the withdrawal of the second approval is
// refused (the webhook's history clears the first approval's secretFiles, which the
// admission policy reads as history rewritten).
func TestRegression_SecondApprovalWithdrawn(t *testing.T) {
	replay(t, mia, approve(rita), edit{mia, editShopName}, approve(rita))
}

// Item 1, after reject → fix (a Secret file) → approve.
func TestRegression_ApprovalAfterRejectionWithdrawn(t *testing.T) {
	replay(t, mia, reject(rita), writeFile{carl, filingKey, 1}, approve(rita))
}

// I3: archiving a round clears the secretFiles of an older decided round in status.history.
func TestRegression_HistoryAppendOnly(t *testing.T) {
	replay(t, mia, approve(rita), withdraw(rita), edit{mia, editShopName})
}

// Item 2: deleted with --cascade=orphan, the listing stays Active with no application.
func TestRegression_OrphanedListingStaysActive(t *testing.T) {
	replay(t, mia, approve(rita), remove{carl, true})
}

// Item 2: a re-created application, approved again, adopts the orphaned listing.
func TestRegression_RecreatedApplicationAdoptsListing(t *testing.T) {
	replay(t, mia, approve(rita), remove{mia, true}, create{mia}, approve(rita))
}

// Item 5: an approval the operator has not seen yet when the merchant edits disappears: no
// listing (the webhooks removed, so that the steps go through while the manager is down).
func TestRegression_ApprovalRacingAnEdit(t *testing.T) {
	replay(t, mia, webhooks{false}, stop{}, approve(rita), edit{mia, editShopName}, start{})
}

// Item 8: a round that starts again for the same generation and digest (a file removed and
// put back) is notified once.
func TestRegression_SubmittedAgainAfterFileRestored(t *testing.T) {
	replay(t, mia, writeFile{gitops, filingKey, -1}, writeFile{gitops, filingKey, 0})
}

// Item 8: PolicyNoncompliant after tighten → relax → tighten is notified once.
func TestRegression_PolicyNoncompliantTwice(t *testing.T) {
	replay(t, mia, approve(rita), setPolicy{true}, setPolicy{false}, setPolicy{true})
}

// Without the webhook, a withdrawal that does not archive the approval it replaces is
// accepted, and the approval is gone from the record.
func TestRegression_WithdrawalWithoutArchive(t *testing.T) {
	replay(t, mia, webhooks{false}, approve(rita), decide{who: rita, verdict: qualv1.VerdictWithdrawn})
}

// Item 9a: without the webhook, the decidedAt a client sends becomes the listing's approvedAt.
func TestRegression_BackdatedApproval(t *testing.T) {
	replay(t, mia, webhooks{false}, decide{who: rita, verdict: qualv1.VerdictApproved, archive: true, backdate: true})
}

// Item 5 with a Secret file instead of the spec: a change of content starts a new round as an
// edit does, and the approval the operator had not seen yet disappears the same way.
func TestRegression_ApprovalRacingAFileChange(t *testing.T) {
	replay(t, mia, webhooks{false}, stop{}, approve(rita), writeFile{mia, filingKey, 1}, start{})
}
