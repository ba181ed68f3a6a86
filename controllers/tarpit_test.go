package controllers_test

import (
	"context"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// tarpit accepts connections and never answers, until closed.
type tarpit struct {
	l       net.Listener
	open    atomic.Int32
	total   atomic.Int32
	mu      sync.Mutex
	conns   []net.Conn
	stopped chan struct{}
}

func startTarpit(t *testing.T) *tarpit {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tp := &tarpit{l: l, stopped: make(chan struct{})}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			tp.total.Add(1)
			tp.open.Add(1)
			tp.mu.Lock()
			tp.conns = append(tp.conns, c)
			tp.mu.Unlock()
			go func() { // count the connection closed when the client gives up
				_, _ = c.Read(make([]byte, 1<<16))
				for {
					if _, err := c.Read(make([]byte, 1<<16)); err != nil {
						tp.open.Add(-1)
						return
					}
				}
			}()
		}
	}()
	t.Cleanup(func() {
		_ = l.Close()
		tp.mu.Lock()
		defer tp.mu.Unlock()
		for _, c := range tp.conns {
			_ = c.Close()
		}
	})
	return tp
}

// TestTarpitSinksStallNobody: 12 applications whose merchant sink accepts connections and
// never answers. Sends wait up to 10 s each; before delivery had its own workers, they held
// every status worker (4 sends per reconcile, 4 workers). An unrelated application must go
// submitted → UnderReview and approved → Active listing while the tarpit still holds
// connections, and each step within 5 s (issue #12).
func TestTarpitSinksStallNobody(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ensurePolicies(t)
	stopManager()
	o := managerOptions()
	o.NotifyOptions.Timeout = 10 * time.Second
	g.Expect(startManagerWith(o)).To(Succeed())
	t.Cleanup(func() {
		stopManager()
		if err := startManager(); err != nil {
			t.Error(err)
		}
	})

	tp := startTarpit(t)
	for i := range 12 {
		ns := newNamespace(t, fmt.Sprintf("shop-tarpit-%02d", i))
		sampleSecrets(t, ns)
		g.Expect(admin.Delete(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "acme-notify"}})).To(Succeed())
		g.Expect(admin.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "acme-notify"},
			StringData: map[string]string{"address": "http://" + tp.l.Addr().String() + "/hook"}})).To(Succeed())
		allowLocalSinks(t, ns)
		g.Expect(admin.Create(ctx, sampleApp(t, ns, "gold", nextAppID(), "gold"))).To(Succeed())
	}
	eventually(g, tp.open.Load).Should(BeNumerically(">=", 2), "deliveries to the tarpit are hanging")

	ns := newNamespace(t, "shop-bystander")
	sampleSecrets(t, ns)
	bindClusterRole(t, "reviewer_role.yaml", "bea")
	start := time.Now()
	app := sampleApp(t, ns, "gold", nextAppID(), "gold")
	app.Spec.Notify = nil
	g.Expect(admin.Create(ctx, app)).To(Succeed())
	app = waitPhase(g, ns, "gold", qualv1.PhaseUnderReview)
	submitted := time.Since(start)
	g.Expect(tp.open.Load()).To(BeNumerically(">", 0), "the tarpit still holds connections")

	start = time.Now()
	g.Expect(decide(userClient(t, "bea"), app, qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: app.Generation})).To(Succeed())
	eventually(g, func(g Gomega) qualv1.ListingState {
		l := &qualv1.ShowcaseListing{}
		g.Expect(admin.Get(ctx, client.ObjectKey{Namespace: ns, Name: "gold"}, l)).To(Succeed())
		return l.Status.State
	}).Should(Equal(qualv1.ListingActive))
	listed := time.Since(start)
	t.Logf("with %d tarpit connections so far (%d open): submitted → UnderReview %v, approved → Active %v",
		tp.total.Load(), tp.open.Load(), submitted.Round(time.Millisecond), listed.Round(time.Millisecond))
	g.Expect(tp.open.Load()).To(BeNumerically(">", 0), "the tarpit still holds connections")
	g.Expect(submitted).To(BeNumerically("<", 5*time.Second))
	g.Expect(listed).To(BeNumerically("<", 5*time.Second))
}
