package install

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// metricsListFile lists the series names the manager serves, for hack/tools/promql, which checks
// that the alerts and the dashboard name only these.
var metricsListFile = filepath.Join("config", "prometheus", "metrics.txt")

// listedPrefixes are the families the list keeps: the operator's and controller-runtime's, not
// the Go runtime's and process' (which change with the Go version and the platform) nor
// client-go's (some appear only after a retry).
var listedPrefixes = []string{"category_", "controller_runtime_", "certwatcher_", "workqueue_", "leader_election_"}

// completePrefixes are the families whose every served series must be listed: a new operator or
// controller-runtime metric makes the list stale at once.
var completePrefixes = []string{"category_", "controller_runtime_"}

const metricsListHeader = "# Metric series the manager serves (scraped from a running manager by test/install).\n" +
	"# Regenerate: UPDATE_METRICS_LIST=1 go test ./test/install -run TestInstall\n"

// checkMetricsList scrapes the manager and checks config/prometheus/metrics.txt against it:
// everything listed is served, and every operator and controller-runtime series served is listed.
func checkMetricsList(t *testing.T, g Gomega, port int) {
	t.Helper()
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", port))
	g.Expect(err).NotTo(HaveOccurred())
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(resp.Body)
	g.Expect(err).NotTo(HaveOccurred())
	var served []string
	for name, f := range fams {
		if !slices.ContainsFunc(listedPrefixes, func(p string) bool { return strings.HasPrefix(name, p) }) {
			continue
		}
		switch f.GetType() {
		case dto.MetricType_HISTOGRAM:
			served = append(served, name+"_bucket", name+"_sum", name+"_count")
		case dto.MetricType_SUMMARY:
			served = append(served, name, name+"_sum", name+"_count")
		default:
			served = append(served, name)
		}
	}
	slices.Sort(served)
	path := filepath.Join(repoRoot(), metricsListFile)
	if os.Getenv("UPDATE_METRICS_LIST") != "" {
		g.Expect(os.WriteFile(path, []byte(metricsListHeader+strings.Join(served, "\n")+"\n"), 0o644)).To(Succeed())
	}
	raw, err := os.ReadFile(path)
	g.Expect(err).NotTo(HaveOccurred())
	var listed []string
	for _, l := range strings.Split(string(raw), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			listed = append(listed, l)
		}
	}
	g.Expect(served).To(ContainElements("category_applications", "category_reviews_overdue", "category_calendar_last_covered_day_timestamp_seconds",
		"category_review_duration_seconds_bucket", "category_notifications_total", "controller_runtime_reconcile_errors_total",
		"controller_runtime_webhook_requests_total", "category_collect_errors_total"), "the scenario made every metric of the alerts appear")
	stale := "%s is stale: regenerate it with UPDATE_METRICS_LIST=1 go test ./test/install -run TestInstall"
	g.Expect(served).To(ContainElements(listed), stale, metricsListFile)
	for _, s := range served {
		if slices.ContainsFunc(completePrefixes, func(p string) bool { return strings.HasPrefix(s, p) }) {
			g.Expect(listed).To(ContainElement(s), stale, metricsListFile)
		}
	}
}
