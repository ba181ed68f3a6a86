package v1alpha1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// MaxHistory is how many rounds status.history keeps (the CRD allows 50). The admission
// policy application-status has a copy (variables.maxHistory).
const MaxHistory = 30

// PushHistory puts a closed round at the front of status.history and drops the oldest beyond
// MaxHistory. It never changes a record already there: history is append-only, and the
// admission policy application-status refuses a reviewer's write that rewrites it. The
// operator and the status webhook both archive through it.
func (st *CategoryApplicationStatus) PushHistory(rec ReviewRecord) {
	h := make([]ReviewRecord, 0, min(len(st.History)+1, MaxHistory))
	h = append(h, rec)
	st.History = append(h, st.History[:min(len(st.History), MaxHistory-1)]...)
}

// ArchiveDecision moves status.decision to the front of history, with the round it was made
// in, archived at the given time: what a reviewer's decision that replaces another does (a
// withdrawal replaces the approval), so every decision stays on record (D13, D29). The status
// webhook writes exactly this, and the admission policy application-status accepts exactly
// this from anyone but the operator.
func (st *CategoryApplicationStatus) ArchiveDecision(at metav1.Time) {
	d := st.Decision
	st.PushHistory(ReviewRecord{Generation: d.Generation, SubmittedAt: st.SubmittedAt, ReviewDeadline: st.ReviewDeadline,
		MaterialsDigest: st.MaterialsDigest, Decision: d, ArchivedAt: &at})
	st.Decision = nil
}
