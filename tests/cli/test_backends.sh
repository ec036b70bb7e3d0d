#!/usr/bin/env bash
# buf --help, buf backends, and errors for unknown commands and flags.
set -u
buf=${1:?usage: test_backends.sh PATH_TO_BUF}
source "$(dirname "$0")/lib.sh"

expect_exit 0 "buf --help" -- "$buf" --help
expect_contains "$out" "backends" "--help lists the backends command"
expect_exit 0 "buf backends" -- "$buf" backends
for name in malloc slab mmap pool; do
  if grep -qE "^$name " "$out"; then pass; else fail "buf backends: no line starting with '$name'"; fi
done
expect_contains "$out" "cross_thread_free=yes" "properties listed"
if [[ $(wc -l <"$out") -eq 4 ]]; then pass; else fail "buf backends: $(wc -l <"$out") lines, want 4"; fi
expect_exit 0 "buf backends --help" -- "$buf" backends --help
expect_contains "$out" "usage: buf backends" "backends --help"
expect_exit 2 "unknown command" -- "$buf" frobnicate
expect_contains "$err" "unknown command 'frobnicate'" "unknown command message"
expect_exit 2 "unknown flag" -- "$buf" --frob
expect_contains "$err" "unknown option '--frob'" "unknown flag message"
expect_exit 2 "backends with extra argument" -- "$buf" backends --verbose
expect_contains "$err" "unexpected argument '--verbose'" "backends extra argument message"
expect_exit 2 "no command" -- "$buf"
expect_contains "$err" "usage: buf" "no command prints usage on stderr"
finish
