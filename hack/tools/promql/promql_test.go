package promql

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
	"sigs.k8s.io/yaml"
)

var root = filepath.Join("..", "..", "..")

// expression is one PromQL expression and where it comes from, for error messages.
type expression struct{ where, expr string }

// ruleExprs reads the alerts' expressions from the PrometheusRule.
func ruleExprs(t *testing.T) (exprs []expression, spec []byte) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(root, "config", "prometheus", "rules.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var rule struct {
		Spec json.RawMessage `json:"spec"`
	}
	if err := yaml.Unmarshal(raw, &rule); err != nil {
		t.Fatalf("rules.yaml: %v", err)
	}
	var groups rulefmt.RuleGroups
	if err := json.Unmarshal(rule.Spec, &groups); err != nil {
		t.Fatalf("rules.yaml spec: %v", err)
	}
	for _, g := range groups.Groups {
		for _, r := range g.Rules {
			exprs = append(exprs, expression{"rules.yaml alert " + r.Alert + r.Record, r.Expr})
		}
	}
	spec, err = yaml.JSONToYAML(rule.Spec)
	if err != nil {
		t.Fatal(err)
	}
	return exprs, spec
}

// grafanaVars are the dashboard's interval variables, replaced by a duration before parsing:
// Grafana substitutes them before Prometheus sees the query.
var grafanaVars = strings.NewReplacer("$__rate_interval", "5m", "$__interval", "1m", "$__range", "1h")

// labelValues is Grafana's label_values(<selector>, <label>) variable query.
var labelValues = regexp.MustCompile(`^label_values\((.+),\s*\w+\)$`)

// dashboardExprs reads every panel target and every label_values variable query.
func dashboardExprs(t *testing.T) []expression {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(root, "config", "prometheus", "dashboard.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
		Templating struct {
			List []struct {
				Name  string `json:"name"`
				Type  string `json:"type"`
				Query any    `json:"query"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("dashboard.json: %v", err)
	}
	var exprs []expression
	for _, p := range dash.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("dashboard panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			exprs = append(exprs, expression{fmt.Sprintf("dashboard panel %q", p.Title), grafanaVars.Replace(tg.Expr)})
		}
	}
	for _, v := range dash.Templating.List {
		if v.Type != "query" {
			continue
		}
		q, _ := v.Query.(map[string]any)
		s, _ := q["query"].(string)
		m := labelValues.FindStringSubmatch(s)
		if m == nil {
			t.Errorf("dashboard variable %q: query %q is not label_values(<selector>, <label>)", v.Name, s)
			continue
		}
		exprs = append(exprs, expression{fmt.Sprintf("dashboard variable %q", v.Name), m[1]})
	}
	return exprs
}

// served reads the metric names the manager serves (histograms with their _bucket, _sum and
// _count series).
func served(t *testing.T) map[string]bool {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(root, "config", "prometheus", "metrics.txt"))
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, l := range strings.Split(string(raw), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			names[l] = true
		}
	}
	if len(names) == 0 {
		t.Fatal("config/prometheus/metrics.txt lists no metric")
	}
	return names
}

var promqlParser = parser.NewParser(parser.Options{})

// metricsOf parses expr and returns the metric names it selects; every selector must name one.
func metricsOf(expr string) ([]string, error) {
	e, err := promqlParser.ParseExpr(expr)
	if err != nil {
		return nil, err
	}
	var names []string
	var errs []error
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		vs, ok := n.(*parser.VectorSelector)
		if !ok {
			return nil
		}
		name := vs.Name
		for _, m := range vs.LabelMatchers {
			if m.Name == labels.MetricName && m.Type == labels.MatchEqual {
				name = m.Value
			}
		}
		if name == "" {
			errs = append(errs, fmt.Errorf("selector %s names no metric", vs))
			return nil
		}
		names = append(names, name)
		return nil
	})
	if len(errs) > 0 {
		return nil, errs[0]
	}
	return names, nil
}

// check returns what is wrong with one expression: a parse error, or metrics not served.
func check(e expression, servedNames map[string]bool) []error {
	names, err := metricsOf(e.expr)
	if err != nil {
		return []error{fmt.Errorf("%s: %q does not parse: %w", e.where, e.expr, err)}
	}
	var errs []error
	for _, n := range names {
		if !servedNames[n] {
			errs = append(errs, fmt.Errorf("%s: metric %s is not served by the manager (config/prometheus/metrics.txt)", e.where, n))
		}
	}
	return errs
}

func TestExpressionsParseAndNameServedMetrics(t *testing.T) {
	servedNames := served(t)
	rules, _ := ruleExprs(t)
	dash := dashboardExprs(t)
	if len(rules) < 4 || len(dash) < 8 {
		t.Fatalf("expected at least 4 alerts and 8 dashboard queries, found %d and %d", len(rules), len(dash))
	}
	used := map[string]bool{}
	for _, e := range slices.Concat(rules, dash) {
		for _, err := range check(e, servedNames) {
			t.Error(err)
		}
		names, _ := metricsOf(e.expr)
		for _, n := range names {
			used[n] = true
		}
	}
	// The operator's own metrics are all watched somewhere.
	for _, want := range []string{"category_applications", "category_review_duration_seconds_bucket",
		"category_reviews_overdue", "category_notifications_total", "category_calendar_last_covered_day_timestamp_seconds",
		"category_collect_errors_total"} {
		if !used[want] {
			t.Errorf("no alert or dashboard query uses %s", want)
		}
	}
}

// TestRulesLoadInPrometheus loads the rule groups as Prometheus does: names, durations, labels,
// expressions and the annotations' templates are all validated.
func TestRulesLoadInPrometheus(t *testing.T) {
	_, spec := ruleExprs(t)
	groups, errs := rulefmt.Parse(spec, false, model.UTF8Validation, promqlParser, slog.New(slog.DiscardHandler))
	for _, err := range errs {
		t.Error(err)
	}
	if groups != nil {
		for _, g := range groups.Groups {
			for _, r := range g.Rules {
				if r.Alert != "" && r.Labels["severity"] == "" {
					t.Errorf("alert %s has no severity label", r.Alert)
				}
			}
		}
	}
}

// TestCheckRefuses shows the checks above can fail: a typo in a metric, a syntax error, a
// selector without a metric name.
func TestCheckRefuses(t *testing.T) {
	servedNames := map[string]bool{"category_applications": true}
	for expr, want := range map[string]string{
		`sum(category_application)`:                     "category_application is not served",
		`sum by (group) (category_applications`:         "does not parse",
		`sum({group="x"})`:                              "names no metric",
		`rate(category_applications[$__rate_interval])`: "does not parse",
	} {
		errs := check(expression{"test", expr}, servedNames)
		if len(errs) == 0 || !strings.Contains(errs[0].Error(), want) {
			t.Errorf("%s: got %v, want an error with %q", expr, errs, want)
		}
	}
	if errs := check(expression{"test", `sum by (group) (category_applications{group=~"$group"})`}, servedNames); len(errs) > 0 {
		t.Errorf("a valid expression was refused: %v", errs)
	}
}
