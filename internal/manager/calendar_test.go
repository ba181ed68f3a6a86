package manager

import (
	"context"
	"strings"
	"testing"

	"github.com/go-logr/logr/funcr"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
)

// TestCalendarSource: a missing or invalid calendar is reported, not silently replaced: the
// calendar in force says why it is weekends only, the manager logs each change of state once
// (not on every call), and an invalid ConfigMap gets a Warning event.
func TestCalendarSource(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	key := types.NamespacedName{Namespace: "ops", Name: "cal"}
	c := fake.NewClientBuilder().Build()
	var logs []string
	log := funcr.New(func(prefix, args string) { logs = append(logs, args) }, funcr.Options{})
	rec := &events.FakeRecorder{Events: make(chan string, 10)}
	source := calendarSource(c, key, rec, log)

	cal := source(ctx)
	g.Expect(cal.Problem()).To(MatchError("calendar ConfigMap ops/cal: not found"))
	g.Expect(cal.Years()).To(Equal("none"))
	source(ctx)
	g.Expect(logs).To(HaveLen(1), "logged once, not on every call")
	g.Expect(logs[0]).To(And(ContainSubstring(`"error"="calendar ConfigMap ops/cal: not found"`), ContainSubstring("every review deadline is provisional")))

	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name},
		Data: map[string]string{"years": "2026", "holidays": "2027-01-01"}}
	g.Expect(c.Create(ctx, cm)).To(Succeed())
	cal = source(ctx)
	source(ctx)
	g.Expect(cal.Problem()).To(MatchError(ContainSubstring("calendar ConfigMap ops/cal is invalid: holidays line 1: 2027-01-01 is not in years (2026)")))
	g.Expect(logs).To(HaveLen(2))
	g.Expect(logs[1]).To(ContainSubstring("is invalid"))
	g.Expect(rec.Events).To(HaveLen(1), "one event per version of the ConfigMap")
	g.Expect(<-rec.Events).To(Equal("Warning CalendarInvalid counting weekends only, every review deadline is provisional: holidays line 1: 2027-01-01 is not in years (2026)"))

	cm.Data["years"] = "2026..2027"
	g.Expect(c.Update(ctx, cm)).To(Succeed())
	cal = source(ctx)
	g.Expect(cal.Problem()).NotTo(HaveOccurred())
	g.Expect(cal.Years()).To(Equal("2026..2027"))
	g.Expect(source(ctx)).To(BeIdenticalTo(cal), "parsed once per resourceVersion")
	g.Expect(logs).To(HaveLen(3))
	g.Expect(logs[2]).To(And(ContainSubstring("working-day calendar in force"), ContainSubstring(`"years"="2026..2027"`)))
	g.Expect(rec.Events).To(BeEmpty())

	g.Expect(c.Delete(ctx, cm)).To(Succeed())
	g.Expect(source(ctx).Problem()).To(MatchError(ContainSubstring("not found")))
	g.Expect(logs).To(HaveLen(4), "%s", strings.Join(logs, "\n"))
}
