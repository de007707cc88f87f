#!/usr/bin/env bash
# Build the e2e tier's Go tools from this repository's tools/ folder, once per source version.
# netdelay (tools/netdelay): delays packets of an NFQUEUE queue, the stand-in for `tc netem delay`
# on kernels without sch_netem (docs/e2e.md). Cached outside the clone, keyed by the source hash:
#   ${SPLITGUARD_TOOLS_CACHE:-$HOME/.cache/splitguard/tools}/netdelay-<hash>/netdelay
# Prints the binary's path on stdout.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${SPLITGUARD_TOOLS_CACHE:-$HOME/.cache/splitguard/tools}"
command -v go >/dev/null 2>&1 || { echo "[e2e-tools] go is required" >&2; exit 1; }
src="$ROOT/tools/netdelay"
hash="$(cat "$src/go.mod" "$src/go.sum" "$src"/*.go | sha256sum | cut -c1-12)"
dir="$CACHE/netdelay-$hash"
if [ ! -x "$dir/netdelay" ]; then
  echo "[e2e-tools] building netdelay ($hash)" >&2
  mkdir -p "$dir"
  (cd "$src" && CGO_ENABLED=0 go build -trimpath -o "$dir/netdelay.tmp" .)
  mv "$dir/netdelay.tmp" "$dir/netdelay"
fi
echo "$dir/netdelay"
