package chaos

import (
	"context"
	"fmt"
	"sort"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/controllers"
	"github.com/channelshop/category-operator/internal/manager"
	"github.com/channelshop/category-operator/internal/notify"
)

// RepeatsPerKill bounds the notifications one kill may make the next manager send again: the
// delivery controller records each send before the next, so only the sends in flight, one
// per delivery worker (--delivery-workers), can be acknowledged but not yet recorded.
func (o Options) RepeatsPerKill() int {
	if o.DeliveryWorkers > 0 {
		return o.DeliveryWorkers
	}
	return manager.DefaultOptions().DeliveryWorkers
}

// want is the end state a plan must reach.
type want struct {
	gen    int64
	phase  qualv1.ApplicationPhase
	listed bool
	// events are the notifications the history makes, per generation, each to the merchant's
	// sink and, for Submitted, the reviewers' too.
	events map[int64][]qualv1.NotificationEvent
}

func wantOf(p plan) want {
	submitted := []qualv1.NotificationEvent{qualv1.EventSubmitted}
	approved := []qualv1.NotificationEvent{qualv1.EventSubmitted, qualv1.EventApproved, qualv1.EventListed}
	rejected := []qualv1.NotificationEvent{qualv1.EventSubmitted, qualv1.EventRejected}
	switch p {
	case planApprove:
		return want{1, qualv1.PhaseApproved, true, map[int64][]qualv1.NotificationEvent{1: approved}}
	case planReject:
		return want{1, qualv1.PhaseRejected, false, map[int64][]qualv1.NotificationEvent{1: rejected}}
	case planResubmitApprove:
		return want{2, qualv1.PhaseApproved, true, map[int64][]qualv1.NotificationEvent{1: rejected, 2: approved}}
	default:
		return want{2, qualv1.PhaseUnderReview, false, map[int64][]qualv1.NotificationEvent{1: rejected, 2: submitted}}
	}
}

