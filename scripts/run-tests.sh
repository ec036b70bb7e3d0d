#!/usr/bin/env bash
# Runs every test stage of `make test` (after the builds) and ends with one summary line:
#   N passed, N failed
# Each stage prints its own runner output; a stage's counts come from its last
# Criterion "Synthesis" line or "N passed, N failed" line.  A stage that exits non-zero
# counts as at least one failure even if its output has no counts.
#   scripts/run-tests.sh        (make test builds first, then runs this; no arguments)
#   BUILD=build JOBS=2          the build folder and the parallel jobs of the unit stages
set -uo pipefail
case ${1:-} in -h|--help) sed -n '2,/^set -/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;; esac
[[ $# -eq 0 ]] || { echo "run-tests: takes no arguments, got '$1' (see --help)" >&2; exit 2; }
cd "$(dirname "$0")/.."

BUILD=${BUILD:-build}
JOBS=${JOBS:-2}
total_passed=0
total_failed=0
stage_lines=()

run_stage() {
  local name=$1; shift
  local log
  log=$(mktemp)
  echo "==> [$name] $*"
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  local passed=0 failed=0 line
  line=$(grep -E 'Synthesis: Tested: [0-9]+' "$log" | tail -n 1)
  if [[ -n "$line" ]]; then
    passed=$(sed -E 's/.*Passing: ([0-9]+).*/\1/' <<<"$line")
    failed=$(( $(sed -E 's/.*Failing: ([0-9]+).*/\1/' <<<"$line") + $(sed -E 's/.*Crashing: ([0-9]+).*/\1/' <<<"$line") ))
  else
    line=$(grep -E '^([A-Za-z-]+: )?[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
    if [[ -n "$line" ]]; then
      passed=$(sed -E 's/^([A-Za-z-]+: )?([0-9]+) passed.*/\2/' <<<"$line")
      failed=$(sed -E 's/^([A-Za-z-]+: )?[0-9]+ passed, ([0-9]+) failed.*/\2/' <<<"$line")
    fi
  fi
  if [[ $rc -ne 0 && $failed -eq 0 ]]; then failed=1; fi
  total_passed=$((total_passed + passed))
  total_failed=$((total_failed + failed))
  stage_lines+=("$(printf '%-28s %6d passed, %4d failed (exit %d)' "$name" "$passed" "$failed" "$rc")")
  rm -f "$log"
}

# ---- Stages -------------------------------------------------------------------------
# The layer order: includes, exported names and internal calls (scripts/check-layers.sh).
run_stage layers scripts/check-layers.sh "$BUILD"
# Unit tests, plain optimized build.
run_stage unit-plain "$BUILD/tests/unit" --jobs "$JOBS"
# Unit tests, ASan + UBSan (-fno-sanitize-recover=all: any report fails the test).
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
  run_stage unit-asan "$BUILD/asan/tests/unit" --jobs "$JOBS"
# Threaded tests (tests/unit/*threads*.c) under ThreadSanitizer, through the shim runner.
TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1} \
  run_stage unit-tsan "$BUILD/tsan/tests/threads"
# CLI behaviour (buf's commands, errors and exit codes).
run_stage cli tests/cli/run.sh "$BUILD/buf"
# valgrind sees through slab and pool: overrun, use after free and leak are reported.
run_stage valgrind tests/valgrind/run.sh "$BUILD/tests/valgrind_probe"
# The README's one-file backend recipe, applied to a scratch copy of the tree.
run_stage backend-example scripts/check-backend-example.sh
# The benchmark suite end to end: every family on the quick grid with a tiny min time,
# through the runner (C, malloc@..., Node rows); names, backends, errors, shim rows.
run_stage bench scripts/check-bench.sh
# Reports: scripts/report on small real and synthetic runs (charts as real PNG/SVG, an unknown
# backend, the recommendation's significance verdicts, bad input) and report.html in headless
# Chromium (a planted broken image must fail it).
run_stage report tests/report/run.sh
# Codecs against Node: the differential and Node's own vectors, at every SIMD level.
# Each level this machine has (scalar, sse42, avx2, avx512: codec_driver --simd-available)
# runs, forced with BUFBENCH_SIMD: random and adversarial inputs for every (from, to) pair,
# 5,000 cases per encoding and direction, 1,000 per conversion A->B, a fresh seed each run
# (printed; rerun a failure with BUFBENCH_SIMD=LEVEL scripts/node-diff codecs --seed S);
# then the ASan+UBSan driver on 1,000 per direction; then every vector of
# tests/data/node/vectors.json.  A level the machine lacks is a "skipped" stage line with
# the reason, and the count of skipped levels is printed before the summary.
simd_levels_skipped=()
for simd_level in scalar sse42 avx2 avx512; do
  if ! why=$("$BUILD/tests/codec_driver" --simd-available "$simd_level"); then
    echo "==> [codecs-node-diff-$simd_level] skipped: $why"
    stage_lines+=("$(printf '%-28s skipped: %s' "codecs-node-diff-$simd_level" "$why")")
    simd_levels_skipped+=("$simd_level")
    continue
  fi
  run_stage "codecs-node-diff-$simd_level" env BUFBENCH_SIMD="$simd_level" scripts/node-diff codecs \
    --cases 5000 --convert-cases 1000 --driver "$BUILD/tests/codec_driver"
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
  UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
    run_stage "codecs-node-diff-asan-$simd_level" env BUFBENCH_SIMD="$simd_level" scripts/node-diff codecs \
    --cases 1000 --driver "$BUILD/asan/tests/codec_driver"
  run_stage "codecs-vectors-$simd_level" env BUFBENCH_SIMD="$simd_level" scripts/node-diff codecs --vectors \
    --driver "$BUILD/tests/codec_driver"
done
# The buffer model against Node: the differential and the typed-array vectors.
# Random operation programs (ArrayBuffers incl. resizable, all typed kinds, DataView, Buffer)
# run in C and in Node, every result and error class compared: ~100,000 operations with
# a fresh seed each run (printed; rerun with scripts/node-diff model --seed S), then the
# applicable vectors of tests/data/node/typed_vectors.json; then ~33,000 operations through
# the ASan+UBSan driver.
run_stage model-node-diff scripts/node-diff model --cases 1500 --driver "$BUILD/tests/model_driver"
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
  run_stage model-node-diff-asan scripts/node-diff model --cases 500 --no-vectors --driver "$BUILD/asan/tests/model_driver"
# Streams against Node: the line reader against readline (random files with \r, \n, \r\n,
# long lines and UTF-8, at random chunk sizes and short pieces, every backend), then chunked
# `buf convert` against Node's one-shot answer (random pairs, inputs, chunk sizes mostly
# 1-9 bytes, every backend); a fresh seed each run (printed; rerun with
# scripts/node-diff streams --seed S).
run_stage streams-node-diff scripts/node-diff streams --cases 200 --convert-cases 300 \
  --driver "$BUILD/tests/line_driver" --buf "$BUILD/buf"
# The baseline comparison (scripts/compare) on synthetic runs whose change is known, and its
# exact Mann-Whitney p-values and Holm adjustment (scripts/benchstats.py, shared with
# scripts/report) against hand computations.
run_stage compare tests/compare/run.sh
# Fuzz corpus replay: every committed corpus file through its own fuzz target, once per
# registered backend, in the plain replay build (blocks packed as in production: a
# neighbour one byte too close overlaps) and the ASan+UBSan one.  Builds both (-Werror)
# first; one count per corpus file and build.
run_stage fuzz-corpus bash -c 'make -j"$0" --no-print-directory WERROR=1 fuzz-replay-build && scripts/fuzz-replay.sh' "$JOBS"
# CI configuration: yamllint and a YAML parse of every workflow and fuzz-service project
# file, every script and make target a workflow's run: steps call exists, the
# ClusterFuzzLite/OSS-Fuzz Dockerfiles, project files and build scripts agree
# (scripts/check-ci.py, Debian's /usr/bin/python3 with python3-yaml).
run_stage ci-config scripts/check-ci.py
# The OSS-Fuzz build contract of fuzz/build.sh, through .clusterfuzzlite/build.sh and
# fuzz/oss-fuzz/build.sh with libFuzzer's and AFL++'s compilers and $LIB_FUZZING_ENGINE:
# every target, .dict, .options and seed corpus zip in $OUT, each binary over its seeds.
run_stage fuzz-build-contract scripts/check-fuzz-build.sh

# ---- Summary ------------------------------------------------------------------------
echo
echo "==> summary"
printf '  %s\n' "${stage_lines[@]}"
if (( ${#simd_levels_skipped[@]} )); then
  echo "  SIMD levels skipped (not on this machine): ${#simd_levels_skipped[@]} (${simd_levels_skipped[*]})"
fi
echo "$total_passed passed, $total_failed failed"
[[ $total_failed -eq 0 ]]
