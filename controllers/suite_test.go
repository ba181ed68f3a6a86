package controllers_test

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
	clocktesting "k8s.io/utils/clock/testing"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/channelshop/category-operator/internal/manager"
	"github.com/channelshop/category-operator/internal/manager/managertest"
	"github.com/channelshop/category-operator/internal/testenv"
)

var (
	env   *testenv.Env
	admin client.Client
	// clock is the operator's clock: tests move it to cross deadlines and expiry dates.
	clock = clocktesting.NewFakeClock(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)) // a Monday
	mgrMu sync.Mutex
	// reviewers is the reviewers' notification sink.
	reviewers *sink
	// stopManager stops the running manager (tests that restart it call it).
	stopManager context.CancelFunc
	// operator is the running manager.
	operator *testenv.Operator
)

func TestMain(m *testing.M) {
	ctrl.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.Level(zapLevel())))
	var err error
	env, err = testenv.Start(testenv.Options{Webhooks: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	admin = env.Admin
	code := func() int {
		ctx := context.Background()
		if err := env.EnsureNamespace(ctx, testenv.OperatorNamespace); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		reviewers = startSink("reviewer-token")
		if err := admin.Create(ctx, reviewers.secret(testenv.OperatorNamespace, reviewerSinkSecret)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		if err := startManager(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer func() { stopManager() }()
		code := m.Run()
		return max(code, reportHealthViolations())
	}()
	if err := env.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(code)
}

func zapLevel() zapcore.Level {
	if os.Getenv("TEST_VERBOSE") != "" {
		return -2
	}
	return 2 // errors only: keep test output readable
}

// managerOptions is how the tests run the operator: as its own user, serving the webhooks
// envtest installed, with the test clock.
func managerOptions() manager.Options {
	o := managertest.Options(env)
	o.MetricsAddr = metricsAddr
	o.Clock = clock
	o.SkipControllerNameValidation = true
	o.ReviewerSinkSecret = reviewerSinkSecret
	o.NotifyOptions.Timeout = 2 * time.Second
	// The test sinks are plain http servers on 127.0.0.1, which a manager refuses by default.
	o.NotifyOptions.AllowedCIDRs = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	o.NotifyOptions.AllowInsecureHTTP = true
	return o
}

// startManager starts a fresh manager on the same API server.
func startManager() error { return startManagerWith(managerOptions()) }

// startManagerWith starts a fresh manager with options of a test's own.
func startManagerWith(o manager.Options) error {
	mgrMu.Lock()
	defer mgrMu.Unlock()
	op, err := managertest.Start(context.Background(), env, o)
	if err != nil {
		return err
	}
	operator = op
	stopManager = func() {
		if err := op.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "manager:", err)
		}
	}
	return nil
}

func repoPath(parts ...string) string {
	return filepath.Join(append([]string{testenv.RepoRoot()}, parts...)...)
}
