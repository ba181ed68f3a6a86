package controllers

import (
	"time"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/index"
)

// shardedDuplicateRecheck bounds how long a shard may miss a D1 race with another shard: a
// shard is not told when an application is created or deleted in another shard's namespace
// (duplicatesOf sees its own cache only), so it looks again this long after an application's
// creation, and this often while one is a duplicate (to see its original go away).
// Duplicates are rare (admission refuses them; only races pass), so this costs little.
const shardedDuplicateRecheck = 5 * time.Minute

// duplicateLookup says where D1 looks for app and when to look again. Unsharded: the cache,
// which holds every application and is told of every change. Sharded: the API server, but only
// while D1 can still change for app: a new generation (its first reconcile), a young
// application (a racing twin may appear in another shard) or a duplicate; the key is immutable
// (D18), so for every other reconcile the shard's own cache answers, and a restart of a shard
// does not list every application's shop on the API server.
func (r *ApplicationReconciler) duplicateLookup(app *qualv1.CategoryApplication) (index.Lookup, time.Duration) {
	l := index.Lookup{Cached: r.Client, API: r.APIReader}
	if !r.Sharded {
		return l, 0
	}
	age := r.Clock.Now().Sub(app.CreationTimestamp.Time)
	switch {
	case app.Status.Phase == qualv1.PhaseDuplicate:
		l.Sharded = true
		return l, shardedDuplicateRecheck
	case age < shardedDuplicateRecheck:
		l.Sharded = true
		return l, min(shardedDuplicateRecheck, shardedDuplicateRecheck-age+time.Second)
	case app.Status.ObservedGeneration != app.Generation:
		l.Sharded = true
	}
	return l, 0
}
