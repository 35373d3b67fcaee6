#!/usr/bin/env bash
# Build the real Pulumi CLI and its language hosts from Go modules into .pulumi-cli/bin/
# (git-ignored). No package registry ships the `pulumi` binary, so it is compiled from
# the modules pinned in tools/pulumi-cli/ (see tools/pulumi-cli/README.md).
#
#   scripts/build-pulumi-cli.sh            # build what is missing, reuse the rest
#   scripts/build-pulumi-cli.sh --force    # rebuild everything in .pulumi-cli/bin
#
# Environment:
#   PULUMI_CLI_DIR         output root (default: <repo>/.pulumi-cli); binaries go to $PULUMI_CLI_DIR/bin
#   PULUMI_CLI_NO_PATH=1   do not reuse a `pulumi` found on PATH
#
# Afterwards: export PATH="<repo>/.pulumi-cli/bin:$PATH"
#
# Idempotent: a second run with the binaries in place does nothing. Go's module cache
# (GOMODCACHE) and build cache (GOCACHE) are used as usual, so a rebuild after
# removing .pulumi-cli takes about a minute instead of several.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/tools/pulumi-cli"
OUT_ROOT="${PULUMI_CLI_DIR:-$ROOT/.pulumi-cli}"
OUT="$OUT_ROOT/bin"
MIN_PATH_VERSION="3.274.0"   # a `pulumi` on PATH at least this new is reused (symlinked)
BUILD_TAGS="osusergo,grpcnotrace"

FORCE=0
for arg in "$@"; do
  case "$arg" in
    --force) FORCE=1 ;;
    -h|--help) sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-pulumi-cli: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

START=$(date +%s)
say() { echo "[build-pulumi-cli +$(( $(date +%s) - START ))s] $*"; }
die() { echo "build-pulumi-cli: error: $*" >&2; exit 1; }

# The CLI version pinned in tools/pulumi-cli/go.mod (e.g. v3.274.1).
PIN="$(sed -n 's#^[[:space:]]*github.com/pulumi/pulumi/pkg/v3 \(v[0-9][0-9.]*\).*#\1#p' "$TOOLS/go.mod" | head -n1)"
[ -n "$PIN" ] || die "cannot read the pkg/v3 version from $TOOLS/go.mod"

