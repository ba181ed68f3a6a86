package index

import (
	"context"

	"k8s.io/apimachinery/pkg/fields"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// AppIDField is the CategoryApplication's selectable field (the CRD's selectableFields) the
// API server filters on: a shard lists applications of other shards' namespaces by it.
const AppIDField = "spec.merchant.appID"

// Lookup finds applications for rules that span namespaces (D1). Unsharded, the manager's
// cache holds every application and answers from its index; a shard holds only its own
// namespaces, so it asks the API server (served from its watch cache) by AppIDField and keeps
// the applications with the key. A shop has few applications, so the answer is small.
type Lookup struct {
	Cached  client.Reader
	API     client.Reader
	Sharded bool
}

// SameKey lists the applications with app's DuplicateKey, app itself included if stored.
func (l Lookup) SameKey(ctx context.Context, app *qualv1.CategoryApplication) ([]qualv1.CategoryApplication, error) {
	var list qualv1.CategoryApplicationList
	key := DuplicateKey(app)
	if !l.Sharded {
		err := l.Cached.List(ctx, &list, client.MatchingFields{DuplicateKeyField: key})
		return list.Items, err
	}
	sel := fields.OneTermEqualSelector(AppIDField, app.Spec.Merchant.AppID)
	if err := l.API.List(ctx, &list, client.MatchingFieldsSelector{Selector: sel}); err != nil {
		return nil, err
	}
	out := list.Items[:0]
	for _, a := range list.Items {
		if DuplicateKey(&a) == key {
			out = append(out, a)
		}
	}
	return out, nil
}
