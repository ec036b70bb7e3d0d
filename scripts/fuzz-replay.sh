#!/usr/bin/env bash
# Replays every committed corpus file through its own fuzz target, once per registered
# backend (the replay driver's -backend=each rewrites the selector's fuzz id, so a backend
# added to the registry runs the whole corpus with no edit), in two builds from
# `make fuzz-replay-build`:
#   replay       plain, no sanitizer: slab and pool pack blocks as in production, so a
#                block placed one byte too close to its neighbour overlaps it
#   replay-asan  ASan+UBSan: memory errors, undefined behaviour, leaks
# Any FUZZ_ASSERT, sanitizer report or leak fails the file.  Ends with
# "N passed, N failed", one count per corpus file and build.
#   scripts/fuzz-replay.sh [TARGET...]      default: every fuzz target (make -s fuzz-list)
#   FUZZ_REPLAY_BUILDS="replay replay-asan"  the builds to replay in
set -euo pipefail
case ${1:-} in -h|--help) sed -n '2,/^set -/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;; esac
cd "$(dirname "$0")/.."

BUILD=${BUILD:-build}
read -ra builds <<<"${FUZZ_REPLAY_BUILDS:-replay replay-asan}"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  mapfile -t targets < <(MAKEFLAGS= make -s --no-print-directory fuzz-list)
  [[ ${#targets[@]} -gt 0 ]] || { echo "fuzz-replay: make fuzz-list named no target" >&2; exit 1; }
fi
mkdir -p "$BUILD/fuzz"
log=$BUILD/fuzz/replay-all.log last=$BUILD/fuzz/replay-last.log

passed=0 failed=0
for build in "${builds[@]}"; do
  for target in "${targets[@]}"; do
    bin=$BUILD/fuzz/$build/$target corpus=corpus/$target
    if [[ ! -x $bin ]]; then
      echo "fuzz-replay: $bin is missing; run 'make fuzz-replay-build'" >&2
      failed=$((failed + 1)); continue
    fi
    if [[ ! -d $corpus ]]; then echo "fuzz-replay: $target: no $corpus/, nothing to replay"; continue; fi
    count=$(find "$corpus" -maxdepth 1 -type f ! -name '.*' | wc -l)
    if "$bin" -backend=each "$corpus" >"$last" 2>"$log"; then
      echo "fuzz-replay: $build $target: $count inputs ok ($(sed -nE 's/.*\(([0-9]+ runs)\).*/\1/p' "$last") over every backend)"
      # what a target says about its own coverage (encoding_differential: the SIMD levels run and skipped)
      { grep -m1 "^$target: " "$log" || true; } | sed "s/^/fuzz-replay: $build /"
      passed=$((passed + count))
      continue
    fi
    # Something failed: run the files one by one to name every failing input.
    while IFS= read -r file; do
      # (in a subshell, so that the shell's own "Aborted" notice lands in the log too)
      if ("$bin" -backend=each -v "$file" >/dev/null; exit $?) 2>"$last"; then
        passed=$((passed + 1))
      else
        failed=$((failed + 1))
        echo "fuzz-replay: FAIL $build $target $file (reproduce: $bin -backend=each -v $file)"
        grep -E '^replay: .* as backend' "$last" | tail -n 1 | sed 's/^/    /' # the run that failed
        grep -m 3 -E 'FUZZ_ASSERT|ERROR: |runtime error|SUMMARY' "$last" | sed 's/^/    /' ||
          tail -n 5 "$last" | sed 's/^/    /'
      fi
    done < <(find "$corpus" -maxdepth 1 -type f ! -name '.*' | sort)
    rm -f "$last"
  done
done
echo "fuzz-replay: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
