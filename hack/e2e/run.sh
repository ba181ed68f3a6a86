#!/usr/bin/env bash
# `make e2e`: installs the operator on a real single-node Kubernetes cluster made on this machine
# and walks through the README as a user would. Needs root (it runs containerd and kubelet).
#
#  1. installs containerd, runc, the CNI plugins, conntrack, iptables and nftables from Debian;
#     builds kubelet, kube-scheduler, kube-proxy (and kube-controller-manager) next to the cached
#     envtest binaries (hack/envtest-assets.sh), the pause image from a static Go binary, the
#     operator's image (make image), the plugin (make build) and helm (hack/helm.sh);
#  2. starts etcd, kube-apiserver, kube-controller-manager, kube-scheduler, containerd, kubelet
#     and kube-proxy, with certificates made here (hack/e2e/kit), and imports both images;
#  3. installs the operator (helm install of dist/chart; E2E_INSTALL=kustomize: config/default),
#     then the README's walk-through:
#     policies, samples, every invalid sample refused, a decision by a reviewer bound to the
#     shipped reviewer role, Ready and an Active listing;
#  4. kills the manager (kill -9, then kubectl delete pod) and checks that nothing is lost and new
#     applications are still processed; fails if the manager logged "forbidden";
#  5. tears everything down and restores the host: processes stopped by recorded PID, mounts,
#     network namespaces, the bridge, nftables tables, cgroups, sysctls (on any exit, failure
#     included; a run killed outright is cleaned up by the next one).
#
# Logs stay in bin/e2e/. E2E_KEEP=1 leaves the cluster running at the end (then run
# `hack/e2e/run.sh teardown` to remove it).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$root/hack/e2e/node.sh"
source "$root/hack/e2e/install.sh"
source "$root/hack/e2e/walkthrough.sh"
cd "$root"

[ "$(id -u)" = 0 ] || { echo "make e2e needs root: it runs containerd and kubelet on this machine" >&2; exit 1; }
mkdir -p "$logs"
# One run per machine (the node's folders, ports and bridge are the machine's): a second run,
# from any clone, must not take the first one's processes for leftovers and stop them.
lock=/run/lock/category-operator-e2e.lock
mkdir -p /run/lock
exec 9>"$lock"
flock -n 9 || { echo "another make e2e is running on this machine ($lock)" >&2; exit 1; }

if [ "${1:-}" = teardown ]; then
  teardown
  rm -f "$lock"
  exit 0
