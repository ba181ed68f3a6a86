#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager and etcd from the Go module proxy (pinned in
# hack/tools/*/go.sum) and caches them outside the repository, keyed by version, so a clean
# clone reuses them. Prints the folder to use as KUBEBUILDER_ASSETS.
#
# setup-envtest downloads prebuilt archives, which is impossible on machines that reach only
# package registries; building from source needs nothing but the module proxy.
set -euo pipefail

K8S_VERSION=${K8S_VERSION:-1.37.2}
ETCD_VERSION=${ETCD_VERSION:-3.6.16}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${CATEGORY_OPERATOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/category-operator}
dir="$cache/k8s/$K8S_VERSION-etcd-$ETCD_VERSION"
mkdir -p "$dir"

build() { # build <tools module> <package> <binary name>
  local mod=$1 pkg=$2 bin=$3
  [ -x "$dir/$bin" ] && return 0
  echo "building $bin from $pkg (first time only; cached in $dir)" >&2
  (cd "$root/hack/tools/$mod" && CGO_ENABLED=0 go build -trimpath -o "$dir/$bin.tmp" "$pkg")
  mv "$dir/$bin.tmp" "$dir/$bin"
}

build etcd go.etcd.io/etcd/server/v3 etcd
build k8s k8s.io/kubernetes/cmd/kube-apiserver kube-apiserver
build k8s k8s.io/kubernetes/cmd/kube-controller-manager kube-controller-manager
echo "$dir"
