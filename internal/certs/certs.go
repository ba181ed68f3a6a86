// Package certs provisions and rotates the webhook serving certificate without cert-manager. The
// manager keeps a CA and a server certificate in a Secret of its namespace and injects the CA
// into its webhook configurations (open-policy-agent/cert-controller, as Gatekeeper and Kueue
// do), and writes the certificate from the Secret to the webhook server's folder itself: no
// kubelet volume sync delay at start or rotation, and the same code runs out of cluster.
//
// The webhook server starts only once the certificate is on disk and the CA is injected, so the
// readiness probe (the server's StartedChecker) stays false until the API server can call it.
package certs

import (
	"crypto/x509"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/open-policy-agent/cert-controller/pkg/rotator"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/manager"
)

// Options configure the built-in certificate management; main.go binds them to flags.
type Options struct {
	// Enabled turns rotation on; off, the webhook server reads tls.crt/tls.key from its cert
	// folder as provided (a Secret volume from cert-manager, for example).
	Enabled bool
	// SecretName is the Secret (in the manager's namespace) holding the CA and the server
	// certificate. The install creates it empty: the manager may update it but not create it.
	SecretName string
	// ServiceName is the webhook Service; the certificate is issued for <service>.<ns>.svc.
	ServiceName string
	// ExtraDNSNames are added to the certificate (e.g. localhost for a webhook called by URL).
	ExtraDNSNames []string
	// ValidatingWebhookConfiguration and MutatingWebhookConfiguration receive the CA bundle;
	// empty skips one.
	ValidatingWebhookConfiguration string
	MutatingWebhookConfiguration   string
	// CAValidity and ServerValidity are the certificates' lifetimes; RenewBefore is how long
	// before expiry a certificate is replaced, checked every CheckInterval.
	CAValidity     time.Duration
	ServerValidity time.Duration
	RenewBefore    time.Duration
	CheckInterval  time.Duration
}

// Default names match config/default (namePrefix category-operator-) and the chart's defaults.
const (
	DefaultSecretName  = "category-operator-webhook-server-cert"
	DefaultServiceName = "category-operator-webhook-service"
	DefaultValidating  = "category-operator-validating-webhook-configuration"
	DefaultMutating    = "category-operator-mutating-webhook-configuration"
)

// DefaultOptions has rotation off (a bare binary reads certificates from files, as
// controller-runtime does); the shipped installs pass --cert-rotation=true.
func DefaultOptions() Options {
	return Options{
		SecretName: DefaultSecretName, ServiceName: DefaultServiceName,
		ValidatingWebhookConfiguration: DefaultValidating, MutatingWebhookConfiguration: DefaultMutating,
		CAValidity: 10 * 365 * 24 * time.Hour, ServerValidity: 365 * 24 * time.Hour,
		RenewBefore: 90 * 24 * time.Hour, CheckInterval: 12 * time.Hour,
	}
}

// BindFlags registers the options' flags on fs.
func (o *Options) BindFlags(fs *flag.FlagSet) {
	fs.BoolVar(&o.Enabled, "cert-rotation", o.Enabled, "Provision and rotate the webhook serving certificate in --cert-secret and inject its CA into the webhook configurations; false: read it from --webhook-cert-dir (e.g. cert-manager).")
	fs.StringVar(&o.SecretName, "cert-secret", o.SecretName, "Secret in the manager's namespace holding the webhook CA and serving certificate (with --cert-rotation).")
	fs.StringVar(&o.ServiceName, "webhook-service-name", o.ServiceName, "The webhook Service; the certificate is issued for <service>.<namespace>.svc (with --cert-rotation).")
	fs.Func("webhook-cert-extra-dns-names", "Comma-separated extra DNS names for the serving certificate (with --cert-rotation).", func(s string) error {
		o.ExtraDNSNames = nil
		for _, n := range strings.Split(s, ",") {
			if n = strings.TrimSpace(n); n != "" {
				o.ExtraDNSNames = append(o.ExtraDNSNames, n)
			}
		}
		return nil
	})
	fs.StringVar(&o.ValidatingWebhookConfiguration, "validating-webhook-configuration", o.ValidatingWebhookConfiguration, "ValidatingWebhookConfiguration that receives the CA bundle (with --cert-rotation).")
	fs.StringVar(&o.MutatingWebhookConfiguration, "mutating-webhook-configuration", o.MutatingWebhookConfiguration, "MutatingWebhookConfiguration that receives the CA bundle (with --cert-rotation).")
	fs.DurationVar(&o.CAValidity, "cert-ca-validity", o.CAValidity, "Lifetime of the generated CA.")
	fs.DurationVar(&o.ServerValidity, "cert-server-validity", o.ServerValidity, "Lifetime of the generated serving certificate.")
	fs.DurationVar(&o.RenewBefore, "cert-renew-before", o.RenewBefore, "Replace a certificate this long before it expires; must be shorter than both validities.")
	fs.DurationVar(&o.CheckInterval, "cert-check-interval", o.CheckInterval, "How often the certificates' expiry is checked.")
}

