# Shared by hack/e2e/*.sh: settings, step reporting and small helpers. Sourced, not run.

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# State of the node: etcd data, containerd's images, kubelet's folders, certificates. Removed at
# the end. Logs stay in $logs (inside the ignored bin/ folder) for whoever reads a failure.
work=${E2E_WORK:-/var/lib/category-operator-e2e}
# Sockets and runtime state (short paths: unix socket names are limited to 108 bytes).
run=${E2E_RUN:-/run/category-operator-e2e}
logs=${E2E_LOGS:-$root/bin/e2e}
pki=$work/pki

node_name=e2e-node
pod_cidr=10.244.0.0/24
service_cidr=10.96.0.0/16
service_ip=10.96.0.1
bridge=cni-e2e0
api_port=${E2E_API_PORT:-6443}
etcd_port=${E2E_ETCD_PORT:-12379}
etcd_peer_port=${E2E_ETCD_PEER_PORT:-12380}
containerd_sock=$run/containerd/containerd.sock
pause_image=docker.io/library/category-operator-e2e-pause:1
operator_namespace=category-operator-system

# The host's own address: the API server listens there and Pods reach it through the
# `kubernetes` Service. Nothing leaves the machine.
host_ip() {
  local ip
  ip=$(ip -4 route get 1.1.1.1 2>/dev/null | sed -n 's/.* src \([0-9.]*\).*/\1/p')
  [ -n "$ip" ] || ip=$(ip -4 -o addr show scope global | awk '{split($4, a, "/"); print a[1]; exit}')
  echo "$ip"
}

k() { KUBECONFIG=$pki/admin.kubeconfig kubectl "$@"; }

# Step reporting: every check prints PASS or FAIL with the seconds since the phase began, and
# every phase its duration; the summary at the end repeats them.
t0=$(date +%s.%N)
phase_name=""
phase_start=$t0
summary=()
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

phase() {
  end_phase
  phase_name=$1
  phase_start=$(now)
  printf '\n==> %s  (t=%ss)\n' "$phase_name" "$(secs "$t0" "$phase_start")"
}

end_phase() {
  [ -n "$phase_name" ] || return 0
  local d
  d=$(secs "$phase_start" "$(now)")
  printf '    %s: %ss\n' "$phase_name" "$d"
  summary+=("$(printf '%-56s %7ss' "$phase_name" "$d")")
  phase_name=""
}

pass() { printf '    PASS  %s  (+%ss)\n' "$*" "$(secs "$phase_start" "$(now)")"; }

# fail reports the failed check and stops the test; the EXIT trap tears the node down.
fail() {
  printf '    FAIL  %s  (+%ss)\n' "$*" "$(secs "$phase_start" "$(now)")"
  failed="$phase_name: $*"
  exit 1
}

# check DESCRIPTION COMMAND...: runs the command, PASS if it succeeds, else prints its output and
# FAILs.
check() {
  local desc=$1 out
  shift
  if out=$("$@" 2>&1); then
    pass "$desc"
  else
    printf '%s\n' "$out" | tail -n 30 | sed 's/^/          /'
    fail "$desc"
  fi
}

# wait_for SECONDS DESCRIPTION COMMAND...: polls the command every half second.
wait_for() {
  local timeout=$1 desc=$2 deadline
  shift 2
  deadline=$(($(date +%s) + timeout))
  until "$@" >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      "$@" 2>&1 | tail -n 20 | sed 's/^/          /' || true
      fail "$desc (not within ${timeout}s)"
    fi
    sleep 0.5
  done
  pass "$desc"
}
