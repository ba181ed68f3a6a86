package controllers

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/calendar"
	"github.com/channelshop/category-operator/internal/scheme"
)

// ownedBy returns the listing of the test application "gold" with the given owner references.
func ownedBy(refs ...metav1.OwnerReference) *qualv1.ShowcaseListing {
	l := &qualv1.ShowcaseListing{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "gold", OwnerReferences: refs}}
	l.Spec.ApplicationRef.Name = "gold"
	return l
}

func appRef(name string, uid types.UID, controller bool) metav1.OwnerReference {
	return metav1.OwnerReference{APIVersion: qualv1.GroupVersion.String(), Kind: "CategoryApplication", Name: name, UID: uid, Controller: &controller}
}

func liveApp(uid types.UID) *qualv1.CategoryApplication {
	app := testApp(1, nil)
	app.UID = uid
	return app
}

func TestBackedBy(t *testing.T) {
	deleting := liveApp("new")
	deleting.DeletionTimestamp = &metav1.Time{Time: time.Now()}
	for _, c := range []struct {
		name string
		l    *qualv1.ShowcaseListing
		app  *qualv1.CategoryApplication
		want bool
	}{
		{"controlled by the live application", ownedBy(appRef("gold", "new", true)), liveApp("new"), true},
		{"application gone", ownedBy(appRef("gold", "old", true)), nil, false},
		{"orphaned (no owner)", ownedBy(), liveApp("new"), false},
		{"stale owner: a deleted application of this name", ownedBy(appRef("gold", "old", true)), liveApp("new"), false},
		{"owned, not controlled", ownedBy(appRef("gold", "new", false)), liveApp("new"), false},
		{"application being deleted", ownedBy(appRef("gold", "new", true)), deleting, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			NewWithT(t).Expect(backedBy(c.l, c.app)).To(Equal(c.want))
		})
	}
}

func TestLeftByDeleted(t *testing.T) {
	otherRef := ownedBy()
	otherRef.Spec.ApplicationRef.Name = "silver"
	foreign := metav1.OwnerReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "gold", UID: "dep", Controller: ptrTo(true)}
	for _, c := range []struct {
		name string
		l    *qualv1.ShowcaseListing
		want bool
	}{
		{"orphaned: no owner", ownedBy(), true},
		{"stale owner: same name, another UID", ownedBy(appRef("gold", "old", true)), true},
		{"orphaned, with an owner that is no controller", ownedBy(appRef("gold", "old", false)), true},
		{"controlled by an application of another name", ownedBy(appRef("silver", "old", true)), false},
		{"controlled by something else", ownedBy(foreign), false},
		{"made for another application", otherRef, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			NewWithT(t).Expect(leftByDeleted(c.l, liveApp("new"))).To(Equal(c.want))
		})
	}
}

// TestDesiredListingAdopts: on approval the re-created application becomes the only
// CategoryApplication owner, as controller; other owners stay.
func TestDesiredListingAdopts(t *testing.T) {
	other := metav1.OwnerReference{APIVersion: "v1", Kind: "ConfigMap", Name: "audit", UID: "cm"}
	for name, l := range map[string]*qualv1.ShowcaseListing{
		"orphaned":    ownedBy(other),
		"stale owner": ownedBy(appRef("gold", "old", true), other),
	} {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			app := liveApp("new")
			d := &qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: 1}
			app.Status.Decision = d
			got := DesiredListing(app, d, nil, l, scheme.Scheme, metav1.Now())
			g.Expect(metav1.IsControlledBy(got, app)).To(BeTrue())
			g.Expect(got.OwnerReferences).To(HaveLen(2))
			g.Expect(got.OwnerReferences).To(ContainElement(other))
			g.Expect(l.OwnerReferences).NotTo(ContainElement(HaveField("UID", types.UID("new"))), "the current listing is not modified")
		})
	}
}

func TestUnbackedListingState(t *testing.T) {
	cal := calendar.Default()
	now := time.Date(2031, 6, 30, 15, 0, 0, 0, time.UTC) // 23:00 on 30 June in Shanghai
	for _, c := range []struct {
		name       string
		validUntil string
		state      qualv1.ListingState
		reason     string
		requeue    time.Duration
	}{
		{"no end date", "", qualv1.ListingSuspended, qualv1.ReasonApplicationGone, 0},
		{"valid through today: suspended, expiry scheduled", "2031-06-30", qualv1.ListingSuspended, qualv1.ReasonApplicationGone, time.Hour},
		{"past validUntil: expired (D20)", "2031-06-29", qualv1.ListingExpired, qualv1.ReasonListingExpired, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			l := ownedBy()
			if c.validUntil != "" {
				d := qualv1.Date(c.validUntil)
				l.Spec.ValidUntil = &d
			}
			state, reason, requeue := unbackedListingState(l, now, cal)
			g.Expect(state).To(Equal(c.state))
			g.Expect(reason).To(Equal(c.reason))
			g.Expect(requeue).To(Equal(c.requeue))
		})
	}
}
