package main

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/controllers"
	"github.com/channelshop/category-operator/internal/index"
	"github.com/channelshop/category-operator/internal/manager/managertest"
	"github.com/channelshop/category-operator/internal/testenv"
)

// approvalMessage is the reviewer's message in both runs.
const approvalMessage = "materials verified (benchmark)"

// result is one measured run: its phases, and what each identity sent.
type result struct {
	name       string
	operator   bool // an operator run; else a floor run
	n          int
	seconds    float64
	phases     []phaseTime
	identities map[string]snapshot // merchant, reviewer, operator
	server     serverSample
	cpu        cpuSample
	reconciles map[string]float64 // by result; the operator run only
	// lastCreate, lastDecision and lastResubmission are when the operator run's last create,
	// first decision and approval of a resubmission returned, in seconds since their phase began.
	lastCreate, lastDecision, lastResubmission float64
}

// clients are plain clients of the three identities, each counted.
type clients struct {
	merchant, reviewer, operator client.Client
	counts                       map[string]*counter
}

func (b *bench) newClients() (*clients, error) {
	c := &clients{counts: map[string]*counter{"merchant": newCounter(), "reviewer": newCounter(), "operator": newCounter()}}
	for _, x := range []struct {
		into *client.Client
		cfg  *rest.Config
		who  string
	}{{&c.merchant, b.merchantCfg, "merchant"}, {&c.reviewer, b.reviewerCfg, "reviewer"}, {&c.operator, b.operatorCfg, "operator"}} {
		cl, err := client.New(c.counts[x.who].config(x.cfg), client.Options{Scheme: testenv.Scheme})
		if err != nil {
			return nil, err
		}
		*x.into = cl
	}
	return c, nil
}

// runFloor makes the lifecycle's writes with plain clients while a manager serves only the
// webhooks: each worker takes one application through create, UnderReview, decision,
// listing, listing Active and Ready, in the order the reconciler writes them (a rejected one
// through create, UnderReview, rejection, Rejected, edit, UnderReview, then the same).
func (b *bench) runFloor(ctx context.Context, refs []appRef, t *tracker, name string) (*result, error) {
	hooks := newCounter()
	op, err := b.startManager(ctx, managerSpec{webhooksOnly: true, count: hooks})
	if err != nil {
		return nil, err
	}
	defer b.stopManager()
	if err := b.warmUp(ctx, op.GetClient()); err != nil {
		return nil, err
	}
	c, err := b.newClients()
	if err != nil {
		return nil, err
	}
	res := &result{name: name, n: len(refs)}
	s0, err := b.scrapeServer(ctx)
	if err != nil {
		return nil, err
	}
	counts := map[string]*counter{"merchant": c.counts["merchant"], "reviewer": c.counts["reviewer"],
		"operator": c.counts["operator"], "webhooks": hooks}
	cpu0, m0 := sampleCPU(), markNow(counts)
	if err := pool(ctx, b.concurrency, len(refs), name, func(ctx context.Context, i int) error {
		return b.floorOne(ctx, c, refs[i], rejected(i))
	}); err != nil {
		return nil, err
	}
	m1 := markNow(counts)
	res.seconds = m1.at.Sub(m0.at).Seconds()
	res.cpu = sampleCPU().minus(cpu0)
	s1, err := b.scrapeServer(ctx)
	if err != nil {
		return nil, err
	}
	res.server = s1.minus(s0)
	res.phases = []phaseTime{phase(name+": every write of the lifecycle", m0, m1, true)}
	res.identities = map[string]snapshot{"merchant": m1.counts["merchant"], "reviewer": m1.counts["reviewer"],
		"operator": merge(m1.counts["operator"], m1.counts["webhooks"])}
	// Not timed: every application must have ended where the operator's end, or the floor
	// did not do the same work.
	return res, t.wait(ctx, name, refs, stateListed, time.Minute)
}

