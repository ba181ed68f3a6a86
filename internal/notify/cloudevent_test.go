package notify

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"testing"

	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/channelshop/category-operator/api/v1alpha1"
)

// TestCloudEventParsesWithTheSDK: a cloudevents sink gets a CloudEvent 1.0 in structured JSON
// mode that the CloudEvents Go SDK parses and validates, carrying the generic payload as data.
func TestCloudEventParsesWithTheSDK(t *testing.T) {
	g := NewWithT(t)
	r := sendSigned(t, Options{}, map[string]string{"format": "cloudevents"})
	g.Expect(r.header.Get("Content-Type")).To(HavePrefix("application/cloudevents+json"))

	req := httptest.NewRequest("POST", "/hook", bytes.NewReader(r.body))
	req.Header = r.header.Clone()
	ev, err := cehttp.NewEventFromHTTPRequest(req)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(ev.Validate()).To(Succeed())

	n := fullNotification()
	g.Expect(ev.SpecVersion()).To(Equal("1.0"))
	g.Expect(ev.Type()).To(Equal("dev.channelshop.qualification.approved"))
	g.Expect(ev.Source()).To(Equal("/apis/qualification.channelshop.dev/v1alpha1/namespaces/shop-acme/categoryapplications/jewelry-gold"))
	g.Expect(ev.ID()).To(Equal(r.header.Get("Idempotency-Key")))
	g.Expect(ev.ID()).To(Equal(IdempotencyKey(n.Application.UID, n.Generation, n.Event, "secret/acme-notify")))
	g.Expect(ev.Subject()).To(Equal("wx0123456789abcdef"))
	g.Expect(ev.Time()).To(BeTemporally("==", n.OccurredAt.Time))
	g.Expect(ev.DataContentType()).To(Equal("application/json"))

	var got Notification
	g.Expect(ev.DataAs(&got)).To(Succeed())
	g.Expect(got.APIVersion).To(Equal(APIVersion))
	g.Expect(got.Kind).To(Equal(Kind))
	g.Expect(got.Event).To(Equal(v1alpha1.EventApproved))
	g.Expect(got.Application).To(Equal(n.Application))
	g.Expect(got.Listing).To(Equal(n.Listing))
	g.Expect(got.Message).To(Equal(n.Message))

	var raw map[string]json.RawMessage
	g.Expect(json.Unmarshal(r.body, &raw)).To(Succeed())
	g.Expect(raw).To(HaveKey("data"), "structured mode: the payload is JSON under data, not base64")
	g.Expect(raw).NotTo(HaveKey("data_base64"))
}

func TestCloudEventTypes(t *testing.T) {
	g := NewWithT(t)
	for e, want := range map[v1alpha1.NotificationEvent]string{
		v1alpha1.EventSubmitted:          "dev.channelshop.qualification.submitted",
		v1alpha1.EventReviewOverdue:      "dev.channelshop.qualification.review-overdue",
		v1alpha1.EventRequirementsNotMet: "dev.channelshop.qualification.requirements-not-met",
		v1alpha1.EventPolicyNoncompliant: "dev.channelshop.qualification.policy-noncompliant",
	} {
		g.Expect(CloudEventType(e)).To(Equal(want))
	}
}

// TestCloudEventWithoutTime: an event with no time leaves the optional attribute out rather
// than sending year 1.
func TestCloudEventWithoutTime(t *testing.T) {
	g := NewWithT(t)
	n := fullNotification()
	n.OccurredAt = metav1.Time{}
	n.AppID = ""
	body, err := cloudEventBody(n, "k")
	g.Expect(err).NotTo(HaveOccurred())
	var raw map[string]any
	g.Expect(json.Unmarshal(body, &raw)).To(Succeed())
	g.Expect(raw).NotTo(HaveKey("time"))
	g.Expect(raw).NotTo(HaveKey("subject"))
}
