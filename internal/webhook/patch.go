package webhook

import (
	"encoding/json"
	"net/http"

	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
)

// patchRaw applies edit to the request's object as raw JSON and answers with the JSON patch.
// Mutating webhooks must not round-trip the object through Go types: that would add empty
// required fields and normalise values the user wrote, before schema validation sees them.
func patchRaw(raw []byte, edit func(obj map[string]any)) admission.Response {
	obj := map[string]any{}
	if err := json.Unmarshal(raw, &obj); err != nil {
		return admission.Errored(http.StatusBadRequest, err)
	}
	edit(obj)
	out, err := json.Marshal(obj)
	if err != nil {
		return admission.Errored(http.StatusInternalServerError, err)
	}
	return admission.PatchResponseFromRaw(raw, out)
}

// child returns obj[key] as a map, creating it.
func child(obj map[string]any, key string) map[string]any {
	m, ok := obj[key].(map[string]any)
	if !ok {
		m = map[string]any{}
		obj[key] = m
	}
	return m
}

// toJSONValue converts a typed value to the generic form patchRaw edits.
func toJSONValue(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	return out, nil
}
