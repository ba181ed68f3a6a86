package notify

import (
	"encoding/json"
	"regexp"
	"strings"

	"github.com/cloudevents/sdk-go/v2/event"

	"github.com/channelshop/category-operator/api/v1alpha1"
)

// CloudEvents 1.0 (https://cloudevents.io), structured JSON mode: the format event routers
// (Knative Eventing, Argo Events) accept as it is.
const (
	// CloudEventTypePrefix starts every type: the event in kebab case follows, e.g.
	// "dev.channelshop.qualification.approved", "...qualification.review-overdue".
	CloudEventTypePrefix = "dev.channelshop.qualification."
	// cloudEventContentType is the structured mode's media type.
	cloudEventContentType = "application/cloudevents+json; charset=utf-8"
)

var wordStart = regexp.MustCompile(`([a-z0-9])([A-Z])`)

// CloudEventType is the CloudEvent type of an event.
func CloudEventType(e v1alpha1.NotificationEvent) string {
	return CloudEventTypePrefix + strings.ToLower(wordStart.ReplaceAllString(string(e), "$1-$2"))
}

// CloudEventSource is the source of an application's events: the application's API path.
func CloudEventSource(a ApplicationRef) string {
	return "/apis/" + APIVersion + "/namespaces/" + a.Namespace + "/categoryapplications/" + a.Name
}

// cloudEventBody wraps n (with APIVersion and Kind set) as a CloudEvent: id the
// Idempotency-Key (the same for every retry, so routers drop duplicates on source+id),
// subject the merchant's AppID, time the event's, data the generic payload.
func cloudEventBody(n Notification, key string) ([]byte, error) {
	e := event.New()
	e.SetID(key)
	e.SetType(CloudEventType(n.Event))
	e.SetSource(CloudEventSource(n.Application))
	if n.AppID != "" {
		e.SetSubject(n.AppID)
	}
	if !n.OccurredAt.IsZero() {
		e.SetTime(n.OccurredAt.UTC())
	}
	data, err := json.Marshal(n)
	if err != nil {
		return nil, err
	}
	if err := e.SetData(event.ApplicationJSON, json.RawMessage(data)); err != nil {
		return nil, err
	}
	if err := e.Validate(); err != nil {
		return nil, err
	}
	return json.Marshal(e)
}
