package certs

import (
	"context"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/webhook"
)

func TestValidate(t *testing.T) {
	valid := DefaultOptions()
	valid.Enabled = true
	for name, tc := range map[string]struct {
		change func(*Options)
		want   string
	}{
		"defaults":                  {func(*Options) {}, ""},
		"disabled ignores the rest": {func(o *Options) { o.Enabled, o.SecretName = false, "" }, ""},
		"no secret":                 {func(o *Options) { o.SecretName = "" }, "--cert-secret"},
		"no service":                {func(o *Options) { o.ServiceName = "" }, "--webhook-service-name"},
		"renewal as long as the validity": {func(o *Options) { o.ServerValidity, o.RenewBefore = time.Hour, time.Hour },
			"--cert-renew-before (1h0m0s): must be shorter than --cert-server-validity (1h0m0s)"},
		"no check interval": {func(o *Options) { o.CheckInterval = 0 }, "--cert-check-interval"},
	} {
		t.Run(name, func(t *testing.T) {
			o := valid
			tc.change(&o)
			err := o.Validate()
			if tc.want == "" {
				NewWithT(t).Expect(err).NotTo(HaveOccurred())
				return
			}
			NewWithT(t).Expect(err).To(MatchError(ContainSubstring(tc.want)))
		})
	}
}

func TestBindFlags(t *testing.T) {
	g := NewWithT(t)
	o := DefaultOptions()
	fs := flag.NewFlagSet("manager", flag.ContinueOnError)
	o.BindFlags(fs)
	g.Expect(fs.Parse([]string{"--cert-rotation", "--webhook-cert-extra-dns-names=localhost, 127.0.0.1.nip.io", "--cert-server-validity=45s"})).To(Succeed())
	g.Expect(o.Enabled).To(BeTrue())
	g.Expect(o.ExtraDNSNames).To(Equal([]string{"localhost", "127.0.0.1.nip.io"}))
	g.Expect(o.ServerValidity).To(Equal(45 * time.Second))
	g.Expect(o.SecretName).To(Equal(DefaultSecretName))
}

func TestWriteFiles(t *testing.T) {
	g := NewWithT(t)
	dir := t.TempDir()
	f := &certFiles{dir: dir}
	secret := func(crt, key string) *corev1.Secret {
		return &corev1.Secret{Data: map[string][]byte{corev1.TLSCertKey: []byte(crt), corev1.TLSPrivateKeyKey: []byte(key)}}
	}
	changed, err := f.write(&corev1.Secret{})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(changed).To(BeFalse(), "an empty Secret (not provisioned yet) writes nothing")
	g.Expect(filepath.Join(dir, "tls.crt")).NotTo(BeAnExistingFile())

	changed, err = f.write(secret("cert-1", "key-1"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(changed).To(BeTrue())
	g.Expect(os.ReadFile(filepath.Join(dir, "tls.crt"))).To(Equal([]byte("cert-1")))
	g.Expect(os.ReadFile(filepath.Join(dir, "tls.key"))).To(Equal([]byte("key-1")))

	changed, err = f.write(secret("cert-1", "key-1"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(changed).To(BeFalse(), "unchanged files are not rewritten (no needless reload)")

	changed, err = f.write(secret("cert-2", "key-2"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(changed).To(BeTrue())
	g.Expect(os.ReadFile(filepath.Join(dir, "tls.crt"))).To(Equal([]byte("cert-2")))
	entries, err := os.ReadDir(dir)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(entries).To(HaveLen(2), "no temporary files left behind")
}

// fakeServer records whether it was started.
type fakeServer struct {
	webhook.Server
	started chan struct{}
}

func (s *fakeServer) Start(ctx context.Context) error {
	close(s.started)
	<-ctx.Done()
	return nil
}

func (s *fakeServer) StartedChecker() healthz.Checker {
	return func(*http.Request) error { return nil }
}

func TestServeWhenReady(t *testing.T) {
	g := NewWithT(t)
	inner := &fakeServer{started: make(chan struct{})}
	ready := make(chan struct{})
	srv := ServeWhenReady(inner, ready)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = srv.Start(ctx) }()
	g.Consistently(inner.started).WithTimeout(200*time.Millisecond).ShouldNot(BeClosed(), "not serving before the certificate is ready")
	close(ready)
	g.Eventually(inner.started).Should(BeClosed())

	// Stopped before ready: Start returns without serving.
	never := &fakeServer{started: make(chan struct{})}
	ctx2, cancel2 := context.WithCancel(context.Background())
	cancel2()
	g.Expect(ServeWhenReady(never, make(chan struct{})).Start(ctx2)).To(Succeed())
	g.Expect(never.started).NotTo(BeClosed())
}
