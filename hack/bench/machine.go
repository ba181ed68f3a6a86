package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"

	"k8s.io/client-go/kubernetes"

	"github.com/channelshop/category-operator/internal/testenv"
)

// machine describes where the numbers come from.
type machine struct {
	cpus                     int
	model, memory, goVersion string
	kubeVersion, etcdVersion string
	commit                   string
}

var assetsDir = regexp.MustCompile(`^(\d+\.\d+\.\d+)-etcd-(\d+\.\d+\.\d+)$`)

func describeMachine(cs kubernetes.Interface) machine {
	m := machine{cpus: runtime.NumCPU(), model: "unknown CPU", memory: "unknown",
		goVersion:   fmt.Sprintf("%s %s/%s", runtime.Version(), runtime.GOOS, runtime.GOARCH),
		kubeVersion: "unknown", etcdVersion: "unknown"}
	if raw, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(raw), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.model = strings.TrimSpace(v)
				break
			}
		}
	}
	if raw, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(raw), "\n") {
			if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
				m.memory = fmt.Sprintf("%.1f GiB", kb/(1<<20))
			}
		}
	}
	// The binaries are built from source without version stamps: the assets folder, named by
	// hack/envtest-assets.sh after the versions, says which they are.
	if g := assetsDir.FindStringSubmatch(filepath.Base(os.Getenv("KUBEBUILDER_ASSETS"))); g != nil {
		m.kubeVersion, m.etcdVersion = g[1], g[2]
	} else if v, err := cs.Discovery().ServerVersion(); err == nil {
		m.kubeVersion = v.GitVersion
	}
	m.commit = commit()
	return m
}

// commit names the code measured: HEAD, and whether the working tree differs from it.
func commit() string {
	root := testenv.RepoRoot()
	head, err := exec.Command("git", "-C", root, "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	out := strings.TrimSpace(string(head))
	if st, err := exec.Command("git", "-C", root, "status", "--porcelain").Output(); err == nil && len(st) > 0 {
		out += " with uncommitted changes"
	}
	return out
}
