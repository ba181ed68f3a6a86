// Command receiver is `make run`'s notification receiver: a webhook endpoint on this machine
// that verifies each post as a merchant's receiver should, with the Standard Webhooks library
// (signature and timestamp), and prints what arrived: the event, the application, and whether
// the signature verified. It takes generic and CloudEvents posts.
//
//	go run ./hack/receiver -listen 127.0.0.1:18090 -key /merchant=whsec_... -key /reviewers=whsec_...
//
// A post to a path without a key, or that does not verify, is answered 401, and the operator
// retries it.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// keys maps a path to the Standard Webhooks key its sink Secret holds (-key PATH=whsec_...).
type keys map[string]*standardwebhooks.Webhook

func (k keys) String() string { return fmt.Sprint(len(k), " keys") }

func (k keys) Set(v string) error {
	path, secret, ok := strings.Cut(v, "=")
	if !ok || !strings.HasPrefix(path, "/") {
		return fmt.Errorf("want PATH=whsec_..., e.g. /merchant=whsec_...")
	}
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		return fmt.Errorf("the key of %s: %w", path, err)
	}
	k[path] = wh
	return nil
}

// notification is what the receiver prints of the generic payload.
type notification struct {
	Event       string `json:"event"`
	Application struct {
		Namespace string `json:"namespace"`
		Name      string `json:"name"`
	} `json:"application"`
	Generation int64  `json:"generation"`
	Phase      string `json:"phase"`
	Message    string `json:"message"`
}

func main() {
	listen := flag.String("listen", "127.0.0.1:18090", "Address to listen on (loopback: the operator reaches it with --sink-allowed-cidrs).")
	k := keys{}
	flag.Var(k, "key", "PATH=whsec_...: the Standard Webhooks key of the sink posting to PATH (repeat for each sink).")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("receiver: ")

	var mu sync.Mutex
	seen := map[string]bool{} // webhook-ids already taken: a retry or a replay counts once
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		wh, ok := k[r.URL.Path]
		if !ok {
			log.Printf("%s: no key for this path: refused", r.URL.Path)
			http.Error(w, "unknown path", http.StatusUnauthorized)
			return
		}
		if err := wh.Verify(body, r.Header); err != nil {
			log.Printf("%s: signature NOT verified (%v): refused", r.URL.Path, err)
			http.Error(w, "signature not verified", http.StatusUnauthorized)
			return
		}
		id := r.Header.Get(standardwebhooks.HeaderWebhookID)
		mu.Lock()
		dup := seen[id]
		seen[id] = true
		mu.Unlock()
		if dup {
			log.Printf("%s: %s again (a retry): already taken", r.URL.Path, id)
			w.WriteHeader(http.StatusNoContent)
			return
		}
		n, kind := decode(r.Header.Get("Content-Type"), body)
		msg := ""
		if n.Message != "" {
			msg = fmt.Sprintf(": %q", n.Message)
		}
		log.Printf("%s: %s about %s/%s (generation %d, phase %s)%s; %s, signature verified (webhook-id %s…)",
			r.URL.Path, n.Event, n.Application.Namespace, n.Application.Name, n.Generation, n.Phase, msg, kind, id[:min(len(id), 28)])
		w.WriteHeader(http.StatusNoContent)
	})
	log.Printf("listening on http://%s (%d sinks: %s)", *listen, len(k), strings.Join(paths(k), ", "))
	if err := http.ListenAndServe(*listen, nil); err != nil {
		log.Print(err)
		os.Exit(1)
	}
}

// decode reads the generic payload, directly or as a CloudEvent's data.
func decode(contentType string, body []byte) (notification, string) {
	var n notification
	if strings.HasPrefix(contentType, "application/cloudevents+json") {
		var ce struct {
			Type string          `json:"type"`
			Data json.RawMessage `json:"data"`
		}
		_ = json.Unmarshal(body, &ce)
		_ = json.Unmarshal(ce.Data, &n)
		return n, "CloudEvent " + ce.Type
	}
	_ = json.Unmarshal(body, &n)
	return n, "generic"
}

func paths(k keys) []string {
	out := make([]string, 0, len(k))
	for p := range k {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}
