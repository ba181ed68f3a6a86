// Package model_test is the model-based test of issue 22: random sequences of what merchants,
// reviewers, GitOps, the garbage collector and the platform team do to one application, run
// against a real kube-apiserver and etcd with the shipped admission policies, webhooks and
// roles, and the operator running as its own user. After every step, once the operator is
// quiet, the invariants I1..I6 (README, Security model) are checked against a model of what
// must hold, kept here in Go. pgregory.net/rapid draws the sequences, prints the seed and
// shrinks a failure to a minimal sequence; each one found becomes a TestRegression_ test.
//
// One API server serves the whole run; each sequence works in a namespace of its own. The
// short run is part of `go test ./...`; MODEL_DURATION selects the long one (`make model`).
package model_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"testing"

	"github.com/go-logr/logr"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/channelshop/category-operator/internal/testenv"
)

// h is the run's cluster: API server, users, sink, manager and the tracker of changes.
var h *harness

func TestMain(m *testing.M) {
	flag.Parse()
	if err := setRapidDefaults(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ctrl.SetLogger(logr.New(reconcileErrors))
	env, err := testenv.Start(testenv.Options{Webhooks: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := func() int {
		ctx := context.Background()
		if h, err = newHarness(ctx, env); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer h.close()
		return m.Run()
	}()
	if err := env.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(code)
}
