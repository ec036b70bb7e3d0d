#!/usr/bin/env bash
# check-bench.sh — make test's stage `bench`: the benchmark suite runs end to end and its
# results keep DESIGN.md's promises.  Builds build/bench/bufbench-bench with -Werror, runs
# every family through scripts/bench-run.sh on the quick grid with a tiny min time
# (0.001 s, 2 repetitions, 4 MiB stream files: a smoke run, not a measurement) into a
# temporary folder, then checks (scripts/bench-json.js check):
#   - every row name is family/subject/param..., baseline_<what>/param... or node/ + one
#     of those, with no Google Benchmark suffix left in it;
#   - every base backend of `build/buf backends` appears in every backend family;
#   - no row has an error; the shim rows exist; every row has its 2 repetitions;
# then that FILTER selects by the names results.json holds (Google Benchmark's suffixes
# stripped, Node rows by their mirrored names): three small runs with a FILTER each.
# Ends with "bench: N passed, N failed".
set -euo pipefail
case ${1:-} in -h|--help) sed -n '2,/^set -/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;; esac
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
status=0
node scripts/bench-json.js check "$scratch/run/results.json" \
  --backends "$(build/buf backends | awk '{ print $1 }')" --repetitions 2 >"$scratch/check.log" || status=$?
grep -v -E '^bench: [0-9]+ passed, [0-9]+ failed' "$scratch/check.log" || true
summary=$(grep -E '^bench: [0-9]+ passed, [0-9]+ failed' "$scratch/check.log" | tail -n 1)
passed=$(sed -E 's/^bench: ([0-9]+) passed.*/\1/' <<<"$summary")
failed=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$summary")
[[ -n $summary ]] || { passed=0 failed=1; }
[[ $status -eq 0 || $failed -gt 0 ]] || failed=1

# FILTER means the names of results.json: anchored with $, it still selects a row Google
# Benchmark lists as NAME/real_time or NAME/manual_time, exactly the rows it names, and the
# Node mirrors of what it selects.  filter_case DESCRIPTION FILTER EXPECTED_NAME...
filter_case() {
  local what=$1 filter=$2 out; shift 2
  out=$scratch/filter-$((passed + failed))
  local want got
  want=$(printf '%s\n' "$@" | sort | paste -sd ' ')
  if ! FILTER=$filter BENCH_DATA_DIR="$scratch/data" BENCH_FILE_BYTES=$((4 << 20)) scripts/bench-run.sh --quick \
         --min-time 0.001 --repetitions 1 --no-preload --out "$out" >"$out.log" 2>&1; then
    failed=$((failed + 1)); echo "bench: FAIL $what: FILTER='$filter' ended the run:"; tail -n 3 "$out.log"; return
  fi
  got=$(node -e 'const run = require(process.argv[1]);
    console.log([...new Set(run.benchmarks.filter((row) => row.run_type === "iteration").map((row) => row.name))].sort().join(" "))' \
    "$(realpath "$out/results.json")")
  if [[ $got == "$want" ]]; then
    passed=$((passed + 1)); echo "bench: ok   $what"
  else
    failed=$((failed + 1)); echo "bench: FAIL $what: FILTER='$filter' selected '${got:0:300}', want '$want'"
  fi
}
filter_case "a \$-anchored FILTER selects the /real_time row and its Node mirror, nothing else" \
  '^stream_file/(malloc/)?65536$' stream_file/malloc/65536 node/stream_file/65536
filter_case "a FILTER anchored at both ends selects the /manual_time row" '^baseline_wc_l$' baseline_wc_l
filter_case "a leading '-' excludes by the names of results.json" \
  '-^([^s]|s[^h])' shim_overhead/c_batch shim_overhead/cxx_native

echo "bench: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
