// Package console is `kubectl category console`: the reviewers' web console, served from the
// reviewer's own machine with their own kubeconfig credentials. It shows the queue and each
// application on one page with every file inline, verified as `materials` verifies it, and
// decides through the same code as approve, reject and withdraw.
package console

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/channelshop/category-operator/cmd/kubectl-category/internal/factory"
	"github.com/channelshop/category-operator/cmd/kubectl-category/internal/materials"
)

// Options of `console`.
type Options struct {
	genericiooptions.IOStreams
	Factory *factory.Factory

	Address string
	Port    int
	NoOpen  bool
	// URL files, as for `materials`.
	AllowPrivate  bool
	AllowLoopback bool
	URLCAFile     string
	MaxSizeFlag   string
	Timeout       time.Duration
	// Ready, if set, is called with the login URL once the server listens (tests).
	Ready func(loginURL string)
}

// NewCmd returns the console command.
func NewCmd(streams genericiooptions.IOStreams, f *factory.Factory) *cobra.Command {
	cmd, _ := newCmd(streams, f)
	return cmd
}

func newCmd(streams genericiooptions.IOStreams, f *factory.Factory) (*cobra.Command, *Options) {
	o := &Options{IOStreams: streams, Factory: f, Address: "127.0.0.1", MaxSizeFlag: "512Mi", Timeout: 5 * time.Minute}
	cmd := &cobra.Command{
		Use:   "console [--address 127.0.0.1] [--port 0] [--no-open]",
		Short: "Review in a web browser: the queue, each application with its files inline, decisions",
		Long: `Serve the reviewers' console on this machine and open it in the browser (with --no-open,
print its address instead). Every request to the cluster uses your own kubeconfig credentials
(--kubeconfig, --context, --as): the API server sees you, exactly as with the other commands.

The console shows the queue (soonest deadline first) and each application on one page: merchant,
category, the policy's rules, findings next to the materials, and every file inline, checked
against the sha256 pinned for the round as "materials" checks it (a file that does not match is
shown as failed, and approve is offered only once every file was shown). Decisions go through the same code as approve, reject and withdraw, bound to
the generation and materials digest the page showed; claims through that of claim and release.

It listens on loopback unless --address says otherwise; the address it prints carries a random
login token, which the browser trades for a session cookie. Stop it with Ctrl-C.`,
		Example: `  kubectl category console
  kubectl category console --kubeconfig bin/local/reviewer.kubeconfig --no-open --port 8765`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return o.Run(ctx)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.Address, "address", o.Address, "Address to listen on; anything but loopback lets other machines reach the login page.")
	fl.IntVar(&o.Port, "port", 0, "Port to listen on; 0 picks a free one.")
	fl.BoolVar(&o.NoOpen, "no-open", false, "Print the address instead of opening the browser.")
	fl.BoolVar(&o.AllowPrivate, "allow-private", false, "Allow URL files on private networks (RFC 1918, CGNAT, unique-local IPv6).")
	fl.StringVar(&o.MaxSizeFlag, "max-size", o.MaxSizeFlag, "Largest URL file to download, as a quantity (512Mi, 2Gi).")
	fl.DurationVar(&o.Timeout, "download-timeout", o.Timeout, "Longest time to download one URL file.")
	fl.BoolVar(&o.AllowLoopback, "allow-loopback", false, "Allow URL files on loopback addresses (tests).")
	fl.StringVar(&o.URLCAFile, "url-ca-file", "", "PEM CA certificates trusted for URL files, besides the system's (tests).")
	_ = fl.MarkHidden("allow-loopback")
	_ = fl.MarkHidden("url-ca-file")
	return cmd, o
}

// Server builds the console's handler for this invocation's flags.
func (o *Options) Server() (*Server, error) {
	q, err := resource.ParseQuantity(o.MaxSizeFlag)
	if err != nil || q.Sign() <= 0 {
		return nil, fmt.Errorf("--max-size %q: must be a positive quantity such as 512Mi", o.MaxSizeFlag)
	}
	if o.Timeout <= 0 {
		return nil, fmt.Errorf("--download-timeout %s: must be positive", o.Timeout)
	}
	c, err := o.Factory.Client()
	if err != nil {
		return nil, err
	}
	fetcher := &materials.Fetcher{Reader: c, AllowPrivate: o.AllowPrivate, AllowLoopback: o.AllowLoopback, MaxSize: q.Value(), Timeout: o.Timeout}
	if fetcher.Roots, err = materials.Roots(o.URLCAFile); err != nil {
		return nil, fmt.Errorf("--url-ca-file: %w", err)
	}
	return New(Config{Client: c, Factory: o.Factory, Fetcher: fetcher, Warnings: o.ErrOut}), nil
}

// Run listens, prints or opens the login address, and serves until ctx ends.
func (o *Options) Run(ctx context.Context) error {
	if o.Port < 0 || o.Port > 65535 {
		return fmt.Errorf("--port %d: must be between 0 and 65535", o.Port)
	}
	s, err := o.Server()
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", net.JoinHostPort(o.Address, strconv.Itoa(o.Port)))
	if err != nil {
		return err
	}
	addr := l.Addr().(*net.TCPAddr)
	host := net.JoinHostPort(o.Address, strconv.Itoa(addr.Port))
	if ip := net.ParseIP(o.Address); ip != nil {
		host = net.JoinHostPort(addr.IP.String(), strconv.Itoa(addr.Port))
	}
	switch {
	case addr.IP.IsLoopback():
		s.cfg.Hosts = []string{host, net.JoinHostPort("localhost", strconv.Itoa(addr.Port))}
	case addr.IP.IsUnspecified():
		// Every interface: browsers name it by any of the machine's addresses, so no Host check.
		fmt.Fprintf(o.ErrOut, "Warning: listening on every interface (%s): anyone who can reach it and has the address below can decide as you.\n", host)
	default:
		s.cfg.Hosts = []string{host}
		fmt.Fprintf(o.ErrOut, "Warning: listening on %s, not loopback: anyone who can reach it and has the address below can decide as you.\n", host)
	}
	login := "http://" + host + s.LoginPath()
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	fmt.Fprintf(o.Out, "Reviewers' console for you at\n  %s\nPress Ctrl-C to stop it.\n", login)
	if !o.NoOpen {
		if err := openBrowser(login); err != nil {
			fmt.Fprintf(o.ErrOut, "Could not open a browser (%v): open the address above.\n", err)
		}
	}
	if o.Ready != nil {
		o.Ready(login)
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}

// openBrowser opens url with the desktop's default browser.
func openBrowser(url string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", url)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", url)
	default:
		cmd = exec.Command("xdg-open", url)
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	go func() { _ = cmd.Wait() }()
	return nil
}
