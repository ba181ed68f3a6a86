package console

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/cmd/kubectl-category/internal/describe"
	"github.com/channelshop/category-operator/cmd/kubectl-category/internal/materials"
	"github.com/channelshop/category-operator/cmd/kubectl-category/internal/queue"
	"github.com/channelshop/category-operator/internal/calendar"
	"github.com/channelshop/category-operator/internal/requirements"
)

// appView is the application page: describe's content, the files inline, what changed since
// the last decision, the history and the decision forms.
type appView struct {
	Title     string
	CSRF      string
	Namespace string
	Name      string
	Action    string // the decide form's path
	Shop      string
	AppID     string
	Merchant  []pair
	Category  string
	Channel   string
	Phase     string
	Deadline  string
	Overdue   bool
	// Provisional says why the deadline may still move; "" when it may not.
	Provisional string
	// Generation and MaterialsDigest are what this page shows: the decision forms send them
	// back, so a decision is bound to them (D17, D19).
	Generation      int64
	MaterialsDigest string
	Rules           []pair
	RulesProblem    string
	Findings        []qualv1.Finding // those not about one material
	Materials       []materialView
	// SecretHint says how reading Secret files is granted, when one could not be read.
	SecretHint string
	// ReuseProblem says why reused files (D34) could not be checked, e.g. the reviewer may not
	// read FileReuseReports.
	ReuseProblem string
	Changed      changeView
	Decision     string
	// Approvals is the four-eyes count, "1 of 2 approvals (alice)"; "" when one approval
	// decides the round (D31).
	Approvals string
	History   []historyRow
	Listing   string
	Decide    decideView
	// Claim is who reviews the round and until when (D30); nil while nobody claimed it.
	Claim *claimView
	// Result is a refusal or an error of the last decision attempt, or the result of a claim or
	// a release, shown above the forms.
	Result *resultView
}

type pair struct{ Label, Value string }

type materialView struct {
	Number     int
	Type       string
	Attributes []string
	Declared   []string
	Findings   []qualv1.Finding
	Files      []fileView
	// Expiry warns that the document expires within the policy's window (D35).
	Expiry string
	// MissingRecording: the guide wants a recording of this kind of material and there is none.
	MissingRecording bool
}

type fileView struct {
	Index     int
	Label     string // "file 1", "recording 1"
	Source    string
	Href      string
	Kind      string // image, pdf, video, other
	Content   string
	NameSays  string
	SHA256    string
	Verified  string
	Problem   string
	Unchecked string // shown but not verified: no round records this generation
	// WrongKind: the content is not what the material needs (D33); the file is not shown.
	WrongKind string
	// Reused names the other merchants' applications that hold the same file (D34).
	Reused string
}

type changeView struct {
	// FirstRound: no decision yet, so nothing to compare with.
	FirstRound bool
	Files      []pair // file → new, changed, removed
	Generation string
}

type historyRow struct {
	Generation int64
	Submitted  string
	Deadline   string
	Digest     string
	Decision   string
}

// claimView is status.claim in plain words: its holder, its expiry, and whether it is the
// reviewer's own.
type claimView struct {
	Holder, Until string
	Mine          bool
}

type resultView struct {
	Error   bool
	Reload  bool
	Message string
	Detail  string
}

func (s *Server) application(w http.ResponseWriter, r *request) {
	app, err := s.getApp(r.Context(), r.PathValue("ns"), r.PathValue("name"))
	if err != nil {
		s.apiProblem(w, err)
		return
	}
	v := s.appView(r.Context(), app, r.csrf)
	if res := r.URL.Query().Get("result"); res != "" { // after a claim or a release
		v.Result = &resultView{Message: res}
	}
	s.page(w, http.StatusOK, "application", v)
}

func (s *Server) getApp(ctx context.Context, ns, name string) (*qualv1.CategoryApplication, error) {
	app := &qualv1.CategoryApplication{}
	return app, s.cfg.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, app)
}

func (s *Server) apiProblem(w http.ResponseWriter, err error) {
	status := http.StatusInternalServerError
	switch {
	case apierrors.IsNotFound(err):
		status = http.StatusNotFound
	case apierrors.IsForbidden(err):
		status = http.StatusForbidden
	}
	s.page(w, status, "message", messageView{Title: "Cannot show this application", Text: err.Error()})
}

