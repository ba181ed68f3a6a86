package shards_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/manager/managertest"
	"github.com/channelshop/category-operator/internal/shard"
	"github.com/channelshop/category-operator/internal/testenv"
	"github.com/channelshop/category-operator/test/fixture"
)

// startShard runs shard index of count with controllers only (the webhooks-only manager of
// TestMain serves the webhooks) and stops it when the test ends, unless stopped before.
func startShard(t *testing.T, count, index int, labelNamespaces bool) *testenv.Operator {
	t.Helper()
	o := managertest.Options(env)
	o.Webhooks, o.SkipControllerNameValidation, o.LabelNamespaces = false, true, labelNamespaces
	o.Shards = shard.Shards{Count: count, Index: index, Buckets: shard.DefaultBuckets}
	op, err := managertest.Start(context.Background(), env, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = op.Stop() })
	return op
}

// bucketNamespace creates a namespace labelled with bucket (as the platform would).
func bucketNamespace(t *testing.T, name string, bucket int) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{qualv1.LabelBucket: strconv.Itoa(bucket)}}}
	if err := env.Admin.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	return name
}

// reconciled: the operator processed the application's current generation.
func reconciled(g Gomega, ns, name string) {
	app := fx.Get(g, ns, name)
	g.Expect(app.Status.ObservedGeneration).To(Equal(app.Generation), "%s/%s", ns, name)
}

// cachedNamespaces lists the namespaces, of those given, whose applications op's cache holds,
// and checks that its Secrets (metadata) are of the same namespaces.
func cachedNamespaces(g Gomega, op *testenv.Operator, among []string) []string {
	var list qualv1.CategoryApplicationList
	g.Expect(op.GetCache().List(context.Background(), &list)).To(Succeed())
	var objs []metav1.Object
	for i := range list.Items {
		objs = append(objs, &list.Items[i])
	}
	secrets := &metav1.PartialObjectMetadataList{}
	secrets.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("SecretList"))
	g.Expect(op.GetCache().List(context.Background(), secrets)).To(Succeed())
	var secretObjs []metav1.Object
	for i := range secrets.Items {
		secretObjs = append(secretObjs, &secrets.Items[i])
	}
	out := namespacesOf(objs, among)
	g.Expect(namespacesOf(secretObjs, among)).To(Equal(out), "the Secrets cached are those of the same namespaces")
	return out
}

func namespacesOf(objs []metav1.Object, among []string) []string {
	var out []string
	for _, o := range objs {
		if slices.Contains(among, o.GetNamespace()) && !slices.Contains(out, o.GetNamespace()) {
			out = append(out, o.GetNamespace())
		}
	}
	slices.Sort(out)
	return out
}

// TestShardsReconcileTheirOwnNamespacesAndACountChangeLosesNothing: with 2 shards each caches
// and reconciles the namespaces of its buckets only; after both stop, applications changed
// meanwhile are all reconciled by 3 shards, each again holding its own share.
func TestShardsReconcileTheirOwnNamespacesAndACountChangeLosesNothing(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	fx.Policies(t)
	var namespaces []string
	for b := range 6 {
		ns := bucketNamespace(t, fmt.Sprintf("split-%d", b), b)
		namespaces = append(namespaces, ns)
		fx.Secrets(t, ns)
		g.Expect(env.Admin.Create(ctx, fixture.SampleApp(t, ns, "gold", fixture.NextAppID()))).To(Succeed())
	}
	// buckets of namespaces, by shard, for count shards
	owned := func(count, index int) []string {
		var out []string
		for b, ns := range namespaces {
			if b%count == index {
				out = append(out, ns)
			}
		}
		return out
	}

	zero := startShard(t, 2, 0, false)
	for _, ns := range owned(2, 0) {
		fixture.Await(g, func(g Gomega) { reconciled(g, ns, "gold") }).Should(Succeed())
	}
	g.Expect(cachedNamespaces(g, zero, namespaces)).To(Equal(owned(2, 0)))
	for _, ns := range owned(2, 1) {
		g.Expect(fx.Get(g, ns, "gold").Status.ObservedGeneration).To(BeZero(), "shard 0 of 2 left %s alone", ns)
	}
	one := startShard(t, 2, 1, false)
	for _, ns := range owned(2, 1) {
		fixture.Await(g, func(g Gomega) { reconciled(g, ns, "gold") }).Should(Succeed())
	}
	g.Expect(cachedNamespaces(g, one, namespaces)).To(Equal(owned(2, 1)))

	// No shard runs while every application changes; then 3 shards take over.
	g.Expect(zero.Stop()).To(Succeed())
	g.Expect(one.Stop()).To(Succeed())
	for _, ns := range namespaces {
		app := fx.Get(g, ns, "gold")
		app.Spec.Merchant.ShopName += " (renamed)"
		g.Expect(env.Admin.Update(ctx, app)).To(Succeed())
		g.Expect(app.Status.ObservedGeneration).To(BeNumerically("<", app.Generation))
	}
	for i := range 3 {
		op := startShard(t, 3, i, false)
		g.Expect(cachedNamespaces(g, op, namespaces)).To(Equal(owned(3, i)))
	}
	for _, ns := range namespaces {
		fixture.Await(g, func(g Gomega) { reconciled(g, ns, "gold") }).Should(Succeed())
	}
}
