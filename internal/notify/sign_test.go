package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// These tests verify what a receiver gets with the Standard Webhooks library, as a receiver
// would, never with this package's own code.

func newSigningSecret(t *testing.T) string {
	t.Helper()
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return "whsec_" + base64.StdEncoding.EncodeToString(k)
}

func verifier(t *testing.T, secret string) *standardwebhooks.Webhook {
	t.Helper()
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	return wh
}

// sendSigned posts fullNotification to a recorder through a sink read from a Secret with data,
// and returns what the receiver saw.
func sendSigned(t *testing.T, o Options, data map[string]string) request {
	t.Helper()
	g := NewWithT(t)
	rec := newRecorder(t, status(http.StatusNoContent, ""))
	data["address"] = rec.srv.URL + "/hook"
	sink, err := SinkFromSecret("secret/acme-notify", secret(data))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(NewSender(loopback(o)).Send(context.Background(), sink, fullNotification(), "")).To(Succeed())
	reqs := rec.requests()
	g.Expect(reqs).To(HaveLen(1))
	return reqs[0]
}

func TestStandardWebhooksVerifyAcceptsWhatIsSent(t *testing.T) {
	for _, format := range []string{"", "generic", "cloudevents"} {
		t.Run("format "+format, func(t *testing.T) {
			g := NewWithT(t)
			key := newSigningSecret(t)
			r := sendSigned(t, Options{}, map[string]string{"format": format, "signingKey": key})

			g.Expect(verifier(t, key).Verify(r.body, r.header)).To(Succeed())
			g.Expect(r.header.Get("webhook-id")).To(Equal(r.header.Get("Idempotency-Key")), "webhook-id is our Idempotency-Key")
			g.Expect(r.header.Get("webhook-id")).To(HavePrefix("catapp-notify-v1-"))
			g.Expect(r.header.Get("webhook-signature")).To(MatchRegexp(`^v1,[A-Za-z0-9+/]+=*$`))

			changed := bytes.Replace(r.body, []byte(`"generation":3`), []byte(`"generation":4`), 1)
			g.Expect(changed).NotTo(Equal(r.body))
			g.Expect(verifier(t, key).Verify(changed, r.header)).To(MatchError(standardwebhooks.ErrNoMatchingSignature), "a changed body")
			g.Expect(verifier(t, newSigningSecret(t)).Verify(r.body, r.header)).To(MatchError(standardwebhooks.ErrNoMatchingSignature), "a wrong key")
			otherID := r.header.Clone()
			otherID.Set("webhook-id", "catapp-notify-v1-another")
			g.Expect(verifier(t, key).Verify(r.body, otherID)).To(MatchError(standardwebhooks.ErrNoMatchingSignature), "another id")
		})
	}
}

func TestStandardWebhooksVerifyRefusesAnOldTimestamp(t *testing.T) {
	g := NewWithT(t)
	key := newSigningSecret(t)
	signedAt := time.Now().Add(-10 * time.Minute) // a post captured and replayed 10 minutes later
	r := sendSigned(t, Options{Now: func() time.Time { return signedAt }}, map[string]string{"signingKey": key})

	g.Expect(verifier(t, key).Verify(r.body, r.header)).To(MatchError(standardwebhooks.ErrMessageTooOld))
	g.Expect(verifier(t, key).VerifyIgnoringTimestamp(r.body, r.header)).To(Succeed(), "only the timestamp is wrong")
	g.Expect(r.header.Get("webhook-timestamp")).To(Equal(strconv.FormatInt(signedAt.Unix(), 10)))
}

// TestStandardWebhooksKeyRotation: with the key being rotated out still in the Secret, a
// receiver holding either key verifies; one holding neither does not.
func TestStandardWebhooksKeyRotation(t *testing.T) {
	g := NewWithT(t)
	current, previous := newSigningSecret(t), newSigningSecret(t)
	r := sendSigned(t, Options{}, map[string]string{"signingKey": current, "previousSigningKey": previous})

	g.Expect(strings.Fields(r.header.Get("webhook-signature"))).To(HaveLen(2), "one signature per key")
	g.Expect(verifier(t, current).Verify(r.body, r.header)).To(Succeed())
	g.Expect(verifier(t, previous).Verify(r.body, r.header)).To(Succeed())
	g.Expect(verifier(t, newSigningSecret(t)).Verify(r.body, r.header)).To(MatchError(standardwebhooks.ErrNoMatchingSignature))
}

// TestUnsignedWithoutKey: no signing key, no Standard Webhooks headers (a receiver's library
// then refuses, as it should, rather than trusting an unsigned post); the deprecated
// X-Signature still comes with a token.
func TestUnsignedWithoutKey(t *testing.T) {
	g := NewWithT(t)
	r := sendSigned(t, Options{}, map[string]string{"token": "legacy-token"})
	g.Expect(r.header.Get("webhook-signature")).To(BeEmpty())
	g.Expect(r.header.Get("X-Signature")).To(HavePrefix("sha256="))
	g.Expect(verifier(t, newSigningSecret(t)).Verify(r.body, r.header)).To(MatchError(standardwebhooks.ErrRequiredHeaders))

	r = sendSigned(t, Options{}, map[string]string{"token": "legacy-token", "signingKey": newSigningSecret(t)})
	g.Expect(r.header.Get("X-Signature")).To(HavePrefix("sha256="), "kept for one release beside the new signature")
	g.Expect(r.header.Get("webhook-signature")).NotTo(BeEmpty())
}
