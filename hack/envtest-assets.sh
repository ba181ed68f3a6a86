#!/usr/bin/env bash
# Builds etcd, kube-apiserver and, when asked, kube-controller-manager from the Go module proxy
# (pinned in hack/tools/*/go.sum) and caches them outside the repository, keyed by version, so a
# clean clone reuses them. Prints the folder to use as KUBEBUILDER_ASSETS.
#
#   hack/envtest-assets.sh                           # etcd and kube-apiserver: what the tests use
#   hack/envtest-assets.sh kube-controller-manager   # also that one (`make run`'s local mode)
#   hack/envtest-assets.sh kube-controller-manager kubelet kube-scheduler kube-proxy
#                                                    # a whole node (`make e2e`)
#
# kube-controller-manager is a build of its own (minutes on 2 cores, cold); `make test` never
# starts it, so only the first `make run` pays for it.
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

want=(etcd kube-apiserver)
for b in "$@"; do
  case "$b" in
    etcd | kube-apiserver) ;;
    kube-controller-manager | kubelet | kube-scheduler | kube-proxy) want+=("$b") ;;
    *)
      echo "$0: unknown binary $b (etcd, kube-apiserver, kube-controller-manager, kubelet, kube-scheduler, kube-proxy)" >&2
      exit 2
      ;;
  esac
done

# One build at a time per cache folder: two concurrent `make test`s (or a test and a run) would
# otherwise write the same .tmp files. The second waits, then finds the binaries built.
exec 9>"$dir/.lock"
if ! flock -n 9; then
  echo "waiting for another hack/envtest-assets.sh to finish building in $dir" >&2
  flock 9
fi

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
  # Static and -trimpath, as the Makefile builds everything: the build cache is then shared with
  # the tests, which compile half of kube-apiserver's packages too.
  (cd "$root/hack/tools/$mod" && CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$dir/$bin.tmp" "$pkg")
  mv "$dir/$bin.tmp" "$dir/$bin"
  printf '%s' "$ldflags" >"$dir/$bin.ldflags"
}

for b in "${want[@]}"; do
  case "$b" in
    etcd) build etcd go.etcd.io/etcd/server/v3 etcd ;;
    *) build k8s "k8s.io/kubernetes/cmd/$b" "$b" "$k8s_ldflags" ;;
  esac
done
echo "$dir"
