package factory

import (
	"context"
	"fmt"
	"io"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/channelshop/category-operator/internal/calendar"
)

// Calendar returns the operator's working-day calendar, so "time left" counts the same
// holidays and make-up days as the deadline did. When the ConfigMap is missing the operator
// uses weekends only, and so do we; any other failure is worth a warning because the
// numbers may then differ from the operator's.
func (f *Factory) Calendar(ctx context.Context, c client.Reader, warn io.Writer) *calendar.Calendar {
	cm := &corev1.ConfigMap{}
	err := c.Get(ctx, client.ObjectKey{Namespace: f.CalendarNamespace, Name: f.CalendarConfigMap}, cm)
	switch {
	case apierrors.IsNotFound(err):
		return calendar.Default()
	case err != nil:
		fmt.Fprintf(warn, "warning: cannot read calendar ConfigMap %s/%s (%v); counting weekends only\n", f.CalendarNamespace, f.CalendarConfigMap, err)
		return calendar.Default()
	}
	cal, err := calendar.Parse(cm.Data)
	if err != nil {
		fmt.Fprintf(warn, "warning: calendar ConfigMap %s/%s is invalid (%v); counting weekends only\n", f.CalendarNamespace, f.CalendarConfigMap, err)
		return calendar.Default()
	}
	return cal
}