# version_ge A B: true when version A >= version B (leading "v" ignored).
version_ge() { [ "$(printf '%s\n%s\n' "${1#v}" "${2#v}" | sort -V | head -n1)" = "${2#v}" ]; }
# cli_version BIN: the version a pulumi binary reports, or nothing.
cli_version() { "$1" version 2>/dev/null | head -n1 | tr -d '[:space:]' || true; }

mkdir -p "$OUT"
if [ "$FORCE" = 1 ]; then
  say "--force: removing previous binaries in $OUT"
  rm -f "$OUT"/pulumi "$OUT"/pulumi-language-* "$OUT"/pulumi-resource-pulumi-nodejs "$OUT"/.stamp-*
fi

GO_READY=0
require_go() {
  [ "$GO_READY" = 1 ] && return 0
  command -v go >/dev/null 2>&1 || die "'go' is not installed or not on PATH. Building the Pulumi CLI needs Go >= 1.26 (this repo's machines ship Go 1.26.8)."
  say "using $(go version)"
  GO_READY=1
}

# download_modules DIR PKG: fetch (or find in the module cache) the modules PKG needs.
download_modules() {
  local dir="$1" pkg="$2" log
  log="$(mktemp)"
  if ! (cd "$dir" && GOFLAGS="${GOFLAGS:-} -mod=readonly" go list -x -deps "$pkg") >/dev/null 2>"$log"; then
    echo "---- go list -deps $pkg (in ${dir#"$ROOT"/}) said:" >&2
    grep -v '^# get' "$log" | tail -n 15 >&2 || true
    rm -f "$log"
    die "cannot get the Go modules for $pkg (GOPROXY=$(go env GOPROXY)). Is the Go module proxy reachable? With no network, a previously filled module cache ($(go env GOMODCACHE)) is enough."
  fi
  local n; n="$(grep -c '^# get .*: 200 OK' "$log" || true)"
  if [ "${n:-0}" -gt 0 ]; then say "downloaded ${n} files from the Go module proxy for ${dir#"$ROOT"/}"; fi
  rm -f "$log"
}

# stamp NAME DIR: identifies a build of DIR's module (its go.mod/go.sum and the Go version).
stamp_of() { cat "$2/go.mod" "$2/go.sum" <(go version) | sha256sum | cut -c1-16; }
is_fresh() { [ -x "$OUT/$1" ] && [ -f "$OUT/.stamp-$1" ] && [ "$(cat "$OUT/.stamp-$1")" = "$(stamp_of "$1" "$2")" ]; }

# go_build NAME DIR PKG LDFLAGS: build PKG in module DIR into $OUT/NAME (atomically).
go_build() {
  local name="$1" dir="$2" pkg="$3" ldflags="$4" t0 log
  t0=$(date +%s); log="$(mktemp)"
  if (cd "$dir" && GOFLAGS="${GOFLAGS:-} -mod=readonly" go build -trimpath -tags "$BUILD_TAGS" -ldflags "$ldflags" -o "$OUT/.$name.tmp" "$pkg") >"$log" 2>&1; then
    mv -f "$OUT/.$name.tmp" "$OUT/$name"
    stamp_of "$name" "$dir" >"$OUT/.stamp-$name"
    say "built $name in $(( $(date +%s) - t0 ))s"
    rm -f "$log"; return 0
  fi
  rm -f "$OUT/.$name.tmp"
  echo "---- go build $pkg failed:" >&2; tail -n 25 "$log" >&2; rm -f "$log"
  return 1
}

MISSING=()

# ---------------------------------------------------------------- the CLI
PATH_PULUMI_DIR=""
if [ -x "$OUT/pulumi" ] && [ ! -L "$OUT/pulumi" ] && [ "$(cli_version "$OUT/pulumi")" = "$PIN" ]; then
  say "reusing pulumi CLI $PIN already built in ${OUT#$ROOT/}"
elif [ -L "$OUT/pulumi" ] && [ -x "$OUT/pulumi" ] && version_ge "$(cli_version "$OUT/pulumi")" "$MIN_PATH_VERSION"; then
  say "reusing pulumi CLI $(cli_version "$OUT/pulumi") linked from $(readlink -f "$OUT/pulumi")"
  PATH_PULUMI_DIR="$(dirname "$(readlink -f "$OUT/pulumi")")"
else
  rm -f "$OUT/pulumi"
  found=""
  if [ "${PULUMI_CLI_NO_PATH:-0}" != 1 ] && found="$(command -v pulumi 2>/dev/null)" \
     && [ "$(readlink -f "$found")" != "$(readlink -f "$OUT/pulumi" 2>/dev/null || echo "$OUT/pulumi")" ]; then
    v="$(cli_version "$found")"
    if [ -n "$v" ] && version_ge "$v" "$MIN_PATH_VERSION"; then
      ln -s "$(readlink -f "$found")" "$OUT/pulumi"
      PATH_PULUMI_DIR="$(dirname "$(readlink -f "$found")")"
      say "using pulumi $v found on PATH ($found): linked into ${OUT#$ROOT/}"
    else
      say "ignoring pulumi on PATH ($found, version '${v:-unknown}' < $MIN_PATH_VERSION)"
    fi
  fi
  if [ ! -e "$OUT/pulumi" ]; then
    require_go
    download_modules "$TOOLS" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
    say "building pulumi CLI $PIN from Go modules (first build takes several minutes)..."
    go_build pulumi "$TOOLS" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi \
      "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PIN" \
      || die "building the pulumi CLI failed (see above)"
  fi
fi

# ---------------------------------------------------------------- language hosts
# host NAME MODULE_DIR PACKAGE VERSION_VAR VERSION
host() {
  local name="$1" dir="$2" pkg="$3" var="$4" ver="$5"
  if [ -n "$PATH_PULUMI_DIR" ] && [ -x "$PATH_PULUMI_DIR/$name" ]; then
    ln -sfn "$PATH_PULUMI_DIR/$name" "$OUT/$name"
    say "using $name shipped next to the linked pulumi"
    return 0
  fi
  if [ -x "$OUT/$name" ] && [ ! -L "$OUT/$name" ]; then
    require_go
    if is_fresh "$name" "$dir"; then say "reusing $name"; return 0; fi
  fi
  require_go
  download_modules "$dir" "$pkg"
  say "building $name ($ver) ..."
  go_build "$name" "$dir" "$pkg" "-X $var=$ver" || { MISSING+=("$name"); return 0; }
}

# Node.js and Python: from sdk/v3 v3.68.0 (their own modules are not served; see README.md).
LH_SDK="$(sed -n 's#^require github.com/pulumi/pulumi/sdk/v3 \(v[0-9.]*\)$#\1#p' "$TOOLS/language-hosts/go.mod")"
host pulumi-language-nodejs "$TOOLS/language-hosts" github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs \
  github.com/pulumi/pulumi/sdk/v3/go/common/version.Version "${LH_SDK:-v3.68.0}"
host pulumi-language-python "$TOOLS/language-hosts" github.com/pulumi/pulumi/sdk/v3/python/cmd/pulumi-language-python \
  github.com/pulumi/pulumi/sdk/v3/go/common/version.Version "${LH_SDK:-v3.68.0}"
YAML_VER="$(sed -n 's#^require github.com/pulumi/pulumi-yaml \(v[0-9.]*\)$#\1#p' "$TOOLS/yaml/go.mod")"
host pulumi-language-yaml "$TOOLS/yaml" github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml \
  github.com/pulumi/pulumi-yaml/pkg/version.Version "${YAML_VER:-v1.25.0}"
# Go: from sdk/v3 v3.66.0, the last sdk/v3 whose module zip has go/pulumi-language-go (v3.67.0 has not; its own
# module github.com/pulumi/pulumi/sdk/go/pulumi-language-go/v3 is not served).
GO_HOST_SDK="$(sed -n 's#^require github.com/pulumi/pulumi/sdk/v3 \(v[0-9.]*\)$#\1#p' "$TOOLS/go-host/go.mod")"
host pulumi-language-go "$TOOLS/go-host" github.com/pulumi/pulumi/sdk/v3/go/pulumi-language-go \
  github.com/pulumi/pulumi/sdk/v3/go/common/version.Version "${GO_HOST_SDK:-v3.66.0}"
# Java: from github.com/pulumi/pulumi-java/pkg (it pins pkg/v3 v3.228.0, hence its own module).
JAVA_VER="$(sed -n 's#^require github.com/pulumi/pulumi-java/pkg \(v[0-9.]*\)$#\1#p' "$TOOLS/java-host/go.mod")"
host pulumi-language-java "$TOOLS/java-host" github.com/pulumi/pulumi-java/pkg/cmd/pulumi-language-java \
  github.com/pulumi/pulumi-java/pkg/version.Version "${JAVA_VER:-v1.22.0}"

# ---------------------------------------------------------------- helper scripts
# pulumi-resource-pulumi-nodejs (dynamic providers) and pulumi-language-python-exec (the
# Python host runs it) are scripts, not Go programs; the CLI finds them on PATH or next to
# itself. Prefer the copy of the installed @pulumi/pulumi, else take it from sdk/v3.
sdk_dir() { (cd "$TOOLS" && go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3 2>/dev/null) || true; }
install_script() {
  local name="$1" src=""
  shift
  for cand in "$@"; do [ -n "$cand" ] && [ -f "$cand" ] && { src="$cand"; break; }; done
  if [ -n "$PATH_PULUMI_DIR" ] && [ -x "$PATH_PULUMI_DIR/$name" ]; then src="$PATH_PULUMI_DIR/$name"; fi
  if [ -z "$src" ]; then MISSING+=("$name"); return 0; fi
  if ! cmp -s "$src" "$OUT/$name" 2>/dev/null; then
    install -m 0755 "$src" "$OUT/$name"
    say "installed $name (from ${src#$ROOT/})"
  fi
}
SDK_DIR=""
if command -v go >/dev/null 2>&1 && [ -f "$TOOLS/go.sum" ]; then SDK_DIR="$(sdk_dir)"; fi
install_script pulumi-resource-pulumi-nodejs \
  "$ROOT/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs" \
  "${SDK_DIR:+$SDK_DIR/nodejs/dist/pulumi-resource-pulumi-nodejs}"
install_script pulumi-language-python-exec \
  "${SDK_DIR:+$SDK_DIR/python/cmd/pulumi-language-python-exec}"

# ---------------------------------------------------------------- summary
say "pulumi $(cli_version "$OUT/pulumi") ready in ${OUT#$ROOT/}: $(cd "$OUT" && ls | tr '\n' ' ')"
if [ "${#MISSING[@]}" -gt 0 ]; then
  say "NOT available: ${MISSING[*]} (programs needing them cannot run; see tools/pulumi-cli/README.md)"
fi
say "done in $(( $(date +%s) - START ))s. Use it with: export PATH=\"$OUT:\$PATH\""
