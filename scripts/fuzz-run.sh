#!/usr/bin/env bash
# A short libFuzzer run of each fuzz target (or of the ones named), one after the other,
# then a summary table.  Called by `make fuzz [TARGET=x] [SECONDS=n]`.
#   FUZZ_SECONDS=60 scripts/fuzz-run.sh [TARGET...]
#   FUZZ_PLAIN_TARGETS="backend_ops"   targets that also run as long again in the
#                     libfuzzer-plain build (no ASan: blocks packed as in production, so a
#                     neighbour one byte too close overlaps instead of hitting a red zone)
# Each target starts from its committed corpus/<target>/ (copied into a working corpus,
# so corpus/ only changes through `make fuzz-overnight MERGE=1`) with its fuzz/<target>.dict
# and fuzz/<target>.options.  Crash files land in build/fuzz/run/<target>/ (plain runs:
# build/fuzz/run/<target>/plain/) and make the script exit non-zero; triage them with
# scripts/fuzz-triage.sh build/fuzz/run.
set -euo pipefail
case ${1:-} in -h|--help) sed -n '2,/^set -/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;; esac
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-60}
read -ra plain_targets <<<"${FUZZ_PLAIN_TARGETS-backend_ops}"
run_dir=build/fuzz/run
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  mapfile -t targets < <(MAKEFLAGS= make -s --no-print-directory fuzz-list)
  [[ ${#targets[@]} -gt 0 ]] || { echo "fuzz-run: make fuzz-list named no target" >&2; exit 1; }
fi

# fuzz/<target>.options ([libfuzzer] key = value lines) as -key=value flags.
options_flags() {
  local file=fuzz/$1.options
  [[ -f $file ]] || return 0
  awk -v dir=fuzz '/^\[/{section=$0; next} section=="[libfuzzer]" && /=/ {
      gsub(/[ \t]/, ""); split($0, kv, "="); if (kv[1]=="dict") kv[2]=dir "/" kv[2]; print "-" kv[1] "=" kv[2] }' "$file"
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
rows=() crashed=0
# One run: $1 target, $2 build variant, $3 working directory (corpus, log, crash files).
run_one() {
  local target=$1 variant=$2 dir=$3 bin=build/fuzz/$2/$1 rc
  [[ -x $bin ]] || { echo "fuzz-run: $bin missing; run 'make fuzz'" >&2; exit 1; }
  mkdir -p "$dir/corpus"
  [[ -d corpus/$target ]] && cp -n corpus/"$target"/* "$dir/corpus/" 2>/dev/null || true
  mapfile -t flags < <(options_flags "$target")
  echo "==> fuzz-run: $target ($variant) for ${seconds}s ${flags[*]}"
  set +e
  "$bin" "${flags[@]}" -max_total_time="$seconds" -print_final_stats=1 \
    -artifact_prefix="$dir/" "$dir/corpus" > "$dir/log.txt" 2>&1
  rc=$?
  set -e
  grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)' "$dir/log.txt" | tail -n 2 | sed 's/^/    /' || true
  execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$dir/log.txt" | tail -n 1)
  rate=$(sed -nE 's/^stat::average_exec_per_sec: *([0-9]+)/\1/p' "$dir/log.txt" | tail -n 1)
  cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$dir/log.txt" | tail -n 1 | sed -E 's/cov: ([0-9]+) ft: ([0-9]+) corp: ([0-9]+)/\1 \2 \3/')
  crashes=$(find "$dir" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
  if [[ $rc -ne 0 || $crashes -gt 0 ]]; then
    crashed=1
    grep -m 3 -E 'FUZZ_ASSERT|ERROR: |runtime error|SUMMARY' "$dir/log.txt" | sed 's/^/    /' || true
  fi
  read -r edges features units <<<"${cov:-0 0 0}"
  rows+=("$(printf '%-24s %-16s %8ss %12s %10s %8s %8s %8s %8s' "$target" "$variant" "$seconds" "${execs:-0}" "${rate:-0}" \
    "$edges" "$features" "$units" "$crashes")")
}

for target in "${targets[@]}"; do
  run_one "$target" libfuzzer "$run_dir/$target"
  for plain in "${plain_targets[@]}"; do
    [[ $plain == "$target" ]] && run_one "$target" libfuzzer-plain "$run_dir/$target/plain"
  done
done

echo
echo "==> fuzz-run summary (libfuzzer: ASan+UBSan, libfuzzer-plain: UBSan; logs in $run_dir/<target>/[plain/]log.txt)"
printf '%-24s %-16s %9s %12s %10s %8s %8s %8s %8s\n' target build time execs execs/s edges features corpus crashes
printf '%s\n' "${rows[@]}"
if [[ $crashed -ne 0 ]]; then
  echo "fuzz-run: crashes found; triage with: scripts/fuzz-triage.sh $run_dir" >&2
  exit 1
fi
