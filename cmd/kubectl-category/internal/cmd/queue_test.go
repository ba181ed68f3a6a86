package cmd_test

import (
	"context"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/calendar"
	"github.com/channelshop/category-operator/internal/testenv"
)

func TestQueue(t *testing.T) {
	g := NewWithT(t)
	app := newApp(t, "queue-a", "acme-gold")
	newApp(t, "queue-b", "beta-gold")
	shanghai := calendar.Default().Location()

	r := run(t, "alice", "queue", "-n", "queue-a")
	g.Expect(r.err).NotTo(HaveOccurred())
	lines := strings.Split(strings.TrimSpace(r.out), "\n")
	g.Expect(lines).To(HaveLen(2), "only the namespace's application")
	g.Expect(strings.Fields(lines[0])).To(Equal([]string{"NAME", "SHOP", "CATEGORY", "CHANNEL", "DEADLINE", "LEFT", "CLAIM"}))
	// The deadline is the end of a working day: shown as 24:00 of that day, not 00:00 of the next.
	// The suite runs the operator without its calendar ConfigMap, so every deadline is
	// provisional (D5).
	deadline := app.Status.ReviewDeadline.Add(-time.Minute).In(shanghai).Format("2006-01-02") + " 24:00 CST \\(provisional\\)"
	row := regexp.MustCompile(`^acme-gold +Acme Jewelry Flagship +jewelry/gold +Shop +` + deadline + ` +(\d+\.\d)d +<none>$`).FindStringSubmatch(lines[1])
	g.Expect(row).NotTo(BeNil(), "row %q", lines[1])
	// Five working days after the submission day, plus what is left of today (D5).
	left, _ := strconv.ParseFloat(row[1], 64)
	g.Expect(left).To(And(BeNumerically(">=", 5.0), BeNumerically("<=", 6.0)))

	r = run(t, "alice", "queue", "-A")
	g.Expect(r.err).NotTo(HaveOccurred())
	g.Expect(r.out).To(HavePrefix("NAMESPACE "))
	g.Expect(r.out).To(MatchRegexp(`(?m)^queue-a +acme-gold +Acme Jewelry Flagship +jewelry/gold `))
	g.Expect(r.out).To(MatchRegexp(`(?m)^queue-b +beta-gold `))

	r = run(t, "alice", "queue", "-n", "queue-a", "-o", "json")
	g.Expect(r.err).NotTo(HaveOccurred())
	var list qualv1.CategoryApplicationList
	g.Expect(json.Unmarshal([]byte(r.out), &list)).To(Succeed())
	g.Expect(list.Kind).To(Equal("CategoryApplicationList"))
	g.Expect(list.Items).To(HaveLen(1))
	g.Expect(list.Items[0].Name).To(Equal("acme-gold"))
	g.Expect(list.Items[0].APIVersion).To(Equal("qualification.channelshop.dev/v1alpha1"))
	g.Expect(list.Items[0].ManagedFields).To(BeEmpty())

	r = run(t, "alice", "queue", "-A", "-o", "yaml")
	g.Expect(r.err).NotTo(HaveOccurred())
	list = qualv1.CategoryApplicationList{}
	g.Expect(yaml.Unmarshal([]byte(r.out), &list)).To(Succeed())
	g.Expect(len(list.Items)).To(BeNumerically(">=", 2))

	for _, flags := range [][]string{{"--group", "watches"}, {"--overdue"}} {
		r = run(t, "alice", append([]string{"queue", "-n", "queue-a"}, flags...)...)
		g.Expect(r.err).NotTo(HaveOccurred())
		g.Expect(r.out).To(BeEmpty(), "%v", flags)
		g.Expect(r.errOut).To(HavePrefix("No "))
	}
	r = run(t, "alice", "queue", "-n", "queue-a", "--group", "jewelry")
	g.Expect(r.out).To(ContainSubstring("acme-gold"))

	r = run(t, "alice", "queue", "-o", "wide")
	g.Expect(r.err).To(MatchError(ContainSubstring(`unknown output format "wide"`)))
}

// The queue counts working days with the operator's calendar: with every day from today on a
// holiday no working time is left, yet nothing is overdue.
func TestQueueUsesCalendarConfigMap(t *testing.T) {
	g := NewWithT(t)
	newApp(t, "queue-calendar", "acme-gold")
	today := calendar.DateOf(time.Now(), calendar.Default().Location())
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: "queue-calendar", Name: "holidays"},
		Data:       map[string]string{calendar.KeyHolidays: today.String() + ".." + today.AddDays(20).String()},
	}
	g.Expect(admin.Create(context.Background(), cm)).To(Succeed())
	// The shipped reviewer role may read only the calendar ConfigMap it names; a platform whose
	// calendar has another name grants that one as well.
	holidays := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "category-calendar-holidays"}, Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"configmaps"}, ResourceNames: []string{cm.Name}, Verbs: []string{"get"}},
	}}
	g.Expect(env.Grant(context.Background(), holidays, cm.Namespace, testenv.Group("reviewers"))).To(Succeed())

	r := run(t, "alice", "queue", "-n", "queue-calendar", "--calendar-namespace", "queue-calendar", "--calendar-configmap", "holidays")
	g.Expect(r.err).NotTo(HaveOccurred())
	g.Expect(r.out).To(MatchRegexp(`(?m)^acme-gold .* 0\.0d +<none>$`))
	g.Expect(r.errOut).To(BeEmpty())

	cm.Data = map[string]string{"holiday": "oops"}
	g.Expect(admin.Update(context.Background(), cm)).To(Succeed())
	r = run(t, "alice", "queue", "-n", "queue-calendar", "--calendar-namespace", "queue-calendar", "--calendar-configmap", "holidays")
	g.Expect(r.err).NotTo(HaveOccurred())
	g.Expect(r.errOut).To(ContainSubstring("warning: calendar ConfigMap queue-calendar/holidays is invalid"))
	g.Expect(r.out).To(MatchRegexp(`(?m)^acme-gold .* [5-6]\.\dd +<none>$`), "weekends only")
}
