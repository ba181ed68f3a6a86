package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// controllerName is the application controller's name: the lowercased kind of For().
const controllerName = "categoryapplication"

// counterSum sums a counter of controller-runtime's registry over the series matching labels.
// The registry is global: it accumulates across managers, so callers take differences.
func counterSum(family string, labels map[string]string) float64 {
	fams, err := metrics.Registry.Gather()
	if err != nil {
		return 0
	}
	return sumFamily(fams, family, labels)
}

func sumFamily(fams []*dto.MetricFamily, family string, labels map[string]string) float64 {
	total := 0.0
	for _, f := range fams {
		if f.GetName() != family {
			continue
		}
	next:
		for _, m := range f.GetMetric() {
			for k, v := range labels {
				if labelValue(m, k) != v {
					continue next
				}
			}
			switch {
			case m.Counter != nil:
				total += m.GetCounter().GetValue()
			case m.Gauge != nil:
				total += m.GetGauge().GetValue()
			}
		}
	}
	return total
}

func labelValue(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// reconcileCounts is controller_runtime_reconcile_total of the application controller, by result.
func reconcileCounts() map[string]float64 {
	out := map[string]float64{}
	for _, r := range []string{"success", "error", "requeue", "requeue_after"} {
		out[r] = counterSum("controller_runtime_reconcile_total", map[string]string{"controller": controllerName, "result": r})
	}
	return out
}

func reconcileTotal() float64 {
	return counterSum("controller_runtime_reconcile_total", map[string]string{"controller": controllerName})
}

func notificationsSent() float64 { return counterSum("category_notifications_total", nil) }

// serverSample is what kube-apiserver's own metrics say about mutating requests.
type serverSample struct {
	writes, writeSeconds     float64 // apiserver_request_duration_seconds, lifecycle resources
	webhooks, webhookSeconds float64 // apiserver_admission_webhook_admission_duration_seconds
	etcd, etcdSeconds        float64 // etcd_request_duration_seconds of those writes
	conflicts                float64 // apiserver_request_total code 409
}

var mutatingVerbs = map[string]bool{"POST": true, "PUT": true, "PATCH": true, "APPLY": true, "DELETE": true}

// scrapeServer reads kube-apiserver's /metrics as admin.
func (b *bench) scrapeServer(ctx context.Context) (serverSample, error) {
	raw, err := b.adminREST.Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		return serverSample{}, fmt.Errorf("reading kube-apiserver metrics: %w", err)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(string(raw)))
	if err != nil {
		return serverSample{}, fmt.Errorf("parsing kube-apiserver metrics: %w", err)
	}
	var s serverSample
	lifecycle := map[string]bool{"categoryapplications": true, "showcaselistings": true}
	if f := fams["apiserver_request_duration_seconds"]; f != nil {
		for _, m := range f.GetMetric() {
			if mutatingVerbs[labelValue(m, "verb")] && lifecycle[labelValue(m, "resource")] && labelValue(m, "dry_run") == "" {
				s.writes += float64(m.GetHistogram().GetSampleCount())
				s.writeSeconds += m.GetHistogram().GetSampleSum()
			}
		}
	}
	if f := fams["apiserver_admission_webhook_admission_duration_seconds"]; f != nil {
		for _, m := range f.GetMetric() {
			s.webhooks += float64(m.GetHistogram().GetSampleCount())
			s.webhookSeconds += m.GetHistogram().GetSampleSum()
		}
	}
	if f := fams["etcd_request_duration_seconds"]; f != nil {
		for _, m := range f.GetMetric() {
			if op := labelValue(m, "operation"); (op == "create" || op == "update") && lifecycle[labelValue(m, "resource")] {
				s.etcd += float64(m.GetHistogram().GetSampleCount())
				s.etcdSeconds += m.GetHistogram().GetSampleSum()
			}
		}
	}
	if f := fams["apiserver_request_total"]; f != nil {
		for _, m := range f.GetMetric() {
			if labelValue(m, "code") == "409" {
				s.conflicts += m.GetCounter().GetValue()
			}
		}
	}
	return s, nil
}

func (s serverSample) minus(o serverSample) serverSample {
	return serverSample{s.writes - o.writes, s.writeSeconds - o.writeSeconds, s.webhooks - o.webhooks,
		s.webhookSeconds - o.webhookSeconds, s.etcd - o.etcd, s.etcdSeconds - o.etcdSeconds, s.conflicts - o.conflicts}
}

// cpuSample is CPU time used so far, in seconds, by the control plane's processes, by this
// one (manager, webhooks and benchmark clients), and by the whole machine.
type cpuSample struct{ apiserver, etcd, self, machine float64 }

func (c cpuSample) minus(o cpuSample) cpuSample {
	return cpuSample{c.apiserver - o.apiserver, c.etcd - o.etcd, c.self - o.self, c.machine - o.machine}
}

// total is the benchmark's own CPU time: control plane and this process.
func (c cpuSample) total() float64 { return c.apiserver + c.etcd + c.self }

// others is what other processes on the machine used meanwhile: noise in the timings.
func (c cpuSample) others() float64 { return max(0, c.machine-c.total()) }

// sampleCPU reads /proc for this process's children kube-apiserver and etcd (envtest starts
// them) and getrusage for itself.
func sampleCPU() cpuSample {
	var s cpuSample
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		s.self = tv(ru.Utime) + tv(ru.Stime)
	}
	if raw, err := os.ReadFile("/proc/stat"); err == nil {
		// cpu  user nice system idle iowait irq softirq steal ...
		line, _, _ := strings.Cut(string(raw), "\n")
		f := strings.Fields(line)
		for i, v := range f[1:min(len(f), 9)] {
			if i == 3 || i == 4 { // idle, iowait
				continue
			}
			x, _ := strconv.ParseFloat(v, 64)
			s.machine += x / 100
		}
	}
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, path := range stats {
		raw, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		line := string(raw)
		open, end := strings.IndexByte(line, '('), strings.LastIndexByte(line, ')')
		if open < 0 || end < open {
			continue
		}
		comm, fields := line[open+1:end], strings.Fields(line[end+1:])
		// fields[0] is state: ppid is fields[1], utime fields[11], stime fields[12].
		if len(fields) < 13 || fields[1] != strconv.Itoa(os.Getpid()) {
			continue
		}
		ut, _ := strconv.ParseFloat(fields[11], 64)
		st, _ := strconv.ParseFloat(fields[12], 64)
		sec := (ut + st) / 100 // USER_HZ is 100 on Linux
		switch comm {
		case "kube-apiserver":
			s.apiserver += sec
		case "etcd":
			s.etcd += sec
		}
	}
	return s
}

func tv(t syscall.Timeval) float64 {
	return float64(t.Sec) + float64(t.Usec)/1e6
}

// waitQuiet waits until the application controller has reconciled at least min times since
// base and then not at all for quiet.
func waitQuiet(ctx context.Context, base, min float64, quiet, timeout time.Duration) error {
	last, since := reconcileTotal(), time.Now()
	return poll(ctx, timeout, func() (bool, error) {
		now := reconcileTotal()
		if now != last {
			last, since = now, time.Now()
		}
		return now-base >= min && time.Since(since) >= quiet, nil
	})
}
