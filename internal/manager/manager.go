// Package manager is the composition root: it assembles the manager (cache settings, indexes,
// controllers, webhooks and metrics) from the libraries below it. main.go, the tests, the
// benchmark and `make run` all build it here, so what is tested is what runs.
package manager

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/controllers"
	"github.com/channelshop/category-operator/internal/calendar"
	"github.com/channelshop/category-operator/internal/celrules"
	"github.com/channelshop/category-operator/internal/certs"
	"github.com/channelshop/category-operator/internal/notify"
	"github.com/channelshop/category-operator/internal/shard"
	hooks "github.com/channelshop/category-operator/internal/webhook"
)

// Options configure the operator; main.go maps its flags onto them.
type Options struct {
	MetricsAddr string
	ProbeAddr   string
	// PprofAddr serves net/http/pprof's /debug/pprof/ there; "" or "0" (the default): off.
	// The benchmark reads heap profiles of the manager process through it.
	PprofAddr        string
	LeaderElection   bool
	LeaderElectionID string
	// Namespace is the manager's namespace: the calendar ConfigMap and reviewer sink live there.
	Namespace string
	// CalendarConfigMap names the working-day calendar ConfigMap.
	CalendarConfigMap string
	// ReviewerSinkSecret names the reviewers' notification Secret; empty disables it.
	ReviewerSinkSecret string
	// EscalationSinkSecret names the escalation sink Secret: it gets every ReviewOverdue (D36);
	// empty disables it.
	EscalationSinkSecret string
	// OperatorUsername is the operator's own identity, allowed to write status and listings.
	OperatorUsername string
	// Webhooks serves the admission webhooks on WebhookHost:WebhookPort with certs in CertDir.
	Webhooks    bool
	WebhookHost string
	WebhookPort int
	CertDir     string
	// MaxConcurrentReconciles bounds parallel reconciles of applications.
	MaxConcurrentReconciles int
	// DeliveryWorkers bounds notification sends in flight; DeliveriesPerSink those for one
	// merchant (namespace) and to one sink host.
	DeliveryWorkers   int
	DeliveriesPerSink int
	// MaxClaimDuration is the longest a reviewer's claim may last (D30).
	MaxClaimDuration time.Duration
	// Clock is injectable for tests; nil: the real clock.
	Clock clock.PassiveClock
	// NotifyOptions tune delivery (timeouts, address policy). Its AllowedCIDRs apply to the
	// reviewers' sink, and to merchants' sinks only in namespaces labelled
	// qualv1.LabelSinkAllowedCIDRs.
	NotifyOptions notify.Options
	// SkipControllerNameValidation allows a second manager in one process (tests, benchmark).
	SkipControllerNameValidation bool
	// RequireNamespaceAppIDs refuses applications in a namespace without the Namespace
	// annotation qualification.channelshop.dev/app-ids (D4): on in the shipped cluster install,
	// where the platform team assigns every namespace its AppIDs.
	RequireNamespaceAppIDs bool
	// WebhooksOnly serves the admission webhooks without running controllers: the benchmark's
	// floor, where a plain client makes the operator's writes.
	WebhooksOnly bool
	// Certs provisions and rotates the webhook serving certificate (see internal/certs).
	Certs certs.Options
	// Shards is this manager's share of the namespaces (internal/shard); Count 1: all of them.
	// A shard elects its leader on a Lease of its own (LeaderElectionID-shard-<index>).
	Shards shard.Shards
	// LabelNamespaces runs the namespace labeller (shard 0's leader only): it gives a bucket
	// label to namespaces with the app-ids annotation or an unlabelled application.
	LabelNamespaces bool
}

// DefaultOptions are the defaults main.go's flags start from.
func DefaultOptions() Options {
	return Options{
		MetricsAddr: ":8080", ProbeAddr: ":8081", LeaderElectionID: "category-operator.qualification.channelshop.dev",
		Namespace: "category-operator-system", CalendarConfigMap: "category-operator-calendar",
		OperatorUsername: DefaultOperatorUser, Webhooks: true, WebhookPort: 9443, MaxConcurrentReconciles: 4,
		DeliveryWorkers: 4, DeliveriesPerSink: 2, MaxClaimDuration: qualv1.DefaultMaxClaimDuration,
		Certs:  certs.DefaultOptions(),
		Shards: shard.Shards{Count: 1, Buckets: shard.DefaultBuckets},
	}
}

