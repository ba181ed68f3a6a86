package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

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
	if err := b.bindRole(ctx, "merchant_role.yaml", merchantUser); err != nil {
		return err
	}
	if err := b.bindRole(ctx, "reviewer_role.yaml", reviewerUser); err != nil {
		return err
	}
	if err := b.installCalendar(ctx); err != nil {
		return err
	}
	if _, err := b.startManager(ctx, managerSpec{}); err != nil {
		return err
	}
	defer b.stopManager()
	n, err := b.installPolicies(ctx)
	if err != nil {
		return err
	}
	say("installed the calendar and %d policies", n)
	return b.waitPoliciesReady(ctx, b.admin, n)
}

// bindRole applies a shipped ClusterRole of config/rbac and binds it to user cluster-wide.
func (b *bench) bindRole(ctx context.Context, file, user string) error {
	objs, err := readObjects(filepath.Join(testenv.RepoRoot(), "config", "rbac", file))
	if err != nil {
		return err
	}
	role := &rbacv1.ClusterRole{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(objs[0].Object, role); err != nil {
		return err
	}
	if err := b.admin.Create(ctx, role); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	return b.admin.Create(ctx, &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: role.Name + "-" + user},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role.Name},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: user}},
	})
}

// installCalendar applies config/calendar/calendar.yaml into the manager's namespace; the
// floor computes review deadlines with the same calendar.
func (b *bench) installCalendar(ctx context.Context) error {
	raw, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "config", "calendar", "calendar.yaml"))
	if err != nil {
		return err
	}
	cm := &corev1.ConfigMap{}
	if err := yaml.UnmarshalStrict(raw, cm); err != nil {
		return fmt.Errorf("config/calendar/calendar.yaml: %w", err)
	}
	if b.calendar, err = calendar.Parse(cm.Data); err != nil {
		return fmt.Errorf("config/calendar/calendar.yaml: %w", err)
	}
	cm.Namespace = testenv.OperatorNamespace
	return b.admin.Create(ctx, cm)
}

// installPolicies creates every policy of config/policies/kustomization.yaml.
func (b *bench) installPolicies(ctx context.Context) (int, error) {
	dir := filepath.Join(testenv.RepoRoot(), "config", "policies")
	raw, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		return 0, err
	}
	var k struct {
		Resources []string `json:"resources"`
	}
	if err := yaml.Unmarshal(raw, &k); err != nil {
		return 0, err
	}
	n := 0
	for _, res := range k.Resources {
		objs, err := readObjects(filepath.Join(dir, res))
		if err != nil {
			return n, err
		}
		for _, u := range objs {
			if err := b.admin.Create(ctx, u); err != nil {
				return n, fmt.Errorf("creating %s from config/policies/%s: %w", u.GetName(), res, err)
			}
			n++
		}
	}
	return n, nil
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

// readObjects decodes every object of a YAML file.
func readObjects(path string) ([]*unstructured.Unstructured, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(raw), 4096)
	var out []*unstructured.Unstructured
	for {
		u := &unstructured.Unstructured{}
		if err := dec.Decode(&u.Object); errors.Is(err, io.EOF) {
			return out, nil
		} else if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if len(u.Object) > 0 {
			out = append(out, u)
		}
	}
}

// poll calls cond every 200ms until it is true, fails, or timeout passes.
func poll(ctx context.Context, timeout time.Duration, cond func() (bool, error)) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		ok, err := cond()
		if err != nil || ok {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}
