// Package controllers holds the operator's reconcilers: what happens to a CategoryApplication
// after admission, and whether a CategoryPolicy is usable. Admission itself (refusing bad YAML
// at `kubectl apply` time, recording who decided) is internal/webhook's; wiring the manager
// together is internal/manager's.
//
// Files by concern:
//
//   - categoryapplication_controller.go: ApplicationReconciler, Reconcile as an ordered list of
//     steps sharing an appState, one status patch at the end (only what changed, guarded by
//     resourceVersion), and SetupWithManager with its watches.
//   - categoryapplication_requirements.go: the requirements step (findings of the rule engine and
//     the policy's CEL rules) and the RequirementsMet condition.
//   - categoryapplication_duplicates.go: one application per shop and category (D1); a later
//     duplicate is marked and stops there.
//   - categoryapplication_materials.go: pins the digests of the Secret files a round is judged on.
//   - secret_digests.go: what the operator reads and holds of the referenced Secrets: the
//     digests of the referenced keys only, read as a stream, dropped once nothing references them.
//   - categoryapplication_review.go: review rounds, deadlines in working days, honouring a
//     reviewer's decision, withdrawal, and their conditions.
//   - categoryapplication_calendar.go: whether a deadline is provisional (the calendar does not
//     cover every day counted), the event when a recount moves it, and the calendar watch.
//   - categoryapplication_listing.go: the ShowcaseListing an approval creates, suspends or expires.
//   - categoryapplication_status.go: the phase and Ready summary, and the transitions between the
//     status before and after a reconcile.
//   - categoryapplication_events.go, categoryapplication_notify.go: side effects of those
//     transitions, only after the status patch succeeded: Kubernetes events, and notifications
//     with their delivery ledger in status.notifications.
//   - categorypolicy_controller.go: PolicyReconciler, a policy's Ready condition.
//   - indexes.go: field indexes (internal/index) and the mappings from a changed policy, Secret
//     or application to the applications to reconcile.
//   - metrics.go: the operator's Prometheus metrics, computed from the cache at scrape time.
//
// It depends on api/v1alpha1 and on libraries that know nothing of controller-runtime's
// manager: internal/calendar, internal/celrules, internal/findings (over internal/requirements),
// internal/index and internal/notify. Dependencies point down: it must not import
// internal/manager (which imports it), internal/webhook (a sibling: what both need lives in
// internal/findings and internal/index), internal/testenv, cmd/... or hack/... . Its tests
// (package controllers_test) run the assembled manager through internal/manager/managertest
// against a real API server.
package controllers
