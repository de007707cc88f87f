#!/usr/bin/env bash
# The whole test suite, from a fresh machine: provision, type-check, lint, then every test tier.
# Ends with one line "N passed, N failed" over every tier.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# The tiers to run; provision.sh builds kube-apiserver and etcd only when `kube`, `chart` or `e2e`
# is among them, and helm and kubeconform only for `chart` or `ops`.
export SPLITGUARD_TIERS="${SPLITGUARD_TIERS:-unit sim dns lease witness kube chart e2e ops}"
# shellcheck source=provision.sh
. scripts/provision.sh || { echo "provisioning failed"; echo "0 passed, 1 failed"; exit 1; }
# provision.sh runs with `set -e`; here a failing tier must not stop the others or the summary.
set +e
mkdir -p reports
passed=0
failed=0
step() { # name, command...
  local name=$1; shift
  printf '\n=== %s ===\n' "$name"
  local t0=$SECONDS
  if "$@"; then
    printf '=== %s: ok (%ss) ===\n' "$name" $((SECONDS - t0))
    return 0
  fi
  printf '=== %s: FAILED (%ss) ===\n' "$name" $((SECONDS - t0))
  return 1
}
count_vitest() { # json report -> adds to totals
  local f=$1
  if [ -f "$f" ]; then
    read -r p fl < <(node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));console.log(r.numPassedTests, r.numFailedTests + (r.success || r.numFailedTests ? 0 : 1))' "$f")
    passed=$((passed + p)); failed=$((failed + fl))
  else
    failed=$((failed + 1))
  fi
}
tier() { # project name
  local name=$1
  rm -f "reports/vitest-$name.json"
  step "tier $name" npx vitest run --project "$name" --reporter=default --reporter=json \
    --outputFile.json="reports/vitest-$name.json"
  count_vitest "reports/vitest-$name.json"
}

if step typecheck npx tsc -p tsconfig.json --noEmit; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
if step lint npx biome check .; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
for t in $SPLITGUARD_TIERS; do tier "$t"; done

printf '\n%s passed, %s failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
