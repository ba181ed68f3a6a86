package controllers_test

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// TestStatusCanAlwaysBeWritten: a Secret with 40 keys of 253 characters, and 5 references to
// keys it does not have, used to produce a condition message of about 41 KB, over the API
// server's 32768-byte limit: every status patch then failed with 422 and the application was
// frozen. Status is bounded now: the application is Incomplete with its findings, and fixing
// it moves it on.
func TestStatusCanAlwaysBeWritten(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ensurePolicies(t)
	ns := newNamespace(t, "shop-huge")
	sampleSecrets(t, ns)
	huge := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "huge"}, Data: map[string][]byte{}}
	for i := range 40 {
		huge.Data[fmt.Sprintf("%03d-%s", i, strings.Repeat("k", 249))] = []byte("x")
	}
	g.Expect(admin.Create(ctx, huge)).To(Succeed())

	app := sampleApp(t, ns, "gold", nextAppID(), "gold")
	fixed := app.DeepCopy()
	for i := range 5 {
		app.Spec.Materials[i].Files[0] = qualv1.FileRef{SecretKeyRef: &qualv1.SecretKeyReference{Name: "huge", Key: fmt.Sprintf("missing-%d", i)}}
	}
	g.Expect(admin.Create(ctx, app)).To(Succeed())
	app = waitPhase(g, ns, "gold", qualv1.PhaseIncomplete)
	g.Expect(app.Status.Findings).To(HaveLen(5))
	for _, f := range app.Status.Findings {
		g.Expect(len(f.Message)).To(BeNumerically("<=", qualv1.MaxFindingMessage))
		g.Expect(f.Message).To(ContainSubstring("has no key"))
	}
	for _, c := range app.Status.Conditions {
		g.Expect(len(c.Message)).To(BeNumerically("<=", qualv1.MaxConditionMessage), c.Type)
	}

	// Not frozen: the merchant's fix is processed.
	before := app.DeepCopy()
	app.Spec.Materials = fixed.Spec.Materials
	g.Expect(admin.Patch(ctx, app, client.MergeFrom(before))).To(Succeed())
	waitPhase(g, ns, "gold", qualv1.PhaseUnderReview)
}

// hostileKeys is how many keys the hostile Secret holds: short keys and one-byte values, about
// 1.2 MB as etcd stores it, under its 1.5 MiB request limit (the API server's 1 MiB limit
// counts values only).
const hostileKeys = 100_000

// Bounds on what one application referencing such a Secret costs the manager's heap. Held:
// what stays once collected, the digests of the keys it references, the Secret's key count and
// a few key names for the message about a missing key; holding a digest of every key took
// about 14 MiB. Read: the most the heap holds at any moment while the Secret is read, above
// the live heap (collected at 10% growth meanwhile, so that the peak is what is live); decoding
// the whole Secret took about 22 MiB. Both leave room for what other tests leave running.
const (
	hostileHeldBound = 4 << 20
	hostileReadBound = 10 << 20
)

// TestHostileSecretLeavesTheHeapBounded: a merchant references a Secret of 100,000 short keys
// (one present, one missing). The manager reads it as a stream and holds only what the
// application references. The test process is the manager's (the API server and etcd run
// apart), so its heap is the manager's and the test's.
func TestHostileSecretLeavesTheHeapBounded(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ensurePolicies(t)
	ns := newNamespace(t, "shop-hostile")
	sampleSecrets(t, ns)
	app := sampleApp(t, ns, "gold", nextAppID(), "gold")
	app.Spec.Materials[0].Files = append(app.Spec.Materials[0].Files,
		qualv1.FileRef{SecretKeyRef: &qualv1.SecretKeyReference{Name: "hostile", Key: "k00042"}},
		qualv1.FileRef{SecretKeyRef: &qualv1.SecretKeyReference{Name: "hostile", Key: "absent"}})

	before := liveHeap()
	createHostileSecret(t, ns)
	start := liveHeap()
	defer debug.SetGCPercent(debug.SetGCPercent(10))
	peak := watchPeakHeap()
	g.Expect(admin.Create(ctx, app)).To(Succeed())
	eventually(g, func(g Gomega) {
		app := getApp(g, ns, "gold")
		g.Expect(app.Status.Phase).To(Equal(qualv1.PhaseIncomplete))
		g.Expect(app.Status.Findings).To(ContainElement(HaveField("Message", And(ContainSubstring(`has no key "absent"`),
			ContainSubstring(fmt.Sprintf("and %d more", hostileKeys-30)))))) // 30 keys named (requirements.MaxKeysNamed)
	}).Should(Succeed())
	read := peak() - int64(float64(start)*1.1)
	after := liveHeap()
	t.Logf("live heap: %.1f MiB before, %.1f MiB after (held: %.1f MiB, bound %.0f); while reading: %.1f MiB more (bound %.0f)",
		mib(before), mib(after), mib(after-before), mib(hostileHeldBound), float64(read)/(1<<20), mib(hostileReadBound))
	g.Expect(int64(after)-int64(before)).To(BeNumerically("<", hostileHeldBound), "held after reading one hostile Secret")
	g.Expect(read).To(BeNumerically("<", hostileReadBound), "heap while reading one hostile Secret")
}

// watchPeakHeap samples the heap until the returned function is called, which returns the
// most it saw. Sampling can only miss a peak, never invent one.
func watchPeakHeap() func() int64 {
	var peak atomic.Uint64
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > peak.Load() {
				peak.Store(m.HeapAlloc)
			}
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	return func() int64 {
		close(stop)
		<-done
		return int64(peak.Load())
	}
}

// createHostileSecret creates the Secret in a function of its own, so that the test holds no
// copy of it once created.
func createHostileSecret(t *testing.T, ns string) {
	t.Helper()
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "hostile"}, Data: make(map[string][]byte, hostileKeys)}
	for i := range hostileKeys {
		s.Data[fmt.Sprintf("k%05d", i)] = []byte{'x'}
	}
	if err := admin.Create(context.Background(), s); err != nil {
		t.Fatal(err)
	}
}

// liveHeap is the heap in use by live objects, after a full collection.
func liveHeap() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func mib(n uint64) float64 { return float64(n) / (1 << 20) }
