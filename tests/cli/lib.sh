# lib.sh — tiny assertion helpers for the CLI tests (source it; set $buf first).
passed=0 failed=0
pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
# expect_exit CODE DESCRIPTION -- COMMAND...: runs the command, checks its exit status.
expect_exit() {
  local want=$1 what=$2; shift 3
  "$@" >/tmp/buf-cli-out.$$ 2>/tmp/buf-cli-err.$$; local got=$?
  if [[ $got -eq $want ]]; then pass; else fail "$what: exit $got, want $want"; fi
}
# expect_contains FILE TEXT DESCRIPTION
expect_contains() {
  if grep -qF -- "$2" "$1"; then pass; else fail "$3: '$2' not in $(head -c 300 "$1")"; fi
}
out=/tmp/buf-cli-out.$$ err=/tmp/buf-cli-err.$$
finish() { rm -f "$out" "$err"; echo "$passed passed, $failed failed"; [[ $failed -eq 0 ]]; }
