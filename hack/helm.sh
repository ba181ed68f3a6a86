#!/usr/bin/env bash
# Builds helm (pinned in hack/tools/helm/go.mod) into bin/ once and prints its path. The binary
# is rebuilt only when the pinned version changes (recorded next to it).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=${LOCALBIN:-$root/bin}
version=$(cd "$root/hack/tools/helm" && go list -m -f '{{.Version}}' helm.sh/helm/v3)
if [ -x "$bin/helm" ] && [ "$(cat "$bin/helm.version" 2>/dev/null)" = "$version" ]; then
  echo "$bin/helm"
  exit 0
fi
echo "building helm $version (first time only; cached in $bin)" >&2
mkdir -p "$bin"
# The version is stamped as helm's own release build does, so `helm version` tells. Static and
# -trimpath, as the Makefile builds everything, to share the build cache with the tests.
(cd "$root/hack/tools/helm" && CGO_ENABLED=0 go build -trimpath \
  -ldflags "-X helm.sh/helm/v3/internal/version.version=$version" -o "$bin/helm.tmp" helm.sh/helm/v3/cmd/helm)
mv "$bin/helm.tmp" "$bin/helm"
printf '%s' "$version" >"$bin/helm.version"
echo "$bin/helm"
