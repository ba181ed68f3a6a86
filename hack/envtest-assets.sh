#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager and etcd from the Go module proxy (pinned in
# hack/tools/*/go.sum) and caches them outside the repository, keyed by version, so a clean
# clone reuses them. Prints the folder to use as KUBEBUILDER_ASSETS.
#
# Arguments name more commands of k8s.io/kubernetes/cmd to build into the same folder, with the
# same version stamp: `make e2e` asks for kubelet, kube-scheduler and kube-proxy.
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

# A source build reports version v0.0.0, which `kubectl version` and clients that parse the
# server version reject; stamp the release the way Kubernetes' own build does.
minor=${K8S_VERSION#*.}
minor=${minor%%.*}
k8s_ldflags="-X k8s.io/component-base/version.gitVersion=v$K8S_VERSION -X k8s.io/component-base/version.gitMajor=${K8S_VERSION%%.*} -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"

build() { # build <tools module> <package> <binary name> [ldflags]
  local mod=$1 pkg=$2 bin=$3 ldflags=${4:-}
  # The flags are recorded next to the binary, so changing them rebuilds (only the link step
  # when Go's build cache is warm).
  if [ -x "$dir/$bin" ] && [ "$(cat "$dir/$bin.ldflags" 2>/dev/null)" = "$ldflags" ]; then
    return 0
  fi
  echo "building $bin from $pkg (first time only; cached in $dir)" >&2
  (cd "$root/hack/tools/$mod" && CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$dir/$bin.tmp" "$pkg")
  mv "$dir/$bin.tmp" "$dir/$bin"
  printf '%s' "$ldflags" >"$dir/$bin.ldflags"
}

build etcd go.etcd.io/etcd/server/v3 etcd
build k8s k8s.io/kubernetes/cmd/kube-apiserver kube-apiserver "$k8s_ldflags"
build k8s k8s.io/kubernetes/cmd/kube-controller-manager kube-controller-manager "$k8s_ldflags"
for cmd in "$@"; do
  build k8s "k8s.io/kubernetes/cmd/$cmd" "$cmd" "$k8s_ldflags"
done
echo "$dir"
