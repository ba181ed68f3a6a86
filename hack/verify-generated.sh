#!/usr/bin/env bash
# Regenerates CRDs, RBAC, webhook configuration, deepcopy, the chart's copies of them and the API
# reference (docs/api.md), and fails if that changed any file: generated files are committed and
# must match the markers and comments they come from.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
make=${1:-make}
paths=(config/crd/bases config/rbac/role.yaml config/webhook/manifests.yaml api/v1alpha1/zz_generated.deepcopy.go docs/api.md dist/chart/files)
snapshot() { find "${paths[@]}" -type f 2>/dev/null | sort | xargs -r sha256sum; }
before=$(snapshot)
$make --no-print-directory manifests generate api-docs >/dev/null
after=$(snapshot)
if [ "$before" != "$after" ]; then
  echo "Generated files were stale; they have been regenerated. Review and commit them:" >&2
  diff <(echo "$before") <(echo "$after") >&2 || true
  exit 1
fi
echo "generated files are up to date"
