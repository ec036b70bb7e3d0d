#!/usr/bin/env bash
# check-backend-example.sh — proves the README's claim "adding a backend is one file plus
# one registry line", for both kinds of backend a new one can be:
#   docs/example_backend_bump.c    releases every block at close (like slab and pool)
#   docs/example_backend_calloc.c  leaves outstanding blocks to the caller (like malloc, mmap)
# On a scratch copy of the tree it
#   1. reads the next free fuzz ids from `buf backends` and writes them into its copies
#      of the examples (an example never squats the id a real backend will take);
#   2. adds them as impls/backends/backend_{bump,calloc}.c, with one X(NAME) line each
#      after the last line of BUF_BACKEND_LIST — nothing else;
#   3. runs every stage that iterates backends: the benchmark list, unit tests (plain, and ASan with leak
#      detection), the CLI tests, a short model differential against Node, and the fuzz
#      corpus replay;
#   4. checks that a backend given an id another one has is refused at first use.
# The tree's build objects (brought up to date first) are copied along with their
# timestamps, so make rebuilds only what the new files and the registry line touch; the
# committed corpus is linked, not copied.  Ends with "N passed, N failed".
#   scripts/check-backend-example.sh          (make test runs it as stage backend-example)
set -euo pipefail
case ${1:-} in -h|--help) sed -n '2,/^set -/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;; esac
cd "$(dirname "$0")/.."
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
passed=0 failed=0
log=$scratch/check.log

say() { echo "check-backend-example: [${SECONDS}s] $*"; }
# check NAME COMMAND...: one pass or fail; on failure the command's last lines.
check() {
  local name=$1; shift
  if "$@" >"$log" 2>&1; then
    passed=$((passed + 1)); say "ok   $name"
  else
    failed=$((failed + 1)); say "FAIL $name"; tail -n 25 "$log" | sed 's/^/    /'
  fi
  # The stage's own summary line: indented, and Criterion's renamed, so that make test's
  # runner counts this script's final line, not a line of the stages it ran.
  grep -E 'Synthesis:|^([a-z-]+: )?[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1 |
    sed -E 's/.*Synthesis: /criterion: /; s/^/    /' || true
}
finish() {
  say "done in ${SECONDS}s"
  echo "example-backend: $passed passed, $failed failed"
  exit $((failed == 0 ? 0 : 1))
}
build() { make -C "$scratch" -j2 --no-print-directory WERROR=1 "$@" >"$log" 2>&1 || { tail -n 30 "$log"; return 1; }; }

# ---- 1. The scratch tree, and the next free fuzz ids ---------------------------------------
# This tree's objects first (make test has built most already, and its fuzz-corpus stage
# needs the replay programs anyway), so the copy rebuilds only what the new files touch.
say "bringing this tree's build up to date"
make -j2 --no-print-directory WERROR=1 build/buf build/tests/unit build/tests/model_driver build/asan/tests/unit \
  build/bench/bufbench-bench fuzz-replay-build >"$log" 2>&1 || { tail -n 30 "$log"; failed=$((failed + 1)); say "FAIL this tree does not build"; finish; }
say "copying the tree (tracked and new files, build objects) to $scratch"
mapfile -d '' files < <(git ls-files -z --cached --others --exclude-standard -- . ':!corpus')
existing=()
for file in "${files[@]}"; do [[ -e $file ]] && existing+=("$file"); done
printf '%s\0' "${existing[@]}" | xargs -0 cp --parents --preserve=timestamps -t "$scratch"
ln -s "$PWD/corpus" "$scratch/corpus" # read only, and most of the tree's files
for variant in build build/asan build/fuzz/replay-asan; do
  mkdir -p "$scratch/$variant"
  cp -a "$variant/obj" "$variant/flags.stamp" "$scratch/$variant/"
done

build build/buf || { failed=$((failed + 1)); say "FAIL the unchanged tree does not build"; finish; }
largest=$("$scratch/build/buf" backends | grep -oE 'fuzz_id=[0-9]+' | cut -d= -f2 | sort -n | tail -n 1)
bump_id=$((largest + 1)) calloc_id=$((largest + 2))
if [[ $calloc_id -gt 15 ]]; then
  failed=$((failed + 1))
  say "FAIL fuzz ids above 15 do not fit the fuzz selector's four bits (fuzz/fuzz_backend.h): widen it"
  finish