// Leader election records core events (group ""), besides the controllers' events.k8s.io ones.
// +kubebuilder:rbac:groups="",resources=events,verbs=create;patch

// New builds a manager with every controller and webhook registered.
func New(cfg *rest.Config, o Options) (ctrl.Manager, error) {
	if o.Clock == nil {
		o.Clock = clock.RealClock{}
	}
	if err := o.Shards.Validate(); err != nil {
		return nil, err
	}
	webhookServer := webhook.NewServer(webhook.Options{Host: o.WebhookHost, Port: o.WebhookPort, CertDir: o.CertDir})
	certsReady := make(chan struct{})
	if o.Webhooks && o.Certs.Enabled {
		webhookServer = certs.ServeWhenReady(webhookServer, certsReady)
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                        Scheme,
		Metrics:                       metricsserver.Options{BindAddress: o.MetricsAddr},
		HealthProbeBindAddress:        o.ProbeAddr,
		PprofBindAddress:              o.PprofAddr,
		LeaderElection:                o.LeaderElection,
		LeaderElectionID:              leaderElectionID(o),
		LeaderElectionNamespace:       o.Namespace,
		LeaderElectionReleaseOnCancel: true,
		WebhookServer:                 webhookServer,
		Cache:                         cacheOptions(o),
		Controller:                    config.Controller{SkipNameValidation: &o.SkipControllerNameValidation},
	})
	if err != nil {
		return nil, err
	}
	if o.Webhooks && o.Certs.Enabled {
		if err := certs.Add(mgr, o.Certs, o.Namespace, o.CertDir, certsReady); err != nil {
			return nil, fmt.Errorf("setting up certificate rotation: %w", err)
		}
	}
	if err := Setup(mgr, o); err != nil {
		return nil, err
	}
	return mgr, nil
}

// Setup registers indexes, controllers, webhooks, metrics and health checks on mgr. With
// WebhooksOnly it keeps the indexes and the webhooks (which read them) and skips the rest.
func Setup(mgr ctrl.Manager, o Options) error {
	ctx := context.Background()
	if o.Clock == nil {
		o.Clock = clock.RealClock{}
	}
	if err := controllers.SetupIndexes(ctx, mgr); err != nil {
		return fmt.Errorf("registering indexes: %w", err)
	}
	rules := &celrules.Cache{}
	cal := calendarSource(mgr.GetCache(), calendarKey(o), mgr.GetEventRecorder(controllers.FieldManager), ctrl.Log.WithName("calendar"))
	if !o.WebhooksOnly {
		if err := setupControllers(mgr, o, cal, rules); err != nil {
			return err
		}
	}
	if o.Webhooks {
		registerWebhooks(mgr, o, cal, rules)
		if err := mgr.AddReadyzCheck("webhook", mgr.GetWebhookServer().StartedChecker()); err != nil {
			return err
		}
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return err
	}
	return mgr.AddReadyzCheck("readyz", healthz.Ping)
}

