#!/usr/bin/env bash
# Gives every tenant namespace its shard bucket and labels what it held before (README,
# Sharding): run once by a cluster admin before turning on more than one shard, and again
# after restoring old objects from a backup. Safe to repeat: it changes nothing labelled.
#
#   hack/shard-label.sh [--buckets 64] [--dry-run] [namespace...]
#
# Without namespaces: every namespace that holds a CategoryApplication or carries the
# annotation qualification.channelshop.dev/app-ids. A namespace keeps a bucket it already has
# (the platform's); one without gets the operator's: the first 4 bytes of the SHA-256 of its
# name modulo the bucket count (internal/shard.Bucket). Its applications, listings and Secrets
# then get the namespace's bucket (the admission policy shard-bucket would give them the same
# on their next update).
set -euo pipefail
key=qualification.channelshop.dev/bucket
buckets=64
dry=()
namespaces=()
while [ $# -gt 0 ]; do
  case "$1" in
  --buckets) buckets=$2; shift 2 ;;
  --dry-run) dry=(--dry-run=server); shift ;;
  -h | --help) sed -n '2,13p' "$0"; exit 0 ;;
  *) namespaces+=("$1"); shift ;;
  esac
done
kubectl=${KUBECTL:-kubectl}

if [ ${#namespaces[@]} -eq 0 ]; then
  mapfile -t namespaces < <({
    $kubectl get categoryapplications -A -o jsonpath='{range .items[*]}{.metadata.namespace}{"\n"}{end}'
    $kubectl get namespaces -o go-template='{{range .items}}{{if .metadata.annotations}}{{if index .metadata.annotations "qualification.channelshop.dev/app-ids"}}{{.metadata.name}}{{"\n"}}{{end}}{{end}}{{end}}'
  } | sort -u)
fi

for ns in "${namespaces[@]}"; do
  bucket=$($kubectl get namespace "$ns" -o go-template="{{index .metadata.labels \"$key\"}}")
  if [ -z "$bucket" ] || [ "$bucket" = "<no value>" ]; then
    bucket=$(( 0x$(printf %s "$ns" | sha256sum | cut -c1-8) % buckets ))
    $kubectl label namespace "$ns" "$key=$bucket" "${dry[@]}"
  fi
  for kind in categoryapplications.qualification.channelshop.dev showcaselistings.qualification.channelshop.dev secrets; do
    # What lacks the label or has another ("!=" selects both); labelling nothing is an error.
    sel="$key!=$bucket"
    [ -z "$($kubectl get "$kind" -n "$ns" -l "$sel" -o name)" ] ||
      $kubectl label "$kind" -n "$ns" -l "$sel" --overwrite "$key=$bucket" "${dry[@]}"
  done
done
