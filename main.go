// Command manager runs the category-operator: controllers for CategoryPolicy,
// CategoryApplication and ShowcaseListing, and their admission webhooks.
package main

import (
	"flag"
	"os"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	// CA roots compiled in, used when the system has none (the image has no /etc/ssl): the
	// manager calls notification sinks over https. Copying the build host's roots instead would
	// make the image depend on the host.
	_ "golang.org/x/crypto/x509roots/fallback"

	// GOMEMLIMIT from the container's memory limit (cgroup v1 or v2), 90% of it, unless
	// GOMEMLIMIT is set: the garbage collector works harder near the limit instead of the
	// kernel killing the manager at start-up, when the heap peaks at ~3.5x its settled size.
	_ "github.com/KimMachineGun/automemlimit"

	"github.com/channelshop/category-operator/internal/manager"
	"github.com/channelshop/category-operator/internal/notify"
)

// version is stamped by `make image` (-ldflags -X main.version=...).
var version = "dev"

func main() {
	o := manager.DefaultOptions()
	flag.StringVar(&o.MetricsAddr, "metrics-bind-address", o.MetricsAddr, "Address the metrics endpoint binds to; \"0\" disables it.")
	flag.StringVar(&o.ProbeAddr, "health-probe-bind-address", o.ProbeAddr, "Address the /healthz and /readyz endpoints bind to.")
	flag.StringVar(&o.PprofAddr, "pprof-bind-address", o.PprofAddr, "Address /debug/pprof/ binds to (heap and CPU profiles); empty or \"0\": off. Do not expose it outside the pod.")
	flag.BoolVar(&o.LeaderElection, "leader-elect", false, "Enable leader election so that only one manager is active.")
	flag.StringVar(&o.LeaderElectionID, "leader-election-id", o.LeaderElectionID, "Name of the leader election Lease.")
	flag.StringVar(&o.Namespace, "namespace", envOr("POD_NAMESPACE", o.Namespace), "The manager's namespace (calendar ConfigMap, reviewer sink Secret, leader election).")
	flag.StringVar(&o.CalendarConfigMap, "calendar-configmap", o.CalendarConfigMap, "ConfigMap in the manager's namespace with holidays and make-up working days.")
	flag.StringVar(&o.ReviewerSinkSecret, "reviewer-sink-secret", o.ReviewerSinkSecret, "Secret in the manager's namespace naming the reviewers' notification sink; empty disables it.")
	flag.StringVar(&o.EscalationSinkSecret, "escalation-sink-secret", o.EscalationSinkSecret, "Secret in the manager's namespace naming the escalation sink, which gets one ReviewOverdue notification per overdue review round (D36); empty disables it.")
	flag.StringVar(&o.OperatorUsername, "operator-username", o.OperatorUsername, "The operator's own username (its service account): the only identity that may write status and listings.")
	flag.BoolVar(&o.Webhooks, "enable-webhooks", o.Webhooks, "Serve the admission webhooks.")
	flag.StringVar(&o.WebhookHost, "webhook-host", o.WebhookHost, "Address the webhook server binds to.")
	flag.IntVar(&o.WebhookPort, "webhook-port", o.WebhookPort, "Port the webhook server listens on.")
	flag.StringVar(&o.CertDir, "webhook-cert-dir", o.CertDir, "Folder with the webhook server's tls.crt and tls.key.")
	flag.BoolVar(&o.RequireNamespaceAppIDs, "require-namespace-app-ids", o.RequireNamespaceAppIDs, "Refuse applications in namespaces without the annotation qualification.channelshop.dev/app-ids, which lists the AppIDs the platform team assigned them (D4).")
	flag.IntVar(&o.MaxConcurrentReconciles, "max-concurrent-reconciles", o.MaxConcurrentReconciles, "How many applications are reconciled in parallel.")
	flag.IntVar(&o.DeliveryWorkers, "delivery-workers", o.DeliveryWorkers, "How many notifications are sent at once, in all (apart from the status workers).")
	flag.IntVar(&o.DeliveriesPerSink, "deliveries-per-sink", o.DeliveriesPerSink, "How many notifications are sent at once for one merchant (the sinks of one namespace) and to one sink host.")
	flag.DurationVar(&o.MaxClaimDuration, "max-claim-duration", o.MaxClaimDuration, "The longest a reviewer's claim on an application may last (D30); a longer one is shortened to it.")
	o.Certs.BindFlags(flag.CommandLine)
	flag.Func("sink-allowed-cidrs", "Comma-separated CIDRs (or IPs) the reviewers' sink, and merchants' sinks in namespaces labelled qualification.channelshop.dev/sink-allowed-cidrs=true, may connect to although they are loopback, private, link-local, CGNAT, multicast, reserved or unspecified: the platform's own receivers, as narrow as they are (a single IP). Default: none.", func(v string) error {
		p, err := notify.ParseCIDRs(v)
		o.NotifyOptions.AllowedCIDRs = append(o.NotifyOptions.AllowedCIDRs, p...)
		return err
	})
	flag.BoolVar(&o.NotifyOptions.AllowInsecureHTTP, "sink-allow-insecure-http", false, "Let notification sinks use plain http (local runs and tests); default https only.")
	flag.IntVar(&o.Shards.Count, "shard-count", o.Shards.Count, "How many shards share the namespaces (README, Sharding); 1: this manager reconciles all of them.")
	flag.IntVar(&o.Shards.Index, "shard-index", o.Shards.Index, "This manager's shard, 0..shard-count-1: it reconciles the namespaces whose bucket label b has b mod shard-count == shard-index.")
	flag.IntVar(&o.Shards.Buckets, "shard-buckets", o.Shards.Buckets, "How many buckets namespaces are labelled with (qualification.channelshop.dev/bucket); the same on every shard, never changed once namespaces are labelled.")
	flag.BoolVar(&o.LabelNamespaces, "label-namespaces", o.LabelNamespaces, "On shard 0: label namespaces that have the AppIDs annotation or an unlabelled application with their bucket (a hash of the name), and those applications and listings too.")
	zapOpts := zap.Options{Development: false}
	zapOpts.BindFlags(flag.CommandLine)
	flag.Parse()
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&zapOpts)))
	log := ctrl.Log.WithName("setup")

	mgr, err := manager.New(ctrl.GetConfigOrDie(), o)
	if err != nil {
		log.Error(err, "unable to set up the manager")
		os.Exit(1)
	}
	log.Info("starting manager", "version", version, "namespace", o.Namespace, "webhooks", o.Webhooks)
	if err := mgr.Start(ctrl.SetupSignalHandler()); err != nil {
		log.Error(err, "manager stopped with an error")
		os.Exit(1)
	}
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
