package decision

import (
	"fmt"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// Access is one permission in an application's namespace, as RBAC and a SubjectAccessReview
// name it: verb on group/resource/subresource (Group "" is the core API).
type Access struct {
	Group, Resource, Subresource, Verb string
}

// String is the permission as kubectl names it: "update secrets",
// "update categoryapplications.qualification.channelshop.dev", "create serviceaccounts/token".
func (a Access) String() string {
	r := a.Resource
	if a.Group != "" {
		r += "." + a.Group
	}
	if a.Subresource != "" {
		r += "/" + a.Subresource
	}
	return a.Verb + " " + r
}

// WriteAccess is what makes a user a writer of an application in its namespace (D16): changing
// its spec, putting other content into the Secrets it references (create covers delete and
// create again; delete alone only makes the round Incomplete), or acting as one of the
// namespace's ServiceAccounts, which may hold those. Checked without a resource name, so a
// grant limited by resourceNames to some objects is not seen. In this order the admission
// policy application-status checks the same permissions and names the first one held; the
// webhook asks them with SubjectAccessReviews.
var WriteAccess = []Access{
	{Group: qualv1.GroupVersion.Group, Resource: "categoryapplications", Verb: "update"},
	{Group: qualv1.GroupVersion.Group, Resource: "categoryapplications", Verb: "patch"},
	{Resource: "secrets", Verb: "create"},
	{Resource: "secrets", Verb: "update"},
	{Resource: "secrets", Verb: "patch"},
	{Resource: "serviceaccounts", Verb: "impersonate"},
	{Resource: "serviceaccounts", Subresource: "token", Verb: "create"},
}

// Separated reports whether separation of duties (D16) applies to a verdict: to approvals and
// rejections, which decide a round. A withdrawal only takes away the listing an approval made,
// which a writer can do anyway by deleting the application, so it needs only the permission to
// decide the group: any authorized reviewer may withdraw, writer, creator or editor.
func Separated(v qualv1.Verdict) bool { return v != qualv1.VerdictWithdrawn }

// Writer is the refusal of a decision by a user who holds a in the application's namespace:
// nobody who may write an application, or the Secrets it references, decides it (D16). The
// recorded creator and editors (Who) miss Secret writes, GitOps controllers and impersonation;
// permission does not.
func Writer(app *qualv1.CategoryApplication, user string, a Access) *Refusal {
	return &Refusal{Forbidden: true, Message: fmt.Sprintf(
		"user %q may %s in namespace %s and cannot decide %s: nobody who may write an application, or the Secrets it references, decides it (D16)",
		user, a, app.Namespace, app.Name)}
}
