#!/usr/bin/env bash
# CLI tests: runs every tests/cli/test_*.sh with the path of the buf binary, sums their
# "N passed, N failed" lines and prints the total.
#   tests/cli/run.sh build/buf
set -uo pipefail
case ${1:-} in -h|--help) sed -n '2,/^set -/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;; esac
buf=${1:?usage: tests/cli/run.sh PATH_TO_BUF}
here=$(cd "$(dirname "$0")" && pwd)
passed=0 failed=0
for test in "$here"/test_*.sh; do
  [[ -e $test ]] || continue
  output=$(bash "$test" "$buf" 2>&1); rc=$?
  printf '%s\n' "$output"
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' <<<"$output" | tail -n 1)
  p=0 f=0
  if [[ -n $line ]]; then p=${line%% passed*}; f=${line#*passed, }; f=${f%% failed*}; fi
  [[ $rc -ne 0 && $f -eq 0 ]] && f=1
  passed=$((passed + p)); failed=$((failed + f))
done
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
