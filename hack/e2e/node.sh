# A single-node cluster on this machine, and the undoing of everything it changes on the host.
# Sourced by hack/e2e/run.sh after lib.sh. Settings marked "(here)" are required on these
# machines; the project's shared/docs/real-node.md says why.

# Kernel settings kubelet, the bridge plugin and kube-proxy may change: recorded before the
# cluster starts and written back at the end.
sysctls=(vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops
  kernel.keys.root_maxkeys kernel.keys.root_maxbytes net.ipv4.ip_forward
  net.ipv6.conf.all.forwarding net.ipv4.conf.all.route_localnet
  net.netfilter.nf_conntrack_max net.netfilter.nf_conntrack_tcp_timeout_established
  net.netfilter.nf_conntrack_tcp_timeout_close_wait
  net.bridge.bridge-nf-call-iptables net.bridge.bridge-nf-call-ip6tables)

# The record of the host before the cluster starts, kept until the teardown has used it, so that
# a run killed outright is undone by the next one (run.sh calls teardown when it finds it).
host_record=$work/host-before

install_packages() {
  local need=()
  for p in containerd runc containernetworking-plugins conntrack iptables nftables; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || need+=("$p")
  done
  if [ ${#need[@]} -eq 0 ]; then
    pass "Debian packages already installed"
    return
  fi
  apt-get update -qq >"$logs/apt.log" 2>&1 || { tail "$logs/apt.log"; fail "apt-get update"; }
  # No service is started: the test runs its own containerd with its own configuration.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >>"$logs/apt.log" 2>&1 ||
    { tail "$logs/apt.log"; fail "apt-get install ${need[*]}"; }
  pass "installed ${need[*]}"
}

# record_host writes what the teardown needs to restore: sysctl values, nftables tables and
# network namespaces that existed before, and which shared folders were there.
record_host() {
  mkdir -p "$work"
  {
    for s in "${sysctls[@]}"; do
      if v=$(sysctl -n "$s" 2>/dev/null); then printf 'sysctl %s %s\n' "$s" "$(echo "$v" | tr '\t' ' ')"; fi
    done
    nft list tables 2>/dev/null || true
    for f in /run/netns/*; do
      if [ -e "$f" ]; then echo "netns ${f##*/}"; fi
    done
    for d in /run/containerd /var/log/containers /var/lib/cni /var/lib/kubelet /opt/containerd /run/netns; do
      if [ -e "$d" ]; then echo "existed $d"; fi
    done
  } >"$host_record.tmp"
  mv "$host_record.tmp" "$host_record"
  cp "$host_record" "$logs/host-before"
}

# start NAME COMMAND...: starts a component in the background, logging to $logs/NAME.log, and
# records its PID; teardown stops exactly these PIDs. The component does not inherit run.sh's
# lock (fd 9): a run killed outright must not leave the next one locked out.
start() {
  local name=$1
  shift
  "$@" >"$logs/$name.log" 2>&1 9>&- &
  echo "$name $!" >>"$run/pids"
  # Stopped by PID in teardown, not by the shell's job control.
  disown $!
}

write_configs() {
  mkdir -p "$work/cni/net.d" "$work/containerd" "$run/containerd" "$work/kubelet" "$work/pod-logs"
  cat >"$work/containerd/config.toml" <<EOF
version = 2
root = "$work/containerd/root"
state = "$run/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs"]
[grpc]
  address = "$containerd_sock"
[plugins."io.containerd.internal.v1.opt"]
  path = "$work/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$pause_image"
  # (here) no CAP_SYS_RESOURCE: runc may only raise oom_score_adj, never lower it.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$work/cni/net.d"
EOF
  # A bridge with host-local addresses; no masquerading: Pods talk only to this machine.
  cat >"$work/cni/net.d/10-e2e.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "category-e2e",
  "plugins": [{
    "type": "bridge", "bridge": "$bridge", "isGateway": true, "ipMasq": false, "hairpinMode": true,
    "ipam": {"type": "host-local", "ranges": [[{"subnet": "$pod_cidr"}]],
             "routes": [{"dst": "0.0.0.0/0"}], "dataDir": "$work/cni/ipam"}
  }]
}
EOF
  # Pods resolve names against their own loopback, where nothing answers: any name a sample
  # or a test names fails at once instead of sending a DNS query off the machine.
  echo "nameserver 127.0.0.1" >"$work/resolv.conf"
  cat >"$work/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# (here) the machine has cgroup v1 only.