func (s *Server) appView(ctx context.Context, app *qualv1.CategoryApplication, csrf string) appView {
	st := &app.Status
	cal := s.cfg.Factory.Calendar(ctx, s.cfg.Client, s.cfg.Warnings)
	policy := &qualv1.CategoryPolicy{}
	problem := ""
	switch err := s.cfg.Client.Get(ctx, client.ObjectKey{Name: app.Spec.Category.Group}, policy); {
	case apierrors.IsNotFound(err):
		policy, problem = nil, "no CategoryPolicy "+app.Spec.Category.Group
	case err != nil:
		policy, problem = nil, "cannot read CategoryPolicy "+app.Spec.Category.Group+": "+err.Error()
	}
	dv := describe.View{App: app, Policy: policy, Now: s.cfg.Now(), Calendar: cal}
	dv.Reuse, dv.ReuseProblem = describe.ReuseReport(ctx, s.cfg.Client, app)
	m := app.Spec.Merchant
	v := appView{
		Title: m.ShopName, CSRF: csrf, Namespace: app.Namespace, Name: app.Name, Action: appPath(app) + "/decide",
		Shop: m.ShopName, AppID: m.AppID,
		Category: describe.CategoryName(app.Spec.Category, policy, problem), Channel: string(app.Spec.Channel),
		Phase:      string(st.Phase),
		Generation: app.Generation, MaterialsDigest: st.MaterialsDigest, Decision: "none", Listing: "none",
	}
	v.Deadline, v.Overdue, v.Provisional = deadline(app, cal, s.cfg.Now())
	v.Merchant = []pair{{"Legal entity", m.LegalEntity}, {"Shop type", string(m.ShopType)}, {"Entity type", string(m.EntityType)}}
	if m.RegisteredCapitalCNY != nil {
		v.Merchant = append(v.Merchant, pair{"Registered capital", fmt.Sprintf("¥%d", *m.RegisteredCapitalCNY)})
	}
	if policy != nil {
		v.Rules = rules(policy, app.Spec.Category)
	} else {
		v.RulesProblem = problem
	}
	if st.Decision != nil {
		v.Decision = dv.DecisionText(st.Decision)
	}
	v.Approvals = describe.ApprovalCount(app)
	if c := st.Claim; c != nil {
		v.Claim = &claimView{Holder: c.Reviewer, Until: dv.Time(c.ExpiresAt.Time), Mine: c.Reviewer == s.whoAmI(ctx)}
	}
	if st.ListingRef != nil {
		v.Listing = "ShowcaseListing " + st.ListingRef.Name
	}
	v.Materials, v.Findings, v.SecretHint = s.materials(ctx, app, dv.Evidence())
	v.ReuseProblem = dv.ReuseProblem
	v.Changed = changes(app)
	for _, h := range st.History {
		row := historyRow{Generation: h.Generation, Digest: h.MaterialsDigest, Decision: "not decided (the spec changed)"}
		if h.SubmittedAt != nil {
			row.Submitted = dv.Time(h.SubmittedAt.Time)
		}
		if h.ReviewDeadline != nil {
			row.Deadline = cal.FormatDeadline(h.ReviewDeadline.Time)
		}
		if h.Decision != nil {
			row.Decision = dv.DecisionText(h.Decision)
		}
		v.History = append(v.History, row)
	}
	v.Decide = s.decideView(ctx, app, policy)
	// Approve pins every file of the round, so it needs every file shown and verified; the
	// server remembers what this page showed and refuses an approval of anything else.
	unseen := unseenFiles(v.Materials)
	s.remember(csrf, app, unseen)
	if unseen != "" && v.Decide.Approve {
		v.Decide.Approve, v.Decide.WhyNot = false, unseen
	}
	return v
}

// unseenFiles says, in the page's words, which files failed or were not shown or verified;
// "" when every file was shown verified.
func unseenFiles(ms []materialView) string {
	var names []string
	for _, m := range ms {
		for _, f := range m.Files {
			if f.Problem != "" || f.WrongKind != "" || f.Unchecked != "" || f.Kind == "other" {
				names = append(names, fmt.Sprintf("material %d %s, %s", m.Number, f.Label, f.Source))
			}
		}
	}
	switch len(names) {
	case 0:
		return ""
	case 1:
		return "Approve needs every file shown and verified: 1 file failed or was not shown (" + names[0] +
			"). Reject the application, or reload once the file can be shown."
	}
	return fmt.Sprintf("Approve needs every file shown and verified: %d files failed or were not shown (%s). "+
		"Reject the application, or reload once the files can be shown.", len(names), strings.Join(names, "; "))
}

// remember records, for the reviewer's session, what the page of a round showed: why approve
// was not offered, "" when every file was shown verified.
func (s *Server) remember(csrf string, app *qualv1.CategoryApplication, unseen string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.shown[shownKey(csrf, app.Namespace, app.Name, app.Generation, app.Status.MaterialsDigest)] = unseen
}

