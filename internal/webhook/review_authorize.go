package webhook

import (
	"context"

	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// +kubebuilder:rbac:groups=authorization.k8s.io,resources=subjectaccessreviews,verbs=create

// ApproveVerb is the verb a reviewer needs on categorypolicies/<group> to decide (D16), like
// `approve` on signers for CertificateSigningRequests.
const ApproveVerb = "approve"

// Authorizer answers whether a user may decide applications of a category group. The API
// server's RBAC is the authority (SubjectAccessReviewer); tests may substitute their own.
type Authorizer interface {
	MayDecide(ctx context.Context, user authenticationv1.UserInfo, group string) (bool, error)
}

// SubjectAccessReviewer asks the API server with a SubjectAccessReview for verb approve on
// categorypolicies/<group>.
type SubjectAccessReviewer struct {
	Client client.Client
}

// MayDecide implements Authorizer.
func (a SubjectAccessReviewer) MayDecide(ctx context.Context, user authenticationv1.UserInfo, group string) (bool, error) {
	extra := map[string]authorizationv1.ExtraValue{}
	for k, v := range user.Extra {
		extra[k] = authorizationv1.ExtraValue(v)
	}
	sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
		User: user.Username, Groups: user.Groups, UID: user.UID, Extra: extra,
		ResourceAttributes: &authorizationv1.ResourceAttributes{
			Group: qualv1.GroupVersion.Group, Resource: "categorypolicies", Verb: ApproveVerb, Name: group,
		},
	}}
	if err := a.Client.Create(ctx, sar); err != nil {
		return false, err
	}
	return sar.Status.Allowed, nil
}
