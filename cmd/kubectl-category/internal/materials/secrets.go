package materials

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// MaterialsRole is the opt-in ClusterRole of config/rbac/reviewer_materials_role.yaml.
const MaterialsRole = "category-reviewer-materials"

// fetchSecretFiles reads each referenced Secret once, with the reviewer's own credentials, and
// keeps a file only if its digest is the one the operator recorded for the round (recorded nil:
// no round records this generation; the bytes are kept, marked unverified).
// It reports whether a Secret could not be read for want of permission.
func (o *Options) fetchSecretFiles(ctx context.Context, c client.Reader, ns, dir string, items []*item, recorded map[qualv1.SecretKeyReference]string) (forbidden bool) {
	secrets := map[string]*corev1.Secret{}
	problems := map[string]string{}
	for _, it := range items {
		ref := it.Ref.SecretKeyRef
		if ref == nil {
			continue
		}
		if want, ok := recorded[*ref]; ok {
			it.Recorded = want + " recorded by the operator for this round"
		}
		if _, seen := secrets[ref.Name]; !seen && problems[ref.Name] == "" {
			sec := &corev1.Secret{}
			if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: ref.Name}, sec); err != nil {
				problems[ref.Name] = secretProblem(err, ns, ref.Name)
				forbidden = forbidden || apierrors.IsForbidden(err)
			} else {
				secrets[ref.Name] = sec
			}
		}
		if p := problems[ref.Name]; p != "" {
			it.Problem = p
			continue
		}
		o.secretFile(dir, it, secrets[ref.Name], recorded)
	}
	return forbidden
}

func (o *Options) secretFile(dir string, it *item, sec *corev1.Secret, recorded map[qualv1.SecretKeyReference]string) {
	ref := it.Ref.SecretKeyRef
	data, ok := sec.Data[ref.Key]
	if !ok {
		it.Problem = fmt.Sprintf("not fetched: Secret %s has no key %q", ref.Name, ref.Key)
		return
	}
	if !checkSecret(it, data, recorded, "not kept", "run describe again, then materials") {
		return
	}
	if err := o.writeVerified(dir, it, data); err != nil {
		it.Problem, it.Verified = err.Error(), ""
	}
}

// checkSecret records data's digest on it and compares it with the digest recorded for the
// round; false (with it.Problem saying why, refused and what to do next) when the bytes must
// not be kept or shown. Without a round (recorded nil) the bytes pass, not verified.
func checkSecret(it *item, data []byte, recorded map[qualv1.SecretKeyReference]string, refused, next string) bool {
	sum := sha256.Sum256(data)
	it.Size, it.SHA256 = int64(len(data)), "sha256:"+hex.EncodeToString(sum[:])
	want, pinned := recorded[*it.Ref.SecretKeyRef]
	switch {
	case recorded == nil:
		it.Recorded = "nothing: no review round records this generation"
	case !pinned:
		it.Problem = refused + ": the operator recorded no digest for this file in this round (status.secretFiles)"
		return false
	case want != it.SHA256:
		it.Problem = fmt.Sprintf("%s: the Secret now holds %s, not the %s recorded for this round; "+
			"the operator starts a new round for the new content: %s", refused, it.SHA256, want, next)
		return false
	default:
		it.Verified = "its sha256 is the one the operator recorded for this round"
	}
	return true
}

// secretProblem explains a failed read; without permission it names the permission missing
// (grantHint says once how the platform grants it).
func secretProblem(err error, ns, name string) string {
	switch {
	case apierrors.IsForbidden(err):
		return fmt.Sprintf("not fetched: you may not read Secret %s (missing permission: get on secrets in namespace %s)", name, ns)
	case apierrors.IsNotFound(err):
		return fmt.Sprintf("not fetched: Secret %s not found in namespace %s", name, ns)
	}
	return fmt.Sprintf("not fetched: reading Secret %s: %v", name, err)
}

// grantHint says how a reviewer gets the permission to read material Secrets: the default
// reviewer roles have none, on purpose (README, "Materials kept in Secrets").
func grantHint(ns string) string {
	return fmt.Sprintf("Reading materials kept in Secrets needs get on secrets in namespace %s. The platform grants it by binding "+
		"the opt-in ClusterRole %s (config/rbac/reviewer_materials_role.yaml) in that namespace: "+
		"kubectl create rolebinding %s -n %s --clusterrole %s --group <the reviewers' group>",
		ns, MaterialsRole, MaterialsRole, ns, MaterialsRole)
}
