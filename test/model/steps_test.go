package model_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/decision"
	"github.com/channelshop/category-operator/internal/filekind"
)

// step is one thing an actor does. Steps are values, so a sequence rapid found can be written
// down as a regression test and replayed.
type step interface {
	fmt.Stringer
	// applicable says whether the step makes sense in the sequence's state (a create needs
	// no application, a restart a running manager).
	applicable(s *seq) bool
	// run does it and says what happened; an error is the test's own failure, not a refusal.
	run(s *seq) (string, error)
}

func outcome(err error) string {
	if err == nil {
		return "accepted"
	}
	return "refused: " + firstLine(err.Error())
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

// create: an actor applies the sample application (again, after a deletion).
type create struct{ who actor }

func (c create) String() string { return fmt.Sprintf("create{%s}", c.who) }

func (c create) applicable(s *seq) bool { return s.m.app == nil }

func (c create) run(s *seq) (string, error) {
	app := s.h.template.DeepCopy()
	app.Namespace, app.Name = s.ns, appName
	app.Spec.Merchant.AppID = s.appID
	err := s.h.clients[c.who].Create(s.ctx, app)
	if err == nil {
		s.m.app = &incarnation{uid: app.UID}
		s.changed()
	}
	return outcome(err), nil
}

// Spec edits. Each changes the spec, so the generation and round change.
type editKind int

const (
	editShopName   editKind = iota // a valid edit
	editExtraFile                  // reference extra.jpg in the store proof, or stop referencing it
	editStoreProof                 // drop the store proof material (jewelry requires it), or put it back
)

var shopNames = []string{"Acme Jewelry Flagship", "Acme Gold Flagship", "Acme Flagship Store"}

type edit struct {
	who  actor
	kind editKind
}

func (e edit) String() string {
	return fmt.Sprintf("edit{%s, %s}", e.who, [...]string{"editShopName", "editExtraFile", "editStoreProof"}[e.kind])
}

func (e edit) applicable(s *seq) bool { return s.m.app != nil }

func (e edit) run(s *seq) (string, error) {
	c := s.h.clients[e.who]
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		app := &qualv1.CategoryApplication{}
		if err := c.Get(s.ctx, client.ObjectKey{Namespace: s.ns, Name: appName}, app); err != nil {
			return err
		}
		e.apply(s, app)
		return c.Update(s.ctx, app)
	})
	if err == nil {
		s.changed()
	}
	return outcome(err), nil
}

func (e edit) apply(s *seq, app *qualv1.CategoryApplication) {
	switch e.kind {
	case editShopName:
		i := slices.Index(shopNames, app.Spec.Merchant.ShopName)
		app.Spec.Merchant.ShopName = shopNames[(i+1)%len(shopNames)]
	case editExtraFile:
		i := slices.IndexFunc(app.Spec.Materials, func(m qualv1.Material) bool { return m.Type == qualv1.MaterialStoreProof })
		if i < 0 {
			i = 0
		}
		m := &app.Spec.Materials[i]
		extra := func(f qualv1.FileRef) bool { return f.SecretKeyRef != nil && f.SecretKeyRef.Key == extraKey }
		if slices.ContainsFunc(m.Files, extra) {
			m.Files = slices.DeleteFunc(m.Files, extra)
		} else {
			m.Files = append(m.Files, qualv1.FileRef{SecretKeyRef: &qualv1.SecretKeyReference{Name: materials, Key: extraKey}})
		}
	case editStoreProof:
		store := func(m qualv1.Material) bool { return m.Type == qualv1.MaterialStoreProof }
		if slices.ContainsFunc(app.Spec.Materials, store) {
			app.Spec.Materials = slices.DeleteFunc(app.Spec.Materials, store)
		} else {
			i := slices.IndexFunc(s.h.template.Spec.Materials, store)
			app.Spec.Materials = append(app.Spec.Materials, *s.h.template.Spec.Materials[i].DeepCopy())
		}
	}
}

// writeFile: an actor replaces, adds (content >= 0) or removes (content < 0) a file of the
// material Secret.
type writeFile struct {
	who     actor
	key     string
	content int
}

func (w writeFile) String() string {
	return fmt.Sprintf("writeFile{%s, %q, %d}", w.who, w.key, w.content)
}

func (w writeFile) value(s *seq) (string, bool) {
	if w.content < 0 {
		return "", false
	}
	if w.content == 0 { // the sample's own content
		return string(s.h.files[w.key]), true
	}
	// A photo of its kind (D33): the keys written are documents (filing-letter.jpg, extra.jpg).
	return string(filekind.JPEG(fmt.Sprintf("%s, version %d", w.key, w.content))), true
}

