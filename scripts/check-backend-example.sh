#!/usr/bin/env bash
# Proves the README's claim "adding a backend is one file plus one registry line":
# copies the tree to a scratch folder, adds docs/example_backend_bump.c as
# impls/backends/backend_bump.c and the line X(bump) to the registry, then builds and checks that
# the new backend appears in `buf backends` and passes every backend unit test.
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
echo "check-backend-example: copying the tree to $scratch"
git ls-files -z | xargs -0 cp --parents -t "$scratch"
cp docs/example_backend_bump.c "$scratch/impls/backends/backend_bump.c"
sed -i 's/^    X(pool)$/    X(pool) \\\n    X(bump)/' "$scratch/impls/backends/backend_registry.h"
grep -q 'X(bump)' "$scratch/impls/backends/backend_registry.h" || { echo "check-backend-example: registry edit failed" >&2; exit 1; }
make -C "$scratch" -j2 --no-print-directory WERROR=1 build/buf build/tests/unit >/dev/null
passed=0 failed=0
if "$scratch/build/buf" backends | grep -q '^bump '; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: bump not in buf backends"; fi
if "$scratch/build/tests/unit" --filter 'backend/*' >"$scratch/unit.log" 2>&1; then
  passed=$((passed + 1))
else
  failed=$((failed + 1)); echo "FAIL: backend unit tests with bump:"; tail -20 "$scratch/unit.log"
fi
echo "example-backend: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