// warmUp makes the webhooks' cache start the informers they read, as a running operator
// has them started already, so the first timed writes do not wait for informers to sync.
func (b *bench) warmUp(ctx context.Context, c client.Client) error {
	var apps qualv1.CategoryApplicationList
	if err := c.List(ctx, &apps, client.MatchingFields{index.DuplicateKeyField: "warm-up"}); err != nil {
		return err
	}
	var pol qualv1.CategoryPolicy
	if err := c.Get(ctx, client.ObjectKey{Name: b.template.Spec.Category.Group}, &pol); err != nil {
		return err
	}
	b.reviewDays = int(pol.Spec.ReviewDays.For(b.template.Spec.Channel))
	if b.reviewDays <= 0 {
		b.reviewDays = 5 // the operator's default (D5)
	}
	return c.Get(ctx, client.ObjectKey{Namespace: testenv.OperatorNamespace, Name: managertest.Options(b.env).CalendarConfigMap}, &corev1.ConfigMap{})
}

// floorOne takes one application through its writes; a rejected one first goes through the
// rejection, the status that reflects it, the merchant's edit and the new round.
func (b *bench) floorOne(ctx context.Context, c *clients, r appRef, rejectFirst bool) error {
	owner := client.FieldOwner(controllers.FieldManager)
	locked := client.MergeFromWithOptimisticLock{}
	app := b.newApp(r)
	if err := c.merchant.Create(ctx, app); err != nil {
		return fmt.Errorf("floor: creating %s: %w", r.key, err)
	}
	// SubmittedStatus is the reconciler's whole status step for an application meeting its
	// requirements: a new round for a new generation, or the decision on the current one.
	submit := func(what string) error {
		before := app.DeepCopy()
		controllers.SubmittedStatus(app, b.secretSums, time.Now(), b.calendar, int32(b.reviewDays))
		if err := c.operator.Status().Patch(ctx, app, client.MergeFromWithOptions(before, locked), owner); err != nil {
			return fmt.Errorf("floor: %s to %s: %w", r.key, what, err)
		}
		return nil
	}
	if err := submit("UnderReview"); err != nil {
		return err
	}
	var err error
	if rejectFirst {
		if app, err = reject(ctx, c.reviewer, r.key); err != nil {
			return fmt.Errorf("floor: %w", err)
		}
		if err := submit("Rejected"); err != nil {
			return err
		}
		if err := edit(ctx, c.merchant, app); err != nil {
			return fmt.Errorf("floor: %w", err)
		}
		if err := submit("UnderReview again"); err != nil {
			return err
		}
	}
	if app, err = approve(ctx, c.reviewer, r.key); err != nil {
		return fmt.Errorf("floor: %w", err)
	}
	l := controllers.DesiredListing(app, app.Status.Decision, app.Status.ListingFacts, nil, testenv.Scheme, metav1.Now())
	if err := c.operator.Create(ctx, l, owner); err != nil {
		return fmt.Errorf("floor: creating the listing of %s: %w", r.key, err)
	}
	lBefore := l.DeepCopy()
	controllers.SetListingState(l, qualv1.ListingActive, qualv1.ReasonListingActive)
	if err := c.operator.Status().Patch(ctx, l, client.MergeFrom(lBefore), owner); err != nil {
		return fmt.Errorf("floor: activating the listing of %s: %w", r.key, err)
	}
	before := app.DeepCopy()
	controllers.ListedStatus(app, l, time.Now(), b.calendar)
	if err := c.operator.Status().Patch(ctx, app, client.MergeFromWithOptions(before, locked), owner); err != nil {
		return fmt.Errorf("floor: %s to Ready: %w", r.key, err)
	}
	return nil
}

// merge adds two snapshots.
func merge(a, b snapshot) snapshot {
	out := snapshot{writes: map[string]int{}, failures: map[string]int{}, conflicts: a.conflicts + b.conflicts, reads: a.reads + b.reads}
	for _, s := range []snapshot{a, b} {
		for k, v := range s.writes {
			out.writes[k] += v
		}
		for k, v := range s.failures {
			out.failures[k] += v
		}
	}
	return out
}
