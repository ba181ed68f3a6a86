package manager

import "github.com/channelshop/category-operator/internal/scheme"

// DefaultOperatorUser is the manager's service account as config/default installs it.
const DefaultOperatorUser = "system:serviceaccount:category-operator-system:category-operator-controller-manager"

// Scheme has the built-in types and the operator's API.
var Scheme = scheme.Scheme