failCgroupV1: false
cgroupDriver: cgroupfs
failSwapOn: false
containerRuntimeEndpoint: unix://$containerd_sock
address: $ip
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $pki/ca.crt}
authorization: {mode: Webhook}
podLogsDir: $work/pod-logs
clusterDomain: cluster.local
resolvConf: $work/resolv.conf
# The images are imported, never pulled: nothing may collect them, and a nearly full disk must
# not evict the test's Pods.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: 50Mi, nodefs.available: 1%, imagefs.available: 1%, nodefs.inodesFree: 1%}
EOF
}

# import_image ARCHIVE: an OCI or docker archive into the namespace kubelet's images live in.
import_image() {
  ctr --address "$containerd_sock" -n k8s.io images import "$1" >>"$logs/ctr.log" 2>&1
}

start_containerd() {
  start containerd containerd --config "$work/containerd/config.toml"
  wait_for 30 "containerd answers on its socket" ctr --address "$containerd_sock" version
}

start_etcd() {
  start etcd "$assets/etcd" --data-dir "$work/etcd" --name e2e \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$etcd_peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer_port" \
    --initial-cluster "e2e=http://127.0.0.1:$etcd_peer_port" --unsafe-no-fsync
}

start_apiserver() {
  start kube-apiserver "$assets/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$etcd_port" \
    --bind-address "$ip" --advertise-address "$ip" --secure-port "$api_port" \
    --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
    --client-ca-file "$pki/ca.crt" \
    --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-cluster-ip-range "$service_cidr" \
    --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction \
    --enable-aggregator-routing=true \
    --kubelet-preferred-address-types InternalIP,Hostname \
    --kubelet-client-certificate "$pki/apiserver-kubelet-client.crt" --kubelet-client-key "$pki/apiserver-kubelet-client.key"
  # Fails on HTTP errors too: a server that answers but is not ready yet makes
  # kube-controller-manager die on a forbidden ConfigMap.
  wait_for 60 "kube-apiserver is ready" curl -fsS --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key" \
    "https://$ip:$api_port/readyz"
}

start_control_plane() {
  start kube-controller-manager "$assets/kube-controller-manager" \
    --kubeconfig "$pki/controller-manager.kubeconfig" \
    --authentication-kubeconfig "$pki/controller-manager.kubeconfig" --authorization-kubeconfig "$pki/controller-manager.kubeconfig" \
    --bind-address 127.0.0.1 --leader-elect=false --use-service-account-credentials \
    --service-account-private-key-file "$pki/sa.key" --root-ca-file "$pki/ca.crt" \
    --cluster-signing-cert-file "$pki/ca.crt" --cluster-signing-key-file "$pki/ca.key"
  start kube-scheduler "$assets/kube-scheduler" --kubeconfig "$pki/scheduler.kubeconfig" \
    --authentication-kubeconfig "$pki/scheduler.kubeconfig" --authorization-kubeconfig "$pki/scheduler.kubeconfig" \
    --bind-address 127.0.0.1 --leader-elect=false
}