func (w writeFile) applicable(s *seq) bool {
	v, ok := w.value(s)
	cur, has := s.m.files[w.key]
	return ok != has || ok && v != cur
}

func (w writeFile) run(s *seq) (string, error) {
	c := s.h.clients[w.who]
	v, ok := w.value(s)
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		sec := &corev1.Secret{}
		if err := c.Get(s.ctx, client.ObjectKey{Namespace: s.ns, Name: materials}, sec); err != nil {
			return err
		}
		if ok {
			if sec.Data == nil {
				sec.Data = map[string][]byte{}
			}
			sec.Data[w.key] = []byte(v)
		} else {
			delete(sec.Data, w.key)
		}
		return c.Update(s.ctx, sec)
	})
	if err == nil {
		s.changed()
		if ok {
			s.m.files[w.key] = v
		} else {
			delete(s.m.files, w.key)
		}
	}
	return outcome(err), nil
}

// How a decision names the generation and the materials digest.
type genChoice int

const (
	genCurrent genChoice = iota // what the decider read
	genStale                    // one less
	genNext                     // one more
	genMissing                  // none (0)
)

type digestChoice int

const (
	digestRead    digestChoice = iota // status.materialsDigest as read
	digestMissing                     // none
	digestStale                       // another round's
)

// decide: an actor writes status.decision. Through the plugin's code (internal/decision.Write,
// which checks Allowed first and leaves reviewer to the webhook) or as a raw merge patch, as a
// hostile client would, carrying the resourceVersion read, so the API server judges the very
// object the decider read (I4). forge sends someone else's name as reviewer, backdate a
// decidedAt of its own (both the webhook overwrites); archive makes a withdrawal put the
// approval it replaces at the front of history, as the webhook does and a careful client must
// without it.
type decide struct {
	who      actor
	verdict  qualv1.Verdict
	gen      genChoice
	digest   digestChoice
	plugin   bool
	forge    bool
	archive  bool
	backdate bool
}

func (d decide) String() string {
	return fmt.Sprintf("decide{%s, %s, %s, %s, plugin=%t, forge=%t, archive=%t, backdate=%t}", d.who, d.verdict,
		[...]string{"genCurrent", "genStale", "genNext", "genMissing"}[d.gen],
		[...]string{"digestRead", "digestMissing", "digestStale"}[d.digest], d.plugin, d.forge, d.archive, d.backdate)
}

// backdated is the decidedAt a backdating client sends.
var backdated = metav1.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)

func (d decide) applicable(s *seq) bool {
	return s.m.app != nil && (!d.plugin || s.h.webhooks && s.h.running() && !d.forge && !d.backdate)
}

// decision builds what the decider sends, from what it read.
func (d decide) decision(s *seq, read *qualv1.CategoryApplication, tag string) qualv1.Decision {
	out := qualv1.Decision{Verdict: d.verdict, Message: tag, Reviewer: string(d.who)}
	if d.verdict != qualv1.VerdictApproved {
		out.Reason = reasonOf(d.verdict)
	}
	if d.backdate {
		out.DecidedAt = &backdated
	}
	if d.forge {
		out.Reviewer = string(rita)
		if d.who == rita {
			out.Reviewer = string(carl)
		}
	}
	switch d.gen {
	case genCurrent:
		out.Generation = read.Generation
	case genStale:
		out.Generation = read.Generation - 1
	case genNext:
		out.Generation = read.Generation + 1
	}
	switch d.digest {
	case digestRead:
		out.MaterialsDigest = read.Status.MaterialsDigest
	case digestStale:
		out.MaterialsDigest = s.staleDigest(read)
	}
	return out
}

func (d decide) run(s *seq) (string, error) {
	s.m.nextID++
	tag := fmt.Sprintf("model %s step %d decision %d", s.ns, s.n, s.m.nextID)
	if d.plugin {
		return d.runPlugin(s, tag)
	}
	var read *qualv1.CategoryApplication
	var sent qualv1.Decision
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		read = &qualv1.CategoryApplication{}
		if err := s.h.clients[d.who].Get(s.ctx, client.ObjectKey{Namespace: s.ns, Name: appName}, read); err != nil {
			return err
		}
		sent = d.decision(s, read, tag)
		return s.writeDecision(d.who, read, sent, d.archive, false)
	})
	if apierrors.IsNotFound(err) {
		return "nothing to decide: " + firstLine(err.Error()), nil
	}
	if apierrors.IsConflict(err) {
		return "gave up after conflicts: " + firstLine(err.Error()), nil
	}
	s.judge(d.who, read, sent, err, d.forge, read.Status.Decision != nil && !d.archive)
	return outcome(err), nil
}

