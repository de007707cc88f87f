#!/usr/bin/env bash
# `npm start`: the main job on a fresh machine. Until the demo exists (issue 9) that is the
# standalone authoritative responder serving the example two-region zone on loopback.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PROVISION_APT=0 . scripts/provision.sh
LISTEN="${LISTEN:-127.0.0.1:5353}"
METRICS="${METRICS:-127.0.0.1:9153}"
echo "splitguard: serving examples/standalone/splitguard.yaml on $LISTEN (metrics http://$METRICS/metrics)" >&2
echo "  try: dig @${LISTEN%:*} -p ${LISTEN##*:} app.gslb.example.com A    (Ctrl-C stops)" >&2
exec node bin/splitguard.js dns serve --config examples/standalone/splitguard.yaml --listen "$LISTEN" --metrics "$METRICS" "$@"