start_node() {
  start kubelet "$assets/kubelet" --config "$work/kubelet.yaml" --kubeconfig "$pki/kubelet.kubeconfig" \
    --root-dir "$work/kubelet" --cert-dir "$work/kubelet-pki" \
    --hostname-override "$node_name" --node-ip "$ip"
  # (here) the conntrack settings at 0 keep kube-proxy off the host's conntrack table sizes.
  start kube-proxy "$assets/kube-proxy" --kubeconfig "$pki/kube-proxy.kubeconfig" \
    --proxy-mode nftables --hostname-override "$node_name" --cluster-cidr "$pod_cidr" \
    --conntrack-max-per-core=0 --conntrack-tcp-timeout-established=0 --conntrack-tcp-timeout-close-wait=0 \
    --metrics-bind-address 127.0.0.1:10249 --healthz-bind-address 127.0.0.1:10256
}

# --- teardown -------------------------------------------------------------------------------

# stop_pids NAME=PID...: SIGTERM to all at once (each takes a second or two to exit), then
# SIGKILL to those still running after 10 s.
stop_pids() {
  local p i left
  for p in "$@"; do kill -TERM "${p#*=}" 2>/dev/null || true; done
  for i in $(seq 1 40); do
    left=()
    for p in "$@"; do kill -0 "${p#*=}" 2>/dev/null && left+=("$p"); done
    [ ${#left[@]} -eq 0 ] && return 0
    sleep 0.25
  done
  for p in "${left[@]}"; do
    echo "    ${p%=*} (${p#*=}) did not stop on SIGTERM: SIGKILL"
    kill -KILL "${p#*=}" 2>/dev/null || true
  done
}

# running NAME...: NAME=PID for each component still running.
running() {
  local name pid
  for name in "$@"; do
    if pid=$(pid_of "$name"); then echo "$name=$pid"; fi
  done
}

# pid_of NAME: the recorded PID of a component, if it is still running.
pid_of() {
  local pid
  pid=$(awk -v n="$1" '$1 == n { p = $2 } END { print p }' "$run/pids" 2>/dev/null)
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

# remove_containers kills and deletes every container of this containerd, which also ends their
# shims and unmounts their root filesystems.
remove_containers() {
  local c=(ctr --address "$containerd_sock" -n k8s.io) ids id
  "${c[@]}" version >/dev/null 2>&1 || return 0
  ids=$("${c[@]}" containers list -q 2>/dev/null)
  for id in $ids; do "${c[@]}" tasks kill -a -s SIGKILL "$id" >/dev/null 2>&1 || true; done
  for id in $ids; do
    for _ in 1 2 3 4 5 6 7 8 9 10; do
      "${c[@]}" tasks delete "$id" >/dev/null 2>&1 && break
      "${c[@]}" tasks list -q 2>/dev/null | grep -qx "$id" || break
      sleep 0.3
    done
    "${c[@]}" containers delete "$id" >/dev/null 2>&1 || true
    # libcni's cache of the sandboxes' networks (bridge and loopback), named after the sandbox;
    # kubelet did not tear these sandboxes down.
    rm -f /var/lib/cni/results/*-"$id"-*
  done
}

# shims_of_this_containerd lists the PIDs of containerd-shim processes started with this test's
# containerd address (a shim outlives a containerd that was killed outright).
shims_of_this_containerd() {
  local f pid
  for f in /proc/[0-9]*/cmdline; do
    pid=${f#/proc/}
    pid=${pid%/cmdline}
    { tr '\0' '\n' <"$f" | grep -qxF "$containerd_sock" && echo "$pid"; } 2>/dev/null
  done
  return 0
}

unmount_under() { # unmount_under DIR: every mount below DIR, deepest first
  local m
  awk -v d="$1/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r | while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
  done
}

# (running prints NAME=PID words, split on purpose.)
# shellcheck disable=SC2046
teardown() {
  set +e
  [ -f "$host_record" ] || [ -f "$run/pids" ] || return 0
  local pid
  # The node first, so that nothing restarts containers while they are removed.
  stop_pids $(running kube-proxy kubelet kube-scheduler kube-controller-manager)
  remove_containers
  stop_pids $(running containerd)
  for pid in $(shims_of_this_containerd); do stop_pids "containerd-shim=$pid"; done
  # kube-apiserver before etcd: without etcd its graceful shutdown does not finish.
  stop_pids $(running kube-apiserver)
  stop_pids $(running etcd)

  # Pod network namespaces made by this run (not those that existed before).
  local f ns
  for f in /run/netns/*; do
    [ -e "$f" ] || continue
    ns=${f##*/}
    grep -qxF "netns $ns" "$host_record" 2>/dev/null && continue
    umount "/run/netns/$ns" 2>/dev/null || umount -l "/run/netns/$ns" 2>/dev/null
    rm -f "/run/netns/$ns"
  done
  unmount_under "$work"
  unmount_under "$run"
  ip link del "$bridge" 2>/dev/null

  # nftables tables that kube-proxy and kubelet created (by way of iptables-nft).
  if command -v nft >/dev/null; then
    nft list tables 2>/dev/null | while read -r _ family table; do
      grep -qxF "table $family $table" "$host_record" 2>/dev/null || nft delete table "$family" "$table"
    done
  fi

  # Pod cgroups, deepest first (empty now that every container is gone).
  for d in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/*/kubepods.slice; do
    [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
  done

  if [ -f "$host_record" ]; then
    while read -r kind key value; do
      [ "$kind" = sysctl ] || continue
      [ "$(sysctl -n "$key" 2>/dev/null | tr '\t' ' ')" = "$value" ] || sysctl -q -w "$key=$value" >/dev/null
    done <"$host_record"
    # Shared folders that kubelet, the shims and libcni use whatever they are told: only this
    # run's entries go, and a folder only if this run made it and it is empty then (another
    # containerd on the machine may use /run/containerd too).
    find /var/log/containers -maxdepth 1 -type l -lname "$work/*" -delete 2>/dev/null
    grep -qxF "existed /var/lib/kubelet" "$host_record" || rm -f /var/lib/kubelet/device-plugins/kubelet.sock
    for d in /run/containerd /var/log/containers /var/lib/cni /var/lib/kubelet /run/netns; do
      grep -qxF "existed $d" "$host_record" || find "$d" -depth -type d -empty -delete 2>/dev/null
    done
  fi
  rm -rf "$work" "$run"
  set -e
}

# host_restored checks, after teardown, that nothing of the node is left and the recorded
# settings are back.
host_restored() {
  local bad=() kind key value
  while read -r kind key value; do
    case $kind in
    sysctl) [ "$(sysctl -n "$key" 2>/dev/null | tr '\t' ' ')" = "$value" ] || bad+=("sysctl $key is not back to $value") ;;
    esac
  done <"$logs/host-before"
  if command -v nft >/dev/null; then
    while read -r _ family table; do
      grep -qxF "table $family $table" "$logs/host-before" || bad+=("nftables table $family $table left")
    done < <(nft list tables 2>/dev/null)
  fi
  local f
  for f in /run/netns/*; do
    [ -e "$f" ] && ! grep -qxF "netns ${f##*/}" "$logs/host-before" && bad+=("network namespace ${f##*/} left")
  done
  [ -z "$(shims_of_this_containerd)" ] || bad+=("containerd shims still running")
  ip link show "$bridge" >/dev/null 2>&1 && bad+=("bridge $bridge still exists")
  grep -q " $work/\| $run/" /proc/self/mountinfo && bad+=("mounts left under $work or $run")
  [ -e "$work" ] && bad+=("$work still exists")
  local d
  for d in /var/log/containers /var/lib/cni /var/lib/kubelet /opt/containerd; do
    [ -e "$d" ] && ! grep -qxF "existed $d" "$logs/host-before" && bad+=("$d was made by this run and is still there")
  done
  if [ ${#bad[@]} -gt 0 ]; then
    printf '%s\n' "${bad[@]}"
    return 1
  fi
}
