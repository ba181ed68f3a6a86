package controllers

import (
	corev1 "k8s.io/api/core/v1"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// emit records a Kubernetes event per transition, after the status patch succeeded, so an
// event is never emitted for a change that was not stored (and then repeated).
func (r *ApplicationReconciler) emit(s *appState) {
	observeDecisions(s.app, s.events, s.now)
	for _, d := range s.dropped {
		notificationsDropped.WithLabelValues(string(d.Event)).Inc()
	}
	if r.Recorder == nil {
		return
	}
	for _, t := range s.events {
		typ := corev1.EventTypeNormal
		if t.warning {
			typ = corev1.EventTypeWarning
		}
		// The events API limits a note to 1024 characters.
		r.Recorder.Eventf(s.app, nil, typ, string(t.event), "Reconcile", "%s", qualv1.Truncate(t.message, 1000))
	}
}