// setupControllers registers the reconcilers and the metrics computed from their cache.
func setupControllers(mgr ctrl.Manager, o Options, cal func(context.Context) *calendar.Calendar, rules *celrules.Cache) error {
	var reviewer types.NamespacedName
	if o.ReviewerSinkSecret != "" {
		reviewer = types.NamespacedName{Namespace: o.Namespace, Name: o.ReviewerSinkSecret}
	}
	var escalation types.NamespacedName
	if o.EscalationSinkSecret != "" {
		escalation = types.NamespacedName{Namespace: o.Namespace, Name: o.EscalationSinkSecret}
	}
	// The allowlist is for the platform's own receivers: the reviewers' sink, and merchants'
	// sinks only in namespaces the platform labelled (qualv1.LabelSinkAllowedCIDRs).
	public := o.NotifyOptions
	public.AllowedCIDRs = nil
	notifier := &controllers.Notifier{Sender: notify.NewSender(public), Trusted: notify.NewSender(o.NotifyOptions),
		Reader: mgr.GetAPIReader(), ReviewerSecret: reviewer, EscalationSecret: escalation}
	app := &controllers.ApplicationReconciler{
		Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), Recorder: mgr.GetEventRecorder(controllers.FieldManager),
		Clock: o.Clock, Calendar: cal, CalendarConfigMap: calendarKey(o), Rules: rules, MaxConcurrentReconciles: o.MaxConcurrentReconciles,
		Notifier: notifier, MaxClaim: o.MaxClaimDuration, Sharded: o.Shards.Sharded(),
	}
	if err := app.SetupWithManager(mgr); err != nil {
		return fmt.Errorf("setting up the application controller: %w", err)
	}
	listings := &controllers.ListingReconciler{Client: mgr.GetClient(), Recorder: mgr.GetEventRecorder(controllers.FieldManager),
		Clock: o.Clock, Calendar: cal}
	if err := listings.SetupWithManager(mgr); err != nil {
		return fmt.Errorf("setting up the listing controller: %w", err)
	}
	delivery := &controllers.DeliveryReconciler{Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(),
		Recorder: mgr.GetEventRecorder(controllers.FieldManager), Clock: o.Clock, Notifier: notifier,
		Workers: o.DeliveryWorkers, PerSinkLimit: o.DeliveriesPerSink}
	if err := delivery.SetupWithManager(mgr); err != nil {
		return fmt.Errorf("setting up the delivery controller: %w", err)
	}
	if err := (&controllers.PolicyReconciler{Client: mgr.GetClient(), Rules: rules}).SetupWithManager(mgr); err != nil {
		return fmt.Errorf("setting up the policy controller: %w", err)
	}
	if err := (&controllers.ReuseReconciler{Client: mgr.GetClient(), MaxConcurrentReconciles: o.MaxConcurrentReconciles}).SetupWithManager(mgr); err != nil {
		return fmt.Errorf("setting up the file reuse controller: %w", err)
	}
	if o.LabelNamespaces && o.Shards.Index == 0 {
		labeller := &controllers.BucketLabeller{Client: mgr.GetClient(),
			Recorder: mgr.GetEventRecorder(controllers.FieldManager), Buckets: o.Shards.Buckets, Sharded: o.Shards.Sharded()}
		if err := labeller.SetupWithManager(mgr); err != nil {
			return fmt.Errorf("setting up the namespace labeller: %w", err)
		}
	}
	return controllers.RegisterMetrics(mgr.GetCache(), cal)
}

func registerWebhooks(mgr ctrl.Manager, o Options, cal func(context.Context) *calendar.Calendar, rules *celrules.Cache) {
	dec := admission.NewDecoder(mgr.GetScheme())
	srv := mgr.GetWebhookServer()
	appHook := &hooks.Application{Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), Decoder: dec, Clock: o.Clock, Calendar: cal, Rules: rules,
		RequireNamespaceAppIDs: o.RequireNamespaceAppIDs, Sharded: o.Shards.Sharded()}
	review := &hooks.Review{Authorizer: hooks.SubjectAccessReviewer{Client: mgr.GetClient()}, Decoder: dec, Clock: o.Clock, Operator: o.OperatorUsername,
		MaxClaim: o.MaxClaimDuration, Policies: mgr.GetClient()}
	const prefix = "-qualification-channelshop-dev-v1alpha1-"
	for path, h := range map[string]admission.HandlerFunc{
		"/mutate" + prefix + "categoryapplication":          appHook.Mutate,
		"/validate" + prefix + "categoryapplication":        appHook.Validate,
		"/mutate" + prefix + "categoryapplication-status":   review.Mutate,
		"/validate" + prefix + "categoryapplication-status": review.Validate,
		"/validate" + prefix + "categorypolicy":             (&hooks.Policy{Decoder: dec}).Validate,
		"/validate" + prefix + "showcaselisting":            (&hooks.Listing{Operator: o.OperatorUsername}).Validate,
	} {
		srv.Register(path, &webhook.Admission{Handler: h})
	}
}

// leaderElectionID is the shard's Lease: each shard elects its own leader among its replicas.
// Unsharded, it is the Lease an install always had, so an upgrade keeps one leader.
func leaderElectionID(o Options) string {
	if !o.Shards.Sharded() {
		return o.LeaderElectionID
	}
	return fmt.Sprintf("%s-shard-%d", o.LeaderElectionID, o.Shards.Index)
}
