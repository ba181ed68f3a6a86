package console

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/utils/clock"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/cmd/kubectl-category/internal/claim"
	"github.com/channelshop/category-operator/cmd/kubectl-category/internal/decide"
	"github.com/channelshop/category-operator/cmd/kubectl-category/internal/describe"
	"github.com/channelshop/category-operator/internal/decision"
)

// decideView says which decisions the page offers. The API server has the last word (its
// webhook and admission policy refuse what is not allowed); the page only leaves out what
// would be refused, by the same rules: the reviewer's RBAC (a SelfSubjectAccessReview for
// approve on the group's categorypolicies object, as the webhook asks), decision.Allowed for
// the application's state and decision.Who for separation of duties (D16).
type decideView struct {
	// NotAllowed says why no decision is offered at all.
	NotAllowed string
	// Hidden: the page answers a refused decision on an out-of-date page, so it offers none
	// until the reviewer has reloaded and looked again.
	Hidden   bool
	Approve  bool
	Reject   bool
	Withdraw bool
	// WhyNot says why approve/reject are not offered when withdraw or nothing is.
	WhyNot string
	// Claim offers to claim the round (or renew the reviewer's claim), Release to release
	// the reviewer's own claim (D30): what decision.WriteClaim would allow.
	Claim   bool
	Release bool
	// ClaimFor are the durations the claim form offers; the first is the default.
	ClaimFor []claimDuration
	// Reasons are the codes of the policy's rejection reasons the reject form offers (D32);
	// empty: the policy has none, and the reason is the reviewer's own CamelCase word.
	Reasons []reasonOption
}

// claimDuration is one entry of the claim form's duration selector.
type claimDuration struct{ Value, Text string }

// claimDurations start with the CLI's default (claim --for); the platform shortens a claim past
// its maximum (the manager's --max-claim-duration).
var claimDurations = []claimDuration{{"30m", "30 minutes"}, {"15m", "15 minutes"}, {"1h", "1 hour"}, {"2h", "2 hours"}}

// reasonOption is one entry of the rejection reason selector: a code of the policy's catalogue,
// its title, and its guidance (what the merchant reads they must fix) as help text.
type reasonOption struct {
	Code, Title, Guidance string
}

// reasons are the policy's rejection reasons (D32), in its order; nil without a policy.
func reasons(policy *qualv1.CategoryPolicy) []reasonOption {
	if policy == nil {
		return nil
	}
	var out []reasonOption
	for _, r := range policy.Spec.RejectionReasons {
		out = append(out, reasonOption{Code: r.Code, Title: r.Title, Guidance: r.Guidance})
	}
	return out
}

// mayDecide asks the API server whether the reviewer has approve on the group's
// categorypolicies object: the permission the webhook checks (D16).
func (s *Server) mayDecide(ctx context.Context, group string) (bool, error) {
	ssar := &authorizationv1.SelfSubjectAccessReview{Spec: authorizationv1.SelfSubjectAccessReviewSpec{
		ResourceAttributes: &authorizationv1.ResourceAttributes{
			Group: qualv1.GroupVersion.Group, Resource: "categorypolicies", Verb: "approve", Name: group,
		},
	}}
	if err := s.cfg.Client.Create(ctx, ssar); err != nil {
		return false, err
	}
	return ssar.Status.Allowed, nil
}

// whoAmI is the reviewer's user name as the API server sees it (for D16), "" if it cannot say.
func (s *Server) whoAmI(ctx context.Context) string {
	s.mu.Lock()
	user := s.user
	s.mu.Unlock()
	if user != "" {
		return user
	}
	review := &authenticationv1.SelfSubjectReview{}
	if err := s.cfg.Client.Create(ctx, review); err != nil {
		return ""
	}
	s.mu.Lock()
	s.user = review.Status.UserInfo.Username
	s.mu.Unlock()
	return review.Status.UserInfo.Username
}