// Validate names the first invalid option.
func (o Options) Validate() error {
	switch {
	case !o.Enabled:
		return nil
	case o.SecretName == "":
		return fmt.Errorf("--cert-secret: required with --cert-rotation")
	case o.ServiceName == "":
		return fmt.Errorf("--webhook-service-name: required with --cert-rotation")
	case o.RenewBefore <= 0 || o.CheckInterval <= 0:
		return fmt.Errorf("--cert-renew-before and --cert-check-interval: must be positive")
	case o.RenewBefore >= o.ServerValidity || o.RenewBefore >= o.CAValidity:
		// A fresh certificate would already be due: it would be replaced on every check.
		return fmt.Errorf("--cert-renew-before (%s): must be shorter than --cert-server-validity (%s) and --cert-ca-validity (%s)",
			o.RenewBefore, o.ServerValidity, o.CAValidity)
	}
	return nil
}

// DefaultCertDir is controller-runtime's webhook cert folder, used when none is given.
func DefaultCertDir() string {
	return filepath.Join(os.TempDir(), "k8s-webhook-server", "serving-certs")
}

// Add registers the rotator and the certificate writer on mgr for the Secret in namespace,
// writing to certDir. ready is closed once the certificate is on disk and the CA injected.
func Add(mgr manager.Manager, o Options, namespace, certDir string, ready chan struct{}) error {
	if err := o.Validate(); err != nil {
		return err
	}
	if certDir == "" {
		certDir = DefaultCertDir()
	}
	key := types.NamespacedName{Namespace: namespace, Name: o.SecretName}
	var hooks []rotator.WebhookInfo
	if o.ValidatingWebhookConfiguration != "" {
		hooks = append(hooks, rotator.WebhookInfo{Name: o.ValidatingWebhookConfiguration, Type: rotator.Validating})
	}
	if o.MutatingWebhookConfiguration != "" {
		hooks = append(hooks, rotator.WebhookInfo{Name: o.MutatingWebhookConfiguration, Type: rotator.Mutating})
	}
	host := o.ServiceName + "." + namespace + ".svc"
	files, err := newCertFiles(mgr.GetConfig(), key, certDir)
	if err != nil {
		return err
	}
	if err := mgr.Add(files); err != nil {
		return err
	}
	return rotator.AddRotator(mgr, &rotator.CertRotator{
		SecretKey:      key,
		CertDir:        certDir,
		CAName:         "category-operator-ca",
		CAOrganization: "category-operator",
		DNSName:        host,
		ExtraDNSNames:  append([]string{host + ".cluster.local"}, o.ExtraDNSNames...),
		IsReady:        ready,
		Webhooks:       hooks,
		FieldOwner:     "category-operator-cert-rotator",
		ExtKeyUsages:   &[]x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		// Every replica serves webhooks, so every replica needs the certificate; concurrent
		// writers of the Secret are serialized by its resourceVersion.
		RequireLeaderElection:  false,
		CaCertDuration:         o.CAValidity,
		ServerCertDuration:     o.ServerValidity,
		LookaheadInterval:      o.RenewBefore,
		RotationCheckFrequency: o.CheckInterval,
		// Inject the CA only once this replica's certificate is on disk.
		EnableReadinessCheck: true,
	})
}
