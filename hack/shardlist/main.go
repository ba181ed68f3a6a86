// Command shardlist measures what each shard receives when it lists the applications: with the
// bucket label selector every cluster serves (internal/shard), and with the API server's
// sharded list (KEP-5866, feature gate ShardedListAndWatch, alpha since 1.36, off by default:
// shardRange of the namespace's FNV-1a hash). It starts envtest with the gate on, creates
// applications in alike-named namespaces (shop-0, shop-1, ...), and prints, for 1, 2 and 4
// shards, the objects and bytes of each shard's list. No manager runs.
//
//	go run ./hack/shardlist -namespaces 200 -per-namespace 5
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/big"
	"os"
	"strings"

	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/shard"
	"github.com/channelshop/category-operator/internal/testenv"
)

func main() {
	namespaces := flag.Int("namespaces", 200, "namespaces shop-0..shop-N-1")
	perNamespace := flag.Int("per-namespace", 5, "applications per namespace")
	flag.Parse()
	if err := run(*namespaces, *perNamespace); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(namespaces, perNamespace int) error {
	env, err := testenv.Start(testenv.Options{FeatureGates: "ShardedListAndWatch=true"})
	if err != nil {
		return err
	}
	defer func() { _ = env.Stop() }()
	ctx := context.Background()
	for i := range namespaces {
		name := fmt.Sprintf("shop-%d", i)
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name,
			Labels: map[string]string{qualv1.LabelBucket: shard.BucketLabel(name, shard.DefaultBuckets)}}}
		if err := env.Admin.Create(ctx, ns); err != nil {
			return err
		}
		for j := range perNamespace {
			if err := env.Admin.Create(ctx, app(name, j, i*perNamespace+j)); err != nil {
				return err
			}
		}
	}
	cs, err := kubernetes.NewForConfig(env.AdminConfig)
	if err != nil {
		return err
	}
	list := func(param, value string) (int, int, error) {
		req := cs.RESTClient().Get().AbsPath("/apis/qualification.channelshop.dev/v1alpha1/categoryapplications")
		if param != "" {
			req = req.Param(param, value)
		}
		raw, err := req.DoRaw(ctx)
		if err != nil {
			return 0, 0, err
		}
		var l struct{ Items []json.RawMessage }
		if err := json.Unmarshal(raw, &l); err != nil {
			return 0, 0, err
		}
		return len(l.Items), len(raw), nil
	}
	n, b, err := list("", "")
	if err != nil {
		return err
	}
	fmt.Printf("%d applications in %d namespaces (shop-0..shop-%d), one list: %d objects, %d bytes\n\n", n, namespaces, namespaces-1, n, b)
	fmt.Println("| shards | shard | bucket label: objects | bytes | shardRange(namespace): objects | bytes |")
	fmt.Println("|---|---|---|---|---|---|")
	for _, count := range []int{2, 4} {
		for i := range count {
			sel := shard.Shards{Count: count, Index: i, Buckets: shard.DefaultBuckets}.Selector().String()
			ln, lb, err := list("labelSelector", sel)
			if err != nil {
				return err
			}
			sn, sb, err := list("shardSelector", shardRange(i, count))
			if err != nil {
				return fmt.Errorf("sharded list (is the gate on?): %w", err)
			}
			fmt.Printf("| %d | %d | %d | %d | %d | %d |\n", count, i, ln, lb, sn, sb)
		}
	}
	return nil
}

// shardRange is KEP-5866's selector for shard i of n over the namespace: 16-digit hex bounds,
// the last one 2^64.
func shardRange(i, n int) string {
	top := new(big.Int).Lsh(big.NewInt(1), 64)
	bound := func(k int) string {
		v := new(big.Int).Div(new(big.Int).Mul(top, big.NewInt(int64(k))), big.NewInt(int64(n)))
		if k == n {
			return "0x10000000000000000"
		}
		return fmt.Sprintf("0x%016x", v)
	}
	return fmt.Sprintf("shardRange(object.metadata.namespace, '%s', '%s')", bound(i), bound(i+1))
}

func app(ns string, j, seq int) client.Object {
	a := &qualv1.CategoryApplication{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("app-%d", j)}}
	a.Spec.Merchant = qualv1.Merchant{ShopName: "Shop " + ns, AppID: fmt.Sprintf("wx%016x", seq+1), LegalEntity: "Entity " + strings.ToUpper(ns)}
	a.Spec.Category = qualv1.CategoryRef{Group: "jewelry", Level2: "gold"}
	a.Spec.Channel = qualv1.ChannelShop
	a.Spec.Materials = []qualv1.Material{{Type: "BusinessLicense", Files: []qualv1.FileRef{{SecretKeyRef: &qualv1.SecretKeyReference{Name: "licences", Key: "licence.pdf"}}}}}
	return a
}