// decideView is what the page offers; policy is the application's (nil when it could not be
// read: the server then judges the reason).
func (s *Server) decideView(ctx context.Context, app *qualv1.CategoryApplication, policy *qualv1.CategoryPolicy) decideView {
	v := decideView{Reasons: reasons(policy)}
	ok, err := s.mayDecide(ctx, app.Spec.Category.Group)
	switch {
	case err != nil:
		v.NotAllowed = "Cannot check your permission to decide: " + err.Error()
		return v
	case !ok:
		v.NotAllowed = notAllowed(app.Spec.Category.Group)
		return v
	}
	probe := qualv1.Decision{Generation: app.Generation, MaterialsDigest: app.Status.MaterialsDigest}
	probe.Verdict = qualv1.VerdictWithdrawn
	v.Withdraw = decision.Allowed(app, probe) == nil
	probe.Verdict = qualv1.VerdictApproved
	if refusal := decision.Allowed(app, probe); refusal != nil {
		v.WhyNot = refusal.Message
		return v
	}
	user := s.whoAmI(ctx)
	if refusal := decision.Who(app, qualv1.VerdictApproved, user); refusal != nil {
		v.WhyNot = refusal.Message
		return v
	}
	// Claims (D30): while another reviewer's claim stands, neither approve nor reject, nor a
	// claim of one's own; the claim area names the claimant and the expiry.
	if refusal := decision.Claimed(app, qualv1.VerdictApproved, user); refusal != nil {
		v.WhyNot = refusal.Message
		return v
	}
	v.Claim = decision.MayClaim(app, qualv1.Claim{Generation: app.Generation, Reviewer: user}) == nil
	v.Release = app.Status.Claim != nil
	v.ClaimFor = claimDurations
	v.Reject = true
	// Four-eyes (D31): who approved the round may still reject it, not approve it again.
	// decision.Allowed does not say so (it knows no user): decision.Approver does, as the
	// webhook asks it.
	if refusal := decision.Approver(app, qualv1.VerdictApproved, user); refusal != nil {
		v.WhyNot = refusal.Message
		return v
	}
	v.Approve = true
	return v
}

func notAllowed(group string) string {
	return fmt.Sprintf("You may look, but not decide: deciding %s applications needs the approve permission on categorypolicies/%s, "+
		"which your account does not have.", group, group)
}

// decide writes a decision through the plugin's decide package, exactly as
// `kubectl category approve|reject|withdraw` does, bound to the generation and materials
// digest the page showed.
func (s *Server) decide(w http.ResponseWriter, r *request) {
	ctx := r.Context()
	app, err := s.getApp(ctx, r.PathValue("ns"), r.PathValue("name"))
	if err != nil {
		s.apiProblem(w, err)
		return
	}
	refuse := func(status int, res resultView) {
		v := s.appView(ctx, app, r.csrf)
		v.Result = &res
		v.Decide.Hidden = res.Reload
		s.page(w, status, "application", v)
	}
	ok, err := s.mayDecide(ctx, app.Spec.Category.Group)
	if err != nil || !ok {
		msg := notAllowed(app.Spec.Category.Group)
		if err != nil {
			msg = "Cannot check your permission to decide: " + err.Error()
		}
		refuse(http.StatusForbidden, resultView{Error: true, Message: msg + " Nothing was changed."})
		return
	}
	verdicts := map[string]qualv1.Verdict{"approve": qualv1.VerdictApproved, "reject": qualv1.VerdictRejected, "withdraw": qualv1.VerdictWithdrawn,
		"claim": verdictClaim, "release": verdictRelease}
	verdict, known := verdicts[r.PostFormValue("verdict")]
	if verdict == verdictClaim || verdict == verdictRelease {
		s.claim(w, r, app, verdict == verdictClaim, refuse)
		return
	}
	gen, genErr := strconv.ParseInt(r.PostFormValue("generation"), 10, 64)
	if !known || genErr != nil {
		refuse(http.StatusBadRequest, resultView{Error: true, Message: "This form is incomplete; reload the page and try again."})
		return
	}
	// The form is not trusted: an approval needs a page of this very round rendered in this
	// session with every file shown verified.
	if verdict == qualv1.VerdictApproved {
		unseen, rendered := s.shownFor(r.csrf, app.Namespace, app.Name, gen, r.PostFormValue("materialsDigest"))
		switch {
		case !rendered:
			refuse(http.StatusConflict, resultView{Error: true, Reload: true,
				Message: "Not approved: this console did not show you the files of this round. Reload the application, look at them, then decide."})
			return
		case unseen != "":
			refuse(http.StatusForbidden, resultView{Error: true, Message: "Not approved: " + unseen})
			return
		}
	}
	// A code of the policy's catalogue, or the reviewer's own word where it has none; either
	// way decide checks it as `reject --reason` does (D32: an unknown code is refused with
	// the valid ones, before anything is written).
	reason := r.PostFormValue("reason")
	if reason == "" {
		reason = strings.TrimSpace(r.PostFormValue("freeReason"))
	}
	var out, errOut bytes.Buffer
	o := &decide.Options{
		IOStreams: genericiooptions.IOStreams{Out: &out, ErrOut: &errOut},
		Factory:   s.cfg.Factory, Verdict: verdict, Name: app.Name, Namespace: app.Namespace,
		Reason: reason, Message: r.PostFormValue("message"),
		Generation: gen, MaterialsDigest: r.PostFormValue("materialsDigest"),
	}
	if err := o.Validate(); err != nil {
		refuse(http.StatusUnprocessableEntity, resultView{Error: true, Message: plainWords(err.Error())})
		return
	}
	if err := o.Run(ctx); err != nil {
		var refusal *decision.Refusal
		switch {
		case errors.As(err, &refusal) && refusal.LookAgain:
			refuse(http.StatusConflict, resultView{Error: true, Reload: true,
				Message: "Not " + decision.PastTense(verdict) + ": the application changed after this page was loaded. " +
					"Reload it to see what changed, then decide again.", Detail: refusal.Message})
		case apierrors.IsForbidden(err) || apierrors.IsInvalid(err) || refusal != nil:
			refuse(http.StatusForbidden, resultView{Error: true, Message: "Not " + decision.PastTense(verdict) + ": " + err.Error()})
		default:
			refuse(http.StatusBadGateway, resultView{Error: true, Message: "Not " + decision.PastTense(verdict) + ": " + err.Error()})
		}
		return
	}
	http.Redirect(w, r.Request, "/done/"+url.PathEscape(app.Namespace)+"/"+url.PathEscape(app.Name)+"?"+
		url.Values{"result": {strings.TrimSpace(out.String())}}.Encode(), http.StatusSeeOther)
}