// runPlugin decides as `kubectl category` does. The object it read is read again just before
// the write (BeforeWrite): a change in between makes the write conflict and start over, so the
// last read is the object the server judged.
func (d decide) runPlugin(s *seq, tag string) (string, error) {
	var read *qualv1.CategoryApplication
	req := decision.Request{Key: client.ObjectKey{Namespace: s.ns, Name: appName}, Verdict: d.verdict, Message: tag,
		BeforeWrite: func(ctx context.Context) error {
			read = &qualv1.CategoryApplication{}
			return s.h.clients[d.who].Get(ctx, client.ObjectKey{Namespace: s.ns, Name: appName}, read)
		}}
	if d.verdict != qualv1.VerdictApproved {
		req.Reason = reasonOf(d.verdict)
	}
	// The plugin's flags: a generation (0: the one read) and a digest (only with a generation);
	// an approval always names both, as describe printed them (issue 22 item 4).
	if d.verdict == qualv1.VerdictApproved || d.gen != genCurrent || d.digest != digestRead {
		cur := &qualv1.CategoryApplication{}
		if err := s.h.clients[d.who].Get(s.ctx, req.Key, cur); err != nil {
			return "nothing to decide: " + firstLine(err.Error()), nil
		}
		sent := d.decision(s, cur, tag)
		req.Generation, req.MaterialsDigest = sent.Generation, sent.MaterialsDigest
	}
	last, seen, err := decision.Write(s.ctx, s.h.clients[d.who], req)
	var local *decision.Refusal
	if errors.As(err, &local) || read == nil {
		read = last // refused before anything was sent: judged on what the plugin read
	}
	if read == nil || read.UID == "" {
		return "nothing to decide: " + outcome(err), nil
	}
	if apierrors.IsConflict(err) {
		return "gave up after conflicts: " + firstLine(err.Error()), nil
	}
	sent := qualv1.Decision{Verdict: d.verdict, Reason: req.Reason, Message: tag, Generation: seen, MaterialsDigest: req.MaterialsDigest}
	if req.Generation == 0 && req.MaterialsDigest == "" {
		sent.MaterialsDigest = read.Status.MaterialsDigest
	}
	// The plugin leaves reviewer to the webhook, which stamps it: as if it sent its own name.
	sent.Reviewer = string(d.who)
	s.judge(d.who, read, sent, err, false, false)
	return outcome(err), nil
}

// writeDecision sends d as a merge patch guarded by read's resourceVersion.
func (s *seq) writeDecision(who actor, read *qualv1.CategoryApplication, d qualv1.Decision, archive, dryRun bool) error {
	orNull := func(v string) any {
		if v == "" {
			return nil
		}
		return v
	}
	status := map[string]any{"decision": map[string]any{
		"verdict": d.Verdict, "reason": orNull(d.Reason), "message": orNull(d.Message), "generation": d.Generation,
		"materialsDigest": orNull(d.MaterialsDigest), "reviewer": orNull(d.Reviewer), "decidedAt": d.DecidedAt,
	}}
	// Without the webhook a client archives the decision it replaces itself, as the webhook
	// would (D13): the policy accepts exactly that.
	if archive && read.Status.Decision != nil {
		st := read.Status.DeepCopy()
		st.ArchiveDecision(metav1.Now())
		status["history"] = st.History
	}
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{"resourceVersion": read.ResourceVersion}, "status": status})
	if err != nil {
		return err
	}
	var opts []client.SubResourcePatchOption
	if dryRun {
		opts = append(opts, client.DryRunAll)
	}
	return s.h.clients[who].Status().Patch(s.ctx, read.DeepCopy(), client.RawPatch(types.MergePatchType, patch), opts...)
}

