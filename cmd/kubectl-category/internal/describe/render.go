package describe

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/cmd/kubectl-category/internal/factory"
	"github.com/channelshop/category-operator/internal/calendar"
	"github.com/channelshop/category-operator/internal/decision"
)

// View is what Render shows; building it is the only part that talks to the API server.
type View struct {
	App *qualv1.CategoryApplication
	// Policy gives display names; nil with PolicyProblem saying why.
	Policy        *qualv1.CategoryPolicy
	PolicyProblem string
	Now           time.Time
	Calendar      *calendar.Calendar
	// Flags are the connection flags the reviewer gave (factory.ConnectionFlags): the commands
	// shown carry them, so they run against the same cluster as the same user.
	Flags []string
	// Reuse is the operator's report of the files other merchants' applications hold too
	// (D34); nil when there is none, or with ReuseProblem saying why it could not be read.
	Reuse        *qualv1.FileReuseReport
	ReuseProblem string
}

const timeFormat = "2006-01-02 15:04 MST"

// Render is pure: it prints the view in kubectl describe's style.
func Render(out io.Writer, v View) error {
	// text/tabwriter, not printers' writer: that one remembers widths across flushes, and
	// every table here should be as wide as its own cells.
	w := &writer{tw: tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)}
	app, st := v.App, &v.App.Status
	w.field(0, "Name", "%s", app.Name)
	w.field(0, "Namespace", "%s", app.Namespace)
	w.field(0, "Generation", "%d (decisions apply to this generation only: --generation %d)", app.Generation, app.Generation)
	created := v.time(app.CreationTimestamp.Time)
	if by := app.Annotations[qualv1.AnnotationCreatedBy]; by != "" {
		created += " by " + by
	}
	w.field(0, "Created", "%s", created)
	merchant(w, app.Spec.Merchant)
	w.field(0, "Category", "%s", CategoryName(app.Spec.Category, v.Policy, v.PolicyProblem))
	w.field(0, "Channel", "%s", orNone(string(app.Spec.Channel)))
	w.field(0, "Phase", "%s", orNone(string(st.Phase)))
	if st.SubmittedAt != nil {
		w.field(0, "Submitted", "%s (generation %d)", v.time(st.SubmittedAt.Time), st.SubmittedGeneration)
	}
	w.field(0, "Deadline", "%s", v.deadline())
	claim(w, v)
	conditions(w, v)
	p := newPins(st)
	p.checks = newChecks(v)
	materials(w, app.Spec.Materials, p)
	if v.ReuseProblem != "" {
		w.field(0, "Reused files", "%s", v.ReuseProblem)
	}
	if st.MaterialsDigest != "" {
		w.field(0, "Materials digest", "%s (the files in Secrets, as recorded for this round)", st.MaterialsDigest)
	}
	if len(app.Spec.Materials) > 0 {
		w.field(0, "Verify files", "%s", factory.CommandLine("materials", app.Name, app.Namespace, v.Flags))
	}
	findings(w, st.Findings)
	w.field(0, "Decision", "%s", v.decision(st.Decision))
	if a := approvals(app); a != "" {
		w.field(0, "Approvals", "%s", a)
	}
	history(w, v)
	listing := "<none>"
	if st.ListingRef != nil {
		listing = "ShowcaseListing " + st.ListingRef.Name
	}
	w.field(0, "Listing", "%s", listing)
	notifications(w, st.Notifications)
	if next := NextCommand(app, v.Flags); next != "" {
		w.field(0, "To decide what is shown", "%s", next)
	}
	return w.tw.Flush()
}

// NextCommand is the exact command that decides what describe showed: the generation and the
// materials digest it printed, so an edit or a Secret change made since is refused, not
// approved unseen (D17, D19). flags are the reviewer's connection flags.
func NextCommand(app *qualv1.CategoryApplication, flags []string) string {
	st := &app.Status
	gen := []string{"--generation", strconv.FormatInt(app.Generation, 10)}
	switch {
	case st.Phase == qualv1.PhaseUnderReview && st.ObservedGeneration == app.Generation && st.MaterialsDigest != "":
		return factory.CommandLine("approve", app.Name, app.Namespace, flags, append(gen, "--materials-digest", st.MaterialsDigest)...) +
			"   (or reject ... --reason R --message M)"
	case decision.Listed(app) && (st.Decision == nil || st.Decision.Generation != app.Generation || st.Decision.Verdict == qualv1.VerdictApproved):
		return factory.CommandLine("withdraw", app.Name, app.Namespace, flags, gen...) + " --reason R --message M   (the listing is Active)"
	}
	return ""
}

// CategoryName renders group/level2[/level3] with the names merchants see, e.g.
// "jewelry/gold (珠宝首饰 / 黄金)".
func CategoryName(ref qualv1.CategoryRef, p *qualv1.CategoryPolicy, problem string) string {
	if p == nil {
		return fmt.Sprintf("%s (%s)", ref, problem)
	}
	names := []string{p.Spec.DisplayName}
	var sub *qualv1.Subcategory
	for i := range p.Spec.Subcategories {
		if p.Spec.Subcategories[i].ID == ref.Level2 {
			sub = &p.Spec.Subcategories[i]
		}
	}
	if sub == nil {
		return fmt.Sprintf("%s (%s / ? — %q is not a level-2 category of the policy)", ref, p.Spec.DisplayName, ref.Level2)
	}
	names = append(names, sub.DisplayName)
	if ref.Level3 != "" {
		l3 := "?"
		for _, c := range sub.Subcategories {
			if c.ID == ref.Level3 {
				l3 = c.DisplayName
			}
		}
		names = append(names, l3)
	}
	return fmt.Sprintf("%s (%s)", ref, strings.Join(names, " / "))
}

