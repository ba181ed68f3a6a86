package manager

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// cacheOptions keep the cache small: no managedFields and no kubectl last-applied copy on
// anything (GitOps tools that apply client-side double every object with it; on a Secret it
// holds the values too). Secrets are watched as metadata only, and of that only key and
// resourceVersion are kept: the reconciler reads the referenced ones uncached when their
// resourceVersion changes, so no Secret value is cached. Applications share one copy of the
// string values they repeat (interner). A shard caches the applications, listings and Secrets
// of its buckets only (internal/shard); policies, the calendar and namespaces are not split.
func cacheOptions(o Options) cache.Options {
	byObject := map[client.Object]cache.ByObject{
		&corev1.ConfigMap{}: {
			Namespaces: map[string]cache.Config{o.Namespace: {}},
			Field:      fields.OneTermEqualSelector("metadata.name", o.CalendarConfigMap),
		},
	}
	if sel := o.Shards.Selector(); sel != nil {
		for _, obj := range []client.Object{&qualv1.CategoryApplication{}, &qualv1.ShowcaseListing{}, &corev1.Secret{}} {
			byObject[obj] = cache.ByObject{Label: sel}
		}
	}
	return cache.Options{DefaultTransform: CacheTransform(), ByObject: byObject}
}

// lastApplied is kubectl's client-side apply annotation: the whole object again, as JSON.
const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

// CacheTransform is the transform the manager's cache applies to every object it stores, with
// a string table of its own. The benchmark uses it to measure one cached application alone.
func CacheTransform() func(any) (any, error) { return newInterner().transform }

// transform is the cache's transform: stripForCache, then interning.
func (t *interner) transform(obj any) (any, error) {
	obj, err := stripForCache(obj)
	if app, ok := obj.(*qualv1.CategoryApplication); ok {
		t.application(app)
	}
	return obj, err
}

func stripForCache(obj any) (any, error) {
	if m, ok := obj.(*metav1.PartialObjectMetadata); ok && m.Kind == "Secret" {
		return stripSecretMetadata(m), nil
	}
	if m, ok := obj.(metav1.Object); ok {
		m.SetManagedFields(nil)
		if a := m.GetAnnotations(); a[lastApplied] != "" {
			delete(a, lastApplied)
			m.SetAnnotations(a)
		}
	}
	return obj, nil
}

// stripSecretMetadata keeps of a Secret's cached metadata what the reconciler reads: its
// key, to wake the applications that reference it (appsOfSecret), and its resourceVersion, to
// know when to read its values again (digestCache). Labels, annotations, owners and
// finalizers of every Secret in the cluster (Helm's, service account tokens') would otherwise
// be held, read by nothing.
func stripSecretMetadata(m *metav1.PartialObjectMetadata) *metav1.PartialObjectMetadata {
	return &metav1.PartialObjectMetadata{TypeMeta: m.TypeMeta, ObjectMeta: metav1.ObjectMeta{
		Name: m.Name, Namespace: m.Namespace, UID: m.UID, ResourceVersion: m.ResourceVersion,
		CreationTimestamp: m.CreationTimestamp, DeletionTimestamp: m.DeletionTimestamp,
	}}
}
