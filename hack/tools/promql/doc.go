// Package promql checks the monitoring shipped in config/prometheus (and copied into the chart):
// every PromQL expression of the alerts and the Grafana dashboard parses with Prometheus' own
// parser, the rule file loads as Prometheus loads it, and every metric named is one the manager
// serves (config/prometheus/metrics.txt, kept current by test/install, which scrapes a real
// manager). It is its own module so Prometheus' dependencies stay out of the operator's go.mod.
package promql
