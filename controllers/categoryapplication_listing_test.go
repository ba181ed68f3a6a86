package controllers

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/calendar"
)

func TestListingState(t *testing.T) {
	cal := calendar.Default()
	now := time.Date(2031, 6, 30, 15, 0, 0, 0, time.UTC) // 23:00 on 30 June in Shanghai
	endOfJune := time.Date(2031, 6, 30, 16, 0, 0, 0, time.UTC)
	listing := func(validUntil string, state qualv1.ListingState) *qualv1.ShowcaseListing {
		l := &qualv1.ShowcaseListing{}
		if validUntil != "" {
			d := qualv1.Date(validUntil)
			l.Spec.ValidUntil = &d
		}
		l.Status.State = state
		return l
	}
	verdict := func(v qualv1.Verdict) *qualv1.CategoryApplication {
		if v == "" {
			return testApp(1, nil)
		}
		return testApp(1, &qualv1.Decision{Verdict: v, Generation: 1})
	}
	for _, c := range []struct {
		name    string
		app     *qualv1.CategoryApplication
		l       *qualv1.ShowcaseListing
		state   qualv1.ListingState
		reason  string
		requeue time.Duration
	}{
		{"approved, no end date", verdict(qualv1.VerdictApproved), listing("", ""), qualv1.ListingActive, qualv1.ReasonListingActive, 0},
		{"approved: valid through the last day, Shanghai time (D20)", verdict(qualv1.VerdictApproved), listing("2031-06-30", qualv1.ListingActive),
			qualv1.ListingActive, qualv1.ReasonListingActive, endOfJune.Sub(now)},
		{"expiry wins over an approval", verdict(qualv1.VerdictApproved), listing("2031-06-29", qualv1.ListingActive),
			qualv1.ListingExpired, qualv1.ReasonListingExpired, 0},
		{"rejected: suspended, expiry still scheduled", verdict(qualv1.VerdictRejected), listing("2031-06-30", qualv1.ListingActive),
			qualv1.ListingSuspended, qualv1.ReasonListingSuspended, endOfJune.Sub(now)},
		{"withdrawn (D29)", verdict(qualv1.VerdictWithdrawn), listing("", qualv1.ListingActive), qualv1.ListingSuspended, qualv1.ReasonListingSuspended, 0},
		{"a renewal under review keeps an active listing", verdict(""), listing("", qualv1.ListingActive), qualv1.ListingActive, qualv1.ReasonListingActive, 0},
		{"a round under review after a rejection stays suspended", verdict(""), listing("", qualv1.ListingSuspended),
			qualv1.ListingSuspended, qualv1.ReasonListingSuspended, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			state, reason, requeue := listingState(c.app.Status.Decision, c.l, now, cal)
			g.Expect(state).To(Equal(c.state))
			g.Expect(reason).To(Equal(c.reason))
			g.Expect(requeue).To(Equal(c.requeue))
		})
	}
}
