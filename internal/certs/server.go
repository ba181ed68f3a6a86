package certs

import (
	"context"

	"sigs.k8s.io/controller-runtime/pkg/webhook"
)

// ServeWhenReady returns a webhook server that starts serving only once ready is closed: before
// that its certificate may not exist (controller-runtime's server fails without one) and the
// API server could not verify it. Its StartedChecker, the manager's readiness check, stays
// false until then.
func ServeWhenReady(srv webhook.Server, ready <-chan struct{}) webhook.Server {
	return &gatedServer{Server: srv, ready: ready}
}

type gatedServer struct {
	webhook.Server
	ready <-chan struct{}
}

func (s *gatedServer) Start(ctx context.Context) error {
	select {
	case <-s.ready:
		return s.Server.Start(ctx)
	case <-ctx.Done():
		return nil
	}
}
