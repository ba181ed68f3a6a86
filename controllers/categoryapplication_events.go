package controllers

import (
	corev1 "k8s.io/api/core/v1"
)

// emit records a Kubernetes event per transition, after the status patch succeeded, so an
// event is never emitted for a change that was not stored (and then repeated).
func (r *ApplicationReconciler) emit(s *appState) {
	observeDecisions(s.app, s.events)
	if r.Recorder == nil {
		return
	}
	for _, t := range s.events {
		typ := corev1.EventTypeNormal
		if t.warning {
			typ = corev1.EventTypeWarning
		}
		r.Recorder.Eventf(s.app, nil, typ, string(t.event), "Reconcile", "%s", t.message)
	}
}
