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
	// ReasonBucketLabelled: an application or listing from before its namespace had a bucket
	// got the label, so its shard sees it now.
	ReasonBucketLabelled = "BucketLabelled"
	// ReasonInvalidBucket: a namespace's bucket label names no bucket, so no shard sees it.
	ReasonInvalidBucket = "InvalidBucket"
)

// BucketLabeller gives namespaces their shard bucket (internal/shard) where the platform did
// not: each namespace with the AppIDs annotation (every tenant's, when
// --require-namespace-app-ids is on) or holding an application without a bucket label. Those
// applications, and the listings of their namespace, get the label too: without it no shard
// sees them. (Secrets are not the operator's to write: a Secret from before stays unlabelled
// until `hack/shard-label.sh` or its next update, and until then the reconciler reads it from
// the API server each time, since its shard's cache does not hold it.) It runs on one leader
// only (shard 0's).
type BucketLabeller struct {
	client.Client
	// APIReader lists a namespace's unlabelled listings (the shard's cache holds labelled ones).
	APIReader client.Reader
	Recorder  recorder.EventRecorder
	Buckets   int
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

// Reconcile labels the namespace if it needs a bucket, then its unlabelled applications and
// listings.
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
	if len(apps.Items) == 0 {
		return ctrl.Result{}, nil
	}
	listings := &metav1.PartialObjectMetadataList{}
	listings.SetGroupVersionKind(qualv1.GroupVersion.WithKind("ShowcaseListingList"))
	if err := r.APIReader.List(ctx, listings, client.InNamespace(ns.Name), client.MatchingLabelsSelector{Selector: shard.Unlabelled()}); err != nil {
		return ctrl.Result{}, err
	}
	for kind, list := range map[string][]metav1.PartialObjectMetadata{"CategoryApplication": apps.Items, "ShowcaseListing": listings.Items} {
		for i := range list {
			o := &list[i]
			o.SetGroupVersionKind(qualv1.GroupVersion.WithKind(kind)) // list items may come without
			if err := r.Patch(ctx, o, labelPatch(bucket)); client.IgnoreNotFound(err) != nil {
				return ctrl.Result{}, fmt.Errorf("labelling %s %s/%s with bucket %s: %w", o.Kind, o.Namespace, o.Name, bucket, err)
			}
			r.Recorder.Eventf(o, nil, corev1.EventTypeNormal, ReasonBucketLabelled, "Shard",
				"labelled %s=%s, its namespace's bucket: the shard that owns bucket %s reconciles it now", qualv1.LabelBucket, bucket, bucket)
		}
	}
	return ctrl.Result{}, nil
}

// labelPatch sets the bucket label and nothing else.
func labelPatch(bucket string) client.Patch {
	return client.RawPatch(types.MergePatchType, fmt.Appendf(nil, `{"metadata":{"labels":{%q:%q}}}`, qualv1.LabelBucket, bucket))
}
