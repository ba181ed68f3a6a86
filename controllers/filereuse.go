package controllers

import (
	"cmp"
	"context"
	"slices"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/index"
)

// +kubebuilder:rbac:groups=qualification.channelshop.dev,resources=filereusereports,verbs=get;list;watch;create;update;delete

// ReuseReconciler keeps, for every application that holds a file an application of another
// AppID holds too, a FileReuseReport naming those applications (D34). It is a controller of
// its own: it reads only the cache, through the file-digest index (never a scan of every
// application, never a Secret), and writes only reports, which are cluster-scoped and
// readable by reviewers alone. Nothing it learns about other tenants is written to an
// application, its status or its namespace's Events, which the merchant reads.
type ReuseReconciler struct {
	client.Client
	// MaxConcurrentReconciles bounds parallel reconciles.
	MaxConcurrentReconciles int
}

// Reconcile brings the report of one application in line with the index.
func (r *ReuseReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	name := qualv1.FileReuseReportName(req.Namespace, req.Name)
	app := &qualv1.CategoryApplication{}
	if err := r.Get(ctx, req.NamespacedName, app); err != nil {
		if apierrors.IsNotFound(err) {
			return ctrl.Result{}, r.deleteReport(ctx, name)
		}
		return ctrl.Result{}, err
	}
	files, err := r.reusedFiles(ctx, app)
	if err != nil {
		return ctrl.Result{}, err
	}
	if len(files) == 0 || app.DeletionTimestamp != nil {
		return ctrl.Result{}, r.deleteReport(ctx, name)
	}
	want := qualv1.FileReuseReport{
		ObjectMeta:  metav1.ObjectMeta{Name: name},
		Application: qualv1.ApplicationReference{Namespace: app.Namespace, Name: app.Name, AppID: app.Spec.Merchant.AppID},
		Files:       files,
	}
	have := &qualv1.FileReuseReport{}
	switch err := r.Get(ctx, client.ObjectKey{Name: name}, have); {
	case apierrors.IsNotFound(err):
		return ctrl.Result{}, client.IgnoreAlreadyExists(r.Create(ctx, &want, client.FieldOwner(FieldManager)))
	case err != nil:
		return ctrl.Result{}, err
	case apiequality.Semantic.DeepEqual(have.Application, want.Application) && apiequality.Semantic.DeepEqual(have.Files, want.Files):
		return ctrl.Result{}, nil
	}
	have.Application, have.Files = want.Application, want.Files
	return ctrl.Result{}, r.Update(ctx, have, client.FieldOwner(FieldManager))
}

// reusedFiles looks each of the application's digests up in the index and keeps those that
// applications of other AppIDs hold, naming at most qualv1.MaxReuseNamed of them per file.
// The lists are the cache's own objects (no copy), so a digest 10,000 applications share
// costs a slice of pointers, not 10,000 applications.
func (r *ReuseReconciler) reusedFiles(ctx context.Context, app *qualv1.CategoryApplication) ([]qualv1.ReusedFile, error) {
	var out []qualv1.ReusedFile
	for _, digest := range index.FileDigests(app) {
		var list qualv1.CategoryApplicationList
		if err := r.List(ctx, &list, client.MatchingFields{index.FileDigestField: digest}, client.UnsafeDisableDeepCopy); err != nil {
			return nil, err
		}
		var others []qualv1.ApplicationReference
		for i := range list.Items {
			o := &list.Items[i]
			if o.Spec.Merchant.AppID != app.Spec.Merchant.AppID {
				others = append(others, qualv1.ApplicationReference{Namespace: o.Namespace, Name: o.Name, AppID: o.Spec.Merchant.AppID})
			}
		}
		if len(others) == 0 {
			continue
		}
		slices.SortFunc(others, func(a, b qualv1.ApplicationReference) int {
			return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
		})
		out = append(out, qualv1.ReusedFile{SHA256: digest, Total: int32(len(others)),
			Applications: slices.Clip(others[:min(len(others), qualv1.MaxReuseNamed)])})
	}
	return out, nil
}

func (r *ReuseReconciler) deleteReport(ctx context.Context, name string) error {
	report := &qualv1.FileReuseReport{ObjectMeta: metav1.ObjectMeta{Name: name}}
	return client.IgnoreNotFound(r.Delete(ctx, report))
}

// sharersOf wakes the applications that hold one of o's files, so their reports follow o
// being created, changing its files or going away (for an update, controller-runtime maps the
// old object and the new one).
func (r *ReuseReconciler) sharersOf(ctx context.Context, o client.Object) []reconcile.Request {
	app := o.(*qualv1.CategoryApplication)
	self := client.ObjectKeyFromObject(app)
	seen := map[types.NamespacedName]bool{self: true}
	var reqs []reconcile.Request
	for _, digest := range index.FileDigests(app) {
		var list qualv1.CategoryApplicationList
		if err := r.List(ctx, &list, client.MatchingFields{index.FileDigestField: digest}, client.UnsafeDisableDeepCopy); err != nil {
			ctrl.LoggerFrom(ctx).Error(err, "listing applications by file digest")
			return reqs
		}
		for i := range list.Items {
			key := client.ObjectKeyFromObject(&list.Items[i])
			if !seen[key] {
				seen[key] = true
				reqs = append(reqs, reconcile.Request{NamespacedName: key})
			}
		}
	}
	return reqs
}

// applicationOfReport restores a report someone else edited or deleted.
func applicationOfReport(_ context.Context, o client.Object) []reconcile.Request {
	report := o.(*qualv1.FileReuseReport)
	ref := report.Application
	if ref.Namespace == "" || ref.Name == "" {
		return nil
	}
	return []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: ref.Namespace, Name: ref.Name}}}
}

// filesChanged passes creations, deletions and updates that change an application's file
// digests (a new round's secretFiles): a status write for a
// notification or a decision does not concern reuse.
type filesChanged struct{ predicate.Funcs }

func (filesChanged) Create(event.CreateEvent) bool   { return true }
func (filesChanged) Delete(event.DeleteEvent) bool   { return true }
func (filesChanged) Generic(event.GenericEvent) bool { return true }
func (filesChanged) Update(e event.UpdateEvent) bool {
	old, okOld := e.ObjectOld.(*qualv1.CategoryApplication)
	cur, okNew := e.ObjectNew.(*qualv1.CategoryApplication)
	if !okOld || !okNew {
		return true
	}
	return old.Spec.Merchant.AppID != cur.Spec.Merchant.AppID || !slices.Equal(index.FileDigests(old), index.FileDigests(cur))
}

// SetupWithManager wires the watches: the application itself, the applications it shares a
// file with, and its report.
func (r *ReuseReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		Named("filereuse").
		For(&qualv1.CategoryApplication{}, builder.WithPredicates(filesChanged{})).
		Watches(&qualv1.CategoryApplication{}, handler.EnqueueRequestsFromMapFunc(r.sharersOf), builder.WithPredicates(filesChanged{})).
		Watches(&qualv1.FileReuseReport{}, handler.EnqueueRequestsFromMapFunc(applicationOfReport)).
		WithOptions(controller.Options{MaxConcurrentReconciles: r.MaxConcurrentReconciles}).
		Complete(r)
}
