package console

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/cmd/kubectl-category/internal/describe"
	"github.com/channelshop/category-operator/cmd/kubectl-category/internal/queue"
	"github.com/channelshop/category-operator/internal/calendar"
)

// queueView is the queue page: the CLI's queue (queue.Select: soonest deadline first), with
// a group filter, a search, counts per group, and the claim filters of queue --mine and
// --unclaimed (D30).
type queueView struct {
	Title  string
	Group  string
	Search string
	// Claimed is the claim filter: "", "mine" or "unclaimed".
	Claimed string
	Claims  []claimFilter
	// AllGroups is the link that drops the group filter and keeps the others.
	AllGroups string
	Groups    []groupCount
	Total     int
	Rows      []queueRow
	// FourEyes: a row needs more than one approval, so the table has an Approvals column (D31).
	FourEyes bool
	Problem  string
}

// claimFilter is one of the links that narrow the queue by claim, as queue --mine and
// --unclaimed do.
type claimFilter struct {
	Label    string
	Href     string
	Selected bool
}

type groupCount struct {
	Group    string
	Count    int
	Overdue  int
	Selected bool
	Href     string
}

type queueRow struct {
	Href        string
	Shop        string
	AppID       string
	Namespace   string
	Name        string
	Category    string
	Deadline    string
	Left        string
	Overdue     bool
	Provisional bool
	// Claim is who reviews it and until when, as queue's CLAIM column says; "" while
	// unclaimed. ClaimMine: the reviewer's own claim.
	Claim     string
	ClaimMine bool
	// Approvals is the four-eyes count, "1 of 2 approvals (alice)"; "" when one approval
	// decides the round (D31).
	Approvals string
}

// listQueue is what the reviewer may see under review: all namespaces when they may list
// them, else the namespace of their kubeconfig context (or -n), as `queue` without -A.
func (s *Server) listQueue(ctx context.Context) ([]qualv1.CategoryApplication, *calendar.Calendar, error) {
	var list qualv1.CategoryApplicationList
	err := s.cfg.Client.List(ctx, &list)
	if apierrors.IsForbidden(err) {
		ns, nsErr := s.cfg.Factory.Namespace()
		if nsErr != nil {
			return nil, nil, nsErr
		}
		err = s.cfg.Client.List(ctx, &list, client.InNamespace(ns))
	}
	if err != nil {
		return nil, nil, err
	}
	return list.Items, s.cfg.Factory.Calendar(ctx, s.cfg.Client, s.cfg.Warnings), nil
}

func (s *Server) queue(w http.ResponseWriter, r *request) {
	q := r.URL.Query()
	v := queueView{Title: "Review queue", Group: q.Get("group"), Search: strings.TrimSpace(q.Get("q")), Claimed: q.Get("claimed")}
	filter := queue.Filter{Mine: v.Claimed == "mine", Unclaimed: v.Claimed == "unclaimed"}
	if !filter.Mine && !filter.Unclaimed {
		v.Claimed = ""
	}
	for _, c := range []struct{ label, value string }{{"Everyone's", ""}, {"Claimed by me", "mine"}, {"Unclaimed", "unclaimed"}} {
		v.Claims = append(v.Claims, claimFilter{Label: c.label, Selected: c.value == v.Claimed,
			Href: queueHref(url.Values{"group": {v.Group}, "q": {v.Search}, "claimed": {c.value}})})
	}
	v.AllGroups = queueHref(url.Values{"q": {v.Search}, "claimed": {v.Claimed}})
	me := s.whoAmI(r.Context())
	filter.Me = me
	apps, cal, err := s.listQueue(r.Context())
	if err != nil {
		v.Problem = "Cannot list applications: " + err.Error()
		s.page(w, http.StatusOK, "queue", v)
		return
	}
	all := queue.Select(apps, filter, s.cfg.Now(), cal)
	v.Total = len(all)
	counts := map[string]*groupCount{}
	for _, row := range all {
		g := row.App.Spec.Category.Group
		if counts[g] == nil {
			counts[g] = &groupCount{Group: g, Href: queueHref(url.Values{"group": {g}, "claimed": {v.Claimed}})}
		}
		counts[g].Count++
		if row.Overdue {
			counts[g].Overdue++
		}
	}
	for _, c := range counts {
		c.Selected = c.Group == v.Group
		v.Groups = append(v.Groups, *c)
	}
	slices.SortFunc(v.Groups, func(a, b groupCount) int { return strings.Compare(a.Group, b.Group) })
	for _, row := range all {
		if v.Group != "" && row.App.Spec.Category.Group != v.Group || !matches(row.App, v.Search) {
			continue
		}
		qr := queueRow{
			Href: appPath(row.App), Shop: row.App.Spec.Merchant.ShopName, AppID: row.App.Spec.Merchant.AppID,
			Namespace: row.App.Namespace, Name: row.App.Name, Category: row.App.Spec.Category.String(),
			Deadline: deadlineCell(row, cal), Left: leftCell(row), Overdue: row.Overdue, Provisional: row.Provisional,
			Approvals: describe.ApprovalCount(row.App),
		}
		if who, claimed := row.App.Status.ClaimedBy(); claimed {
			qr.Claim, qr.ClaimMine = queue.FormatClaim(row.App, cal.Location()), who == me
		}
		v.FourEyes = v.FourEyes || qr.Approvals != ""
		v.Rows = append(v.Rows, qr)
	}
	s.page(w, http.StatusOK, "queue", v)
}

// queueHref is the queue's address with the non-empty values of the filters.
func queueHref(filters url.Values) string {
	for k, v := range filters {
		if len(v) == 0 || v[0] == "" {
			delete(filters, k)
		}
	}
	if len(filters) == 0 {
		return "/"
	}
	return "/?" + filters.Encode()
}

// matches is the search: a shop name or AppID containing the words, case-insensitively.
func matches(app *qualv1.CategoryApplication, search string) bool {
	if search == "" {
		return true
	}
	search = strings.ToLower(search)
	return strings.Contains(strings.ToLower(app.Spec.Merchant.ShopName), search) ||
		strings.Contains(strings.ToLower(app.Spec.Merchant.AppID), search)
}

func deadlineCell(r queue.Row, cal *calendar.Calendar) string {
	if r.Deadline.IsZero() {
		return "none"
	}
	return cal.FormatDeadline(r.Deadline)
}

// leftCell says the working days left in words.
func leftCell(r queue.Row) string {
	switch {
	case r.Deadline.IsZero():
		return ""
	case r.Overdue:
		return fmt.Sprintf("overdue by %.1f working days", -r.Left)
	}
	return fmt.Sprintf("%.1f working days left", r.Left)
}

func appPath(app *qualv1.CategoryApplication) string {
	return "/app/" + url.PathEscape(app.Namespace) + "/" + url.PathEscape(app.Name)
}

// next is the application after app in the queue (or the first one, when app is not in it):
// where a reviewer goes after deciding.
func (s *Server) next(ctx context.Context, app *qualv1.CategoryApplication) *queueRow {
	apps, cal, err := s.listQueue(ctx)
	if err != nil {
		return nil
	}
	for _, row := range queue.Select(apps, queue.Filter{}, s.cfg.Now(), cal) {
		if row.App.Namespace == app.Namespace && row.App.Name == app.Name {
			continue
		}
		return &queueRow{Href: appPath(row.App), Shop: row.App.Spec.Merchant.ShopName, Namespace: row.App.Namespace,
			Name: row.App.Name, Category: row.App.Spec.Category.String(), Left: leftCell(row), Overdue: row.Overdue}
	}
	return nil
}