// judge compares the server's answer with the model's (I4) and records an accepted decision.
func (s *seq) judge(who actor, read *qualv1.CategoryApplication, sent qualv1.Decision, err error, forged, unarchived bool) {
	want, why := s.expect(who, read, sent, forged, unarchived)
	s.stats.count("I4")
	got := err == nil
	switch {
	case got && !want:
		s.violate("I4", "accepted against the rules", "the API server accepted %s's %s of generation %d (digest %q) that must be refused: %s",
			who, sent.Verdict, sent.Generation, sent.MaterialsDigest, why)
	case !got && want:
		s.violate("I4", "refused within the rules", "the API server refused %s's %s of generation %d (digest %q) that the rules allow: %s",
			who, sent.Verdict, sent.Generation, sent.MaterialsDigest, firstLine(err.Error()))
	}
	if !got {
		return
	}
	s.changed()
	inc := s.m.app
	if inc == nil || inc.uid != read.UID {
		return
	}
	a := &accepted{tag: sent.Message, who: who, verdict: sent.Verdict, gen: sent.Generation, digest: sent.MaterialsDigest,
		step: s.n, rightful: rightful(who, read), at: s.began}
	// It counts if it is about the round as it really is: the generation read, and the files'
	// content as the reviewer saw it (while the manager is down, status may lag behind them).
	a.counts = sent.Verdict == qualv1.VerdictWithdrawn ||
		sent.Generation == read.Generation && read.Status.MaterialsDigest == s.m.digest(read)
	inc.decisions = append(inc.decisions, a)
	// D16: the recorded reviewer is the authenticated user.
	stored := &qualv1.CategoryApplication{}
	if err := s.h.admin.Get(s.ctx, client.ObjectKeyFromObject(read), stored); err == nil && stored.Status.Decision != nil &&
		stored.Status.Decision.Message == sent.Message && stored.Status.Decision.Reviewer != string(who) {
		s.violate("I4", "recorded reviewer", "%s's decision was recorded as made by %q", who, stored.Status.Decision.Reviewer)
	}
}

// expect is the model's answer for a decision written under the sequence's conditions.
func (s *seq) expect(who actor, read *qualv1.CategoryApplication, d qualv1.Decision, forged, unarchived bool) (bool, string) {
	if ok, why := expectAccepted(who, read, d); !ok {
		return false, why
	}
	switch {
	case s.h.webhooks && !s.h.running():
		return false, "the webhooks do not answer (failurePolicy Fail)"
	case !s.h.webhooks && d.Reviewer != string(who):
		return false, "without the webhook the client must send its own name as reviewer"
	case !s.h.webhooks && unarchived:
		return false, "without the webhook the client archives the decision it replaces itself (history is append-only, D13)"
	}
	return true, ""
}

// staleDigest is a digest of another round of this application, or one nobody ever had.
func (s *seq) staleDigest(read *qualv1.CategoryApplication) string {
	for _, r := range read.Status.History {
		if r.MaterialsDigest != "" && r.MaterialsDigest != read.Status.MaterialsDigest {
			return r.MaterialsDigest
		}
	}
	return "sha256:" + strings.Repeat("0", 64)
}

// remove: an actor deletes the application, with background or orphan propagation; the
// garbage collector then does what it would.
type remove struct {
	who    actor
	orphan bool
}

func (r remove) String() string { return fmt.Sprintf("remove{%s, orphan=%t}", r.who, r.orphan) }

func (r remove) applicable(s *seq) bool { return s.m.app != nil }

func (r remove) run(s *seq) (string, error) {
	policy := metav1.DeletePropagationBackground
	if r.orphan {
		policy = metav1.DeletePropagationOrphan
	}
	app := &qualv1.CategoryApplication{ObjectMeta: metav1.ObjectMeta{Namespace: s.ns, Name: appName}}
	err := s.h.clients[r.who].Delete(s.ctx, app, client.PropagationPolicy(policy))
	if err == nil {
		s.changed()
		s.m.gcDue = true
		s.collectGarbage()
	}
	return outcome(err), nil
}

