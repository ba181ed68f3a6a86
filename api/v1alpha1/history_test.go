package v1alpha1

import (
	"reflect"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestHistoryIsAppendOnly: archiving puts one record at the front and never changes one
// already there; only the oldest beyond MaxHistory goes (D13).
func TestHistoryIsAppendOnly(t *testing.T) {
	at := metav1.NewTime(time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC))
	for _, n := range []int{0, 1, MaxHistory - 1, MaxHistory} {
		st := &CategoryApplicationStatus{SubmittedAt: &at, MaterialsDigest: "sha256:round",
			Decision: &Decision{Verdict: VerdictApproved, Generation: 9, Reviewer: "rae"}}
		for i := range n {
			st.History = append(st.History, ReviewRecord{Generation: int64(8 - i), MaterialsDigest: "sha256:older",
				Decision: &Decision{Verdict: VerdictApproved, Generation: int64(8 - i)}})
		}
		older := append([]ReviewRecord(nil), st.History...)
		approval := st.Decision
		st.ArchiveDecision(at)
		want := append([]ReviewRecord{{Generation: 9, SubmittedAt: &at, MaterialsDigest: "sha256:round", Decision: approval, ArchivedAt: &at}}, older...)
		if len(want) > MaxHistory {
			want = want[:MaxHistory]
		}
		if !reflect.DeepEqual(st.History, want) {
			t.Errorf("with %d records: history is %+v, want %+v", n, st.History, want)
		}
		if st.Decision != nil {
			t.Errorf("with %d records: the decision stayed in place", n)
		}
		if n > 0 && !reflect.DeepEqual(older[0], ReviewRecord{Generation: 8, MaterialsDigest: "sha256:older", Decision: &Decision{Verdict: VerdictApproved, Generation: 8}}) {
			t.Errorf("with %d records: the earlier slice was written to", n)
		}
	}
}
