package controllers

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// TestMadeThisRound: a listing dated at or after the round's submission was made for this
// round's approval by a reconcile whose status write did not land, and a retry keeps its date;
// one dated before is an earlier round's (a Secret file changed at the same generation) and the
// new approval dates it anew; a decision that took effect as its round closed is always new.
func TestMadeThisRound(t *testing.T) {
	submitted := metav1.NewTime(time.Date(2026, 12, 8, 5, 47, 10, 0, time.UTC))
	app := &qualv1.CategoryApplication{Status: qualv1.CategoryApplicationStatus{SubmittedAt: &submitted}}
	listing := func(at time.Time) *qualv1.ShowcaseListing {
		return &qualv1.ShowcaseListing{Spec: qualv1.ShowcaseListingSpec{ApprovedAt: metav1.NewTime(at)}}
	}
	for _, tc := range []struct {
		name   string
		at     time.Time
		closed bool
		want   bool
	}{
		{"dated in this round", submitted.Add(time.Second), false, true},
		{"dated the second the round started", submitted.Time, false, true},
		{"an earlier round's", submitted.Add(-time.Hour), false, false},
		{"a late decision of a closed round", submitted.Add(time.Second), true, false},
	} {
		s := &appState{app: app}
		if tc.closed {
			s.closed = &closedDecision{}
		}
		if got := madeThisRound(app, listing(tc.at), s); got != tc.want {
			t.Errorf("%s: madeThisRound = %v, want %v", tc.name, got, tc.want)
		}
	}
}
