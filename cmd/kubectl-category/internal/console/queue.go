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
	"github.com/channelshop/category-operator/cmd/kubectl-category/internal/queue"
	"github.com/channelshop/category-operator/internal/calendar"
)

// queueView is the queue page: the CLI's queue (queue.Select: soonest deadline first), with
// a group filter, a search and counts per group.
type queueView struct {
	Title   string
	Group   string
	Search  string
	Groups  []groupCount
	Total   int
	Rows    []queueRow
	Problem string
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
	// Claim is who reviews it and until when; "" while unclaimed (claims plug in here, see
	// the report of issue 24).
	Claim string
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
	v := queueView{Title: "Review queue", Group: r.URL.Query().Get("group"), Search: strings.TrimSpace(r.URL.Query().Get("q"))}
	apps, cal, err := s.listQueue(r.Context())
	if err != nil {
		v.Problem = "Cannot list applications: " + err.Error()
		s.page(w, http.StatusOK, "queue", v)
		return
	}
	all := queue.Select(apps, queue.Filter{}, s.cfg.Now(), cal)
	v.Total = len(all)
	counts := map[string]*groupCount{}
	for _, row := range all {
		g := row.App.Spec.Category.Group
		if counts[g] == nil {
			counts[g] = &groupCount{Group: g, Href: "/?" + url.Values{"group": {g}}.Encode()}
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
		v.Rows = append(v.Rows, queueRow{
			Href: appPath(row.App), Shop: row.App.Spec.Merchant.ShopName, AppID: row.App.Spec.Merchant.AppID,
			Namespace: row.App.Namespace, Name: row.App.Name, Category: row.App.Spec.Category.String(),
			Deadline: deadlineCell(row, cal), Left: leftCell(row), Overdue: row.Overdue, Provisional: row.Provisional,
		})
	}
	s.page(w, http.StatusOK, "queue", v)
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
