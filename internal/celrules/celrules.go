// Package celrules compiles and evaluates a CategoryPolicy's custom rules (spec.rules): CEL
// expressions over the application, bound as `object`.
//
// Rules are checked the way kube-apiserver checks a CRD's x-kubernetes-validations: they are
// type-checked against the CategoryApplication CRD's structural schema (a misspelled field is a
// compile error, not a runtime surprise), must return bool, have Kubernetes' CEL libraries
// (strings, lists, sets, regex, quantity, url, ip, cidr, format, semver) and the same cost
// model. A policy whose rules do not compile or are too expensive is refused with a
// field.ErrorList; at runtime a rule that fails (a missing optional field, the cost limit) is a
// finding naming the rule, never a crash.
package celrules

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	celcommon "k8s.io/apiserver/pkg/cel/common"

	"github.com/channelshop/category-operator/api/v1alpha1"
)

// Cost limits, in CEL cost units. kube-apiserver sizes PerCallLimit (1e6) at "roughly 0.1 s";
// on unstructured values on a busy 2-core machine a rule costing 1e6 took about 0.6 s, so the
// limits also bound how long a reconcile can spend in custom rules.
const (
	// PerRuleCostLimit bounds one rule, both as its static estimate at compile time and as its
	// actual cost at runtime. It is celconfig.PerCallLimit, the runtime limit of every CRD
	// validation rule and ValidatingAdmissionPolicy expression.
	//
	// The static estimate is held to the runtime limit, as for DRA device selectors
	// (CELSelectorExpressionMaxCost is both), not 10x it as for CRD rules
	// (StaticEstimatedCostLimit): a failing CRD rule only rejects one write, but a custom rule
	// that ran out of budget would be a finding on large applications, blocking merchants for a
	// policy author's mistake long after the policy was accepted. With the estimate within the
	// runtime limit, a rule accepted at apply cannot hit the runtime limit on any application
	// the API server admitted (the estimate uses the CRD's maxItems and maxLength, which the API
	// server enforces), save for small slack in cel-go's estimates of a few list functions
	// (distinct() of strings is ~4% over its estimate).
	PerRuleCostLimit = uint64(celconfig.PerCallLimit)

	// TotalCostLimit bounds all rules of a policy together, estimated at compile time and
	// actual at runtime: celconfig.RuntimeCELCostBudget, kube-apiserver's budget for all CEL
	// rules on one custom resource ("about 1 s").
	TotalCostLimit = uint64(celconfig.RuntimeCELCostBudget)
)

// defaultField is what a finding names when the rule does not say.
const defaultField = "spec"

// Program is the compiled custom rules of one policy. It is immutable and safe for concurrent
// use; the zero value and nil have no rules.
type Program struct {
	rules []compiledRule
	// totalLimit is TotalCostLimit; a field so tests can exhaust it cheaply.
	totalLimit uint64
}

type compiledRule struct {
	id, field, message string
	program            cel.Program
	// maxCost is the static estimate: at most PerRuleCostLimit.
	maxCost uint64
}

// Len is the number of rules.
func (p *Program) Len() int {
	if p == nil {
		return 0
	}
	return len(p.rules)
}

