#!/usr/bin/env bash
# An unattended fuzzing campaign on all cores, then triage, corpus merge, charts and a
# coverage report, all summarized in reports/fuzz/<UTC timestamp>/summary.md.
#
#   FUZZ_HOURS=8 scripts/fuzz-overnight.sh [TARGET...]      (make fuzz-overnight HOURS=8)
#   FUZZ_MINUTES=10 / FUZZ_SECONDS=120                      shorter runs (override HOURS)
#   FUZZ_JOBS=N       instances at once (default: all cores, nproc)
#   FUZZ_MERGE=1      merge new coverage back into corpus/<target>/ (SHA-1 names)
#   FUZZ_STATUS_SECONDS=300   status line period
#   FUZZ_CAMPAIGN=build/fuzz/campaign   working state; re-running resumes it (each target's
#                     elapsed time is kept in $FUZZ_CAMPAIGN/progress; AFL++ resumes its
#                     queues with AFL_AUTORESUME, libFuzzer reuses its corpus); delete the
#                     directory to start afresh
#
# The time is split evenly over the targets, which run one after the other, each on all
# cores.  Instances per target, by core:
#   0  AFL++ main        -M main  -p explore, with the CMPLOG binary (-c, -l 2AT)
#   1  AFL++ secondary   -S asan  -p fast, the ASan+UBSan AFL++ build (memory bugs)
#   2  libFuzzer         -fork=1 -ignore_crashes=1, ASan+UBSan, corpus shared with AFL++ main
#   3+ AFL++ secondaries -S secN with other power schedules (coe, rare, exploit, seek, mmopt,
#                        lin, quad), every other one with CMPLOG
set -euo pipefail
case ${1:-} in -h|--help) sed -n '2,/^set -/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;; esac
cd "$(dirname "$0")/.."

