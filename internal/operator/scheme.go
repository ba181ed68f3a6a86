package operator

import (
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// DefaultOperatorUser is the manager's service account as config/default installs it.
const DefaultOperatorUser = "system:serviceaccount:category-operator-system:category-operator-controller-manager"

// Scheme has the built-in types and the operator's API.
var Scheme = k8sruntime.NewScheme()

func init() {
	utilruntime.Must(clientgoscheme.AddToScheme(Scheme))
	utilruntime.Must(qualv1.AddToScheme(Scheme))
}
