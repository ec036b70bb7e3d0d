#!/usr/bin/env bash
# buf --help, buf backends (one line per registered backend, in registry order), and
# errors for unknown commands and flags.
set -u
buf=${1:?usage: test_backends.sh PATH_TO_BUF}
source "$(dirname "$0")/lib.sh"
registry=$(dirname "$0")/../../impls/backends/backend_registry.h

expect_exit 0 "buf --help" -- "$buf" --help
expect_contains "$out" "backends" "--help lists the backends command"
expect_exit 0 "buf backends" -- "$buf" backends
# The base backends every chart is built on, then exactly the registry, in its order.
for name in malloc slab mmap pool; do
  if grep -qE "^$name " "$out"; then pass; else fail "buf backends: no line starting with '$name'"; fi
done
registered=$(sed -n '/define BUF_BACKEND_LIST/,/^$/p' "$registry" | grep -oE 'X\([A-Za-z0-9_]+\)' | sed -E 's/X\((.*)\)/\1/')
listed=$(awk '{print $1}' "$out")
if [[ -n $registered && $listed == "$registered" ]]; then pass
else fail "buf backends lists '$(echo $listed)', the registry ($registry) has '$(echo $registered)'"; fi
expect_contains "$out" "cross_thread_free=yes" "properties listed"
if [[ $(grep -c 'cross_thread_free=yes' "$out") -eq $(wc -l <"$out") ]]; then pass
else fail "buf backends: every backend must allow cross_thread_free"; fi
ids=$(grep -oE 'fuzz_id=[0-9]+' "$out" | sort)
if [[ $(wc -l <<<"$ids") -eq $(wc -l <"$out") && -z $(uniq -d <<<"$ids") ]]; then pass
else fail "buf backends: every line needs its own fuzz_id: $(echo $ids)"; fi
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
