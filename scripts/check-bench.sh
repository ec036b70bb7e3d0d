#!/usr/bin/env bash
# check-bench.sh — make test's stage `bench`: the benchmark suite runs end to end and its
# results keep DESIGN.md's promises.  Builds build/bench/bufbench-bench with -Werror, runs
# every family through scripts/bench-run.sh on the quick grid with a tiny min time
# (0.001 s, 2 repetitions, 4 MiB stream files: a smoke run, not a measurement) into a
# temporary folder, then checks (scripts/bench-json.js check):
#   - every row name is family/subject/param..., baseline_<what>/param... or node/ + one
#     of those, with no Google Benchmark suffix left in it;
#   - every base backend of `build/buf backends` appears in every backend family;
#   - no row has an error; the shim rows exist; every row has its 2 repetitions.
# Ends with "bench: N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

echo "check-bench: building the benchmark binary (-Werror)"
if ! make -j2 --no-print-directory WERROR=1 bench-build >"$scratch/build.log" 2>&1; then
  tail -n 30 "$scratch/build.log"
  echo "bench: 0 passed, 1 failed"
  exit 1
fi
echo "check-bench: the quick grid, min time 0.001 s, 2 repetitions, into $scratch/run"
if ! BENCH_DATA_DIR="$scratch/data" BENCH_FILE_BYTES=$((4 << 20)) scripts/bench-run.sh --quick --min-time 0.001 --repetitions 2 \
       --out "$scratch/run" >"$scratch/run.log" 2>&1; then
  tail -n 30 "$scratch/run.log"
  echo "bench: 0 passed, 1 failed"
  exit 1
fi
grep -E '^bench-run: ' "$scratch/run.log"
node scripts/bench-json.js check "$scratch/run/results.json" \
  --backends "$(build/buf backends | awk '{ print $1 }')" --repetitions 2
