package console

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/cmd/kubectl-category/internal/materials"
)

// fileCache keeps verified files of a round in memory, so the page's check and the browser's
// request for the bytes read them once. Keys name the round (generation and materials digest),
// so a cached file is never served for another round; only verified files are kept.
type fileCache struct {
	mu    sync.Mutex
	max   int64
	size  int64
	items map[string]*materials.Fetched
}

func newFileCache(max int64) *fileCache {
	return &fileCache{max: max, items: map[string]*materials.Fetched{}}
}

func (c *fileCache) get(key string) *materials.Fetched {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.items[key]
}

func (c *fileCache) put(key string, f *materials.Fetched) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if int64(len(f.Data)) > c.max {
		return
	}
	if c.size+int64(len(f.Data)) > c.max { // simple: start again rather than track use
		c.items, c.size = map[string]*materials.Fetched{}, 0
	}
	c.items[key] = f
	c.size += int64(len(f.Data))
}

// fetch reads file i of app and verifies it (materials.Fetcher), from the cache when a file of
// the same round verified before.
func (s *Server) fetch(ctx context.Context, app *qualv1.CategoryApplication, i int, ref materials.Ref) *materials.Fetched {
	key := fmt.Sprintf("%s/%s/%d/%s/%d/%s/%s", app.Namespace, app.Name, app.Generation, app.Status.MaterialsDigest, i, ref.Source(), ref.Ref.SHA256)
	if f := s.files.get(key); f != nil {
		return f
	}
	f := s.cfg.Fetcher.Fetch(ctx, app, ref)
	if f.Problem == "" && f.Verified != "" {
		s.files.put(key, f)
	}
	return f
}

// file serves one file's bytes, verified, for the page of a given generation and materials
// digest; only image, PDF and video content is served, and only where the material needs that
// kind (D33), with its own sandboxing policy.
func (s *Server) file(w http.ResponseWriter, r *request) {
	app, err := s.getApp(r.Context(), r.PathValue("ns"), r.PathValue("name"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	if q := r.URL.Query(); q.Get("g") != strconv.FormatInt(app.Generation, 10) || q.Get("d") != app.Status.MaterialsDigest {
		http.Error(w, "the application changed since this page was loaded: reload the page", http.StatusConflict)
		return
	}
	refs := materials.Refs(app)
	i, err := strconv.Atoi(r.PathValue("index"))
	if err != nil || i < 0 || i >= len(refs) {
		http.NotFound(w, r.Request)
		return
	}
	f := s.fetch(r.Context(), app, i, refs[i])
	if f.Problem != "" {
		http.Error(w, f.Problem, http.StatusUnprocessableEntity)
		return
	}
	if f.WrongKind != "" {
		http.Error(w, "not shown: "+f.WrongKind, http.StatusUnsupportedMediaType)
		return
	}
	if inlineKind(f.ContentType) == "other" {
		http.Error(w, "not shown: "+f.ContentType+" is not an image, a PDF or a video", http.StatusUnsupportedMediaType)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.ContentType)
	// The bytes are the merchant's: nothing in them may run or load anything. Chromium's PDF
	// viewer does not open in a sandboxed document, so PDFs get the policy without sandbox.
	policy := "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'"
	if f.ContentType != "application/pdf" {
		policy += "; sandbox"
	}
	h.Set("Content-Security-Policy", policy)
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Content-Disposition", "inline")
	http.ServeContent(w, r.Request, "", time.Time{}, bytes.NewReader(f.Data))
}
