#!/usr/bin/env bash
# Copies what the Helm chart renders verbatim from config/ into dist/chart/files/, so the chart
# and the kustomize install come from the same sources (run by `make manifests`; the chart's
# templates read these files, test/install checks both renderings agree).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
files=$root/dist/chart/files
rm -rf "$files"
mkdir -p "$files"/{crds,rbac,webhook,calendar,policies,admission-policies,prometheus}

# copy <from folder> <to folder>: every YAML manifest but the kustomization itself.
copy() {
  [ -d "$1" ] || return 0
  for f in "$1"/*.yaml; do
    [ -e "$f" ] || continue
    case "$(basename "$f")" in kustomization.yaml | kustomizeconfig.yaml) continue ;; esac
    cp "$f" "$2/"
  done
}
copy "$root/config/crd/bases" "$files/crds"
cp "$root"/config/rbac/{role,reviewer_role,reviewer_jewelry_role,reviewer_materials_role,merchant_role}.yaml "$files/rbac/"
cp "$root/config/webhook/manifests.yaml" "$files/webhook/"
cp "$root/config/calendar/calendar.yaml" "$files/calendar/"
copy "$root/config/policies" "$files/policies"
copy "$root/config/admission-policies" "$files/admission-policies"
cp "$root/config/prometheus/rules.yaml" "$root/config/prometheus/dashboard.json" "$files/prometheus/"
touch "$files/admission-policies/.keep"
