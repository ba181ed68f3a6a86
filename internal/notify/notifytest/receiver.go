package notifytest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/notify"
)

// Receiver is a loopback webhook receiver that does what a merchant's should: it verifies each
// post with the Standard Webhooks library (signature and timestamp), answers 401 to one that
// fails, and keeps one notification per webhook-id (retries and replays count once).
type Receiver struct {
	// SigningKey is the "whsec_..." key the sink Secret must hold.
	SigningKey string
	srv        *httptest.Server
	wh         *standardwebhooks.Webhook

	mu         sync.Mutex
	attempts   int
	unverified int
	byID       map[string]notify.Notification
}

// NewReceiver starts a Receiver with a fresh random key; Close stops it.
func NewReceiver() *Receiver {
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	r := &Receiver{SigningKey: "whsec_" + base64.StdEncoding.EncodeToString(k), byID: map[string]notify.Notification{}}
	r.wh, _ = standardwebhooks.NewWebhook(r.SigningKey)
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	return r
}

// URL is the address for the sink Secret.
func (r *Receiver) URL() string { return r.srv.URL + "/hook" }

// Close stops the server.
func (r *Receiver) Close() { r.srv.Close() }

// SecretData is what a sink Secret pointing here holds (generic format).
func (r *Receiver) SecretData() map[string]string {
	return map[string]string{notify.SecretKeyAddress: r.URL(), notify.SecretKeySigningKey: r.SigningKey}
}

func (r *Receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	r.mu.Lock()
	defer r.mu.Unlock()
	r.attempts++
	if err := r.wh.Verify(body, req.Header); err != nil {
		r.unverified++
		http.Error(w, "signature not verified", http.StatusUnauthorized)
		return
	}
	var n notify.Notification
	if err := json.Unmarshal(body, &n); err != nil {
		http.Error(w, "not a notification", http.StatusBadRequest)
		return
	}
	r.byID[req.Header.Get(standardwebhooks.HeaderWebhookID)] = n
	w.WriteHeader(http.StatusNoContent)
}

// Attempts counts every post, verified or not.
func (r *Receiver) Attempts() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.attempts
}

// Unverified counts posts the library refused.
func (r *Receiver) Unverified() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.unverified
}

// EventsAbout counts distinct verified notifications (by webhook-id) per event about one
// application.
func (r *Receiver) EventsAbout(namespace, name string) map[v1alpha1.NotificationEvent]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[v1alpha1.NotificationEvent]int{}
	for _, n := range r.byID {
		if n.Application.Namespace == namespace && n.Application.Name == name {
			out[n.Event]++
		}
	}
	return out
}
