package main

import (
	"context"
	"fmt"
	"runtime"
	"unsafe"

	"k8s.io/apimachinery/pkg/runtime/serializer"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/manager"
)

// objectCopies is how many copies of one application objectSize decodes: enough that the
// slice holding them and the GC's granularity are noise.
const objectCopies = 10000

// objectSize is what one application costs in Go memory alone, apart from the manager: its
// JSON as the API server sends it, decoded as the informer decodes it, with managedFields
// dropped (decoded), and through the manager's cache transform (cached).
type objectSize struct {
	jsonBytes       int
	decoded, cached float64 // live heap bytes per copy
}

// measureObject decodes the last application added objectCopies times in this process: one
// taken to UnderReview, like those the marginal cost per application is measured on.
// Every copy has its own strings, as when decoded from a watch stream; the cache transform
// then shares only the values it interns across applications.
func (b *bench) measureObject(ctx context.Context) (objectSize, error) {
	if len(b.live) == 0 {
		return objectSize{}, fmt.Errorf("object size: no application to measure")
	}
	k := b.live[len(b.live)-1].key
	raw, err := b.adminREST.Get().AbsPath("/apis", qualv1.GroupVersion.Group, qualv1.GroupVersion.Version,
		"namespaces", k.Namespace, "categoryapplications", k.Name).DoRaw(ctx)
	if err != nil {
		return objectSize{}, fmt.Errorf("object size: reading %s: %w", k, err)
	}
	dec := serializer.NewCodecFactory(manager.Scheme).UniversalDeserializer()
	perCopy := func(transform func(any) (any, error)) (float64, error) {
		keep := make([]any, objectCopies)
		before := heapAlloc()
		for i := range keep {
			obj, _, err := dec.Decode(raw, nil, nil)
			if err != nil {
				return 0, fmt.Errorf("object size: decoding %s: %w", k, err)
			}
			if keep[i], err = transform(obj); err != nil {
				return 0, err
			}
		}
		after := heapAlloc()
		runtime.KeepAlive(keep)
		return (after - before) / objectCopies, nil
	}
	out := objectSize{jsonBytes: len(raw)}
	if out.decoded, err = perCopy(func(o any) (any, error) {
		o.(*qualv1.CategoryApplication).ManagedFields = nil
		return o, nil
	}); err != nil {
		return out, err
	}
	out.cached, err = perCopy(manager.CacheTransform())
	return out, err
}

// The structs' own sizes, for the report.
const (
	sizeofApp      = unsafe.Sizeof(qualv1.CategoryApplication{})
	sizeofMaterial = unsafe.Sizeof(qualv1.Material{})
)

func heapAlloc() float64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return float64(ms.HeapAlloc)
}
