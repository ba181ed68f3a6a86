package console

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"io"
	"net/http"
	"sync"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/channelshop/category-operator/cmd/kubectl-category/internal/factory"
	"github.com/channelshop/category-operator/cmd/kubectl-category/internal/materials"
)

// The console is a web server on the reviewer's machine that talks to the API server with the
// reviewer's own credentials (the plugin's factory), like `argocd admin dashboard`: nothing new
// is authorized. What it adds is a browser session, so it guards that: a random login token
// in the URL it prints (as Jupyter does), then an HttpOnly SameSite=Strict session cookie; a
// CSRF token in every form and the Origin checked on every POST; the Host header checked
// against the address it listens on (DNS rebinding); and a Content-Security-Policy that
// allows nothing but its own embedded files.

const (
	sessionCookie = "category_console"
	// contentPolicy allows only the console's own scripts, styles and files: a merchant's
	// text, rendered by html/template, could not run a script even if escaping failed.
	contentPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; media-src 'self'; " +
		"frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)

// Config is what a Server needs.
type Config struct {
	// Client talks to the API server as the reviewer.
	Client client.Client
	// Factory is the plugin's: the decide package and the calendar read their flags from it.
	Factory *factory.Factory
	Fetcher *materials.Fetcher
	// Hosts are the Host header values the console answers to (its listening address); empty
	// accepts any (tests that do not know the address in advance).
	Hosts []string
	// Warnings receives what the console would print on the terminal (calendar problems).
	Warnings io.Writer
	Now      func() time.Time
}

// Server is the console's HTTP handler.
type Server struct {
	cfg   Config
	token string
	mux   *http.ServeMux
	files *fileCache

	mu       sync.Mutex
	sessions map[string]string // session id → CSRF token
	user     string            // who the API server says the reviewer is, once known
	// shown: session CSRF token, application, generation and materials digest of each page
	// rendered → why approve is not offered ("" when every file was shown verified).
	shown map[string]string
}

// New returns a server with a fresh login token.
func New(cfg Config) *Server {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Warnings == nil {
		cfg.Warnings = io.Discard
	}
	s := &Server{cfg: cfg, token: randomString(), sessions: map[string]string{}, shown: map[string]string{}, files: newFileCache(256 << 20)}
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("GET /login", s.login)
	s.mux.Handle("GET /static/", http.FileServerFS(staticFS))
	s.mux.HandleFunc("GET /{$}", s.session(s.queue))
	s.mux.HandleFunc("GET /app/{ns}/{name}", s.session(s.application))
	s.mux.HandleFunc("GET /file/{ns}/{name}/{index}", s.session(s.file))
	s.mux.HandleFunc("POST /app/{ns}/{name}/decide", s.session(s.decide))
	s.mux.HandleFunc("GET /done/{ns}/{name}", s.session(s.done))
	return s
}

// LoginPath is the path and query that start a session: the URL the command prints.
func (s *Server) LoginPath() string { return "/login?token=" + s.token }

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", contentPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	// same-origin, not no-referrer: with no-referrer Chromium sends "Origin: null" on the
	// console's own POSTs, which the Origin check must refuse.
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
	if !s.hostAllowed(r.Host) {
		http.Error(w, "unknown host "+r.Host+": open the address kubectl category console printed", http.StatusMisdirectedRequest)
		return
	}
	s.mux.ServeHTTP(w, r)
}

func (s *Server) hostAllowed(host string) bool {
	if len(s.cfg.Hosts) == 0 {
		return true
	}
	for _, h := range s.cfg.Hosts {
		if h == host {
			return true
		}
	}
	return false
}

// login trades the token for a session cookie and sends the browser on without the token in
// its address bar or history.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if subtle.ConstantTimeCompare([]byte(r.URL.Query().Get("token")), []byte(s.token)) != 1 {
		s.page(w, http.StatusUnauthorized, "message", messageView{Title: "Not signed in",
			Text: "This link's token is wrong. Open the address that kubectl category console printed in your terminal."})
		return
	}
	id := randomString()
	s.mu.Lock()
	s.sessions[id] = randomString()
	s.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: id, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// request is one authenticated request: its session's CSRF token comes along for the forms.
type request struct {
	*http.Request
	csrf string
}

// session admits requests with a session cookie, and POSTs only with the session's CSRF
// token and, when the browser sends one, an Origin of this very server.
func (s *Server) session(h func(http.ResponseWriter, *request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(sessionCookie)
		var csrf string
		if err == nil {
			s.mu.Lock()
			csrf = s.sessions[c.Value]
			s.mu.Unlock()
		}
		if csrf == "" {
			s.page(w, http.StatusUnauthorized, "message", messageView{Title: "Not signed in",
				Text: "Open the address that kubectl category console printed in your terminal: it signs this browser in."})
			return
		}
		if r.Method == http.MethodPost {
			origin := r.Header.Get("Origin")
			if origin != "" && origin != "http://"+r.Host {
				s.page(w, http.StatusForbidden, "message", messageView{Title: "Refused",
					Text: "This form was sent from another site (" + origin + "); nothing was changed."})
				return
			}
			if subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(csrf)) != 1 {
				s.page(w, http.StatusForbidden, "message", messageView{Title: "Refused",
					Text: "This form is not from this console session (its security token is missing or wrong); nothing was changed. Reload the page and try again."})
				return
			}
		}
		h(w, &request{Request: r, csrf: csrf})
	}
}

func randomString() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
