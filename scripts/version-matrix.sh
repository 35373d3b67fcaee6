#!/usr/bin/env bash
# The @pulumi/pulumi version matrix: for each version, a clean copy of this checkout with that @pulumi/pulumi
# installed over the lockfile, built, then the dynamic and plugin tiers and the engine smoke test (tests/smoke).
#
#   scripts/version-matrix.sh              # the floor of the peer range, the pinned version, the newest tested
#   scripts/version-matrix.sh 3.200.0 ...  # these versions instead
#
# Versions by default, so that the declared range is the tested one:
#   - the floor and the ceiling of package.json's peer range for @pulumi/pulumi (`>=X <=Y`);
#   - the pinned development version (devDependencies).
# The ceiling is the newest release that runs on Node 20: releases from 3.249.0 declare engines node>=22 but
# still run on Node 20 (npm warns EBADENGINE). To widen the range, raise it in package.json and run this.
# The last line is the plain `N passed, N failed` summary over every version (a copy that cannot be prepared
# counts as one failure), so .ci/run can add it to its own.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TIERS=(dynamic plugin smoke)

manifest() { node -p "require('$ROOT/package.json')$1"; }
if [ "$#" -gt 0 ]; then
  versions=("$@")
else
  range=$(manifest '.peerDependencies["@pulumi/pulumi"]')
  if ! [[ "$range" =~ ^\>=([0-9.]+)\ \<=([0-9.]+)$ ]]; then
    echo "version-matrix: the peer range of @pulumi/pulumi is \"$range\", not \">=X <=Y\""
    echo "0 passed, 1 failed"
    exit 1
  fi
  versions=("${BASH_REMATCH[1]}" "$(manifest '.devDependencies["@pulumi/pulumi"]')" "${BASH_REMATCH[2]}")
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/amp-version-matrix-XXXXXX")
trap 'rm -rf "$work"' EXIT
SECONDS=0
total_passed=0
total_failed=0
report=()

for version in "${versions[@]}"; do
  started=$SECONDS
  copy="$work/$version"
  echo
  echo "=== version-matrix: @pulumi/pulumi $version (${SECONDS}s)"
  mkdir -p "$copy"
  # The files git knows (tracked and new, not ignored): what a clone of this commit would have, plus work in
  # progress. The Pulumi CLI is shared, not copied.
  (cd "$ROOT" && git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$copy" 2>/dev/null)
  ln -s "$(readlink -f "$ROOT/.pulumi-cli")" "$copy/.pulumi-cli"
  log="$copy.log"
  if ! (cd "$copy" && npm ci --no-audit --no-fund --prefer-offline --loglevel=error &&
    npm install --no-save --no-audit --no-fund --prefer-offline --loglevel=error "@pulumi/pulumi@$version" &&
    [ "$(node -p 'require("@pulumi/pulumi/package.json").version')" = "$version" ] &&
    npm run build) >"$log" 2>&1; then
    tail -n 30 "$log"
    echo "version-matrix: could not prepare a copy with @pulumi/pulumi $version"
    report+=("$version: not installed or not built (1 failure)")
    total_failed=$((total_failed + 1))
    continue
  fi
  (cd "$copy" && node tests/run.js "${TIERS[@]}") 2>&1 | tee "$log"
  counts=$(grep -E '^(dynamic|plugin|smoke): ' "$log" | sed -E 's/ \([0-9.]+s\)$//' | paste -sd ';' | sed 's/;/; /g')
  summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
  if [ -z "$summary" ]; then
    summary="0 passed, 1 failed"
  fi
  passed=${summary%% passed*}
  failed=${summary#*, }
  failed=${failed%% failed}
  total_passed=$((total_passed + passed))
  total_failed=$((total_failed + failed))
  report+=("$version: $summary ($counts) in $((SECONDS - started))s")
done

echo
echo "=== version-matrix: @pulumi/pulumi on Node $(node --version), ${SECONDS}s"
printf '%s\n' "${report[@]}"
echo "${total_passed} passed, ${total_failed} failed"
[ "$total_failed" -eq 0 ]
