package controllers

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/recorder"
	"sigs.k8s.io/controller-runtime/pkg/source"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/shard"
)

// The labeller may patch namespaces, and the admission policy namespace-bucket
// (config/admission-policies/shard-bucket.yaml) lets it add the bucket label and nothing else.
// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get;list;watch;patch

// Event reasons of the labeller.
const (
	// ReasonUnsharded: an application has no bucket label (it is older than its namespace's
	// bucket), so no shard sees it until it is updated or labelled.
	ReasonUnsharded = "Unsharded"
	// ReasonInvalidBucket: a namespace's bucket label names no bucket, so no shard sees it.
	ReasonInvalidBucket = "InvalidBucket"
)

// BucketLabeller gives namespaces their shard bucket (internal/shard) where the platform did
// not: each namespace with the AppIDs annotation (every tenant's, when
// --require-namespace-app-ids is on) or holding an application without a bucket label. It
// does not label objects: the operator may not change applications or Secrets, and should
// not. An application without the label, which no shard sees, gets a warning event instead
// until its next update (the admission policy labels it) or `hack/shard-label.sh`. It runs on
// one leader only (shard 0's).
type BucketLabeller struct {
	client.Client
	Recorder recorder.EventRecorder
	Buckets  int
	// Sharded: warn on unlabelled applications (unsharded, the one manager sees them anyway).
	Sharded bool
	// unlabelled caches the metadata of applications without a bucket label, all shards'.
	unlabelled cache.Cache
}

// SetupWithManager watches namespaces (metadata) and, through a cache of its own (the
// manager's selects by bucket), the metadata of unlabelled applications.
func (r *BucketLabeller) SetupWithManager(mgr ctrl.Manager) error {
	c, err := cache.New(mgr.GetConfig(), cache.Options{Scheme: mgr.GetScheme(), Mapper: mgr.GetRESTMapper(),
		DefaultLabelSelector: shard.Unlabelled()})
	if err != nil {
		return err
	}
	if err := mgr.Add(c); err != nil {
		return err
	}
	r.unlabelled = c
	return ctrl.NewControllerManagedBy(mgr).Named("namespace-buckets").
		For(&corev1.Namespace{}, builder.OnlyMetadata).
		WatchesRawSource(source.Kind(c, client.Object(appMetadata()), handler.EnqueueRequestsFromMapFunc(
			func(_ context.Context, o client.Object) []reconcile.Request {
				return []reconcile.Request{{NamespacedName: types.NamespacedName{Name: o.GetNamespace()}}}
			}))).
		Complete(r)
}

func appMetadata() *metav1.PartialObjectMetadata {
	m := &metav1.PartialObjectMetadata{}
	m.SetGroupVersionKind(qualv1.GroupVersion.WithKind("CategoryApplication"))
	return m
}

// Reconcile labels the namespace if it needs a bucket and reports its unlabelled applications.
func (r *BucketLabeller) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	ns := &metav1.PartialObjectMetadata{}
	ns.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Namespace"))
	if err := r.Get(ctx, req.NamespacedName, ns); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	apps := &metav1.PartialObjectMetadataList{}
	apps.SetGroupVersionKind(qualv1.GroupVersion.WithKind("CategoryApplicationList"))
	if err := r.unlabelled.List(ctx, apps, client.InNamespace(ns.Name)); err != nil {
		return ctrl.Result{}, err
	}
	bucket, labelled := ns.Labels[qualv1.LabelBucket]
	if !labelled {
		if _, tenant := ns.Annotations[qualv1.AnnotationAppIDs]; !tenant && len(apps.Items) == 0 {
			return ctrl.Result{}, nil
		}
		bucket = shard.BucketLabel(ns.Name, r.Buckets)
		if err := r.Patch(ctx, ns, labelPatch(bucket)); err != nil {
			return ctrl.Result{}, fmt.Errorf("labelling namespace %s with bucket %s: %w", ns.Name, bucket, err)
		}
	}
	if !shard.ValidBucket(bucket, r.Buckets) {
		r.Recorder.Eventf(ns, nil, corev1.EventTypeWarning, ReasonInvalidBucket, "Shard",
			"label %s=%q names no bucket of 0..%d: no shard reconciles this namespace's applications", qualv1.LabelBucket, bucket, r.Buckets-1)
		return ctrl.Result{}, nil
	}
	for i := range apps.Items {
		if !r.Sharded {
			break
		}
		app := &apps.Items[i]
		app.SetGroupVersionKind(qualv1.GroupVersion.WithKind("CategoryApplication")) // list items may come without
		r.Recorder.Eventf(app, nil, corev1.EventTypeWarning, ReasonUnsharded, "Shard",
			"no label %s: no shard reconciles this application until it has one; its next update copies its namespace's (bucket %s), or the platform runs hack/shard-label.sh", qualv1.LabelBucket, bucket)
	}
	return ctrl.Result{}, nil
}

// labelPatch sets the bucket label and nothing else.
func labelPatch(bucket string) client.Patch {
	return client.RawPatch(types.MergePatchType, fmt.Appendf(nil, `{"metadata":{"labels":{%q:%q}}}`, qualv1.LabelBucket, bucket))
}