// verdictClaim and verdictRelease are the claim form's actions in the verdict map: not
// verdicts, they never reach status.decision.
const (
	verdictClaim   qualv1.Verdict = "claim"
	verdictRelease qualv1.Verdict = "release"
)

// claim claims (for the form's duration) or releases the application through the claim
// package, exactly as `kubectl category claim|release` does, and shows the application again
// with the result. Refusals are the API server's or WriteClaim's own, as the CLI prints them.
func (s *Server) claim(w http.ResponseWriter, r *request, app *qualv1.CategoryApplication, claiming bool, refuse func(int, resultView)) {
	var out bytes.Buffer
	o := &claim.Options{IOStreams: genericiooptions.IOStreams{Out: &out, ErrOut: &out}, Factory: s.cfg.Factory,
		Clock: clock.RealClock{}, Name: app.Name, Namespace: app.Namespace}
	what := "Not released: "
	if claiming {
		what = "Not claimed: "
		d, err := time.ParseDuration(r.PostFormValue("for"))
		if err != nil || d <= 0 {
			refuse(http.StatusBadRequest, resultView{Error: true, Message: what + "choose how long the claim lasts, e.g. 30 minutes."})
			return
		}
		o.For = d
	}
	if err := o.Run(r.Context()); err != nil {
		status := http.StatusBadGateway
		var refusal *decision.Refusal
		if errors.As(err, &refusal) || apierrors.IsForbidden(err) || apierrors.IsInvalid(err) {
			status = http.StatusForbidden
		}
		refuse(status, resultView{Error: true, Message: what + err.Error()})
		return
	}
	http.Redirect(w, r.Request, appPath(app)+"?"+url.Values{"result": {strings.TrimSpace(out.String())}}.Encode(), http.StatusSeeOther)
}

// plainWords turns the command line's messages about flags into the form's words.
func plainWords(msg string) string {
	return strings.NewReplacer("--reason", "the reason", "--message", "the message",
		"--generation", "the generation", "--materials-digest", "the materials digest").Replace(msg)
}

// doneView is the page after a decision: its result and the next application in the queue.
type doneView struct {
	Title    string
	Result   string
	Decision string
	App      string
	Href     string
	Next     *queueRow
}

func (s *Server) done(w http.ResponseWriter, r *request) {
	app, err := s.getApp(r.Context(), r.PathValue("ns"), r.PathValue("name"))
	if err != nil {
		s.apiProblem(w, err)
		return
	}
	decided := "none"
	if d := app.Status.Decision; d != nil {
		cal := s.cfg.Factory.Calendar(r.Context(), s.cfg.Client, s.cfg.Warnings)
		decided = describe.View{App: app, Calendar: cal}.DecisionText(d)
	}
	s.page(w, http.StatusOK, "done", doneView{Title: "Decided", Result: r.URL.Query().Get("result"),
		Decision: decided, App: app.Spec.Merchant.ShopName + " (" + app.Namespace + "/" + app.Name + ")",
		Href: appPath(app), Next: s.next(r.Context(), app)})
}
