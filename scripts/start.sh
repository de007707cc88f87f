#!/usr/bin/env bash
# `npm start`: the demo (docs/demo.md). Two regions, three witnesses and real DNS on loopback,
# in-memory clusters. In a terminal: the live view, faults on keys. Without one (CI, a pipe): the
# primary-region-down scenario, its timeline and verdict. Arguments go to `splitguard demo`
# (`npm start -- --scenario freeze --non-interactive`, `npm start -- --list`).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PROVISION_APT=0 . scripts/provision.sh
if [ "$#" -eq 0 ] && ! { [ -t 0 ] && [ -t 1 ]; }; then
  echo "splitguard: no terminal for the live view; running: splitguard demo --scenario primary-region-down --non-interactive" >&2
  set -- --scenario primary-region-down --non-interactive
fi
exec node bin/splitguard.js demo "$@"
