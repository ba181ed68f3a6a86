package testenv

import (
	"context"
	"fmt"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// User is an RBAC subject for a user name (as given to UserConfig).
func User(name string) rbacv1.Subject {
	return rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: name}
}

// Group is an RBAC subject for a group.
func Group(name string) rbacv1.Subject {
	return rbacv1.Subject{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: name}
}

// ReadClusterRole decodes a shipped ClusterRole, config/rbac/<file>, for a caller that derives
// a role from it (another resourceNames, a rule less) and grants it with Grant.
func ReadClusterRole(file string) (*rbacv1.ClusterRole, error) {
	role := &rbacv1.ClusterRole{}
	if err := readFile(role, true, "config", "rbac", file); err != nil {
		return nil, err
	}
	if role.Kind != "ClusterRole" || role.Name == "" {
		return nil, fmt.Errorf("config/rbac/%s: want one named ClusterRole, found kind %q name %q", file, role.Kind, role.Name)
	}
	return role, nil
}

// BindClusterRole applies the shipped ClusterRole config/rbac/<file> and binds it cluster-wide
// to subjects, as the README tells an administrator to bind reviewer_role.yaml.
func (e *Env) BindClusterRole(ctx context.Context, file string, subjects ...rbacv1.Subject) error {
	role, err := ReadClusterRole(file)
	if err != nil {
		return err
	}
	return e.Grant(ctx, role, "", subjects...)
}

// BindRoleInNamespace applies the shipped ClusterRole config/rbac/<file> and binds it to
// subjects in one namespace only (which must exist), as merchant_role.yaml is bound in a
// shop's namespace.
func (e *Env) BindRoleInNamespace(ctx context.Context, file, namespace string, subjects ...rbacv1.Subject) error {
	if namespace == "" {
		return fmt.Errorf("binding config/rbac/%s in a namespace: namespace is empty", file)
	}
	role, err := ReadClusterRole(file)
	if err != nil {
		return err
	}
	return e.Grant(ctx, role, namespace, subjects...)
}

// Grant applies role and binds it to subjects: with a ClusterRoleBinding when namespace is
// empty, else with a RoleBinding there. The binding is named after the role and the subjects,
// so granting the same again changes nothing.
func (e *Env) Grant(ctx context.Context, role *rbacv1.ClusterRole, namespace string, subjects ...rbacv1.Subject) error {
	if len(subjects) == 0 {
		return fmt.Errorf("binding ClusterRole %s: no subjects", role.Name)
	}
	if err := e.Apply(ctx, role.DeepCopy()); err != nil {
		return fmt.Errorf("applying ClusterRole %s: %w", role.Name, err)
	}
	names := []string{role.Name}
	for _, s := range subjects {
		names = append(names, s.Name)
	}
	meta := metav1.ObjectMeta{Name: strings.Join(names, "-"), Namespace: namespace}
	ref := rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role.Name}
	var binding client.Object = &rbacv1.ClusterRoleBinding{ObjectMeta: meta, RoleRef: ref, Subjects: subjects}
	if namespace != "" {
		binding = &rbacv1.RoleBinding{ObjectMeta: meta, RoleRef: ref, Subjects: subjects}
	}
	if err := e.Apply(ctx, binding); err != nil {
		return fmt.Errorf("binding ClusterRole %s as %s: %w", role.Name, meta.Name, err)
	}
	return nil
}
