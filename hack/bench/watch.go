package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/testenv"
)

// tracker follows applications and listings through one watch each, so waiting for a state
// costs the API server a watch, not a List of every application every 200ms. It runs in the
// floor too, so both runs carry the same watch.
type tracker struct {
	mu       sync.Mutex
	apps     map[client.ObjectKey]appView
	listings map[client.ObjectKey]bool // Active
	cancel   context.CancelFunc
	done     chan struct{}
}

type appView struct{ underReview, rejected, ready bool }

func startTracker(ctx context.Context, cfg *rest.Config) (*tracker, error) {
	c, err := cache.New(cfg, cache.Options{Scheme: testenv.Scheme, DefaultTransform: keepStatus})
	if err != nil {
		return nil, err
	}
	t := &tracker{apps: map[client.ObjectKey]appView{}, listings: map[client.ObjectKey]bool{}, done: make(chan struct{})}
	for _, obj := range []client.Object{&qualv1.CategoryApplication{}, &qualv1.ShowcaseListing{}} {
		inf, err := c.GetInformer(ctx, obj)
		if err != nil {
			return nil, err
		}
		if _, err := inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
			AddFunc: t.set, UpdateFunc: func(_, o any) { t.set(o) }, DeleteFunc: t.delete,
		}); err != nil {
			return nil, err
		}
	}
	cctx, cancel := context.WithCancel(context.Background())
	t.cancel = cancel
	go func() { defer close(t.done); _ = c.Start(cctx) }()
	if !c.WaitForCacheSync(ctx) {
		t.stop()
		return nil, fmt.Errorf("the benchmark's watch did not sync")
	}
	return t, nil
}

// keepStatus drops what the tracker does not read, so its informers stay small.
func keepStatus(obj any) (any, error) {
	switch o := obj.(type) {
	case *qualv1.CategoryApplication:
		o.ManagedFields, o.Annotations, o.Spec = nil, nil, qualv1.CategoryApplicationSpec{}
		o.Status = qualv1.CategoryApplicationStatus{Phase: o.Status.Phase, ObservedGeneration: o.Status.ObservedGeneration,
			Conditions: o.Status.Conditions}
	case *qualv1.ShowcaseListing:
		o.ManagedFields, o.Spec = nil, qualv1.ShowcaseListingSpec{}
		o.Status = qualv1.ShowcaseListingStatus{State: o.Status.State}
	}
	return obj, nil
}

func (t *tracker) set(obj any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch o := obj.(type) {
	case *qualv1.CategoryApplication:
		current := o.Status.ObservedGeneration == o.Generation
		t.apps[client.ObjectKeyFromObject(o)] = appView{
			underReview: current && o.Status.Phase == qualv1.PhaseUnderReview,
			rejected:    current && o.Status.Phase == qualv1.PhaseRejected,
			ready: current && o.Status.Phase == qualv1.PhaseApproved &&
				meta.IsStatusConditionTrue(o.Status.Conditions, qualv1.ConditionReady),
		}
	case *qualv1.ShowcaseListing:
		t.listings[client.ObjectKeyFromObject(o)] = o.Status.State == qualv1.ListingActive
	}
}

func (t *tracker) delete(obj any) {
	if d, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	switch o := obj.(type) {
	case *qualv1.CategoryApplication:
		delete(t.apps, client.ObjectKeyFromObject(o))
	case *qualv1.ShowcaseListing:
		delete(t.listings, client.ObjectKeyFromObject(o))
	}
}

// state is what a wait waits for.
type state int

const (
	stateUnderReview state = iota // phase UnderReview for the current generation
	stateListed                   // Ready (approved and listed) with an Active listing
	stateGone                     // deleted, listing too
	stateRejected                 // phase Rejected for the current generation
)

func (s state) String() string {
	return [...]string{"UnderReview", "Ready with an Active listing", "deleted", "Rejected"}[s]
}

func (t *tracker) count(refs []appRef, s state) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, r := range refs {
		v, exists := t.apps[r.key]
		switch s {
		case stateUnderReview:
			if v.underReview {
				n++
			}
		case stateListed:
			if v.ready && t.listings[r.key] {
				n++
			}
		case stateGone:
			if _, listed := t.listings[r.key]; !exists && !listed {
				n++
			}
		case stateRejected:
			if v.rejected {
				n++
			}
		}
	}
	return n
}

// wait returns once every ref is in state s, printing progress every 10 seconds.
func (t *tracker) wait(ctx context.Context, label string, refs []appRef, s state, timeout time.Duration) error {
	start, last := time.Now(), time.Now()
	err := poll(ctx, timeout, func() (bool, error) {
		n := t.count(refs, s)
		if time.Since(last) >= 10*time.Second {
			last = time.Now()
			say("  %s: %d/%d %s", label, n, len(refs), s)
		}
		return n == len(refs), nil
	})
	if err != nil {
		return fmt.Errorf("%s: %d/%d %s after %s: %w", label, t.count(refs, s), len(refs), s, time.Since(start).Round(time.Second), err)
	}
	return nil
}

// stop ends the watch and drops what it held.
func (t *tracker) stop() {
	t.cancel()
	<-t.done
	t.mu.Lock()
	t.apps, t.listings = nil, nil
	t.mu.Unlock()
}
