package controllers

import (
	"context"
	"fmt"
	"maps"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/calendar"
)

// Events about the deadline of an open round (D5). Kubernetes events only: the merchant's
// notifications are about decisions, and the reviewers' queue shows the deadline in force.
const (
	// EventDeadlineProvisional: the deadline was counted across days the calendar does not
	// cover (Warning, once when a round opens provisional or becomes so).
	EventDeadlineProvisional qualv1.NotificationEvent = "DeadlineProvisional"
	// EventDeadlineMoved: the deadline of an open round was recounted to another instant.
	EventDeadlineMoved qualv1.NotificationEvent = "DeadlineMoved"
)

// setDeadlineProvisionalCondition is pure: a deadline counted across days whose holidays and
// make-up working days the calendar does not list (a year outside its key years, or no usable
// calendar at all) counted them as weekdays and weekends, and moves when they are listed.
func setDeadlineProvisionalCondition(app *qualv1.CategoryApplication, cal *calendar.Calendar) {
	st := &app.Status
	if err := cal.Problem(); err != nil {
		setCondition(app, qualv1.ConditionDeadlineProvisional, true, qualv1.ReasonCalendarUnavailable,
			fmt.Sprintf("counted with weekends as the only days off: %v; the deadline moves when the calendar is fixed (D5)", err))
		return
	}
	day, ok := cal.Uncovered(st.SubmittedAt.Time, st.ReviewDeadline.Time)
	if !ok {
		setCondition(app, qualv1.ConditionDeadlineProvisional, false, qualv1.ReasonWithinCalendarYears,
			"every day counted is in the calendar's years "+cal.Years())
		return
	}
	covers := "the calendar's key years lists no year"
	if cal.Years() != "none" {
		covers = "the calendar lists holidays and make-up working days for years " + cal.Years() + " only"
	}
	setCondition(app, qualv1.ConditionDeadlineProvisional, true, qualv1.ReasonOutsideCalendarYears,
		fmt.Sprintf("the count passes %s, but %s: days of %d count with weekends as the only days off, so the deadline moves when %d is added to the calendar (D5)",
			day, covers, day.Year, day.Year))
}

// deadlineMoved is pure: the deadline of a round that was open before and after this reconcile
// was recounted to another instant (the calendar changed, or the policy's reviewDays).
func deadlineMoved(before, after *qualv1.CategoryApplicationStatus, cal *calendar.Calendar) *transition {
	if before.ReviewDeadline == nil || after.ReviewDeadline == nil || before.SubmittedAt == nil ||
		before.SubmittedGeneration != after.SubmittedGeneration || !before.SubmittedAt.Equal(after.SubmittedAt) ||
		before.ReviewDeadline.Equal(after.ReviewDeadline) {
		return nil
	}
	return &transition{event: EventDeadlineMoved, reason: string(EventDeadlineMoved),
		message: fmt.Sprintf("the review deadline moved from %s to %s: recounted from the submission at %s with the working-day calendar in force (D5)",
			cal.FormatDeadline(before.ReviewDeadline.Time), cal.FormatDeadline(after.ReviewDeadline.Time),
			after.SubmittedAt.In(cal.Location()).Format("2006-01-02 15:04 MST"))}
}

// openRounds maps a change of the calendar to every application under review: their deadlines
// are recounted from their submission with the new calendar.
func (r *ApplicationReconciler) openRounds(ctx context.Context, _ client.Object) []reconcile.Request {
	var list qualv1.CategoryApplicationList
	// Read only here, so the cache's objects need no copy.
	if err := r.List(ctx, &list, client.UnsafeDisableDeepCopy); err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "listing applications after a calendar change")
		return nil
	}
	var reqs []reconcile.Request
	for i := range list.Items {
		if a := &list.Items[i]; a.Status.Phase == qualv1.PhaseUnderReview {
			reqs = append(reqs, reconcile.Request{NamespacedName: types.NamespacedName{Namespace: a.Namespace, Name: a.Name}})
		}
	}
	return reqs
}

// calendarChanged passes the calendar ConfigMap's creation, deletion and changes of its data;
// not its other updates, nor other ConfigMaps.
type calendarChanged struct {
	predicate.Funcs
	key types.NamespacedName
}

func (p calendarChanged) is(o client.Object) bool {
	return p.key.Name != "" && o.GetNamespace() == p.key.Namespace && o.GetName() == p.key.Name
}

func (p calendarChanged) Create(e event.CreateEvent) bool { return p.is(e.Object) }
func (p calendarChanged) Delete(e event.DeleteEvent) bool { return p.is(e.Object) }
func (p calendarChanged) Generic(event.GenericEvent) bool { return false }
func (p calendarChanged) Update(e event.UpdateEvent) bool {
	o, ok1 := e.ObjectOld.(*corev1.ConfigMap)
	n, ok2 := e.ObjectNew.(*corev1.ConfigMap)
	return ok1 && ok2 && p.is(n) && !maps.Equal(o.Data, n.Data)
}