// shownFor is what remember recorded for a round, and whether a page of it was rendered at all.
func (s *Server) shownFor(csrf, ns, name string, gen int64, digest string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	unseen, ok := s.shown[shownKey(csrf, ns, name, gen, digest)]
	return unseen, ok
}

func shownKey(csrf, ns, name string, gen int64, digest string) string {
	return fmt.Sprintf("%s/%s/%s/%d/%s", csrf, ns, name, gen, digest)
}

// deadline is the review deadline with the working days left, in the queue's words; describe's
// explanation of a provisional deadline goes into the tag's tooltip.
func deadline(app *qualv1.CategoryApplication, cal *calendar.Calendar, now time.Time) (text string, overdue bool, provisional string) {
	rows := queue.Select([]qualv1.CategoryApplication{*app}, queue.Filter{}, now, cal)
	if app.Status.ReviewDeadline == nil {
		return "none", false, ""
	}
	text = cal.FormatDeadline(app.Status.ReviewDeadline.Time)
	if len(rows) == 0 { // decided: no time left to count
		return text, false, ""
	}
	r := rows[0]
	if c := meta.FindStatusCondition(app.Status.Conditions, qualv1.ConditionDeadlineProvisional); r.Provisional && c != nil {
		provisional = c.Message
	}
	return text + " (" + leftCell(r) + ")", r.Overdue, provisional
}

// rules are the policy's requirements for the application's category, in plain words.
func rules(p *qualv1.CategoryPolicy, c qualv1.CategoryRef) []pair {
	req, _ := requirements.Effective(p, c)
	var out []pair
	add := func(label string, ok bool, format string, a ...any) {
		if ok {
			out = append(out, pair{label, fmt.Sprintf(format, a...)})
		}
	}
	add("Required materials", len(req.RequiredMaterials) > 0, "%s", join(req.RequiredMaterials))
	add("Screen recording required for", len(req.RecordingRequired) > 0, "%s", join(req.RecordingRequired))
	add("Accepted platforms", len(req.AllowedPlatforms) > 0, "%s", join(req.AllowedPlatforms))
	add("Store proof", req.StoreProof != "", "%s", req.StoreProof)
	add("Shop types", len(req.AllowedShopTypes) > 0, "%s", join(req.AllowedShopTypes))
	add("Entity types", len(req.AllowedEntityTypes) > 0, "%s", join(req.AllowedEntityTypes))
	if req.MinRegisteredCapitalCNY != nil {
		add("Registered capital at least", true, "¥%d", *req.MinRegisteredCapitalCNY)
	}
	add("Brands", len(req.BrandLibrary) > 0, "%s", strings.Join(req.BrandLibrary, ", "))
	if req.MaxAuthorizationLevel != nil {
		add("Authorization level at most", true, "%d", *req.MaxAuthorizationLevel)
	}
	add("Trademark classes", len(req.TrademarkClasses) > 0, "%s", join(req.TrademarkClasses))
	if t := req.PlatformThresholds; t != nil {
		var parts []string
		if t.MinMonthlySalesCNY != nil {
			parts = append(parts, fmt.Sprintf("monthly sales at least ¥%d over %d months", *t.MinMonthlySalesCNY, t.Months))
		}
		for _, q := range []struct {
			name string
			ok   bool
			v    func() string
		}{
			{"reputation", t.MinReputationScore != nil, func() string { return t.MinReputationScore.String() }},
			{"quality", t.MinQualityScore != nil, func() string { return t.MinQualityScore.String() }},
			{"service", t.MinServiceScore != nil, func() string { return t.MinServiceScore.String() }},
		} {
			if q.ok {
				parts = append(parts, q.name+" score at least "+q.v())
			}
		}
		if len(t.CountedPlatforms) > 0 {
			parts = append(parts, "on "+join(t.CountedPlatforms))
		}
		add("Prior platform", len(parts) > 0, "%s", strings.Join(parts, "; "))
	}
	return out
}

func join[T any](xs []T) string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = fmt.Sprint(x)
	}
	return strings.Join(out, ", ")
}

var materialField = regexp.MustCompile(`^spec\.materials\[(\d+)\]`)

