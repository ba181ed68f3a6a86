package shards_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/shard"
	"github.com/channelshop/category-operator/test/fixture"
)

func bucketOf(g Gomega, c client.Client, obj client.Object) string {
	g.Expect(c.Get(context.Background(), client.ObjectKeyFromObject(obj), obj)).To(Succeed())
	v, ok := obj.GetLabels()[qualv1.LabelBucket]
	if !ok {
		return "(none)"
	}
	return v
}

// TestBucketLabelFollowsTheNamespace: whatever a merchant sends, an application and a Secret
// carry their namespace's bucket, so a merchant cannot move them to another shard or out of
// all shards. In a namespace without a bucket nothing is added.
func TestBucketLabelFollowsTheNamespace(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	fx.Policies(t)
	ns := bucketNamespace(t, "forge", 7)
	fx.Merchant(t, ns, "fred")
	fred := fx.Client(t, "fred")

	app := fixture.SampleApp(t, ns, "gold", fixture.NextAppID())
	app.Labels = map[string]string{qualv1.LabelBucket: "8"}
	g.Expect(fred.Create(ctx, app)).To(Succeed())
	g.Expect(bucketOf(g, fred, app)).To(Equal("7"), "a forged bucket on create is overwritten")

	for _, forged := range []func(map[string]string){
		func(l map[string]string) { l[qualv1.LabelBucket] = "9" },
		func(l map[string]string) { delete(l, qualv1.LabelBucket) },
	} {
		forged(app.Labels)
		g.Expect(fred.Update(ctx, app)).To(Succeed())
		g.Expect(bucketOf(g, fred, app)).To(Equal("7"), "a changed or removed bucket on update is put back")
	}

	sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "licences"}, StringData: map[string]string{"a": "b"}}
	g.Expect(fred.Create(ctx, sec)).To(Succeed())
	g.Expect(bucketOf(g, fred, sec)).To(Equal("7"), "a Secret gets the bucket too")

	plain := fx.Namespace(t, "no-bucket", nil)
	old := fixture.SampleApp(t, plain, "gold", fixture.NextAppID())
	g.Expect(env.Admin.Create(ctx, old)).To(Succeed())
	g.Expect(bucketOf(g, env.Admin, old)).To(Equal("(none)"), "no bucket where the namespace has none")
}

// TestDuplicateRefusedAcrossShards: the webhook serving as shard 0 of 2 does not cache an
// application in an odd bucket, yet refuses a second one for the same shop and category (D1),
// and still admits another category of the same shop.
func TestDuplicateRefusedAcrossShards(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	fx.Policies(t)
	appID := fixture.NextAppID()
	odd := bucketNamespace(t, "dup-odd", 1)
	even := bucketNamespace(t, "dup-even", 2)
	g.Expect(env.Admin.Create(ctx, fixture.SampleApp(t, odd, "gold", appID))).To(Succeed())
	var cached qualv1.CategoryApplication
	g.Expect(webhooks.GetCache().Get(ctx, types.NamespacedName{Namespace: odd, Name: "gold"}, &cached)).
		To(MatchError(ContainSubstring("not found")), "the webhook's shard does not hold bucket 1")

	err := env.Admin.Create(ctx, fixture.SampleApp(t, even, "gold", appID))
	g.Expect(err).To(MatchError(ContainSubstring("another namespace already applies for shop " + appID + " and this category: one application per shop and category (D1)")))

	other := fixture.SampleApp(t, even, "silver", appID)
	other.Spec.Category.Level2 = "silver"
	g.Expect(env.Admin.Create(ctx, other)).To(Succeed(), "another category of the same shop is no duplicate")
}

