package certs

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
)

// certFiles mirrors tls.crt and tls.key of one Secret into the webhook server's folder, where
// controller-runtime's certwatcher picks up every rotation. Its own cache watches only that
// Secret (field selector on the name), with its values: the manager's cache strips them.
type certFiles struct {
	key   types.NamespacedName
	dir   string
	cache cache.Cache
}

func newCertFiles(cfg *rest.Config, key types.NamespacedName, dir string) (*certFiles, error) {
	scheme := runtime.NewScheme()
	if err := corev1.AddToScheme(scheme); err != nil {
		return nil, err
	}
	c, err := cache.New(cfg, cache.Options{
		Scheme: scheme,
		ByObject: map[client.Object]cache.ByObject{
			&corev1.Secret{}: {
				Namespaces: map[string]cache.Config{key.Namespace: {}},
				Field:      fields.OneTermEqualSelector("metadata.name", key.Name),
			},
		},
	})
	if err != nil {
		return nil, fmt.Errorf("cache for Secret %s: %w", key, err)
	}
	return &certFiles{key: key, dir: dir, cache: c}, nil
}

// NeedLeaderElection is false: every replica serves webhooks with its own copy of the files.
func (f *certFiles) NeedLeaderElection() bool { return false }

// Start runs the cache and writes the files on every change of the Secret until ctx ends.
func (f *certFiles) Start(ctx context.Context) error {
	if err := os.MkdirAll(f.dir, 0o700); err != nil {
		return fmt.Errorf("creating the webhook cert folder: %w", err)
	}
	inf, err := f.cache.GetInformer(ctx, &corev1.Secret{})
	if err != nil {
		return err
	}
	log := logf.FromContext(ctx).WithName("cert-files").WithValues("secret", f.key.String(), "dir", f.dir)
	write := func(obj any) {
		s, ok := obj.(*corev1.Secret)
		if !ok || s.Name != f.key.Name {
			return
		}
		changed, err := f.write(s)
		if err != nil {
			log.Error(err, "writing the webhook serving certificate")
		} else if changed {
			log.Info("webhook serving certificate written")
		}
	}
	if _, err := inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    write,
		UpdateFunc: func(_, obj any) { write(obj) },
	}); err != nil {
		return err
	}
	return f.cache.Start(ctx)
}

// write writes the key before the certificate, each atomically (temporary file and rename), and
// only what changed: certwatcher reloads on the certificate's event and finds a matching key.
func (f *certFiles) write(s *corev1.Secret) (bool, error) {
	crt, key := s.Data[corev1.TLSCertKey], s.Data[corev1.TLSPrivateKeyKey]
	if len(crt) == 0 || len(key) == 0 {
		return false, nil // not provisioned yet
	}
	changed := false
	for _, file := range []struct {
		name string
		data []byte
	}{{corev1.TLSPrivateKeyKey, key}, {corev1.TLSCertKey, crt}} {
		path := filepath.Join(f.dir, file.name)
		if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, file.data) {
			continue
		}
		tmp, err := os.CreateTemp(f.dir, "."+file.name+".*")
		if err != nil {
			return changed, err
		}
		_, err = tmp.Write(file.data)
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Rename(tmp.Name(), path)
		}
		if err != nil {
			_ = os.Remove(tmp.Name())
			return changed, fmt.Errorf("writing %s: %w", path, err)
		}
		changed = true
	}
	return changed, nil
}
