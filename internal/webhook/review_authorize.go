package webhook

import (
	"context"

	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/decision"
)

// +kubebuilder:rbac:groups=authorization.k8s.io,resources=subjectaccessreviews,verbs=create

// ApproveVerb is the verb a reviewer needs on categorypolicies/<group> to decide (D16), like
// `approve` on signers for CertificateSigningRequests.
const ApproveVerb = "approve"

// Authorizer answers what a user may do: decide applications of a category group, and write
// in a namespace (D16). The API server's RBAC is the authority (SubjectAccessReviewer); tests
// may substitute their own.
type Authorizer interface {
	MayDecide(ctx context.Context, user authenticationv1.UserInfo, group string) (bool, error)
	// MayWrite reports whether user holds access (one of decision.WriteAccess) in namespace.
	MayWrite(ctx context.Context, user authenticationv1.UserInfo, namespace string, access decision.Access) (bool, error)
}

// SubjectAccessReviewer asks the API server with SubjectAccessReviews for the user of the
// request, with their groups, UID and extra.
type SubjectAccessReviewer struct {
	Client client.Client
}

// MayDecide implements Authorizer: verb approve on categorypolicies/<group>.
func (a SubjectAccessReviewer) MayDecide(ctx context.Context, user authenticationv1.UserInfo, group string) (bool, error) {
	return a.review(ctx, user, &authorizationv1.ResourceAttributes{
		Group: qualv1.GroupVersion.Group, Resource: "categorypolicies", Verb: ApproveVerb, Name: group,
	})
}

// MayWrite implements Authorizer, for any object of the resource in namespace (no name).
func (a SubjectAccessReviewer) MayWrite(ctx context.Context, user authenticationv1.UserInfo, namespace string, access decision.Access) (bool, error) {
	return a.review(ctx, user, &authorizationv1.ResourceAttributes{
		Namespace: namespace, Group: access.Group, Resource: access.Resource, Subresource: access.Subresource, Verb: access.Verb,
	})
}

func (a SubjectAccessReviewer) review(ctx context.Context, user authenticationv1.UserInfo, attrs *authorizationv1.ResourceAttributes) (bool, error) {
	extra := map[string]authorizationv1.ExtraValue{}
	for k, v := range user.Extra {
		extra[k] = authorizationv1.ExtraValue(v)
	}
	sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
		User: user.Username, Groups: user.Groups, UID: user.UID, Extra: extra, ResourceAttributes: attrs,
	}}
	if err := a.Client.Create(ctx, sar); err != nil {
		return false, err
	}
	return sar.Status.Allowed, nil
}
