package chaos

import (
	"net"
	"net/http"
	"sync"
)

// sink is the receiver of every notification, merchants' and reviewers': it records each
// Idempotency-Key it was sent and how often, as a receiver that deduplicates would.
type sink struct {
	srv   *http.Server
	addr  string
	mu    sync.Mutex
	keys  map[string]int // Idempotency-Key → POSTs received with it
	noKey int
}

func startSink() (*sink, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &sink{addr: "http://" + l.Addr().String(), keys: map[string]int{}}
	s.srv = &http.Server{Handler: http.HandlerFunc(s.serve)}
	go func() { _ = s.srv.Serve(l) }()
	return s, nil
}

func (s *sink) serve(w http.ResponseWriter, r *http.Request) {
	key := r.Header.Get("Idempotency-Key")
	s.mu.Lock()
	defer s.mu.Unlock()
	if key == "" {
		s.noKey++
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	s.keys[key]++
	w.WriteHeader(http.StatusNoContent)
}

// counts returns POSTs, distinct keys (what a receiver deduplicating on the key acts on), and
// POSTs repeating a key.
func (s *sink) counts() (posts, distinct, duplicates int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range s.keys {
		posts += n
		duplicates += n - 1
	}
	return posts, len(s.keys), duplicates
}

func (s *sink) allKeys() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.keys))
	for k, v := range s.keys {
		out[k] = v
	}
	return out
}

func (s *sink) close() { _ = s.srv.Close() }

func (s *sink) allKeysHas(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keys[key]
}

func (s *sink) noKeyCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.noKey
}