# ---- Settings ----------------------------------------------------------------------------
if [[ -n ${FUZZ_SECONDS:-} ]]; then total=$FUZZ_SECONDS
elif [[ -n ${FUZZ_MINUTES:-} ]]; then total=$(awk -v m="$FUZZ_MINUTES" 'BEGIN{printf "%d", m*60}')
else total=$(awk -v h="${FUZZ_HOURS:-8}" 'BEGIN{printf "%d", h*3600}'); fi
jobs=${FUZZ_JOBS:-$(nproc)}
campaign=${FUZZ_CAMPAIGN:-build/fuzz/campaign}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
report=reports/fuzz/$stamp
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  mapfile -t targets < <(MAKEFLAGS= make -s --no-print-directory fuzz-list)
  [[ ${#targets[@]} -gt 0 ]] || { echo "fuzz-overnight: make fuzz-list named no target" >&2; exit 1; }
fi
slot=$(( total / ${#targets[@]} ))
status_every=${FUZZ_STATUS_SECONDS:-$(( slot / 6 < 300 ? (slot / 6 < 10 ? 10 : slot / 6) : 300 ))}
for tool in afl-fuzz afl-plot; do
  command -v $tool >/dev/null || { echo "fuzz-overnight: $tool missing; run 'make deps' (package afl++)" >&2; exit 1; }
done
for t in "${targets[@]}"; do
  for v in afl afl-asan afl-cmplog libfuzzer replay-asan coverage; do
    [[ -x build/fuzz/$v/$t ]] || { echo "fuzz-overnight: build/fuzz/$v/$t missing; run 'make fuzz-build'" >&2; exit 1; }
  done
done
mkdir -p "$campaign" "$report"
touch "$campaign/progress"

export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_AUTORESUME=1
export AFL_NO_AFFINITY=1 AFL_QUIET=1
schedules=(coe rare exploit seek mmopt lin quad)
echo "fuzz-overnight: $total s over ${#targets[@]} targets (${slot}s each), $jobs instances, report $report"

elapsed_of() { awk -v t="$1" '$1==t {e=$2} END{print e+0}' "$campaign/progress"; }
set_elapsed() {
  awk -v t="$1" '$1!=t' "$campaign/progress" > "$campaign/progress.new"
  echo "$1 $2" >> "$campaign/progress.new"
  mv "$campaign/progress.new" "$campaign/progress"
}
stat_of() { local v; v=$(sed -nE "s/^$2 *: *([^ ]+).*/\1/p" "$1" 2>/dev/null | head -n 1); echo "${v:-0}"; }
# execs/s over the instance's whole run (fuzzer_stats' own execs_per_sec is a recent rate).
rate_of() { awk -v e="$(stat_of "$1" execs_done)" -v t="$(stat_of "$1" run_time)" 'BEGIN{printf "%.0f", (t > 0 ? e / t : 0)}'; }

# One status line: summed AFL++ execs/s, main's coverage and stability, crashes, libFuzzer.
status_line() {
  local t=$1 dir=$campaign/$1 rate=0 crashes=0 cov=? stability=? lf=""
  for stats in "$dir"/afl/*/fuzzer_stats; do
    [[ -f $stats ]] || continue
    rate=$(( rate + $(rate_of "$stats") ))
    crashes=$(( crashes + $(stat_of "$stats" saved_crashes) ))
  done
  if [[ -f $dir/afl/main/fuzzer_stats ]]; then
    cov=$(stat_of "$dir/afl/main/fuzzer_stats" bitmap_cvg); stability=$(stat_of "$dir/afl/main/fuzzer_stats" stability)
  fi
  if [[ -f $dir/libfuzzer.log ]]; then
    lf=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+.* exec/s:? [0-9]+' "$dir/libfuzzer.log" | tail -n 1 |
      sed -E 's/cov: ([0-9]+) ft: ([0-9]+) corp: ([0-9]+).* exec\/s:? ([0-9]+)/libFuzzer cov \1 ft \2 corpus \3 exec\/s \4/' || true)
    crashes=$(( crashes + $(find "$dir/libfuzzer-artifacts" -type f 2>/dev/null | wc -l) ))
  fi
  printf '[%s] %-22s AFL++ %s execs/s, map %s, stability %s | crashes %d | %s\n' \
    "$(date -u +%H:%M:%S)" "$t" "$rate" "$cov" "$stability" "$crashes" "${lf:-libFuzzer -}"
}

# ---- Fuzzing ------------------------------------------------------------------------------
for t in "${targets[@]}"; do
  dir=$campaign/$t
  done_seconds=$(elapsed_of "$t")
  remaining=$(( slot - done_seconds ))
  if (( remaining < 5 )); then echo "fuzz-overnight: $t already had ${done_seconds}s, skipping"; continue; fi
  mkdir -p "$dir/afl" "$dir/libfuzzer" "$dir/libfuzzer-artifacts" "$dir/seeds"
  cp -n corpus/"$t"/* "$dir/seeds/" 2>/dev/null || true
  [[ -n $(ls -A "$dir/seeds") ]] || printf '\0' > "$dir/seeds/empty"
  dict=(); [[ -f fuzz/$t.dict ]] && dict=(-x "fuzz/$t.dict")
  echo "==> fuzz-overnight: $t for ${remaining}s (resumed after ${done_seconds}s)"
  pids=() afl_pids=()
  trap 'for p in "${afl_pids[@]}"; do kill -INT "$p" 2>/dev/null; done; for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done' EXIT
  for (( i = 0; i < jobs; i++ )); do
    case $i in
      0) args=(-M main -p explore -c "build/fuzz/afl-cmplog/$t" -l 2AT -- "build/fuzz/afl/$t") ;;
      1) args=(-S asan -p fast -- "build/fuzz/afl-asan/$t") ;;
      2) args=() ;;
      *) s=${schedules[$(( (i - 3) % ${#schedules[@]} ))]}
         if (( i % 2 )); then args=(-S "sec$i" -p "$s" -c "build/fuzz/afl-cmplog/$t" -l 2AT -- "build/fuzz/afl/$t")
         else args=(-S "sec$i" -p "$s" -- "build/fuzz/afl/$t"); fi ;;
    esac
    if (( i == 2 )); then
      ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 "build/fuzz/libfuzzer/$t" -fork=1 -ignore_crashes=1 \
        -ignore_timeouts=1 -ignore_ooms=1 -max_total_time="$remaining" -artifact_prefix="$dir/libfuzzer-artifacts/" \
        $(awk '/^\[libfuzzer\]/{on=1;next} /^\[/{on=0} on && /=/{gsub(/[ \t]/,""); split($0,kv,"="); if (kv[1]=="dict") kv[2]="fuzz/" kv[2]; print "-" kv[1] "=" kv[2]}' "fuzz/$t.options" 2>/dev/null) \
        "$dir/libfuzzer" "$dir/seeds" > "$dir/libfuzzer.log" 2>&1 &
      pids+=($!)
    else
      ASAN_OPTIONS=abort_on_error=1:symbolize=0:detect_leaks=0:allocator_may_return_null=1 \
        afl-fuzz -i "$dir/seeds" -o "$dir/afl" -m none -t 2000 "${dict[@]}" "${args[@]}" \
        > "$dir/afl-$i.log" 2>&1 &
      pids+=($!) afl_pids+=($!)
    fi
  done
  start=$(date +%s) next_status=$(( start + status_every ))
  while :; do
    sleep 5
    now=$(date +%s)
    set_elapsed "$t" $(( done_seconds + now - start ))
    (( now - start >= remaining )) && break
    alive=0; for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    (( alive )) || { echo "fuzz-overnight: every instance of $t exited early; see $dir/*.log" >&2; break; }
    (( now >= next_status )) && { status_line "$t"; next_status=$(( now + status_every )); }
  done
  for p in "${afl_pids[@]}"; do kill -INT "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  pids=() afl_pids=()
  trap - EXIT
  status_line "$t" | tee -a "$report/status.txt"
done

# ---- Afterwards: charts, triage, merge, coverage, summary -----------------------------------
echo "==> fuzz-overnight: charts"
for t in "${targets[@]}"; do
  if [[ -d $campaign/$t/afl/main ]] && ! afl-plot "$campaign/$t/afl/main" "$report/plots/$t" > "$report/plots-$t.log" 2>&1; then
    echo "fuzz-overnight: no chart for $t: $(grep -m1 -i error "$report/plots-$t.log" || echo 'afl-plot failed')"
  fi
done

echo "==> fuzz-overnight: triage"
scripts/fuzz-triage.sh "$campaign" "$report/triage" | tail -n 1

merged=()
if [[ ${FUZZ_MERGE:-0} == 1 ]]; then
  echo "==> fuzz-overnight: merging new coverage into corpus/"
  for t in "${targets[@]}"; do
    before=$(find "corpus/$t" -type f | wc -l)
    queues=("$campaign/$t"/afl/*/queue "$campaign/$t/libfuzzer")
    ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 "build/fuzz/libfuzzer/$t" -merge=1 \
      -merge_control_file="$campaign/$t/merge.control" "corpus/$t" "${queues[@]}" > "$campaign/$t/merge.log" 2>&1 || true
    after=$(find "corpus/$t" -type f | wc -l)
    merged+=("$t: $before -> $after files")
  done
fi

echo "==> fuzz-overnight: coverage"
extra=()
for t in "${targets[@]}"; do
  for q in "$campaign/$t"/afl/*/queue "$campaign/$t/libfuzzer"; do [[ -d $q ]] && extra+=("$q"); done
done
coverage_line=$(scripts/fuzz-coverage.sh "$report/coverage" "${extra[@]}" | grep 'line coverage' || true)

{
  echo "# Fuzz campaign $stamp"
  echo
  echo "Duration ${total}s over ${#targets[@]} targets (${slot}s each) with $jobs instances; campaign state in \`$campaign\`."
  echo
  echo "## Per target"
  echo
  echo "| target | instance | execs | execs/s | map coverage | stability | corpus | crashes |"
  echo "|---|---|---|---|---|---|---|---|"
  for t in "${targets[@]}"; do
    for stats in "$campaign/$t"/afl/*/fuzzer_stats; do
      [[ -f $stats ]] || continue
      name=$(basename "$(dirname "$stats")")
      echo "| $t | AFL++ $name | $(stat_of "$stats" execs_done) | $(rate_of "$stats") | $(stat_of "$stats" bitmap_cvg) | $(stat_of "$stats" stability) | $(stat_of "$stats" corpus_count) | $(stat_of "$stats" saved_crashes) |"
    done
    if [[ -f $campaign/$t/libfuzzer.log ]]; then
      line=$(grep -E 'cov: [0-9]+' "$campaign/$t/libfuzzer.log" | tail -n 1 || true)
      field() { grep -oE "$1:? [0-9]+" <<<"$line" | tail -n 1 | cut -d' ' -f2 || true; }
      echo "| $t | libFuzzer fork | - | $(field exec/s) | cov $(field cov) edges | - | $(field corp) | $(find "$campaign/$t/libfuzzer-artifacts" -type f | wc -l) |"
    fi
  done
  echo
  echo "Status lines: \`status.txt\`; AFL++ charts: \`plots/<target>/index.html\` (afl-plot needs a few minutes of plot_data)."
  echo
  echo "## Crashes"
  echo
  sed '1,2d' "$report/triage/triage.md"
  echo
  echo "## Coverage of impls/"
  echo
  echo "${coverage_line:-coverage report failed}"
  echo "(HTML: \`coverage/html/index.html\`, table: \`coverage/summary.txt\`; crashing inputs excluded.)"
  echo
  echo "## Corpus merge"
  echo
  if [[ ${#merged[@]} -gt 0 ]]; then printf -- '- %s\n' "${merged[@]}"; else echo "Not requested (MERGE=1 merges new coverage into corpus/)."; fi
} > "$report/summary.md"
echo "fuzz-overnight: done; $report/summary.md"