func merchant(w *writer, m qualv1.Merchant) {
	w.section("Merchant")
	w.field(1, "Shop", "%s", m.ShopName)
	w.field(1, "AppID", "%s", m.AppID)
	w.field(1, "Legal entity", "%s", m.LegalEntity)
	w.field(1, "Shop type", "%s", orNone(string(m.ShopType)))
	w.field(1, "Entity type", "%s", orNone(string(m.EntityType)))
	capital := "<none>"
	if m.RegisteredCapitalCNY != nil {
		capital = cny(*m.RegisteredCapitalCNY)
	}
	w.field(1, "Registered capital", "%s", capital)
}

func (v View) time(t time.Time) string {
	if t.IsZero() {
		return "<none>"
	}
	return t.In(v.Calendar.Location()).Format(timeFormat)
}

func (v View) deadline() string {
	d := v.App.Status.ReviewDeadline
	if d == nil {
		return "<none>"
	}
	s := v.Calendar.FormatDeadline(d.Time)
	if v.App.Status.Phase != qualv1.PhaseUnderReview {
		return s
	}
	left := v.Calendar.WorkingDaysLeft(v.Now, d.Time)
	if v.Now.After(d.Time) {
		s = fmt.Sprintf("%s (OVERDUE by %.1f working days)", s, -left)
	} else {
		s = fmt.Sprintf("%s (%.1f working days left)", s, left)
	}
	if c := meta.FindStatusCondition(v.App.Status.Conditions, qualv1.ConditionDeadlineProvisional); c != nil && c.Status == metav1.ConditionTrue {
		s += fmt.Sprintf(" provisional (%s): %s", c.Reason, oneLine(c.Message))
	}
	return s
}

func (v View) decision(d *qualv1.Decision) string {
	if d == nil {
		return "<none>"
	}
	s := fmt.Sprintf("%s (generation %d)", d.Verdict, d.Generation)
	if d.Reviewer != "" {
		s += " by " + d.Reviewer
	}
	if d.DecidedAt != nil {
		s += " at " + v.time(d.DecidedAt.Time)
	}
	if d.Reason != "" {
		s += ": " + d.Reason
	}
	if d.Title != "" { // the policy's title of the reason (D32)
		s += " (" + d.Title + ")"
	}
	if d.Message != "" {
		s += ": " + d.Message
	}
	return s
}

func conditions(w *writer, v View) {
	cs := v.App.Status.Conditions
	if len(cs) == 0 {
		w.field(0, "Conditions", "<none>")
		return
	}
	w.section("Conditions")
	w.line(1, "TYPE\tSTATUS\tREASON\tGENERATION\tMESSAGE")
	for _, c := range cs {
		w.line(1, "%s\t%s\t%s\t%d\t%s", c.Type, c.Status, c.Reason, c.ObservedGeneration, oneLine(c.Message))
	}
	w.flush()
}

func findings(w *writer, fs []qualv1.Finding) {
	if len(fs) == 0 {
		w.field(0, "Findings", "<none>")
		return
	}
	w.field(0, "Findings", "%d requirement(s) not met", len(fs))
	for _, f := range fs {
		w.line(1, "[%s] %s: %s", f.Rule, f.Field, oneLine(f.Message))
	}
}

func history(w *writer, v View) {
	h := v.App.Status.History
	if len(h) == 0 {
		w.field(0, "History", "<none>")
		return
	}
	w.field(0, "History", "(newest first)")
	w.line(1, "GENERATION\tSUBMITTED\tDEADLINE\tDECISION")
	for _, r := range h {
		submitted, deadline := "<none>", "<none>"
		if r.SubmittedAt != nil {
			submitted = v.time(r.SubmittedAt.Time)
		}
		if r.ReviewDeadline != nil {
			deadline = v.Calendar.FormatDeadline(r.ReviewDeadline.Time)
		}
		decision := "not decided (the spec changed)"
		if r.Decision != nil {
			decision = v.decision(r.Decision)
		}
		w.line(1, "%d\t%s\t%s\t%s", r.Generation, submitted, deadline, oneLine(decision))
	}
	w.flush()
}

// notifications summarises the delivery ledger: one line per event and generation.
func notifications(w *writer, ns []qualv1.NotificationRecord) {
	if len(ns) == 0 {
		w.field(0, "Notifications", "<none>")
		return
	}
	w.field(0, "Notifications", "%s", countStates(ns))
	w.line(1, "EVENT\tGENERATION\tSINK\tSTATE\tATTEMPTS\tLAST ERROR")
	for _, n := range ns {
		w.line(1, "%s\t%d\t%s\t%s\t%d\t%s", n.Event, n.Generation, n.Sink, n.State, n.Attempts, orNone(oneLine(n.LastError)))
	}
	w.flush()
}

func countStates(ns []qualv1.NotificationRecord) string {
	counts := map[qualv1.DeliveryState]int{}
	for _, n := range ns {
		counts[n.State]++
	}
	var parts []string
	for _, s := range []qualv1.DeliveryState{qualv1.DeliveryDelivered, qualv1.DeliveryPending, qualv1.DeliveryFailed} {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[s], strings.ToLower(string(s))))
		}
	}
	return strings.Join(parts, ", ")
}
