#!/usr/bin/env bash
# Shared by scripts/kube-tools.sh, scripts/chart-tools.sh and scripts/e2e-tools.sh (source it, do
# not run it; define say() first): build one Go command, from its published module through a
# throw-away wrapper module or from this repository's tools/, once per machine.
# Binaries are cached OUTSIDE the clone so every worktree and CI rerun on this machine reuses them:
#   ${SPLITGUARD_TOOLS_CACHE:-$HOME/.cache/splitguard/tools}/<name>-<version>/<name>
# Idempotent: a present binary with its .ok stamp (build time, Go version) is not rebuilt; the
# wrapper's go.mod/go.sum are kept next to it as build.go.mod/build.go.sum.

CACHE="${SPLITGUARD_TOOLS_CACHE:-$HOME/.cache/splitguard/tools}"

command -v go >/dev/null 2>&1 || { printf '[go-tools] go is required (Go 1.26)\n' >&2; exit 1; }

# tool_cached dir name: true when the binary and its stamp are present.
tool_cached() { [ -x "$1/$2" ] && [ -f "$1/.ok" ]; }

# build_cached name version dir src pkg ldflags [goflags]: `go build pkg` inside the module at src
# into dir/name, unless cached there. Used directly for this repository's own tools (tools/*).
build_cached() {
  local name=$1 version=$2 dir=$3 src=$4 pkg=$5 ldflags=$6 goflags=${7:-}
  local out="$dir/$name"
  if tool_cached "$dir" "$name"; then
    say "$name $version cached at $out"
    return 0
  fi
  say "building $name $version (a fresh build can take minutes; cached afterwards)"
  local t0=$SECONDS
  mkdir -p "$dir"
  (cd "$src" && env ${goflags:+GOFLAGS=$goflags} CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$out.tmp" "$pkg")
  mv "$out.tmp" "$out"
  printf 'built %s in %ss with %s\n' "$(date -u +%FT%TZ)" $((SECONDS - t0)) "$(go version)" > "$dir/.ok"
  say "built $name $version in $((SECONDS - t0))s -> $out"
}

# build_wrapper name version dir gomod-body pkg ldflags: build_cached through a throw-away module
# whose go.mod is gomod-body (kept as dir/build.go.mod, with its go.sum).
build_wrapper() {
  local name=$1 version=$2 dir=$3 body=$4 pkg=$5 ldflags=$6
  if tool_cached "$dir" "$name"; then
    say "$name $version cached at $dir/$name"
    return 0
  fi
  local work
  work="$(mktemp -d "${TMPDIR:-/tmp}/splitguard-build-$name.XXXXXX")"
  trap 'rm -rf "$work"' RETURN
  printf '%s\n' "$body" > "$work/go.mod"
  build_cached "$name" "$version" "$dir" "$work" "$pkg" "$ldflags" -mod=mod
  cp "$work/go.mod" "$dir/build.go.mod"
  [ -f "$work/go.sum" ] && cp "$work/go.sum" "$dir/build.go.sum"
}

# wrapper_mod name module version: the go.mod of a wrapper that only requires one module.
wrapper_mod() {
  printf 'module splitguard.local/build-%s\n\ngo 1.26\n\nrequire %s %s\n' "$1" "$2" "$3"
}
