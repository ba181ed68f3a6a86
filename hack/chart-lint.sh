#!/usr/bin/env bash
# `make chart-lint`: helm lint and helm template dist/chart in the configurations a cluster
# would use: the defaults (built-in certificates), cert-manager, and everything optional on.
set -euo pipefail
helm=${1:?usage: chart-lint.sh <helm binary>}
cd "$(dirname "${BASH_SOURCE[0]}")/.."
chart=dist/chart
configs=(
  ""
  "--set certManager.enabled=true"
  "--set replicas=2 --set policies.enabled=true --set prometheus.serviceMonitor.enabled=true --set prometheus.rules.enabled=true --set prometheus.dashboard.enabled=true --set networkPolicy.enabled=true --set reviewerSink.secretName=reviewers --set escalationSink.secretName=escalation"
)
for c in "${configs[@]}"; do
  # shellcheck disable=SC2086 # the configurations are word lists
  "$helm" lint --strict $chart $c >/dev/null || { echo "helm lint failed with: ${c:-defaults}" >&2; "$helm" lint --strict $chart $c >&2; exit 1; }
  # shellcheck disable=SC2086
  "$helm" template category-operator $chart --namespace category-operator-system $c >/dev/null
done
# Replicas without leader election must be refused.
if "$helm" template x $chart --set replicas=2 --set leaderElection.enabled=false >/dev/null 2>&1; then
  echo "helm template accepted replicas=2 without leader election" >&2
  exit 1
fi
echo "chart lints and renders"