// check compares what the API server holds and what the sink received with what the
// lifecycle must have made, fills res's figures and replaces res.Failures.
func (c *cluster) check(ctx context.Context, apps []app, res *Result, kills int) *Result {
	var fail []string
	failf := func(format string, a ...any) { fail = append(fail, fmt.Sprintf(format, a...)) }
	var appList qualv1.CategoryApplicationList
	var listings qualv1.ShowcaseListingList
	if err := c.admin.List(ctx, &appList); err != nil {
		res.Failures = []string{"listing applications: " + err.Error()}
		return res
	}
	if err := c.admin.List(ctx, &listings); err != nil {
		res.Failures = []string{"listing listings: " + err.Error()}
		return res
	}
	byKey := map[client.ObjectKey]*qualv1.CategoryApplication{}
	for i := range appList.Items {
		byKey[client.ObjectKeyFromObject(&appList.Items[i])] = &appList.Items[i]
	}
	listingsOf := map[client.ObjectKey][]*qualv1.ShowcaseListing{}
	for i := range listings.Items {
		l := &listings.Items[i]
		owner := metav1.GetControllerOf(l)
		if owner == nil {
			failf("listing %s has no controller", client.ObjectKeyFromObject(l))
			continue
		}
		k := client.ObjectKey{Namespace: l.Namespace, Name: owner.Name}
		listingsOf[k] = append(listingsOf[k], l)
	}
	res.Approved, res.Listings, res.Active = 0, len(listings.Items), 0
	res.Ledger, res.Delivered = 0, 0
	// Notifications of every application (a probe's too): each delivered, and the sink got
	// each at least once under its key.
	ledgerKeys := map[string]bool{}
	for i := range appList.Items {
		obj := &appList.Items[i]
		for _, r := range obj.Status.Notifications {
			res.Ledger++
			key := idempotencyKey(obj, &r)
			ledgerKeys[key] = true
			if r.State != qualv1.DeliveryDelivered {
				failf("%s: notification %s of generation %d to %s is %s (%s)", client.ObjectKeyFromObject(obj), r.Event, r.Generation, r.Sink, r.State, r.LastError)
				continue
			}
			res.Delivered++
			if c.sink.allKeysHas(key) == 0 {
				failf("%s: notification %s of generation %d to %s is Delivered but the sink never got its key", client.ObjectKeyFromObject(obj), r.Event, r.Generation, r.Sink)
			}
		}
	}
	for _, a := range apps {
		w := wantOf(a.plan)
		obj := byKey[a.key]
		if obj == nil {
			failf("%s: missing", a.key)
			continue
		}
		if obj.Generation != w.gen || obj.Status.ObservedGeneration != w.gen || obj.Status.Phase != w.phase {
			failf("%s (%s): generation %d observed %d phase %s; want generation %d %s",
				a.key, a.plan, obj.Generation, obj.Status.ObservedGeneration, obj.Status.Phase, w.gen, w.phase)
		}
		if obj.Status.Phase == qualv1.PhaseApproved {
			res.Approved++
		}
		ls := listingsOf[a.key]
		switch {
		case w.listed && len(ls) != 1:
			failf("%s (%s): %d listings, want exactly 1", a.key, a.plan, len(ls))
		case !w.listed && len(ls) != 0:
			failf("%s (%s): %d listings, want none", a.key, a.plan, len(ls))
		case w.listed:
			l := ls[0]
			if l.Status.State == qualv1.ListingActive {
				res.Active++
			}
			if l.Status.State != qualv1.ListingActive || l.Spec.ApprovedGeneration != w.gen {
				failf("%s (%s): listing %s is %s for generation %d; want Active for %d", a.key, a.plan, l.Name, l.Status.State, l.Spec.ApprovedGeneration, w.gen)
			}
			if !meta.IsStatusConditionTrue(obj.Status.Conditions, qualv1.ConditionListed) {
				failf("%s (%s): condition Listed is not True", a.key, a.plan)
			}
		}
		inLedger := map[string]bool{}
		for _, r := range obj.Status.Notifications {
			inLedger[fmt.Sprintf("%d/%s/%s", r.Generation, r.Event, r.Sink)] = true
		}
		for gen, events := range w.events {
			for _, e := range events {
				sinks := []string{"secret/" + notifySecret}
				if e == qualv1.EventSubmitted {
					sinks = append(sinks, controllers.ReviewerSink)
				}
				for _, s := range sinks {
					if !inLedger[fmt.Sprintf("%d/%s/%s", gen, e, s)] {
						failf("%s (%s): no notification %s of generation %d to %s", a.key, a.plan, e, gen, s)
					}
				}
			}
		}
	}
	for k, ls := range listingsOf {
		if _, ok := byKey[k]; !ok {
			failf("%d listings of %s, which does not exist", len(ls), k)
		}
	}
	if res.Listings != res.Approved {
		failf("%d listings for %d approved applications", res.Listings, res.Approved)
	}
	res.Posts, res.Keys, res.Duplicates = c.sink.counts()
	res.MaxRepeats = 0
	var unknown []string
	for k, n := range c.sink.allKeys() {
		res.MaxRepeats = max(res.MaxRepeats, n)
		if !ledgerKeys[k] {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	if len(unknown) > 0 {
		failf("%d keys received that no ledger record has, e.g. %s", len(unknown), unknown[0])
	}
	if res.Keys != res.Ledger {
		failf("the sink acted on %d distinct keys for %d notifications", res.Keys, res.Ledger)
	}
	if bound := res.RepeatsPerKill(); res.Duplicates > kills*bound {
		failf("%d repeated deliveries (same Idempotency-Key) after %d kills or outages: more than %d per disruption", res.Duplicates, kills, bound)
	}
	if c.sink.noKeyCount() > 0 {
		failf("%d POSTs without an Idempotency-Key", c.sink.noKeyCount())
	}
	res.Failures = fail
	return res
}

// idempotencyKey is the key the operator sends a record with.
func idempotencyKey(app *qualv1.CategoryApplication, r *qualv1.NotificationRecord) string {
	return notify.RecordIdempotencyKey(app.UID, r)
}
