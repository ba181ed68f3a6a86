package model_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"time"

	"k8s.io/apimachinery/pkg/types"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/decision"
)

// model is what the test knows must be true of one sequence's namespace, independently of what
// the operator says: who may do what, the content of the material files, and every decision
// the API server accepted.
type model struct {
	app    *incarnation      // the application as it exists now; nil when there is none
	files  map[string]string // key → content of the material Secret; absent: no such key
	tight  bool              // the jewelry policy is tightened
	gcDue  bool              // a deletion may have left work for the garbage collector
	nextID int               // numbers decisions, so each is found again in status
}

// incarnation is one application object (one UID): a re-created application starts over.
type incarnation struct {
	uid       types.UID
	decisions []*accepted
	// What the last quiet observation of this object saw (I3, I5).
	history   []qualv1.ReviewRecord
	observed  bool
	round     string // the open round's identity: generation, submittedAt, digest
	conds     map[string]string
	phase     qualv1.ApplicationPhase
	occurred  map[occurrence]int                   // events that happened, as observed (I5)
	undeliver map[string]qualv1.NotificationRecord // undelivered records seen (I5)
}

// occurrence is an event of one generation, told to one sink.
type occurrence struct {
	event qualv1.NotificationEvent
	gen   int64
	sink  string
}

// accepted is a decision the API server accepted.
type accepted struct {
	tag      string // its message: unique, so it can be found in status
	who      actor
	verdict  qualv1.Verdict
	gen      int64
	digest   string
	step     int
	at       time.Time // before it was sent
	counts   bool      // about the round as it really was: the operator must honour it
	rightful bool      // by someone who held approve on the group and could write neither the application nor its Secrets
}

func (a *accepted) String() string {
	return fmt.Sprintf("%s of generation %d by %s at step %d (%s)", decision.PastTense(a.verdict), a.gen, a.who, a.step, a.tag)
}

// Who holds what, as the roles bound in cluster_test.go grant it.
func mayWriteStatus(a actor) bool { return a == rita || a == carl || a == oscar }
func mayApprove(a actor, g string) bool {
	return (a == rita || a == carl) && g == "jewelry" || a == oscar && g == "alcohol"
}
func writesNamespace(a actor) bool { return a == mia || a == carl || a == gitops }

// expectAccepted is whether the API server must accept d written by a on the object it read
// (the write carries that object's resourceVersion, so the server judges exactly that object):
// the rules of internal/decision (Allowed and Who, the one source of rules) and the rule of
// issue 22 item 3, that nobody who may write the application or its Secrets decides it. why
// says what refuses it.
func expectAccepted(a actor, read *qualv1.CategoryApplication, d qualv1.Decision) (ok bool, why string) {
	switch {
	case !mayWriteStatus(a):
		return false, "RBAC: no patch on categoryapplications/status"
	case d.Generation < 1:
		return false, "schema: decision.generation must be at least 1"
	}
	if r := decision.Allowed(read, d); r != nil {
		return false, "decision.Allowed: " + r.Message
	}
	if r := decision.Who(read, d.Verdict, string(a)); r != nil {
		return false, "decision.Who: " + r.Message
	}
	if !mayApprove(a, read.Spec.Category.Group) {
		return false, "no approve on categorypolicies/" + read.Spec.Category.Group
	}
	// A withdrawal only takes rights away: a writer who reviews the group may withdraw (D16).
	if writesNamespace(a) && d.Verdict != qualv1.VerdictWithdrawn {
		return false, "may write the application and its Secrets (issue 22 item 3, D16)"
	}
	return true, ""
}

// rightful: the decider held approve on the group and could write neither the application
// nor its Secrets, and did not create or edit it (I1).
func rightful(a actor, read *qualv1.CategoryApplication) bool {
	return mayWriteStatus(a) && mayApprove(a, read.Spec.Category.Group) && !writesNamespace(a) && decision.Who(read, qualv1.VerdictApproved, string(a)) == nil
}

// digest is the materials digest of app's Secret files as they really are in the model: a
// sha256 over the sorted (Secret, key, sha256 of the value or "missing") of every referenced
// key, as the operator computes it (controllers/categoryapplication_materials.go).
func (m *model) digest(app *qualv1.CategoryApplication) string {
	type ref struct{ name, key string }
	seen := map[ref]bool{}
	var refs []ref
	for _, mat := range app.Spec.Materials {
		for _, files := range [][]qualv1.FileRef{mat.Files, mat.Recordings} {
			for _, f := range files {
				if r := f.SecretKeyRef; r != nil && !seen[ref{r.Name, r.Key}] {
					seen[ref{r.Name, r.Key}] = true
					refs = append(refs, ref{r.Name, r.Key})
				}
			}
		}
	}
	sort.Slice(refs, func(i, j int) bool {
		if refs[i].name != refs[j].name {
			return refs[i].name < refs[j].name
		}
		return refs[i].key < refs[j].key
	})
	h := sha256.New()
	for _, r := range refs {
		sum := "missing"
		if v, ok := m.files[r.key]; ok && r.name == materials {
			s := sha256.Sum256([]byte(v))
			sum = "sha256:" + hex.EncodeToString(s[:])
		}
		fmt.Fprintf(h, "%s\x00%s\x00%s\n", r.name, r.key, sum)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// latest is the last decision that counts: approvals and rejections about the round as it
// really was, and every withdrawal (it only takes rights away).
func (inc *incarnation) latest() *accepted {
	for i := len(inc.decisions) - 1; i >= 0; i-- {
		if d := inc.decisions[i]; d.counts {
			return d
		}
	}
	return nil
}
