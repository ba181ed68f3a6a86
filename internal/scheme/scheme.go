// Package scheme is the runtime scheme every client of the operator uses: the built-in types
// and the qualification.channelshop.dev API. It sits just above api/ so that the manager, the
// test environment and the plugin share it without depending on one another.
package scheme

import (
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// Scheme has the built-in types and the operator's API.
var Scheme = k8sruntime.NewScheme()

func init() {
	utilruntime.Must(clientgoscheme.AddToScheme(Scheme))
	utilruntime.Must(qualv1.AddToScheme(Scheme))
}
