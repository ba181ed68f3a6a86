#!/usr/bin/env bash
# Chromium for the reviewers' console browser test (cmd/kubectl-category/internal/console,
# TestBrowser), which skips without it.
#   hack/chromium.sh install   as root: install Debian's chromium (and a CJK font, for the
#                              screenshots' Chinese category names) with apt, as make e2e
#                              installs its packages; nothing when already there
#   hack/chromium.sh check     say so when no Chromium is found, so `make test` shows the skip
set -euo pipefail

found() {
  [ -n "${CHROMIUM:-}" ] && return 0
  command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || command -v google-chrome >/dev/null 2>&1
}

case "${1:-}" in
install)
  need=()
  for p in chromium fonts-wqy-microhei; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || need+=("$p")
  done
  if [ ${#need[@]} -eq 0 ]; then
    echo "chromium: already installed"
    exit 0
  fi
  log=$(mktemp)
  apt-get update -qq >"$log" 2>&1 || { tail "$log"; echo "apt-get update failed" >&2; exit 1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >>"$log" 2>&1 ||
    { tail "$log"; echo "apt-get install ${need[*]} failed" >&2; exit 1; }
  rm -f "$log"
  echo "installed ${need[*]}"
  ;;
check)
  if ! found; then
    echo "NOTE: no Chromium found: the console's browser test (TestBrowser in cmd/kubectl-category/internal/console) was SKIPPED." >&2
    echo "      Install it with 'hack/chromium.sh install' (as root, Debian) or set CHROMIUM to a Chromium binary." >&2
  fi
  ;;
*)
  echo "usage: $0 install|check" >&2
  exit 2
  ;;
esac