// TestLabellerLabelsNamespacesAndReportsOldApplications: shard 0 with --label-namespaces gives
// a bucket (a hash of the name) to a tenant namespace (AppIDs annotation) and to a namespace
// holding an application from before any bucket, warns on that application (no shard sees
// it), which its next update labels; it leaves other namespaces and the platform's own buckets
// alone. The operator may add that label and nothing else to a namespace.
func TestLabellerLabelsNamespacesAndReportsOldApplications(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	fx.Policies(t)
	tenant := fx.Namespace(t, "tenant-annotated", map[string]string{qualv1.AnnotationAppIDs: "wx00000000000000f1"})
	old := fx.Namespace(t, "tenant-old", nil)
	bystander := fx.Namespace(t, "bystander", nil)
	platform := bucketNamespace(t, "tenant-platform", 5)
	oldApp := fixture.SampleApp(t, old, "gold", fixture.NextAppID())
	g.Expect(env.Admin.Create(ctx, oldApp)).To(Succeed())

	startShard(t, 2, 0, true)
	nsBucket := func(g Gomega, name string) string {
		return bucketOf(g, env.Admin, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}})
	}
	fixture.Await(g, func(g Gomega) {
		g.Expect(nsBucket(g, tenant)).To(Equal(shard.BucketLabel(tenant, shard.DefaultBuckets)))
		g.Expect(nsBucket(g, old)).To(Equal(shard.BucketLabel(old, shard.DefaultBuckets)))
		var evs eventsv1.EventList
		g.Expect(env.Admin.List(ctx, &evs, client.InNamespace(old))).To(Succeed())
		g.Expect(evs.Items).To(ContainElement(And(
			HaveField("Reason", "Unsharded"), HaveField("Regarding.Name", "gold"), HaveField("Type", corev1.EventTypeWarning))))
	}).Should(Succeed())
	g.Expect(nsBucket(g, bystander)).To(Equal("(none)"))
	g.Expect(nsBucket(g, platform)).To(Equal("5"))
	g.Expect(bucketOf(g, env.Admin, oldApp)).To(Equal("(none)"), "the operator does not write applications")
	g.Expect(env.Admin.Patch(ctx, oldApp, client.RawPatch(types.MergePatchType, []byte(`{}`)))).To(Succeed())
	g.Expect(bucketOf(g, env.Admin, oldApp)).To(Equal(shard.BucketLabel(old, shard.DefaultBuckets)), "its next update labels it")

	// What the namespace-bucket policy refuses the operator, and the one patch it allows.
	operator := fx.Operator(t)
	patch := func(name, body string) error {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
		return operator.Patch(ctx, ns, client.RawPatch(types.MergePatchType, []byte(body)))
	}
	for name, body := range map[string]string{
		platform:  `{"metadata":{"labels":{"qualification.channelshop.dev/bucket":"6"}}}`,
		bystander: `{"metadata":{"labels":{"qualification.channelshop.dev/bucket":"1","pod-security.kubernetes.io/enforce":"privileged"}}}`,
		tenant:    `{"metadata":{"annotations":{"qualification.channelshop.dev/app-ids":"wx00000000000000f2"}}}`,
	} {
		g.Expect(patch(name, body)).To(MatchError(ContainSubstring("the operator may only add the label qualification.channelshop.dev/bucket to a namespace that has none")), "%s: %s", name, body)
	}
	g.Expect(patch(bystander, `{"metadata":{"labels":{"qualification.channelshop.dev/bucket":"1"}}}`)).To(Succeed())
}

// TestRaceDuplicateMarkedAcrossShards: two applications for one shop and category that raced
// past admission (the validating webhook out of the way) in namespaces of different shards:
// the later one's shard marks it Duplicate although its cache does not hold the original.
func TestRaceDuplicateMarkedAcrossShards(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	fx.Policies(t)
	odd := bucketNamespace(t, "race-odd", 3)
	even := bucketNamespace(t, "race-even", 4)
	startShard(t, 2, 0, false)
	startShard(t, 2, 1, false)
	appID := fixture.NextAppID()

	vwc := &admissionregistrationv1.ValidatingWebhookConfiguration{}
	g.Expect(env.Admin.Get(ctx, client.ObjectKey{Name: env.WebhookInstallOptions.ValidatingWebhooks[0].Name}, vwc)).To(Succeed())
	saved := vwc.DeepCopy()
	saved.ResourceVersion = ""
	g.Expect(env.Admin.Delete(ctx, vwc)).To(Succeed())
	g.Expect(env.Admin.Create(ctx, fixture.SampleApp(t, odd, "first", appID))).To(Succeed())
	time.Sleep(1100 * time.Millisecond) // creation timestamps have second precision
	g.Expect(env.Admin.Create(ctx, fixture.SampleApp(t, even, "second", appID))).To(Succeed())
	g.Expect(env.Admin.Create(ctx, saved)).To(Succeed())

	fixture.Await(g, func(g Gomega) {
		first, second := fx.Get(g, odd, "first"), fx.Get(g, even, "second")
		g.Expect(first.Status.ObservedGeneration).To(Equal(first.Generation))
		g.Expect(first.Status.Phase).NotTo(BeElementOf(qualv1.PhaseDuplicate, qualv1.ApplicationPhase("")))
		g.Expect(second.Status.Phase).To(Equal(qualv1.PhaseDuplicate))
	}).Should(Succeed())
}
