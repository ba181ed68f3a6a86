package chaos

import (
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// balancer passes TCP connections (TLS untouched) to replicas in turn, skipping one that
// refuses: a Service in front of a Deployment's ready pods, for the webhook calls.
type balancer struct {
	l        net.Listener
	backends []int
	next     atomic.Uint64
	mu       sync.Mutex
	served   []int // connections each backend took
}

func startBalancer(addr string, backends []int) (*balancer, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("the balancer cannot listen on %s: %w", addr, err)
	}
	b := &balancer{l: l, backends: backends, served: make([]int, len(backends))}
	go b.serve()
	return b, nil
}

func (b *balancer) serve() {
	for {
		in, err := b.l.Accept()
		if err != nil {
			return
		}
		go b.pass(in)
	}
}

func (b *balancer) pass(in net.Conn) {
	defer in.Close()
	first := int(b.next.Add(1))
	for i := range b.backends {
		k := (first + i) % len(b.backends)
		out, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", b.backends[k]), time.Second)
		if err != nil {
			continue
		}
		b.mu.Lock()
		b.served[k]++
		b.mu.Unlock()
		go func() { _, _ = io.Copy(out, in); _ = out.(*net.TCPConn).CloseWrite() }()
		_, _ = io.Copy(in, out)
		out.Close()
		return
	}
}

func (b *balancer) counts() []int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]int(nil), b.served...)
}

func (b *balancer) close() { _ = b.l.Close() }