fi
say "next free fuzz ids: bump $bump_id, calloc $calloc_id"

# ---- 2. One file and one line per backend ---------------------------------------------------
add_backend() { # NAME FUZZ_ID
  local file=$scratch/impls/backends/backend_$1.c
  sed -E "s/^(    \.fuzz_id = )[0-9]+,/\1$2,/" "docs/example_backend_$1.c" >"$file"
  grep -qE "^    \.fuzz_id = $2," "$file" || { say "cannot set the fuzz id in $file"; return 1; }
  local registry=$scratch/impls/backends/backend_registry.h
  # The list's last line is the first one after its #define without a trailing backslash.
  awk -v name="$1" '
    /#define BUF_BACKEND_LIST\(X\)/ { in_list = 1 }
    in_list && !/\\$/ { print $0 " \\"; print "    X(" name ")"; in_list = 0; next }
    { print }' "$registry" >"$registry.new"
  mv "$registry.new" "$registry"
  sed -n '/#define BUF_BACKEND_LIST/,/^$/p' "$registry" | grep -q "X($1)" || { say "registry edit failed"; return 1; }
}
if ! add_backend bump "$bump_id" || ! add_backend calloc "$calloc_id"; then
  failed=$((failed + 1)); finish
fi
sed -n '/#define BUF_BACKEND_LIST/,/^$/p' "$scratch/impls/backends/backend_registry.h" | sed 's/^/    /'

# ---- 3. Every stage that iterates backends ------------------------------------------------
say "building the scratch tree"
if ! build build/buf build/tests/unit build/tests/model_driver build/asan/tests/unit build/bench/bufbench-bench; then
  failed=$((failed + 1)); say "FAIL the tree with the two new backends does not build"; finish
fi
listed() { "$scratch/build/buf" backends | grep -E "^bump .*fuzz_id=$bump_id " && "$scratch/build/buf" backends | grep -E "^calloc .*fuzz_id=$calloc_id "; }
check "buf backends lists both, with their ids" listed
# Every benchmark row of malloc has its bump twin (the families loop over the registry),
# except in the families that run on malloc only by design (the stream rows with block
# reuse on, FAMILY_reuse: bench/family_stream.c; scripts/bench-json.js runsOneBackend).
benchmarked() {
  local list malloc_rows bump_rows
  list=$("$scratch/build/bench/bufbench-bench" --benchmark_list_tests | grep -v -E '^[a-z0-9_]+_reuse/' || true)
  malloc_rows=$(grep -c '/malloc/' <<<"$list" || true)
  bump_rows=$(grep -c '/bump/' <<<"$list" || true)
  echo "bufbench-bench lists $malloc_rows rows of malloc and $bump_rows of bump"
  [[ $malloc_rows -eq 0 ]] && echo "(no backend family in this tree yet)"
  [[ $bump_rows -eq $malloc_rows ]]
}
check "the benchmark suite runs bump wherever it runs malloc" benchmarked
check "unit tests (plain)" "$scratch/build/tests/unit" --jobs 2
check "unit tests (ASan+UBSan, leak detection)" env ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 "$scratch/build/asan/tests/unit" --jobs 2
check "CLI tests" "$scratch/tests/cli/run.sh" "$scratch/build/buf"
model_diff() { (cd "$scratch" && scripts/node-diff model --cases 40 --driver "$scratch/build/tests/model_driver"); }
check "model differential against Node (40 programs)" model_diff
check "fuzz corpus replay" make -C "$scratch" -j2 --no-print-directory WERROR=1 fuzz-replay

# ---- 4. A taken fuzz id is refused -------------------------------------------------------
sed -i -E "s/^(    \.fuzz_id = )[0-9]+,/\10,/" "$scratch/impls/backends/backend_bump.c"
refused() {
  build build/buf || return 1
  if "$scratch/build/buf" backends >/dev/null 2>"$scratch/clash.err"; then
    echo "buf backends ran with two backends on fuzz id 0"; return 1
  fi
  cat "$scratch/clash.err"
  grep -q "both have fuzz id 0" "$scratch/clash.err"
}
check "a backend on a taken fuzz id is refused" refused

finish
