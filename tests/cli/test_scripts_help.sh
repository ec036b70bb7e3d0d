#!/usr/bin/env bash
# test_scripts_help.sh — every program in scripts/ and every test runner answers --help: it
# prints what it is and how to call it, exits 0, and does nothing else (a --help that runs
# the test suite or a fuzz campaign instead is the failure this guards against).
#   tests/cli/test_scripts_help.sh BUF        (tests/cli/run.sh passes build/buf; unused)
# Ends with "N passed, N failed"; exits non-zero on any failure.
set -uo pipefail
buf=${1:?usage: tests/cli/test_scripts_help.sh path/to/buf}
source "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)

programs=()
for file in "$root"/scripts/* "$root"/tests/*/run.sh; do
  [[ -f $file && -x $file ]] && programs+=("$file")
done
[[ ${#programs[@]} -ge 20 ]] && pass || fail "found only ${#programs[@]} programs under scripts/ and tests/*/run.sh"

for program in "${programs[@]}"; do
  name=${program#"$root"/}
  # 20 s is far more than printing a header takes and far less than any real run.
  (cd /tmp && timeout 20 "$program" --help) >"$out" 2>"$err"; rc=$?
  lines=$(grep -c . "$out")
  if [[ $rc -eq 0 && $lines -ge 2 ]]; then pass
  else fail "$name --help: exit $rc, $lines lines on stdout (stderr: $(head -c 200 "$err"))"; fi
done
finish