// collectGarbage does the garbage collector's work, which envtest has no
// kube-controller-manager for: for an application deleted with orphan propagation it removes
// the owner references to it, then the orphan finalizer; a listing whose owner is gone it
// deletes (background propagation). It writes as the collector's identity, which the listing
// policy and webhook let remove owner references only.
func (s *seq) collectGarbage() {
	gc := s.h.clients[collector]
	var apps qualv1.CategoryApplicationList
	var listings qualv1.ShowcaseListingList
	if gc.List(s.ctx, &apps, client.InNamespace(s.ns)) != nil || gc.List(s.ctx, &listings, client.InNamespace(s.ns)) != nil {
		return
	}
	done := true
	alive := map[types.UID]bool{}
	for i := range apps.Items {
		app := &apps.Items[i]
		alive[app.UID] = true
		if app.DeletionTimestamp == nil || !slices.Contains(app.Finalizers, metav1.FinalizerOrphanDependents) {
			continue
		}
		for j := range listings.Items {
			l := &listings.Items[j]
			if !slices.ContainsFunc(l.OwnerReferences, func(o metav1.OwnerReference) bool { return o.UID == app.UID }) {
				continue
			}
			if err := s.update(gc, l, func(o client.Object) {
				o.SetOwnerReferences(slices.DeleteFunc(o.GetOwnerReferences(), func(r metav1.OwnerReference) bool { return r.UID == app.UID }))
			}); err != nil {
				s.logf("    the garbage collector could not orphan listing %s: %s", l.Name, firstLine(err.Error()))
				done = false
			}
		}
		if !done {
			continue
		}
		if err := s.update(gc, app, func(o client.Object) {
			o.SetFinalizers(slices.DeleteFunc(o.GetFinalizers(), func(f string) bool { return f == metav1.FinalizerOrphanDependents }))
		}); err != nil {
			s.logf("    the garbage collector could not finish deleting %s: %s", app.Name, firstLine(err.Error()))
			done = false
		} else {
			delete(alive, app.UID)
		}
	}
	for j := range listings.Items {
		l := &listings.Items[j]
		for _, o := range l.OwnerReferences {
			if o.Kind == "CategoryApplication" && !alive[o.UID] {
				if err := gc.Delete(s.ctx, l, client.PropagationPolicy(metav1.DeletePropagationBackground)); client.IgnoreNotFound(err) != nil {
					done = false
				}
				break
			}
		}
	}
	s.m.gcDue = !done
}

// update changes obj with fn as c, reading again on conflict.
func (s *seq) update(c client.Client, obj client.Object, fn func(client.Object)) error {
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if err := c.Get(s.ctx, client.ObjectKeyFromObject(obj), obj); err != nil {
			return err
		}
		fn(obj)
		return c.Update(s.ctx, obj)
	})
}

// setPolicy: the platform team tightens the jewelry policy or relaxes it again.
type setPolicy struct{ tight bool }

func (p setPolicy) String() string { return fmt.Sprintf("setPolicy{tight=%t}", p.tight) }

func (p setPolicy) applicable(s *seq) bool {
	return s.m.tight != p.tight && (s.h.running() || !s.h.webhooks)
}

func (p setPolicy) run(s *seq) (string, error) {
	if err := s.h.setPolicy(s.ctx, p.tight); err != nil {
		return "", err
	}
	s.m.tight = p.tight
	s.changed()
	return "done", nil
}

// Manager and webhook steps.
type restart struct{}

func (restart) String() string         { return "restart{}" }
func (restart) applicable(s *seq) bool { return s.h.running() }
func (restart) run(s *seq) (string, error) {
	if err := s.h.stopManager(); err != nil {
		return "", err
	}
	s.changed()
	return "restarted", s.h.startManager(s.ctx)
}

type stop struct{}

func (stop) String() string             { return "stop{}" }
func (stop) applicable(s *seq) bool     { return s.h.running() }
func (stop) run(s *seq) (string, error) { return "stopped", s.h.stopManager() }

type start struct{}

func (start) String() string         { return "start{}" }
func (start) applicable(s *seq) bool { return !s.h.running() }
func (start) run(s *seq) (string, error) {
	if err := s.h.startManager(s.ctx); err != nil {
		return "", err
	}
	s.changed()
	if s.h.webhooks {
		return "started", s.h.waitForWebhooks(s.ctx, true)
	}
	return "started", nil
}

type webhooks struct{ on bool }

func (w webhooks) String() string         { return fmt.Sprintf("webhooks{on=%t}", w.on) }
func (w webhooks) applicable(s *seq) bool { return s.h.webhooks != w.on }
func (w webhooks) run(s *seq) (string, error) {
	if w.on {
		return "restored", s.h.restoreWebhooks(s.ctx)
	}
	return "removed", s.h.removeWebhooks(s.ctx)
}

// sinkDown: the merchant's notification receiver goes down (503) or comes back.
type sinkDown struct{ down bool }

func (d sinkDown) String() string         { return fmt.Sprintf("sinkDown{%t}", d.down) }
func (d sinkDown) applicable(s *seq) bool { return s.h.sink.down.Load() != d.down }
func (d sinkDown) run(s *seq) (string, error) {
	s.h.sink.down.Store(d.down)
	return "done", nil
}

// reasonOf is a decision's reason: a rejection names a code of the jewelry policy's rejection
// reasons (D32), a withdrawal any CamelCase word.
func reasonOf(v qualv1.Verdict) string {
	if v == qualv1.VerdictRejected {
		return "DetailsMismatch"
	}
	return "ModelCheck"
}
