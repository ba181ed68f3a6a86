#!/usr/bin/env bash
# `make test`: the committed krew manifest (plugins/category.yaml) is valid for krew, lists the
# sha256 of a fresh reproducible build of this machine's archive, and installs from it offline
# with krew itself; the installed plugin runs. Builds one platform only (the full cross-build is
# `make dist`). Also: config/manager/manager.yaml runs the image `make image` tags (IMG).
# Usage: hack/verify-dist.sh VERSION DIST_GOTOOLCHAIN IMG
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
version=${1:?usage: $0 VERSION DIST_GOTOOLCHAIN IMG}
toolchain=${2:?usage: $0 VERSION DIST_GOTOOLCHAIN IMG}
img=${3:?usage: $0 VERSION DIST_GOTOOLCHAIN IMG}
if ! grep -q "^ *image: $img\$" config/manager/manager.yaml; then
  echo "config/manager/manager.yaml does not run $img, the image \`make image\` builds: update its image" >&2
  exit 1
fi
manifest=plugins/category.yaml
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# krew and its manifest validator, pinned in hack/tools/krew (go build caches them).
mkdir -p bin
(cd hack/tools/krew && go build -o "$root/bin/" sigs.k8s.io/krew/cmd/krew sigs.k8s.io/krew/cmd/validate-krew-manifest)
# -skip-install: its own install step downloads every platform's uri; the offline install
# below covers this machine's platform from the archive built here.
bin/validate-krew-manifest -manifest "$manifest" -skip-install 2>"$tmp/validate.log" || {
  cat "$tmp/validate.log" >&2
  echo "$manifest: krew's validate-krew-manifest refused it" >&2
  exit 1
}

platform=$(go env GOOS)/$(go env GOARCH)
GOTOOLCHAIN=$toolchain go run ./hack/dist -version "$version" -platforms "$platform" -out "$tmp/dist" -verify -manifest "$manifest"
archive=$(echo "$tmp"/dist/kubectl-category_"$version"_*)

export KREW_ROOT="$tmp/krew" KREW_NO_UPGRADE_CHECK=1
bin/krew install --manifest="$manifest" --archive="$archive" >"$tmp/install.log" 2>&1 || {
  cat "$tmp/install.log" >&2
  echo "krew install --manifest=$manifest --archive=$(basename "$archive") failed" >&2
  exit 1
}
plugin="$KREW_ROOT/bin/kubectl-category"
got=$("$plugin" --version)
if [ "$got" != "kubectl category version $version" ]; then
  echo "installed plugin says \"$got\", want version $version" >&2
  exit 1
fi
help=$("$plugin" --help)
[[ "$help" == *"queue"*"describe"*"approve"* ]] || { echo "installed plugin's --help lacks its verbs: $help" >&2; exit 1; }
ls "$KREW_ROOT"/store/category/"$version"/LICENSE >/dev/null
# As users run it: kubectl finds the plugin krew linked into its bin folder.
if command -v kubectl >/dev/null; then
  via=$(PATH="$KREW_ROOT/bin:$PATH" kubectl category --version)
  [ "$via" = "$got" ] || { echo "kubectl category --version says \"$via\", want \"$got\"" >&2; exit 1; }
  got="$got; kubectl finds it"
fi
echo "$manifest: valid, matches this tree's $platform archive, installs offline with krew ($got)"
