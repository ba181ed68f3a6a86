#!/usr/bin/env bash
# `make run`: run the operator in the foreground, against the current cluster or a local control
# plane started here. Arguments are passed on to the manager (for example --zap-log-level=debug).
#
# Which one (RUN_MODE=auto, the default; RUN_MODE=local or RUN_MODE=cluster forces it):
#
# - The current kubeconfig (KUBECONFIG, or ~/.kube/config) has a current context whose API server
#   answers discovery (`kubectl get --raw /api`) within 3 s: "cluster" mode. The CRDs (config/crd/bases/), the
#   manager's namespace with the working-day calendar (config/calendar/) and the default policies
#   (config/policies/, through its kustomization) are applied there with kubectl, then the manager
#   runs here with --enable-webhooks=false: the cluster's API server cannot call a webhook served
#   on this machine, so only the CRD schema (OpenAPI and CEL rules) validates, and defaults set by
#   the mutating webhook are not applied. The manager acts with the kubeconfig's credentials, not
#   its service account's RBAC. Ctrl-C stops the manager; what was applied stays in the cluster.
#
# - Otherwise: "local" mode, hack/local (a Go program). It starts etcd and kube-apiserver (the
#   same harness as the tests, internal/testenv: CRDs, webhook configuration, RBAC, admission
#   policies) and kube-controller-manager (garbage collector and namespace controller only, as
#   user system:kube-controller-manager) from the cached
#   binaries in KUBEBUILDER_ASSETS, writes an admin kubeconfig to bin/local/kubeconfig, installs
#   the calendar and the default policies, prepares the samples' namespace (its sinks may reach
#   loopback; the local reviewer may read its Secrets), starts the notification receiver
#   hack/receiver on 127.0.0.1:18090 (where config/samples' sink Secret points; it prints each
#   notification, verified with the Standard Webhooks library), and runs bin/manager, built from the tree, as its own
#   process (as a Deployment would: a kubeconfig for the operator's user, the webhook serving
#   certificate, the chart's flags), serving the webhooks; when it dies (kill -9) it is started
#   again, as the kubelet would, and the run says so, while the control plane stays up. It prints the kubectl line to use next. Ctrl-C (SIGINT) or SIGTERM stops the
#   manager, kube-controller-manager, kube-apiserver and etcd, removes their temporary folders and
#   the kubeconfig. Each run starts from an empty etcd; the binaries are built once
#   (hack/envtest-assets.sh) and a second run starts in seconds.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
mode=${RUN_MODE:-auto}
namespace=${NAMESPACE:-category-operator-system}
local_kubeconfig="$root/bin/local/kubeconfig"

# server prints the API server URL of the current context of the kubeconfig in use.
server() { kubectl config view --minify -o jsonpath='{.clusters[0].cluster.server}' "$@" 2>/dev/null; }

cluster_reachable() {
  command -v kubectl >/dev/null 2>&1 || return 1
  # No current context: nothing to probe (kubectl would fall back to http://localhost:8080).
  kubectl config current-context >/dev/null 2>&1 || return 1
  # Discovery needs a working address and credentials. (Not `kubectl version`: it fails on
  # servers whose version it cannot parse, such as the source builds of hack/envtest-assets.sh.)
  kubectl get --raw /api --request-timeout=3s >/dev/null 2>&1
}

run_cluster() {
  local ctx
  ctx=$(kubectl config current-context)
  if [ -f "$local_kubeconfig" ] && [ "$(server)" = "$(server --kubeconfig "$local_kubeconfig")" ]; then
    echo "The current kubeconfig points at the local control plane of another \`make run\`" >&2
    echo "($local_kubeconfig). Stop that one (Ctrl-C) or unset KUBECONFIG, then run again." >&2
    exit 1
  fi
  echo "==> cluster mode: context $ctx ($(server)); installing CRDs, calendar and default policies"
  kubectl apply -f config/crd/bases/
  kubectl wait --for=condition=Established --timeout=60s -f config/crd/bases/
  kubectl get namespace "$namespace" >/dev/null 2>&1 || kubectl create namespace "$namespace"
  kubectl apply -n "$namespace" -k config/calendar
  kubectl apply -k config/policies
  apply_admission_policies
  mkdir -p bin
  go build -o bin/manager .
  echo "==> running the manager against $ctx as $operator (webhooks disabled); Ctrl-C stops it"
  # Sinks of a development run may be receivers on this machine: plain http to loopback (the
  # reviewers' sink, and merchants' sinks in namespaces labelled
  # qualification.channelshop.dev/sink-allowed-cidrs=true).
  exec bin/manager --enable-webhooks=false --namespace="$namespace" --operator-username="$operator" \
    --sink-allow-insecure-http --sink-allowed-cidrs=127.0.0.0/8,::1 "$@"
}

# apply_admission_policies installs config/admission-policies, which let only the operator write
# status and listings. Here the manager acts as the kubeconfig's user, so that user is named the
# operator in the policies (and with --operator-username): decide with another identity.
apply_admission_policies() {
  operator=$(kubectl auth whoami -o jsonpath='{.status.userInfo.username}')
  local default=system:serviceaccount:category-operator-system:category-operator-controller-manager
  kubectl kustomize config/admission-policies | sed "s|'$default'|'$operator'|g" | kubectl apply -f -
}

run_local() {
  # The tests' assets (make test) have no kube-controller-manager: the first local run builds it.
  if [ -z "${KUBEBUILDER_ASSETS:-}" ] || [ ! -x "$KUBEBUILDER_ASSETS/kube-controller-manager" ]; then
    [ -n "${KUBEBUILDER_ASSETS:-}" ] && echo "==> $KUBEBUILDER_ASSETS has no kube-controller-manager: using the project's build cache"
    KUBEBUILDER_ASSETS=$("$root/hack/envtest-assets.sh" kube-controller-manager)
    export KUBEBUILDER_ASSETS
  fi
  mkdir -p bin/local
  # go build relinks only when a source changed, so a second run skips straight to starting.
  go build -o bin/local/category-operator-local ./hack/local
  exec bin/local/category-operator-local "$@"
}

case "$mode" in
  cluster) run_cluster "$@" ;;
  local) run_local "$@" ;;
  auto)
    if cluster_reachable; then
      run_cluster "$@"
    else
      echo "==> no reachable cluster in the current kubeconfig: starting a local control plane"
      run_local "$@"
    fi
    ;;
  *)
    echo "RUN_MODE must be auto, local or cluster (got $mode)" >&2
    exit 2
    ;;
esac
