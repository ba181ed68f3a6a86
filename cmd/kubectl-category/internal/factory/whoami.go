package factory

import (
	"context"
	"fmt"

	authenticationv1 "k8s.io/api/authentication/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// User is the authenticated user name of c's credentials, as the API server sees it (a
// SelfSubjectReview, `kubectl auth whoami`): what a claim names and what `queue --mine`
// matches (D30).
func User(ctx context.Context, c client.Client) (string, error) {
	r := &authenticationv1.SelfSubjectReview{}
	if err := c.Create(ctx, r); err != nil {
		return "", fmt.Errorf("asking the API server who you are (SelfSubjectReview): %w", err)
	}
	return r.Status.UserInfo.Username, nil
}
