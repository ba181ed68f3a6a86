package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/notify"
	"github.com/channelshop/category-operator/internal/testenv"
	"github.com/channelshop/category-operator/test/procmgr"
)

// What the README's walk-through needs besides the operator: a notification receiver the
// samples' sink Secret points at, a reviewers' sink there too, and the sample's namespace
// prepared as a platform team would (its sinks may reach loopback; the local reviewer may read
// its material Secrets).

const (
	sampleNamespace  = "shop-acme"
	sampleSinkSecret = "acme-notify"
	// reviewerSinkSecret is the reviewers' sink of a local run (--reviewer-sink-secret).
	reviewerSinkSecret = "reviewer-sink"
	reviewerSinkPath   = "/reviewers"
)

// sampleSink is the address and key of the samples' sink Secret (config/samples/02-secrets.yaml).
func (r *run) sampleSink() (*url.URL, string, error) {
	objs, err := testenv.ReadObjects(filepath.Join(r.root, "config", "samples", "02-secrets.yaml"))
	if err != nil {
		return nil, "", err
	}
	for _, o := range objs {
		if o.GetKind() != "Secret" || o.GetName() != sampleSinkSecret {
			continue
		}
		data, _, _ := unstructured.NestedStringMap(o.Object, "stringData")
		u, err := url.Parse(data[notify.SecretKeyAddress])
		if err != nil || u.Host == "" {
			return nil, "", fmt.Errorf("config/samples/02-secrets.yaml: Secret %s: address is not a URL", sampleSinkSecret)
		}
		return u, data[notify.SecretKeySigningKey], nil
	}
	return nil, "", fmt.Errorf("config/samples/02-secrets.yaml has no Secret %s", sampleSinkSecret)
}

// startReceiver builds hack/receiver and starts it where the samples' sink Secret points,
// verifying the merchant's posts with the sample's key and the reviewers' with a fresh one,
// and creates the reviewers' sink Secret. Its lines go to this terminal.
func (r *run) startReceiver(ctx context.Context) error {
	sink, merchantKey, err := r.sampleSink()
	if err != nil {
		return err
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return err
	}
	reviewerKey := "whsec_" + base64.StdEncoding.EncodeToString(raw)
	sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: testenv.OperatorNamespace, Name: reviewerSinkSecret},
		StringData: map[string]string{
			notify.SecretKeyAddress:    (&url.URL{Scheme: sink.Scheme, Host: sink.Host, Path: reviewerSinkPath}).String(),
			notify.SecretKeySigningKey: reviewerKey,
		}}
	if err := r.env.Admin.Create(ctx, sec); err != nil {
		return fmt.Errorf("creating the reviewers' sink Secret: %w", err)
	}
	bin := filepath.Join(r.dir, "receiver")
	build := exec.Command("go", "build", "-o", bin, "./hack/receiver")
	build.Dir = r.root
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./hack/receiver: %v\n%s", err, out)
	}
	if a := freeOr(sink.Host); a != sink.Host {
		return fmt.Errorf("%s, where config/samples/02-secrets.yaml sends notifications, is taken: stop what listens there (another make run?)", sink.Host)
	}
	p, err := procmgr.Start(bin, "", []string{"-listen", sink.Host,
		"-key", sink.Path + "=" + merchantKey, "-key", reviewerSinkPath + "=" + reviewerKey}, os.Stdout)
	if err != nil {
		return fmt.Errorf("starting %s: %w", bin, err)
	}
	r.receiver = p
	say("notification receiver started (pid %d) at %s: the samples' sink (%s) and the reviewers' (%s)",
		p.Pid(), sink.Host, sink.Path, reviewerSinkPath)
	return nil
}

// stopReceiver stops the receiver, if it was started.
func (r *run) stopReceiver() {
	if r.receiver != nil {
		r.receiver.Stop(5 * time.Second)
	}
}

// prepareSampleNamespace creates the samples' namespace as config/samples/01-namespace.yaml
// has it, as `kubectl apply` would (so that applying the samples later changes nothing), with
// what a platform team adds: the label that lets its sinks reach the local receiver, and the
// opt-in materials role bound for the local reviewer (README, Seeing the materials).
func (r *run) prepareSampleNamespace(ctx context.Context) error {
	objs, err := testenv.ReadObjects(filepath.Join(r.root, "config", "samples", "01-namespace.yaml"))
	if err != nil {
		return err
	}
	if len(objs) != 1 || objs[0].GetKind() != "Namespace" || objs[0].GetName() != sampleNamespace {
		return fmt.Errorf("config/samples/01-namespace.yaml: want the Namespace %s alone", sampleNamespace)
	}
	ns := objs[0]
	applied, err := json.Marshal(ns.Object)
	if err != nil {
		return err
	}
	annotations := ns.GetAnnotations()
	if annotations == nil {
		annotations = map[string]string{}
	}
	annotations[corev1.LastAppliedConfigAnnotation] = string(applied)
	ns.SetAnnotations(annotations)
	labels := ns.GetLabels()
	if labels == nil {
		labels = map[string]string{}
	}
	labels[qualv1.LabelSinkAllowedCIDRs] = "true"
	ns.SetLabels(labels)
	if err := r.env.Admin.Create(ctx, ns); err != nil {
		return fmt.Errorf("creating namespace %s: %w", sampleNamespace, err)
	}
	return r.env.BindRoleInNamespace(ctx, "reviewer_materials_role.yaml", sampleNamespace, testenv.User(reviewerUser))
}