// materials builds the material cards with their files, fetched and verified now (in
// parallel, a few at a time), and puts each finding, reused-file mark and expiry warning next
// to the material or file it concerns, in describe's words.
func (s *Server) materials(ctx context.Context, app *qualv1.CategoryApplication, ev describe.Evidence) ([]materialView, []qualv1.Finding, string) {
	out := make([]materialView, len(app.Spec.Materials))
	for i, m := range app.Spec.Materials {
		out[i] = materialView{Number: i + 1, Type: string(m.Type), Attributes: describe.Attributes(m), Expiry: ev.Expiry(i)}
		if m.Type == qualv1.MaterialPriorPlatform {
			out[i].Declared = describe.DeclaredFigures(m)
		}
		out[i].MissingRecording = len(m.Recordings) == 0 && (m.Type == qualv1.MaterialQualificationProof ||
			m.Type == qualv1.MaterialSellingReputation || m.Type == qualv1.MaterialSalesFlow)
	}
	var general []qualv1.Finding
	for _, f := range app.Status.Findings {
		if sm := materialField.FindStringSubmatch(f.Field); sm != nil {
			if i, err := strconv.Atoi(sm[1]); err == nil && i < len(out) {
				out[i].Findings = append(out[i].Findings, f)
				continue
			}
		}
		general = append(general, f)
	}
	refs := materials.Refs(app)
	fetched := make([]*materials.Fetched, len(refs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for i, ref := range refs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			fetched[i] = s.fetch(ctx, app, i, ref)
		}()
	}
	wg.Wait()
	hint := ""
	counts := map[string]int{}
	for i, ref := range refs {
		f := fetched[i]
		kind := "file"
		if ref.Recording {
			kind = "recording"
		}
		counts[fmt.Sprint(ref.Material, kind)]++
		fv := fileView{Index: i, Label: fmt.Sprintf("%s %d", kind, counts[fmt.Sprint(ref.Material, kind)]), Source: ref.Source(),
			Content: f.ContentType, NameSays: f.NameSays, SHA256: f.SHA256, Verified: f.Verified, Problem: f.Problem,
			WrongKind: f.WrongKind, Reused: ev.Reused(ref.Ref)}
		if f.Problem == "" && f.Verified == "" {
			fv.Unchecked = "not verified: " + f.Recorded
		}
		if f.Problem == "" && f.WrongKind == "" { // a file of the wrong kind is never rendered (D33)
			fv.Kind = inlineKind(f.ContentType)
			fv.Href = filePath(app, i)
		}
		if f.Forbidden {
			hint = f.Hint
		}
		out[ref.Material-1].Files = append(out[ref.Material-1].Files, fv)
	}
	return out, general, hint
}

// filePath names a file of the page's generation and materials digest: the file handler
// refuses it once either changed, so a page never shows files of another round.
func filePath(app *qualv1.CategoryApplication, i int) string {
	return fmt.Sprintf("%s/%d?", "/file/"+url.PathEscape(app.Namespace)+"/"+url.PathEscape(app.Name), i) +
		url.Values{"g": {strconv.FormatInt(app.Generation, 10)}, "d": {app.Status.MaterialsDigest}}.Encode()
}

// changes compares the round's Secret files with those of the last decision's round. The spec
// of the decided round is not kept (status.history holds digests and decisions), so for the
// spec only the generations are compared.
func changes(app *qualv1.CategoryApplication) changeView {
	st := &app.Status
	var decided *qualv1.ReviewRecord
	for i := range st.History {
		if st.History[i].Decision != nil {
			decided = &st.History[i]
			break
		}
	}
	if st.DecidedSecretFiles == nil && decided == nil {
		return changeView{FirstRound: true}
	}
	var v changeView
	before := map[string]string{}
	for _, f := range st.DecidedSecretFiles {
		before[f.Name+", key "+f.Key] = f.SHA256
	}
	seen := map[string]bool{}
	for _, f := range st.SecretFiles {
		k := f.Name + ", key " + f.Key
		seen[k] = true
		switch was, ok := before[k]; {
		case !ok:
			v.Files = append(v.Files, pair{"secret " + k, "new since the last decision"})
		case was != f.SHA256:
			v.Files = append(v.Files, pair{"secret " + k, "changed since the last decision"})
		}
	}
	for _, f := range st.DecidedSecretFiles {
		if k := f.Name + ", key " + f.Key; !seen[k] {
			v.Files = append(v.Files, pair{"secret " + k, "no longer part of the application"})
		}
	}
	if decided != nil {
		if g := decided.Decision.Generation; g == app.Generation {
			v.Generation = fmt.Sprintf("The spec is the one decided last (generation %d).", g)
		} else {
			v.Generation = fmt.Sprintf("The spec changed since the last decision: generation %d was decided, this is generation %d. "+
				"The cluster keeps no copy of the decided spec, so the changed fields cannot be listed.", g, app.Generation)
		}
	}
	return v
}

// inlineKind is how the page shows a content type; only these types are served at all.
func inlineKind(contentType string) string {
	switch {
	case strings.HasPrefix(contentType, "image/") && contentType != "image/svg+xml":
		return "image"
	case contentType == "application/pdf":
		return "pdf"
	case strings.HasPrefix(contentType, "video/"):
		return "video"
	}
	return "other"
}
