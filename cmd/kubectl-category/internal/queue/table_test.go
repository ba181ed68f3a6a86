package queue

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// TestTablesEscapeWhatOthersWrote: a shop name stored with control characters (before the CRD
// refused them) cannot rewrite the queue: it is shown escaped, on its own row, in its own
// column; so is the operator's message quoting merchant text (item 6 of issue 22).
func TestTablesEscapeWhatOthersWrote(t *testing.T) {
	g := NewWithT(t)
	app := &qualv1.CategoryApplication{
		ObjectMeta: metav1.ObjectMeta{Name: "acme-gold", Namespace: "shop\x1b"},
		Spec: qualv1.CategoryApplicationSpec{
			Merchant: qualv1.Merchant{ShopName: "Acme\x1b[2K\rOther Shop\tx\u009b1A\u202e"},
			Category: qualv1.CategoryRef{Group: "jewelry", Level2: "gold"}, Channel: qualv1.ChannelShop,
		},
	}
	rows := []Row{{App: app, Deadline: time.Date(2026, 12, 4, 16, 0, 0, 0, time.UTC), Left: 1.5,
		Since: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), Why: "brand \"B\x1b[8m\" is not in the brand library\n(D23)"}}

	for name, print := range map[string]func(*bytes.Buffer) error{
		"queue":        func(b *bytes.Buffer) error { return printQueue(b, rows, true, time.UTC) },
		"noncompliant": func(b *bytes.Buffer) error { return printNoncompliant(b, rows, true, time.UTC) },
	} {
		var out bytes.Buffer
		g.Expect(print(&out)).To(Succeed())
		s := out.String()
		for _, r := range s {
			g.Expect(r == '\n' || strconv.IsGraphic(r)).To(BeTrue(), "%s: %U reaches the terminal in\n%s", name, r, s)
		}
		lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
		g.Expect(lines).To(HaveLen(2), "%s: one row\n%s", name, s)
		g.Expect(strings.Fields(lines[1])[:3]).To(Equal([]string{`shop\x1b`, "acme-gold", `Acme\x1b[2K\rOther`}), name)
		g.Expect(lines[1]).To(ContainSubstring(`Acme\x1b[2K\rOther Shop\tx\u009b1A\u202e `), name)
	}
	var out bytes.Buffer
	g.Expect(printNoncompliant(&out, rows, false, time.UTC)).To(Succeed())
	g.Expect(out.String()).To(ContainSubstring(`brand "B\x1b[8m" is not in the brand library (D23)`))
}
