#!/usr/bin/env bash
# Runs tests/tools/valgrind_probe under memcheck for slab and pool: a correct program
# must be clean; an overrun, a use after free and a leaked block must each be reported.
#   tests/valgrind/run.sh build/tests/valgrind_probe
set -uo pipefail
case ${1:-} in -h|--help) sed -n '2,/^set -/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;; esac
probe=${1:?usage: tests/valgrind/run.sh PATH_TO_valgrind_probe}
command -v valgrind >/dev/null || { echo "valgrind not installed: run make deps" >&2; exit 1; }
passed=0 failed=0
check() { # spec mode expected-text (empty: expect no error)
  local log; log=$(mktemp)
  valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite "$probe" "$1" "$2" >"$log" 2>&1
  local rc=$?
  if [[ -z $3 ]]; then
    if [[ $rc -eq 0 ]]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $1 $2 not clean (exit $rc)"; tail -30 "$log"; fi
  else
    if [[ $rc -eq 99 ]] && grep -q "$3" "$log"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $1 $2: '$3' not reported (exit $rc)"; tail -30 "$log"; fi
  fi
  rm -f "$log"
}
for spec in slab pool; do
  check "$spec" clean ""
  check "$spec" overrun "Invalid write of size 1"
  check "$spec" use-after-free "Invalid read of size 1"
  check "$spec" leak "definitely lost"
done
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
