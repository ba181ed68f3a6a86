package main

import (
	"net/http"
	"sort"
	"strings"
	"sync"

	"k8s.io/client-go/rest"
)

// counter counts one identity's API requests, installed as a rest.Config transport wrapper:
// mutating requests by verb and resource, 409 Conflicts, and reads.
type counter struct {
	mu        sync.Mutex
	writes    map[string]int // "POST categoryapplications", "PATCH showcaselistings/status", ...
	conflicts int
	failures  map[string]int // non-2xx answers to writes, by "<status> <request>"
	reads     int
}

func newCounter() *counter {
	return &counter{writes: map[string]int{}, failures: map[string]int{}}
}

// config returns a copy of cfg whose requests this counter counts.
func (c *counter) config(cfg *rest.Config) *rest.Config {
	out := rest.CopyConfig(cfg)
	out.Wrap(func(rt http.RoundTripper) http.RoundTripper { return &countingTransport{rt: rt, c: c} })
	return out
}

type countingTransport struct {
	rt http.RoundTripper
	c  *counter
}

func (t *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.rt.RoundTrip(req)
	mutating := req.Method == http.MethodPost || req.Method == http.MethodPut ||
		req.Method == http.MethodPatch || req.Method == http.MethodDelete
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	if !mutating {
		t.c.reads++
		return resp, err
	}
	key := req.Method + " " + resourceOf(req.URL.Path)
	t.c.writes[key]++
	if resp != nil && resp.StatusCode == http.StatusConflict {
		t.c.conflicts++
		t.c.failures["409 Conflict "+key]++
	} else if resp != nil && resp.StatusCode >= 300 {
		t.c.failures[resp.Status+" "+key]++
	}
	return resp, err
}

// resourceOf turns /apis/g/v/namespaces/ns/r/name/sub (or /api/v1/...) into "r/sub".
func resourceOf(path string) string {
	p := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case len(p) >= 2 && p[0] == "api":
		p = p[2:]
	case len(p) >= 3 && p[0] == "apis":
		p = p[3:]
	default:
		return path
	}
	if len(p) >= 3 && p[0] == "namespaces" {
		p = p[2:]
	}
	switch len(p) {
	case 0:
		return path
	case 1, 2:
		return p[0]
	default:
		return p[0] + "/" + p[2]
	}
}

// snapshot is a counter's state at one moment.
type snapshot struct {
	writes    map[string]int
	conflicts int
	failures  map[string]int
	reads     int
}

func (c *counter) snapshot() snapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := snapshot{writes: map[string]int{}, failures: map[string]int{}, conflicts: c.conflicts, reads: c.reads}
	for k, v := range c.writes {
		s.writes[k] = v
	}
	for k, v := range c.failures {
		s.failures[k] = v
	}
	return s
}

// isEvent and isReview separate what is not a stored write of the lifecycle: Events are
// reported on their own, and SubjectAccessReviews (the status webhook's permission check)
// are not stored at all.
func isEvent(key string) bool  { return strings.HasSuffix(key, " events") }
func isReview(key string) bool { return strings.HasSuffix(key, "reviews") }

// lifecycle counts the writes of the lifecycle: everything but Events and reviews.
func (s snapshot) lifecycle() int {
	n := 0
	for k, v := range s.writes {
		if !isEvent(k) && !isReview(k) {
			n += v
		}
	}
	return n
}

func (s snapshot) events() int {
	n := 0
	for k, v := range s.writes {
		if isEvent(k) {
			n += v
		}
	}
	return n
}

func (s snapshot) keys() []string {
	out := make([]string, 0, len(s.writes))
	for k := range s.writes {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
