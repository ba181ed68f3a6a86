package main

import (
	"context"
	"fmt"
	"k8s.io/apimachinery/pkg/util/wait"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/calendar"
	"github.com/channelshop/category-operator/internal/testenv"
)

const (
	merchantUser = "bench-merchant"
	reviewerUser = "bench-reviewer"
)

// unthrottled is a copy of cfg without client-side rate limiting: the benchmark measures the
// server and the operator, not client-go's token bucket.
func unthrottled(cfg *rest.Config) *rest.Config {
	out := rest.CopyConfig(cfg)
	out.QPS, out.Burst, out.RateLimiter = -1, 1<<20, nil
	return out
}

// setupCluster makes the users and installs what the operator needs: namespace, calendar,
// RBAC for merchant and reviewer, and the default policies (through the policy webhook, so
// a manager serves while they are applied; it also marks them Ready before anything is timed).
func (b *bench) setupCluster(ctx context.Context) error {
	b.adminCfg = unthrottled(b.env.AdminConfig)
	b.operatorCfg = unthrottled(b.env.OperatorConfig)
	var err error
	if b.admin, err = client.New(b.adminCfg, client.Options{Scheme: testenv.Scheme}); err != nil {
		return err
	}
	m, err := b.env.UserConfig(merchantUser)
	if err != nil {
		return err
	}
	r, err := b.env.UserConfig(reviewerUser)
	if err != nil {
		return err
	}
	b.merchantCfg, b.reviewerCfg = unthrottled(m), unthrottled(r)
	if err := b.env.EnsureNamespace(ctx, testenv.OperatorNamespace); err != nil {
		return err
	}
	// The merchant works in many namespaces, so its role is bound cluster-wide here.
	if err := b.env.BindClusterRole(ctx, "merchant_role.yaml", testenv.User(merchantUser)); err != nil {
		return err
	}
	if err := b.env.BindClusterRole(ctx, "reviewer_role.yaml", testenv.User(reviewerUser)); err != nil {
		return err
	}
	// The floor computes review deadlines with the same calendar as the operator.
	cm, err := b.env.InstallCalendar(ctx)
	if err != nil {
		return err
	}
	if b.calendar, err = calendar.Parse(cm.Data); err != nil {
		return fmt.Errorf("config/calendar/calendar.yaml: %w", err)
	}
	if _, err := b.startManager(ctx, managerSpec{}); err != nil {
		return err
	}
	defer b.stopManager()
	policies, err := b.env.InstallPolicies(ctx)
	if err != nil {
		return err
	}
	say("installed the calendar and %d policies", len(policies))
	return b.waitPoliciesReady(ctx, b.admin, len(policies))
}

func (b *bench) waitPoliciesReady(ctx context.Context, r client.Reader, n int) error {
	return poll(ctx, time.Minute, func() (bool, error) {
		var list qualv1.CategoryPolicyList
		if err := r.List(ctx, &list); err != nil {
			return false, err
		}
		ready := 0
		for _, p := range list.Items {
			if meta.IsStatusConditionTrue(p.Status.Conditions, qualv1.ConditionReady) {
				ready++
			}
		}
		return ready == n, nil
	})
}

// poll calls cond every 200ms until it is true, fails, or timeout passes.
func poll(ctx context.Context, timeout time.Duration, cond func() (bool, error)) error {
	return wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, timeout, true,
		func(context.Context) (bool, error) { return cond() })
}
