// Package tenancy_test checks, with the webhooks serving and --require-namespace-app-ids on (as
// in the shipped cluster install), that AppIDs belong to namespaces (D4), that a duplicate (D1)
// does not reveal other tenants, and that the garbage collector can orphan a listing.
package tenancy_test

import (
	"testing"

	"github.com/channelshop/category-operator/internal/manager"
	"github.com/channelshop/category-operator/internal/testenv"
	"github.com/channelshop/category-operator/test/fixture"
)

var (
	env *testenv.Env
	fx  *fixture.Fixture
)

func TestMain(m *testing.M) {
	fixture.Main(m, func(e *testenv.Env) { env, fx = e, &fixture.Fixture{Env: e} },
		func(o *manager.Options) { o.RequireNamespaceAppIDs = true }, nil)
}
