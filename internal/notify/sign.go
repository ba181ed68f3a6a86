package notify

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// Standard Webhooks (https://www.standardwebhooks.com): the scheme receivers verify with a
// library of their language instead of code of their own. The signed content is
// "<webhook-id>.<webhook-timestamp>.<body>", so a captured post replayed later fails the
// receiver's timestamp check (5 minutes in the libraries), and the id lets it drop duplicates.
const (
	webhookSecretPrefix = "whsec_"
	minSigningKeyBytes  = 24
	maxSigningKeyBytes  = 64
)

// decodeSigningKey reads a "whsec_<base64>" secret. The errors never quote the value.
func decodeSigningKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, webhookSecretPrefix) {
		return nil, fmt.Errorf("a Standard Webhooks secret starts with %q", webhookSecretPrefix)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, webhookSecretPrefix))
	if err != nil {
		return nil, fmt.Errorf("what follows %q is not standard base64", webhookSecretPrefix)
	}
	if len(key) < minSigningKeyBytes || len(key) > maxSigningKeyBytes {
		return nil, fmt.Errorf("the key is %d bytes: it must be %d to %d (e.g. \"whsec_$(head -c 32 /dev/urandom | base64)\")",
			len(key), minSigningKeyBytes, maxSigningKeyBytes)
	}
	return key, nil
}

// signWebhook sets the Standard Webhooks headers of a post: webhook-id (the Idempotency-Key),
// webhook-timestamp (now, in Unix seconds) and webhook-signature, one "v1,<base64>" per key,
// space-separated, so that a receiver holding either key of a rotation verifies.
func signWebhook(h http.Header, keys [][]byte, id string, now time.Time, body []byte) error {
	sigs := make([]string, 0, len(keys))
	for _, k := range keys {
		wh, err := standardwebhooks.NewWebhookRaw(k)
		if err != nil {
			return err
		}
		sig, err := wh.Sign(id, now, body)
		if err != nil {
			return err
		}
		sigs = append(sigs, sig)
	}
	h.Set(standardwebhooks.HeaderWebhookID, id)
	h.Set(standardwebhooks.HeaderWebhookTimestamp, strconv.FormatInt(now.Unix(), 10))
	h.Set(standardwebhooks.HeaderWebhookSignature, strings.Join(sigs, " "))
	return nil
}
