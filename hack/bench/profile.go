package main

import (
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/google/pprof/profile"
)

// heapGroups are what the manager's live heap holds, in the order a sample is classified: the
// first group with a function on the sample's allocation stack takes it.
var heapGroups = []struct {
	name  string
	marks []string
}{
	{"work queue", []string{"k8s.io/client-go/util/workqueue.", "controller-runtime/pkg/controller/priorityqueue."}},
	{"indexes", []string{"cache.(*threadSafeMap).updateIndices", "cache.(*storeIndex)", "cache.(*threadSafeMap).addIndexers"}},
	// Objects are decoded on the watch stream's goroutine (the initial list arrives as a
	// watch too), so their stacks end at the decoder, not at the informer.
	{"informer objects", []string{"k8s.io/client-go/tools/cache.", "controller-runtime/pkg/cache/internal.",
		"k8s.io/apimachinery/pkg/watch.(*StreamWatcher)", "k8s.io/apimachinery/pkg/runtime/serializer/"}},
	{"CEL programs and schemas", []string{"github.com/google/cel-go", "k8s.io/apiserver/pkg/cel", "category-operator/internal/celrules."}},
	{"reconcilers (state, digests, status copies)", []string{"category-operator/controllers.", "category-operator/internal/"}},
	{"HTTP servers and clients (metrics gzip buffers, TLS, HTTP/2)", []string{"net/http.", "golang.org/x/net/http2", "crypto/tls."}},
	{"package init (scheme, registries)", []string{"runtime.doInit"}},
}

const otherGroup = "other"

// heapBreakdown is a heap profile's in-use bytes by group, and its total.
type heapBreakdown struct {
	total  float64
	groups map[string]float64
}

func readHeapProfile(path string) (heapBreakdown, error) {
	f, err := os.Open(path)
	if err != nil {
		return heapBreakdown{}, err
	}
	defer f.Close()
	p, err := profile.Parse(f)
	if err != nil {
		return heapBreakdown{}, fmt.Errorf("parsing %s: %w", path, err)
	}
	idx := -1
	for i, st := range p.SampleType {
		if st.Type == "inuse_space" {
			idx = i
		}
	}
	if idx < 0 {
		return heapBreakdown{}, fmt.Errorf("%s has no inuse_space samples", path)
	}
	out := heapBreakdown{groups: map[string]float64{}}
	for _, s := range p.Sample {
		v := float64(s.Value[idx])
		out.total += v
		out.groups[classify(s)] += v
	}
	return out, nil
}

func classify(s *profile.Sample) string {
	for _, g := range heapGroups {
		for _, loc := range s.Location {
			for _, l := range loc.Line {
				if l.Function == nil {
					continue
				}
				for _, m := range g.marks {
					if strings.Contains(l.Function.Name, m) {
						return g.name
					}
				}
			}
		}
	}
	return otherGroup
}

// pprofTop is `go tool pprof -top` of the profile, in-use bytes, its first lines.
func pprofTop(bin, path string, lines int) ([]string, error) {
	out, err := exec.Command("go", "tool", "pprof", "-top", "-sample_index=inuse_space",
		fmt.Sprintf("-nodecount=%d", lines), bin, path).Output()
	if err != nil {
		return nil, fmt.Errorf("go tool pprof -top %s: %w", path, err)
	}
	var keep []string
	started := false
	for _, l := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "flat") {
			started = true
		}
		if started || strings.HasPrefix(l, "Showing") {
			keep = append(keep, l)
		}
	}
	return keep, nil
}
