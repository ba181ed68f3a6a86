#!/usr/bin/env bash
# Measures a first (cold) `make test` as on a fresh machine: a fresh clone of a commit, with
# empty Go build and module caches and an empty kube-apiserver/etcd cache, each prerequisite of
# `test` run and timed on its own, then the tests. Prints a table of wall times and the total;
# removes everything it made. Load from other work on the machine skews the figures, so it
# samples `uptime` every minute (lines starting with "load:").
#
# CPU time (user+sys) is given too: unlike wall time it hardly depends on that load.
#
#   hack/first-make-test.sh                  # HEAD (committed state only: a clone has no local edits)
#   hack/first-make-test.sh <commit>         # e.g. an older commit, for a before/after comparison
#   hack/first-make-test.sh --warm [commit]  # then a second `make test` with the caches filled
#
# Takes 10-20 minutes on 2 cores. Your own caches are not touched.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
warm=
if [ "${1:-}" = --warm ]; then
  warm=1
  shift
fi
commit=$(git -C "$root" rev-parse "${1:-HEAD}")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/first-make-test.XXXXXX")
sampler=
cleanup() {
  [ -n "$sampler" ] && kill "$sampler" 2>/dev/null || true
  # The module cache is read-only unless written with -modcacherw (set below); chmod anyway in
  # case a step overrode GOFLAGS.
  chmod -R u+w "$tmp" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

repo=$tmp/repo
git clone --quiet "$root" "$repo"
git -C "$repo" reset --quiet --hard "$commit"

# Everything a first run would build or download goes under $tmp. GOFLAGS keeps this machine's
# own (e.g. -buildvcs=false) and adds -modcacherw so the module cache can be deleted.
export GOCACHE=$tmp/gocache GOMODCACHE=$tmp/gomodcache CATEGORY_OPERATOR_CACHE=$tmp/assets
export GOFLAGS="$(go env GOFLAGS) -modcacherw"
unset KUBEBUILDER_ASSETS HELM

# The prerequisites of `test`, in the Makefile's order, then envtest (kube-apiserver and etcd,
# built on first use inside the test recipe), then the tests alone (`-o` skips the rest).
prereqs=$(sed -n 's/^test:\([^#]*\).*/\1/p' "$repo/Makefile")
steps=()
for p in $prereqs; do steps+=("$p"); done
skip=()
for p in "${steps[@]}"; do skip+=(-o "$p"); done

(while sleep 60; do echo "load: $(date +%T) $(uptime | sed 's/.*load average/load average/')"; done) &
sampler=$!
echo "first make test of $(git -C "$repo" log -1 --format='%h %s' | cut -c1-80) in $repo"
echo "load: $(date +%T) $(uptime | sed 's/.*load average/load average/')"

declare -A took cpu
failed=
run() { # run <name> <make args...>
  local name=$1 start end
  shift
  echo "== $name"
  start=$(date +%s.%N)
  # A failing step is timed and reported; the next ones still run, so one run gives every figure.
  if ! /usr/bin/time -v -o "$tmp/time.$name" make -C "$repo" --no-print-directory "$@"; then
    echo "make $* failed" >&2
    failed+=" $name"
  fi
  end=$(date +%s.%N)
  took[$name]=$(awk "BEGIN { print $end - $start }")
  cpu[$name]=$(awk -F': ' '/User time|System time/ { t += $2 } END { print t }' "$tmp/time.$name")
  grep -E 'Elapsed|Percent of CPU|Maximum resident' "$tmp/time.$name" | sed 's/^\s*/   /'
}

names=("${steps[@]}" envtest tests)
for p in "${steps[@]}"; do run "$p" "$p"; done
run envtest envtest
run tests "${skip[@]}" test
if [ -n "$warm" ]; then
  run "make test (warm)" test
fi

echo
echo "load: $(date +%T) $(uptime | sed 's/.*load average/load average/')"
printf '%-24s %9s %9s\n' step "wall (s)" "CPU (s)"
total=0 total_cpu=0
for name in "${names[@]}"; do
  printf '%-24s %9.1f %9.1f\n' "$name" "${took[$name]}" "${cpu[$name]}"
  total=$(awk "BEGIN { print $total + ${took[$name]} }")
  total_cpu=$(awk "BEGIN { print $total_cpu + ${cpu[$name]} }")
done
awk -v t="$total" -v c="$total_cpu" 'BEGIN { printf "%-24s %9.1f %9.1f  (%dm%02ds wall)\n", "first make test", t, c, t / 60, t % 60 }'
if [ -n "$warm" ]; then
  name="make test (warm)"
  printf '%-24s %9.1f %9.1f\n' "$name" "${took[$name]}" "${cpu[$name]}"
fi
if [ -n "$failed" ]; then
  echo "failed:$failed" >&2
  exit 1
fi
