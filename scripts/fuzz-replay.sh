#!/usr/bin/env bash
# Replays every committed corpus file through its own fuzz target in the sanitizer
# build (build/fuzz/replay-asan/<target>, from `make fuzz-replay-build`).  Any
# FUZZ_ASSERT, sanitizer report or leak fails the file.  Ends with "N passed, N failed"
# (one per corpus file).
#   scripts/fuzz-replay.sh [TARGET...]      default: every fuzz target
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=${BUILD:-build}
bin_dir=$BUILD/fuzz/replay-asan
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  mapfile -t targets < <(grep -l '^int LLVMFuzzerTestOneInput' fuzz/*.c | sed -E 's|fuzz/(.*)\.c|\1|')
fi

passed=0 failed=0
for target in "${targets[@]}"; do
  corpus=corpus/$target
  if [[ ! -x $bin_dir/$target ]]; then
    echo "fuzz-replay: $bin_dir/$target is missing; run 'make fuzz-replay-build'" >&2
    failed=$((failed + 1)); continue
  fi
  if [[ ! -d $corpus ]]; then echo "fuzz-replay: $target: no $corpus/, nothing to replay"; continue; fi
  count=$(find "$corpus" -maxdepth 1 -type f ! -name '.*' | wc -l)
  if "$bin_dir/$target" "$corpus" >/dev/null 2>"$BUILD/fuzz/replay-all.log"; then
    echo "fuzz-replay: $target: $count inputs ok"
    passed=$((passed + count))
    continue
  fi
  # Something failed: run the files one by one to name every failing input.
  while IFS= read -r file; do
    if "$bin_dir/$target" "$file" >/dev/null 2>"$BUILD/fuzz/replay-last.log"; then
      passed=$((passed + 1))
    else
      failed=$((failed + 1))
      echo "fuzz-replay: FAIL $target $file (reproduce: $bin_dir/$target $file)"
      grep -m 3 -E 'FUZZ_ASSERT|ERROR: |runtime error|SUMMARY' "$BUILD/fuzz/replay-last.log" | sed 's/^/    /' ||
        tail -n 5 "$BUILD/fuzz/replay-last.log" | sed 's/^/    /'
      rm -f "$BUILD/fuzz/replay-last.log"
    fi
  done < <(find "$corpus" -maxdepth 1 -type f ! -name '.*' | sort)
done
echo "fuzz-replay: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
