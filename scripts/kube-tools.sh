#!/usr/bin/env bash
# Build kube-apiserver and etcd from their Go modules at pinned versions, once per machine.
# Binaries are cached OUTSIDE the clone so every worktree and CI rerun on this machine reuses them
# (the build and the cache are scripts/go-build-lib.sh's, shared with scripts/chart-tools.sh):
#   ${SPLITGUARD_TOOLS_CACHE:-$HOME/.cache/splitguard/tools}/kube-apiserver-<version>/kube-apiserver
#   ${SPLITGUARD_TOOLS_CACHE:-$HOME/.cache/splitguard/tools}/etcd-<version>/etcd
# Idempotent: a present binary (with its .ok stamp) is not rebuilt. Prints progress and timings.
# Also pre-downloads the CRD modules (CNPG, Gateway API) that the kube tier installs.
#
# kube-apiserver: k8s.io/kubernetes declares `k8s.io/<x> => ./staging/src/k8s.io/<x>` replace
# lines; the staging modules are not in its module zip (they are modules of their own), so a small
# wrapper module requires k8s.io/kubernetes and replaces each staging module with its published
# v0.<minor>.<patch> version, generated from the upstream go.mod.
set -euo pipefail

KUBE_VERSION="${SPLITGUARD_KUBE_VERSION:-v1.36.3}"
ETCD_VERSION="${SPLITGUARD_ETCD_VERSION:-v3.6.16}"
CNPG_VERSION="v1.30.0"
GATEWAY_VERSION="v1.6.1"

say() { printf '[kube-tools] %s\n' "$*" >&2; }
# shellcheck source=go-build-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/go-build-lib.sh"

# --- etcd -------------------------------------------------------------------------------
build_wrapper etcd "$ETCD_VERSION" "$CACHE/etcd-$ETCD_VERSION" \
  "$(wrapper_mod etcd go.etcd.io/etcd/server/v3 "$ETCD_VERSION")" \
  go.etcd.io/etcd/server/v3 "-s -w"

# --- kube-apiserver ---------------------------------------------------------------------
kdir="$CACHE/kube-apiserver-$KUBE_VERSION"
if ! tool_cached "$kdir" kube-apiserver; then
  upstream_mod="$(go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
  staging_ver="v0.${KUBE_VERSION#v1.}"
  replaces="$(sed -n 's#^[[:space:]]*\(k8s.io/[^ ]*\) => ./staging/src/.*#\1 => \1 '"$staging_ver"'#p' "$upstream_mod")"
  [ -n "$replaces" ] || { say "no staging replace lines found in $upstream_mod"; exit 1; }
  kube_mod="module splitguard.local/build-kube-apiserver

go 1.26

godebug default=go1.26

require k8s.io/kubernetes $KUBE_VERSION

replace (
$replaces
)"
  ver_pkg=k8s.io/component-base/version
  ldflags="-s -w -X $ver_pkg.gitVersion=$KUBE_VERSION -X $ver_pkg.gitTreeState=clean -X $ver_pkg.gitMajor=1 -X $ver_pkg.gitMinor=$(echo "$KUBE_VERSION" | cut -d. -f2)"
  build_wrapper kube-apiserver "$KUBE_VERSION" "$kdir" "$kube_mod" k8s.io/kubernetes/cmd/kube-apiserver "$ldflags"
else
  say "kube-apiserver $KUBE_VERSION cached at $kdir/kube-apiserver"
fi

# --- CRD modules (read by the kube tier from the module cache) ----------------------------
for m in "github.com/cloudnative-pg/cloudnative-pg@$CNPG_VERSION" "sigs.k8s.io/gateway-api@$GATEWAY_VERSION"; do
  go mod download "$m" >/dev/null && say "module $m in the Go module cache"
done
