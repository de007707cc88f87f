#!/usr/bin/env bash
# Build the e2e tier's Go tools from this repository's tools/ folder, once per source version.
# netdelay (tools/netdelay): delays packets of an NFQUEUE queue, the stand-in for `tc netem delay`
# on kernels without sch_netem (docs/e2e.md). Cached outside the clone, keyed by the source hash
# (the build and the cache are scripts/go-build-lib.sh's):
#   ${SPLITGUARD_TOOLS_CACHE:-$HOME/.cache/splitguard/tools}/netdelay-<hash>/netdelay
# Prints the binary's path on stdout.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

say() { printf '[e2e-tools] %s\n' "$*" >&2; }
# shellcheck source=go-build-lib.sh
. "$ROOT/scripts/go-build-lib.sh"

src="$ROOT/tools/netdelay"
hash="$(cat "$src/go.mod" "$src/go.sum" "$src"/*.go | sha256sum | cut -c1-12)"
build_cached netdelay "$hash" "$CACHE/netdelay-$hash" "$src" . ""
echo "$CACHE/netdelay-$hash/netdelay"
