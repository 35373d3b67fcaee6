#!/usr/bin/env bash
# Generate the SDKs of the resource plugin `amp-resource-policy` from its schema (provider/schema.json with the
# version of package.json, which is what the plugin's GetSchema returns):
#   sdk/python/   the Python package pulumi_amp_resource_policy
#   sdk/go/       the Go package ampresourcepolicy
#
#   scripts/gen-sdk.sh               # regenerate sdk/python and sdk/go
#   scripts/gen-sdk.sh --out DIR     # write DIR/python and DIR/go instead (the staleness test does this)
#
# `pulumi package gen-sdk` hands code generation to a language host, and the Python and Node.js hosts that
# build here (sdk/v3 v3.68.0) do not implement it ("method GeneratePackage not implemented"). So this script
# runs the same code generators (github.com/pulumi/pulumi/pkg/v3/codegen at the CLI's version, v3.274.1) through
# the small command in tools/gen-sdk, built once into .pulumi-cli/bin/pulumi-gen-sdk. With a host that has
# GeneratePackage, the equivalent is:
#   pulumi package gen-sdk bin/pulumi-resource-amp-resource-policy --language python --out sdk
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/sdk"
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT="$2"; shift 2 ;;
    -h|--help) sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "gen-sdk: unknown argument: $1" >&2; exit 2 ;;
  esac
done

TOOL_SRC="$ROOT/tools/gen-sdk"
BIN_DIR="${PULUMI_CLI_DIR:-$ROOT/.pulumi-cli}/bin"
TOOL="$BIN_DIR/pulumi-gen-sdk"
command -v go >/dev/null 2>&1 || { echo "gen-sdk: 'go' is needed to build tools/gen-sdk" >&2; exit 1; }
stamp="$(cat "$TOOL_SRC/go.mod" "$TOOL_SRC/go.sum" "$TOOL_SRC/main.go" <(go version) | sha256sum | cut -c1-16)"
if [ ! -x "$TOOL" ] || [ "$(cat "$BIN_DIR/.stamp-pulumi-gen-sdk" 2>/dev/null)" != "$stamp" ]; then
  echo "gen-sdk: building tools/gen-sdk (pkg/v3 codegen) into ${TOOL#"$ROOT"/} ..." >&2
  mkdir -p "$BIN_DIR"
  # Same flags as scripts/build-pulumi-cli.sh, so the Go build cache of the CLI's packages is shared.
  (cd "$TOOL_SRC" && GOFLAGS="${GOFLAGS:-} -mod=readonly" go build -trimpath -tags osusergo,grpcnotrace -o "$TOOL.tmp" .)
  mv -f "$TOOL.tmp" "$TOOL"
  echo "$stamp" >"$BIN_DIR/.stamp-pulumi-gen-sdk"
fi

VERSION="$(node -p 'require(process.argv[1]).version' "$ROOT/package.json")"
for language in python go; do
  "$TOOL" -schema "$ROOT/provider/schema.json" -version "$VERSION" -language "$language" -out "$OUT/$language"
done
echo "gen-sdk: wrote ${OUT#"$ROOT"/}/python and ${OUT#"$ROOT"/}/go for amp-resource-policy $VERSION" >&2