fi
# A fresh set of logs: the "forbidden" check reads every manager-*.log.
rm -f "$logs"/*.log "$logs"/*.tar

failed=""
finish() {
  local rc=$?
  trap - EXIT INT TERM
  [ $rc -eq 0 ] || [ -n "$failed" ] || failed="exit status $rc in phase $phase_name"
  if [ -n "$failed" ] && [ -f "$run/pids" ]; then
    diagnose
  fi
  if [ "${E2E_KEEP:-}" = 1 ] && [ -z "$failed" ]; then
    end_phase
    echo "E2E_KEEP=1: the cluster keeps running; KUBECONFIG=$pki/admin.kubeconfig; hack/e2e/run.sh teardown removes it"
  else
    phase "teardown: stop the node, restore the host"
    teardown
    if out=$(host_restored); then pass "host restored (processes, mounts, netns, bridge, nftables, sysctls)"; else
      printf '%s\n' "$out" | sed 's/^/          /'
      echo "    FAIL  host not fully restored"
      [ -n "$failed" ] || failed="host not fully restored"
    fi
    end_phase
  fi
  echo
  echo "==> summary (logs in $logs)"
  printf '    %s\n' "${summary[@]}"
  printf '    %-56s %7ss\n' total "$(secs "$t0" "$(now)")"
  if [ -n "$failed" ]; then
    echo "FAIL: $failed"
    rm -f "$lock"
    exit 1
  fi
  echo "PASS: make e2e"
  rm -f "$lock"
}
trap finish EXIT
trap 'failed="interrupted"; exit 130' INT TERM

# diagnose prints what explains most failures: Pods, recent events, the manager's log.
diagnose() {
  set +e
  echo
  echo "==> diagnostics (full logs in $logs)"
  k get nodes,pods -A -o wide 2>&1 | sed 's/^/    /'
  k get events -A --sort-by=.lastTimestamp 2>&1 | tail -n 25 | sed 's/^/    /'
  local pod
  pod=$(k get pods -n "$operator_namespace" -o jsonpath='{.items[0].metadata.name}' 2>/dev/null)
  [ -n "$pod" ] && k logs -n "$operator_namespace" "$pod" --tail=40 2>&1 | cut -c1-300 | sed 's/^/    manager| /'
  set -e
}

phase "preflight"
if [ -f "$work/host-before" ] || [ -f "$run/pids" ]; then
  teardown
  pass "removed the leftovers of an earlier run that did not finish"
fi
ip=$(host_ip)
[ -n "$ip" ] || fail "no IPv4 address on this machine for the API server"
pass "API server address $ip:$api_port (this machine's own), node $node_name"
for port in "$ip:$api_port" "127.0.0.1:$etcd_port" "127.0.0.1:$etcd_peer_port" "$ip:10250" "127.0.0.1:10248" "127.0.0.1:10249" "127.0.0.1:10256" "127.0.0.1:10257" "127.0.0.1:10259"; do
  if ss -Hltn "sport = :${port##*:}" | awk '{print $4}' | grep -qE "^(\*|0\.0\.0\.0|\[::\]|${port%:*}):${port##*:}\$"; then
    fail "port $port is taken: stop what listens there, or set E2E_API_PORT / E2E_ETCD_PORT"
  fi
done
pass "ports free"
[ -d /sys/fs/cgroup/memory ] || [ -f /sys/fs/cgroup/cgroup.controllers ] || fail "no cgroup hierarchy found"

phase "install Debian packages"
install_packages

phase "build binaries and images"
# Order matters on a cold machine: the envtest binaries first (the script builds them when
# missing), then the node's from the same module and Go cache.
assets=$("$root/hack/envtest-assets.sh" kube-controller-manager kubelet kube-scheduler kube-proxy)
pass "kubelet, kube-scheduler, kube-proxy, kube-apiserver, kube-controller-manager, etcd in $assets"
command -v kubectl >/dev/null || fail "kubectl is not on PATH (the README's prerequisite)"
mkdir -p "$logs/bin"
go build -o "$logs/bin/kit" ./hack/e2e/kit
CGO_ENABLED=0 go build -trimpath -ldflags=-s -o "$logs/bin/pause" ./hack/e2e/pause
"$logs/bin/kit" image -o "$logs/pause.tar" -name "$pause_image" -entrypoint /pause "$logs/bin/pause=/pause"
pass "pause image $pause_image (static Go binary, one layer)"
# The plugin as `make build` builds it (bin/manager is not needed: the image has its own).
go build -o "$root/bin/kubectl-category" ./cmd/kubectl-category
pass "bin/kubectl-category (the reviewers' plugin)"
build_operator_image
export PATH=$root/bin:$PATH

phase "certificates and configuration"
record_host
mkdir -p "$run" "$work"
: >"$run/pids"
"$logs/bin/kit" pki -dir "$pki" -host-ip "$ip" -api-port "$api_port" -node "$node_name" -service-ip "$service_ip"
write_configs
# What a user of the cluster has: kubectl and helm read it.
export KUBECONFIG=$pki/admin.kubeconfig
pass "CA, serving and client certificates, kubeconfigs, containerd/CNI/kubelet configuration in $work"

phase "containerd, etcd, images"
start_etcd
start_containerd
check "pause image imported" import_image "$logs/pause.tar"
check "operator image imported ($operator_image)" import_image "$operator_archive"

phase "control plane"
start_apiserver
start_control_plane
wait_for 60 "kube-controller-manager published kube-root-ca.crt and the default ServiceAccount" \
  bash -c "kubectl --kubeconfig '$pki/admin.kubeconfig' get configmap kube-root-ca.crt && kubectl --kubeconfig '$pki/admin.kubeconfig' get serviceaccount default"

phase "node"
start_node
wait_for 90 "node $node_name Ready" k wait --for=condition=Ready "node/$node_name" --timeout=2s

phase "install the operator"
install_operator

walkthrough
tightened
restart
# The EXIT trap tears down and prints the summary.
