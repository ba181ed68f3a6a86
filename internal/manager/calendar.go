package manager

import (
	"context"
	"fmt"
	"sync"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/recorder"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/calendar"
)

// EventCalendarInvalid is the Warning event on a calendar ConfigMap that does not parse.
const EventCalendarInvalid = "CalendarInvalid"

func calendarKey(o Options) types.NamespacedName {
	return types.NamespacedName{Namespace: o.Namespace, Name: o.CalendarConfigMap}
}

// calendarSource returns the calendar in force: the ConfigMap parsed once per resourceVersion.
// A missing or invalid ConfigMap is no silent fallback: the calendar is then
// calendar.Unavailable (weekends only, so deadlines can still be counted), every deadline says
// it is provisional and why (DeadlineProvisional, with a Warning event on each application),
// the metric of the last covered day is 0, the manager logs each change of that state once, and
// an invalid ConfigMap gets a Warning event for whoever edits it.
func calendarSource(reader client.Reader, key types.NamespacedName, rec recorder.EventRecorder, log logr.Logger) func(context.Context) *calendar.Calendar {
	var (
		mu sync.Mutex
		// state is the resourceVersion parsed, or the error reading the ConfigMap.
		state string
		cal   *calendar.Calendar
	)
	log = log.WithValues("configmap", key.String())
	return func(ctx context.Context) *calendar.Calendar {
		cm := &corev1.ConfigMap{}
		err := reader.Get(ctx, key, cm)
		now := cm.ResourceVersion
		if err != nil {
			now = "error: " + err.Error()
		}
		mu.Lock()
		defer mu.Unlock()
		if cal != nil && now == state {
			return cal
		}
		state = now
		switch {
		case apierrors.IsNotFound(err):
			cal = calendar.Unavailable(fmt.Errorf("calendar ConfigMap %s: not found", key))
		case err != nil:
			cal = calendar.Unavailable(fmt.Errorf("calendar ConfigMap %s: %w", key, err))
		default:
			c, perr := calendar.Parse(cm.Data)
			if perr == nil {
				cal = c
				log.Info("working-day calendar in force", "years", c.Years(), "resourceVersion", cm.ResourceVersion)
				return cal
			}
			cal = calendar.Unavailable(fmt.Errorf("calendar ConfigMap %s is invalid: %w", key, perr))
			if rec != nil {
				// The events API limits a note to 1024 characters.
				rec.Eventf(cm, nil, corev1.EventTypeWarning, EventCalendarInvalid, "Parse", "%s",
					qualv1.Truncate("counting weekends only, every review deadline is provisional: "+perr.Error(), 1000))
			}
		}
		log.Error(cal.Problem(), "no usable working-day calendar: counting weekends only, every review deadline is provisional (D5)")
		return cal
	}
}
