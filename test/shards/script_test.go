package shards_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/channelshop/category-operator/internal/shard"
	"github.com/channelshop/category-operator/test/fixture"
)

// TestShardLabelScriptLabelsOldObjects: hack/shard-label.sh, run by an admin with kubectl,
// gives a namespace from before sharding the bucket the operator would (the shell formula
// equals shard.Bucket) and labels the application and Secret it held; a namespace the platform
// labelled keeps its bucket.
func TestShardLabelScriptLabelsOldObjects(t *testing.T) {
	if _, err := exec.LookPath("kubectl"); err != nil {
		t.Skip("kubectl is not installed")
	}
	g := NewWithT(t)
	ctx := context.Background()
	fx.Policies(t)
	legacy := fx.Namespace(t, "legacy-shop", nil)
	app := fixture.SampleApp(t, legacy, "gold", fixture.NextAppID())
	g.Expect(env.Admin.Create(ctx, app)).To(Succeed())
	sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: legacy, Name: "licences"}, StringData: map[string]string{"a": "b"}}
	g.Expect(env.Admin.Create(ctx, sec)).To(Succeed())
	platform := bucketNamespace(t, "platform-shop", 9)
	papp := fixture.SampleApp(t, platform, "gold", fixture.NextAppID())
	g.Expect(env.Admin.Create(ctx, papp)).To(Succeed())

	user, err := env.ControlPlane.AddUser(envtest.User{Name: "script-admin", Groups: []string{"system:masters"}}, nil)
	g.Expect(err).NotTo(HaveOccurred())
	kubeconfig, err := user.KubeConfig()
	g.Expect(err).NotTo(HaveOccurred())
	path := filepath.Join(t.TempDir(), "kubeconfig")
	g.Expect(os.WriteFile(path, kubeconfig, 0o600)).To(Succeed())
	cmd := exec.Command(fixture.Path("hack", "shard-label.sh"), legacy, platform)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+path)
	out, err := cmd.CombinedOutput()
	g.Expect(err).NotTo(HaveOccurred(), "%s", out)

	want := shard.BucketLabel(legacy, shard.DefaultBuckets)
	g.Expect(bucketOf(g, env.Admin, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: legacy}})).To(Equal(want))
	g.Expect(bucketOf(g, env.Admin, app)).To(Equal(want))
	g.Expect(bucketOf(g, env.Admin, sec)).To(Equal(want))
	g.Expect(bucketOf(g, env.Admin, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: platform}})).To(Equal("9"))
	g.Expect(bucketOf(g, env.Admin, papp)).To(Equal("9"))

	again := exec.Command(fixture.Path("hack", "shard-label.sh"), legacy, platform)
	again.Env = cmd.Env
	out, err = again.CombinedOutput()
	g.Expect(err).NotTo(HaveOccurred(), "%s", out)
	g.Expect(string(out)).To(BeEmpty(), "a second run changes nothing")
}
