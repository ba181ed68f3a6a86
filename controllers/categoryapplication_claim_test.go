package controllers

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

func TestEndClaim(t *testing.T) {
	now := time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)
	app := func(mutate func(*qualv1.CategoryApplication)) *qualv1.CategoryApplication {
		a := &qualv1.CategoryApplication{}
		a.Generation = 2
		a.Status.Conditions = []metav1.Condition{{Type: qualv1.ConditionUnderReview, Status: metav1.ConditionTrue, ObservedGeneration: 2}}
		a.Status.Claim = &qualv1.Claim{Reviewer: "rita", Generation: 2, ExpiresAt: metav1.NewTime(now.Add(30 * time.Minute))}
		if mutate != nil {
			mutate(a)
		}
		return a
	}
	for _, tc := range []struct {
		name     string
		app      *qualv1.CategoryApplication
		max      time.Duration
		ended    bool
		requeue  time.Duration
		expireAt time.Time
	}{
		{"stands: come back at its expiry", app(nil), 0, false, 30 * time.Minute, now.Add(30 * time.Minute)},
		{"expired", app(func(a *qualv1.CategoryApplication) { a.Status.Claim.ExpiresAt = metav1.NewTime(now) }), 0, true, 0, time.Time{}},
		{"decided by the claimant", app(func(a *qualv1.CategoryApplication) {
			a.Status.Decision = &qualv1.Decision{Verdict: qualv1.VerdictRejected, Generation: 2, Reviewer: "rita"}
		}), 0, true, 0, time.Time{}},
		{"another's decision that leaves the round open", app(func(a *qualv1.CategoryApplication) {
			a.Status.Decision = &qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: 2, Reviewer: "carl"}
		}), 0, false, 30 * time.Minute, now.Add(30 * time.Minute)},
		{"new generation", app(func(a *qualv1.CategoryApplication) { a.Generation = 3 }), 0, true, 0, time.Time{}},
		{"no longer under review", app(func(a *qualv1.CategoryApplication) { a.Status.Conditions[0].Status = metav1.ConditionFalse }), 0, true, 0, time.Time{}},
		{"too long: bounded", app(func(a *qualv1.CategoryApplication) {
			a.Status.Claim.ExpiresAt = metav1.NewTime(now.Add(24 * time.Hour))
		}),
			time.Hour, false, time.Hour, now.Add(time.Hour)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			requeue := endClaim(tc.app, now, tc.max)
			g.Expect(requeue).To(Equal(tc.requeue))
			if tc.ended {
				g.Expect(tc.app.Status.Claim).To(BeNil())
				return
			}
			g.Expect(tc.app.Status.Claim.ExpiresAt.Time).To(BeTemporally("==", tc.expireAt))
		})
	}
}

// A new round of the same generation (the Secret content changed) ends the claim too.
func TestArchiveRoundEndsClaim(t *testing.T) {
	g := NewWithT(t)
	st := &qualv1.CategoryApplicationStatus{SubmittedGeneration: 2, Claim: &qualv1.Claim{Reviewer: "rita", Generation: 2}}
	archiveRound(st, nil, time.Now())
	g.Expect(st.Claim).To(BeNil())
}
