#!/usr/bin/env bash
# Build helm and kubeconform from their Go modules at pinned versions, once per machine, for the
# `chart` test tier (helm lint, helm template | kubeconform -strict, helm install).
#   ${SPLITGUARD_TOOLS_CACHE:-$HOME/.cache/splitguard/tools}/helm-<version>/helm
#   ${SPLITGUARD_TOOLS_CACHE:-$HOME/.cache/splitguard/tools}/kubeconform-<version>/kubeconform
# Idempotent (scripts/go-build-lib.sh). The chart tier also installs into a real kube-apiserver,
# so scripts/provision.sh runs scripts/kube-tools.sh for it too.
set -euo pipefail

HELM_VERSION="${SPLITGUARD_HELM_VERSION:-v3.22.0}"
KUBECONFORM_VERSION="${SPLITGUARD_KUBECONFORM_VERSION:-v0.8.0}"

say() { printf '[chart-tools] %s\n' "$*" >&2; }
# shellcheck source=go-build-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/go-build-lib.sh"

# helm: the same -X flags as helm's Makefile. The Kubernetes version helm assumes (for
# .Capabilities and lint's deprecation rules) follows its client-go: v0.<minor> -> 1.<minor>.
hdir="$CACHE/helm-$HELM_VERSION"
if ! tool_cached "$hdir" helm; then
  helm_gomod="$(go mod download -json "helm.sh/helm/v3@$HELM_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
  k8s_minor="$(sed -n 's#^[[:space:]]*k8s.io/client-go v0\.\([0-9]*\)\..*#\1#p' "$helm_gomod")"
  [ -n "$k8s_minor" ] || { say "no k8s.io/client-go requirement in $helm_gomod"; exit 1; }
  hv=helm.sh/helm/v3/internal/version
  ldflags="-s -w -X $hv.version=$HELM_VERSION -X $hv.gitTreeState=clean"
  for p in pkg/lint/rules pkg/chartutil; do
    ldflags="$ldflags -X helm.sh/helm/v3/$p.k8sVersionMajor=1 -X helm.sh/helm/v3/$p.k8sVersionMinor=$k8s_minor"
  done
  build_wrapper helm "$HELM_VERSION" "$hdir" "$(wrapper_mod helm helm.sh/helm/v3 "$HELM_VERSION")" \
    helm.sh/helm/v3/cmd/helm "$ldflags"
else
  say "helm $HELM_VERSION cached at $hdir/helm"
fi

build_wrapper kubeconform "$KUBECONFORM_VERSION" "$CACHE/kubeconform-$KUBECONFORM_VERSION" \
  "$(wrapper_mod kubeconform github.com/yannh/kubeconform "$KUBECONFORM_VERSION")" \
  github.com/yannh/kubeconform/cmd/kubeconform "-s -w -X main.version=$KUBECONFORM_VERSION"

# The ServiceMonitor and PrometheusRule CRDs kubeconform checks the chart's objects against (read
# by the chart tier from the Go module cache; never installed into the test API server).
PROMETHEUS_OPERATOR_VERSION="v0.85.0"
m="github.com/prometheus-operator/prometheus-operator@$PROMETHEUS_OPERATOR_VERSION"
go mod download "$m" >/dev/null && say "module $m in the Go module cache"
