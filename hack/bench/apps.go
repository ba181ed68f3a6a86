package main

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"path/filepath"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/testenv"
)

// appsPerNamespace: shops' namespaces hold a few applications each, with their Secrets.
const appsPerNamespace = 50

// appRef is one benchmark application: where it lives and its AppID (D1: AppID and category
// are unique together, so every application gets its own AppID).
type appRef struct {
	key   client.ObjectKey
	appID string
}

// loadTemplate reads the valid sample application and its Secrets. spec.notify is dropped:
// its sink (make run's local receiver) is not running here, and the floor sends no notifications.
func (b *bench) loadTemplate() error {
	samples := filepath.Join(testenv.RepoRoot(), "config", "samples")
	objs, err := testenv.ReadObjects(filepath.Join(samples, "03-categoryapplication.yaml"))
	if err != nil {
		return err
	}
	for _, u := range objs {
		if u.GetKind() != "CategoryApplication" {
			continue
		}
		b.template = &qualv1.CategoryApplication{}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, b.template); err != nil {
			return err
		}
	}
	if b.template == nil {
		return fmt.Errorf("no CategoryApplication in config/samples/03-categoryapplication.yaml")
	}
	b.template.ObjectMeta = metav1.ObjectMeta{}
	b.template.Spec.Notify = nil
	if b.secrets, err = testenv.ReadObjects(filepath.Join(samples, "02-secrets.yaml")); err != nil {
		return err
	}
	// The digests the operator records for the Secret files (the floor writes the same status).
	b.secretSums = map[string]map[string]string{}
	for _, u := range b.secrets {
		sums := map[string]string{}
		data, _, _ := unstructured.NestedStringMap(u.Object, "stringData")
		for k, v := range data {
			sum := sha256.Sum256([]byte(v))
			sums[k] = "sha256:" + hex.EncodeToString(sum[:])
		}
		binary, _, _ := unstructured.NestedStringMap(u.Object, "data") // base64
		for k, v := range binary {
			raw, err := base64.StdEncoding.DecodeString(v)
			if err != nil {
				return fmt.Errorf("02-secrets.yaml, key %s: %w", k, err)
			}
			sum := sha256.Sum256(raw)
			sums[k] = "sha256:" + hex.EncodeToString(sum[:])
		}
		b.secretSums[u.GetName()] = sums
	}
	return nil
}

func (b *bench) newApp(r appRef) *qualv1.CategoryApplication {
	app := b.template.DeepCopy()
	app.Namespace, app.Name = r.key.Namespace, r.key.Name
	app.Spec.Merchant.AppID = r.appID
	return app
}

// prepare makes n new application references in fresh namespaces named prefix-NNN, with the
// sample's Secrets created there (by admin, untimed: they are the merchant's earlier work).
func (b *bench) prepare(ctx context.Context, prefix string, n int) ([]appRef, error) {
	refs := make([]appRef, n)
	for i := range refs {
		if i%appsPerNamespace == 0 {
			b.namespaces++
		}
		ns := fmt.Sprintf("%s-%03d", prefix, b.namespaces)
		b.apps++
		refs[i] = appRef{key: client.ObjectKey{Namespace: ns, Name: fmt.Sprintf("app-%05d", b.apps)},
			appID: fmt.Sprintf("wx%016x", 0xbe0000000+b.apps)}
	}
	for _, ns := range namespacesOf(refs) {
		if err := b.env.EnsureNamespace(ctx, ns); err != nil {
			return nil, err
		}
		for _, s := range b.secrets {
			u := s.DeepCopy()
			u.SetNamespace(ns)
			if err := b.admin.Create(ctx, u); err != nil {
				return nil, err
			}
		}
	}
	return refs, nil
}

func namespacesOf(refs []appRef) []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range refs {
		if !seen[r.key.Namespace] {
			seen[r.key.Namespace] = true
			out = append(out, r.key.Namespace)
		}
	}
	return out
}

// remove deletes applications, then their listings (there is no garbage collector in this
// control plane), then the Secrets of the namespaces. No controller may run meanwhile: it
// would recreate a listing for an approved application it still has in its cache.
func (b *bench) remove(ctx context.Context, refs []appRef) error {
	err := pool(ctx, b.concurrency, len(refs), "deleting", func(ctx context.Context, i int) error {
		k := refs[i].key
		app := &qualv1.CategoryApplication{ObjectMeta: metav1.ObjectMeta{Namespace: k.Namespace, Name: k.Name}}
		l := &qualv1.ShowcaseListing{ObjectMeta: metav1.ObjectMeta{Namespace: k.Namespace, Name: k.Name}}
		if err := client.IgnoreNotFound(b.admin.Delete(ctx, app)); err != nil {
			return err
		}
		return client.IgnoreNotFound(b.admin.Delete(ctx, l))
	})
	if err != nil {
		return err
	}
	for _, ns := range namespacesOf(refs) {
		if err := b.admin.DeleteAllOf(ctx, &corev1.Secret{}, client.InNamespace(ns)); err != nil && !apierrors.IsNotFound(err) {
			return err
		}
	}
	return nil
}

// pool runs fn for 0..n-1 on workers goroutines, each taking the next index; the first error
// stops it. With a label it prints progress every 10 seconds.
func pool(ctx context.Context, workers, n int, label string, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next, done atomic.Int64
	finished := make(chan struct{})
	exited := make(chan struct{}, workers)
	start := time.Now()
	if label != "" && n >= 500 {
		go func() {
			t := time.NewTicker(10 * time.Second)
			defer t.Stop()
			for {
				select {
				case <-finished:
					return
				case <-t.C:
					d := done.Load()
					say("  %s: %d/%d (%.0f/s)", label, d, n, float64(d)/time.Since(start).Seconds())
				}
			}
		}()
	}
	for w := 0; w < workers; w++ {
		go func() {
			defer func() { exited <- struct{}{} }()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := fn(ctx, i); err != nil {
					cancel(err)
					return
				}
				done.Add(1)
			}
		}()
	}
	for w := 0; w < workers; w++ {
		<-exited
	}
	close(finished)
	return context.Cause(ctx)
}
