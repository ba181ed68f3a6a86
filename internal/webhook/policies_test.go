package webhook_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/decision"
	"github.com/channelshop/category-operator/internal/manager"
	"github.com/channelshop/category-operator/internal/testenv"
	hooks "github.com/channelshop/category-operator/internal/webhook"
)

// The admission policies repeat what Go code knows; these keep the copies equal.

func policy(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "config", "admission-policies", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestStatusPolicyComparesEveryStatusField: a status field added to the API must be added to
// the policy's list of fields only the operator writes, or reviewers could write it.
func TestStatusPolicyComparesEveryStatusField(t *testing.T) {
	g := NewWithT(t)
	b, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "config", "crd", "bases", "qualification.channelshop.dev_categoryapplications.yaml"))
	g.Expect(err).NotTo(HaveOccurred())
	crd := &apiextensionsv1.CustomResourceDefinition{}
	g.Expect(yaml.Unmarshal(b, crd)).To(Succeed())
	status := crd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["status"]
	g.Expect(status.Properties).NotTo(BeEmpty())
	p := policy(t, "application-status.yaml")
	for name := range status.Properties {
		if name == "decision" || name == "claim" {
			continue // the reviewer's fields (claim: D30, at the end of the policy)
		}
		if name == "history" { // append-only, compared record by record
			g.Expect(p).To(ContainSubstring(`expression: "object.?status.?history.orValue([])"`))
			g.Expect(p).To(ContainSubstring(`expression: "oldObject.?status.?history.orValue([])"`))
			g.Expect(p).To(ContainSubstring(`- expression: "variables.isOperator || variables.historyKept"`))
			continue
		}
		g.Expect(p).To(ContainSubstring("object.?status.?"+name+" == oldObject.?status.?"+name), "status.%s", name)
	}
}

// TestStatusPolicyKeepsMaxHistory: the policy accepts the drop of the oldest record exactly
// where PushHistory drops it.
func TestStatusPolicyKeepsMaxHistory(t *testing.T) {
	g := NewWithT(t)
	g.Expect(policy(t, "application-status.yaml")).To(ContainSubstring("- name: maxHistory\n    expression: \"" + strconv.Itoa(qualv1.MaxHistory) + "\"\n"))
}

func TestPoliciesNameTheOperatorAndTheGarbageCollector(t *testing.T) {
	g := NewWithT(t)
	operator := "'" + manager.DefaultOperatorUser + "'"
	for _, f := range []string{"application-status.yaml", "application-status-reasons.yaml", "listings.yaml"} {
		g.Expect(policy(t, f)).To(ContainSubstring(operator), f)
	}
	g.Expect(policy(t, "listings.yaml")).To(ContainSubstring("['" + strings.Join(hooks.GarbageCollectors, "', '") + "']"))
}

// TestStatusPolicyChecksEveryWriteAccess: the policy refuses a writer (D16) for each permission
// of decision.WriteAccess, in its order, naming it as the webhook does.
func TestStatusPolicyChecksEveryWriteAccess(t *testing.T) {
	g := NewWithT(t)
	p := policy(t, "application-status.yaml")
	at := 0
	for _, a := range decision.WriteAccess {
		check := "authorizer.group('" + a.Group + "').resource('" + a.Resource + "')"
		if a.Subresource != "" {
			check += ".subresource('" + a.Subresource + "')"
		}
		check += ".namespace(variables.ns).check('" + a.Verb + "').allowed()"
		i := strings.Index(p[at:], "!variables.separated ||\n      !"+check)
		g.Expect(i).To(BeNumerically(">=", 0), "%s: %s after offset %d", a, check, at)
		at += i
		g.Expect(p[at:]).To(HavePrefix("!variables.separated ||\n      !" + check + "\n    reason: Forbidden\n    messageExpression: >-\n      " +
			`'user "' + variables.user + '" may ` + a.String() + "' + variables.writerRule\n"))
	}
	app := &qualv1.CategoryApplication{}
	app.Name, app.Namespace = "NAME", "NS"
	rule := strings.TrimPrefix(decision.Writer(app, "USER", decision.WriteAccess[0]).Message, `user "USER" may `+decision.WriteAccess[0].String())
	g.Expect(p).To(ContainSubstring("' in namespace ' + variables.ns + ' and cannot decide ' + variables.name +\n      '" +
		strings.TrimPrefix(rule, " in namespace NS and cannot decide NAME") + "'"))
}

// TestStatusPolicyRefusesWritersClaims: a writer may not claim (D30) for each permission of
// decision.WriteAccess, in its order, naming it as the webhook does.
func TestStatusPolicyRefusesWritersClaims(t *testing.T) {
	g := NewWithT(t)
	p := policy(t, "application-status.yaml")
	at := 0
	for _, a := range decision.WriteAccess {
		check := "authorizer.group('" + a.Group + "').resource('" + a.Resource + "')"
		if a.Subresource != "" {
			check += ".subresource('" + a.Subresource + "')"
		}
		check += ".namespace(variables.ns).check('" + a.Verb + "').allowed()"
		want := "!variables.claiming ||\n      !" + check + "\n    reason: Forbidden\n    messageExpression: >-\n      " +
			`'user "' + variables.user + '" may ` + a.String() + "' + variables.writerRule\n"
		i := strings.Index(p[at:], want)
		g.Expect(i).To(BeNumerically(">=", 0), "%s after offset %d", a, at)
		at += i
	}
}
