#!/usr/bin/env bash
# Shared by scripts/kube-tools.sh and scripts/chart-tools.sh (source it, do not run it): build one
# Go command from its published module through a throw-away wrapper module, once per machine.
# Binaries are cached OUTSIDE the clone so every worktree and CI rerun on this machine reuses them:
#   ${SPLITGUARD_TOOLS_CACHE:-$HOME/.cache/splitguard/tools}/<name>-<version>/<name>
# Idempotent: a present binary with its .ok stamp (build time, Go version) is not rebuilt; the
# wrapper's go.mod/go.sum are kept next to it as build.go.mod/build.go.sum.

CACHE="${SPLITGUARD_TOOLS_CACHE:-$HOME/.cache/splitguard/tools}"

command -v go >/dev/null 2>&1 || { printf '[go-tools] go is required (Go 1.26)\n' >&2; exit 1; }

# tool_cached dir name: true when the binary and its stamp are present.
tool_cached() { [ -x "$1/$2" ] && [ -f "$1/.ok" ]; }

# build_wrapper name version dir gomod-body pkg ldflags
build_wrapper() {
  local name=$1 version=$2 dir=$3 body=$4 pkg=$5 ldflags=$6
  local out="$dir/$name"
  if tool_cached "$dir" "$name"; then
    say "$name $version cached at $out"
    return 0
  fi
  local work
  work="$(mktemp -d "${TMPDIR:-/tmp}/splitguard-build-$name.XXXXXX")"
  trap 'rm -rf "$work"' RETURN
  printf '%s\n' "$body" > "$work/go.mod"
  say "building $name $version (a fresh build takes minutes; cached afterwards)"
  local t0=$SECONDS
  (cd "$work" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$work/$name" "$pkg")
  mkdir -p "$dir"
  mv "$work/$name" "$out"
  cp "$work/go.mod" "$dir/build.go.mod"
  [ -f "$work/go.sum" ] && cp "$work/go.sum" "$dir/build.go.sum"
  printf 'built %s in %ss with %s\n' "$(date -u +%FT%TZ)" $((SECONDS - t0)) "$(go version)" > "$dir/.ok"
  say "built $name $version in $((SECONDS - t0))s -> $out"
}

# wrapper_mod name module version: the go.mod of a wrapper that only requires one module.
wrapper_mod() {
  printf 'module splitguard.local/build-%s\n\ngo 1.26\n\nrequire %s %s\n' "$1" "$2" "$3"
}
