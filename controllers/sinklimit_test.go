package controllers_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/notify/notifytest"
)

// slowReceiver answers each post after a delay and records the most posts it had in flight.
type slowReceiver struct {
	mu                 sync.Mutex
	inFlight, most, ok int
	srv                *httptest.Server
}

func (s *slowReceiver) serve(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	s.inFlight++
	s.most = max(s.most, s.inFlight)
	s.mu.Unlock()
	time.Sleep(time.Second)
	s.mu.Lock()
	s.inFlight--
	s.ok++
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (s *slowReceiver) stats() (most, ok int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.most, s.ok
}

// TestSinkLimitNamesForOneAddress: one merchant names its slow receiver by several host
// names, all resolving to one address, one name per application, hoping each name gets a
// limit of its own and together they hold every delivery worker. The limit is the
// merchant's (its namespace's), whatever the names: one post in flight at a time with
// --deliveries-per-sink 1, though 4 workers are free.
func TestSinkLimitNamesForOneAddress(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ensurePolicies(t)
	recv := &slowReceiver{}
	recv.srv = httptest.NewServer(http.HandlerFunc(recv.serve))
	t.Cleanup(recv.srv.Close)
	_, port, err := net.SplitHostPort(strings.TrimPrefix(recv.srv.URL, "http://"))
	g.Expect(err).NotTo(HaveOccurred())

	stopManager()
	o := managerOptions()
	o.DeliveryWorkers, o.DeliveriesPerSink = 4, 1
	o.NotifyOptions.Resolver = notifytest.Resolver(func(name string) []netip.Addr {
		if strings.HasSuffix(name, ".slow.test") {
			return []netip.Addr{netip.MustParseAddr("127.0.0.1")}
		}
		return nil
	})
	g.Expect(startManagerWith(o)).To(Succeed())
	t.Cleanup(func() {
		stopManager()
		if err := startManager(); err != nil {
			t.Error(err)
		}
	})

	ns := newNamespace(t, "shop-many-names")
	sampleSecrets(t, ns)
	allowLocalSinks(t, ns)
	const apps = 3
	for i := range apps {
		name := fmt.Sprintf("name-%d", i)
		g.Expect(admin.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
			StringData: map[string]string{"address": fmt.Sprintf("http://n%d.slow.test:%s/hook", i, port)}})).To(Succeed())
		app := sampleApp(t, ns, fmt.Sprintf("gold-%d", i), nextAppID(), "gold")
		app.Spec.Notify = []qualv1.NotifyTarget{{SecretRef: qualv1.LocalObjectReference{Name: name}}}
		g.Expect(admin.Create(ctx, app)).To(Succeed())
	}
	eventually(g, func() int { _, ok := recv.stats(); return ok }).WithTimeout(30 * time.Second).Should(Equal(apps))
	most, _ := recv.stats()
	g.Expect(most).To(Equal(1), "one merchant's names share one limit")
}