// Compile type-checks every rule against the CategoryApplication schema. Errors have paths
// like spec.rules[2].expression: field.Invalid with the CEL compiler's message, or
// field.Forbidden when the estimated cost is over PerRuleCostLimit (or, on spec.rules, the
// rules together are over TotalCostLimit). Every rule is checked, so one apply shows every
// problem. The Program is nil when there are errors.
func Compile(rules []v1alpha1.CustomRule) (*Program, field.ErrorList) {
	rulesPath := field.NewPath("spec", "rules")
	if len(rules) == 0 {
		return &Program{}, nil
	}
	env, err := loadEnv()
	if err != nil {
		return nil, field.ErrorList{field.InternalError(rulesPath, err)}
	}

	var errs field.ErrorList
	prog := &Program{rules: make([]compiledRule, 0, len(rules)), totalLimit: TotalCostLimit}
	ids := sets.New[string]()
	var total uint64
	for i, rule := range rules {
		p := rulesPath.Index(i)
		switch {
		case rule.ID == "":
			errs = append(errs, field.Required(p.Child("id"), ""))
		case ids.Has(rule.ID):
			errs = append(errs, field.Duplicate(p.Child("id"), rule.ID))
		}
		ids.Insert(rule.ID)
		if rule.Message == "" {
			errs = append(errs, field.Required(p.Child("message"), "shown to the merchant when the rule is false"))
		}
		cr, err := compileRule(env, rule, p.Child("expression"))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		total = saturatingAdd(total, cr.maxCost)
		prog.rules = append(prog.rules, cr)
	}
	if len(errs) == 0 && total > TotalCostLimit {
		errs = append(errs, field.Forbidden(rulesPath, fmt.Sprintf(
			"estimated cost of all rules together (%d) exceeds the limit %d by a factor of %s: simplify or remove rules",
			total, TotalCostLimit, costFactor(total, TotalCostLimit))))
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return prog, nil
}

// compileRule mirrors apiextensions-apiserver's compileRule (schema/cel/compilation.go) and the
// per-expression cost check of CRD validation.
func compileRule(env *celEnv, rule v1alpha1.CustomRule, path *field.Path) (compiledRule, *field.Error) {
	if rule.Expression == "" {
		return compiledRule{}, field.Required(path, "a CEL expression that is true for a compliant application")
	}
	ast, issues := env.env.Compile(rule.Expression)
	if issues != nil && issues.Err() != nil {
		return compiledRule{}, field.Invalid(path, rule.Expression, "compilation failed: "+issues.String())
	}
	if ast.OutputType() != cel.BoolType {
		return compiledRule{}, field.Invalid(path, rule.Expression,
			fmt.Sprintf("must evaluate to a bool, not %s", ast.OutputType()))
	}
	est, err := env.env.EstimateCost(ast, env.estimator)
	if err != nil {
		return compiledRule{}, field.InternalError(path, fmt.Errorf("cost estimation failed: %w", err))
	}
	if est.Max > PerRuleCostLimit {
		return compiledRule{}, field.Forbidden(path, fmt.Sprintf(
			"estimated rule cost (%d) exceeds the limit %d by a factor of %s: nested loops multiply "+
				"(spec.materials inside spec.materials is 32x32 iterations), and a function of a string with no maxLength "+
				"in the schema (e.g. appID, quantities) is costed as if the string filled the largest request",
			est.Max, PerRuleCostLimit, costFactor(est.Max, PerRuleCostLimit)))
	}
	program, err := env.env.Program(ast,
		cel.CostLimit(PerRuleCostLimit),
		cel.CostTracking(env.estimator),
		cel.InterruptCheckFrequency(celconfig.CheckFrequency),
	)
	if err != nil {
		return compiledRule{}, field.Invalid(path, rule.Expression, "program instantiation failed: "+err.Error())
	}
	f := rule.Field
	if f == "" {
		f = defaultField
	}
	return compiledRule{id: rule.ID, field: f, message: rule.Message, program: program, maxCost: est.Max}, nil
}

// Evaluate runs every rule against the application; see EvaluateContext.
func (p *Program) Evaluate(app *v1alpha1.CategoryApplication) []v1alpha1.Finding {
	return p.EvaluateContext(context.Background(), app)
}

// EvaluateContext runs every rule against the application, in order, and returns one finding
// per rule that is false or could not be evaluated (a missing field without has(), the cost
// limit, ctx done). Findings carry rule = the rule's id and field = the rule's field or "spec".
// It never panics and never modifies app.
func (p *Program) EvaluateContext(ctx context.Context, app *v1alpha1.CategoryApplication) []v1alpha1.Finding {
	if p.Len() == 0 {
		return nil
	}
	if app == nil {
		return p.allFailed(fmt.Errorf("no application"))
	}
	env, err := loadEnv()
	if err != nil {
		return p.allFailed(err)
	}
	obj, err := applicationToUnstructured(app)
	if err != nil {
		return p.allFailed(err)
	}
	activation := map[string]any{VariableName: celcommon.UnstructuredToVal(obj, env.valSchema)}

	// Like kube-apiserver for the rules of one custom resource: the rule that takes the total
	// over budget and every later one are not evaluated. Compile keeps the estimated total
	// within the budget, so this only happens on applications the API server would refuse.
	var findings []v1alpha1.Finding
	remaining := p.totalLimit
	for i, r := range p.rules {
		ok, cost, err := r.eval(ctx, activation)
		if cost > remaining {
			budgetErr := fmt.Errorf("the policy's custom rules together ran out of their cost budget (%d); no further rules were run", p.totalLimit)
			for _, rest := range p.rules[i:] {
				findings = append(findings, rest.notEvaluated(budgetErr))
			}
			break
		}
		remaining -= cost
		switch {
		case err != nil:
			findings = append(findings, r.notEvaluated(err))
		case !ok:
			findings = append(findings, v1alpha1.Finding{Rule: r.id, Field: r.field, Message: r.message})
		}
	}
	return findings
}

// eval runs one rule. A panic in a CEL library is turned into an error so one bad rule cannot
// take down the controller.
func (r compiledRule) eval(ctx context.Context, activation map[string]any) (ok bool, cost uint64, err error) {
	defer func() {
		if v := recover(); v != nil {
			ok, err = false, fmt.Errorf("a CEL library panicked: %v", v)
		}
	}()
	out, details, err := r.program.ContextEval(ctx, activation)
	if details != nil && details.ActualCost() != nil {
		cost = *details.ActualCost()
	}
	if err != nil {
		if strings.HasPrefix(err.Error(), "internal error:") {
			// cel-go recovered a panic of one of its functions. Found by fuzzing: list functions
			// such as distinct() panic when given a field that is absent (e.g.
			// object.spec.notify.map(n, n.secretRef.name).distinct() without notify) instead of
			// passing the "no such key" error on. Say what the rule's author can do about it.
			err = fmt.Errorf("the CEL runtime failed on this application (%v); if the rule reads an optional field, guard it with has()", err)
		}
		return false, cost, err
	}
	b, isBool := out.(types.Bool)
	if !isBool {
		return false, cost, fmt.Errorf("expression returned %s, not bool", out.Type())
	}
	return bool(b), cost, nil
}

func (r compiledRule) notEvaluated(err error) v1alpha1.Finding {
	return v1alpha1.Finding{
		Rule:    r.id,
		Field:   r.field,
		Message: fmt.Sprintf("custom rule %s could not be evaluated: %v", r.id, err),
	}
}

func (p *Program) allFailed(err error) []v1alpha1.Finding {
	findings := make([]v1alpha1.Finding, 0, len(p.rules))
	for _, r := range p.rules {
		findings = append(findings, r.notEvaluated(err))
	}
	return findings
}

// applicationToUnstructured gives the application the shape the API server would store and the
// schema describes: apiVersion and kind set even when a typed client left TypeMeta empty, no
// status, and metadata reduced to name, namespace and labels (always present). A typed struct
// renders a nil non-omitempty slice as null; the unstructured CEL value treats a null property
// as absent, as the API server would store it.
func applicationToUnstructured(app *v1alpha1.CategoryApplication) (map[string]any, error) {
	obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(app)
	if err != nil {
		return nil, fmt.Errorf("converting the application: %w", err)
	}
	obj["apiVersion"] = v1alpha1.GroupVersion.String()
	obj["kind"] = "CategoryApplication"
	delete(obj, "status")
	// labels is always present, if empty: `object.metadata.labels['x']` and `'x' in
	// object.metadata.labels` then work on an application without labels, where has() would
	// otherwise be needed first (an unset map is absent, not empty, in CEL).
	meta := map[string]any{"labels": map[string]any{}}
	if m, ok := obj["metadata"].(map[string]any); ok {
		for _, k := range []string{"name", "namespace", "labels"} {
			if v, ok := m[k]; ok && v != nil {
				meta[k] = v
			}
		}
	}
	obj["metadata"] = meta
	return obj, nil
}

func saturatingAdd(a, b uint64) uint64 {
	if a+b < a {
		return ^uint64(0)
	}
	return a + b
}

// costFactor renders cost/limit the way kube-apiserver's CRD validation does.
func costFactor(cost, limit uint64) string {
	f := float64(cost) / float64(limit)
	switch {
	case f > 100:
		return "more than 100x"
	case f < 1.5:
		return fmt.Sprintf("%fx", f)
	default:
		return fmt.Sprintf("%.1fx", f)
	}
}
