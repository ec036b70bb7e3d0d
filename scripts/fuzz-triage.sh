#!/usr/bin/env bash
# Crash triage: replays every crash file of a campaign (or of `make fuzz` runs) with the
# sanitizer replay build, and with the plain one when that passes (a block placed too
# close to its neighbour only overlaps where there are no red zones: AFL++ main and
# libfuzzer-plain find such crashes), buckets them by target + sanitizer type + top
# frames (distinct bugs, not files), minimizes one reproducer per bucket with libFuzzer,
# and writes triage.md with one row per bucket.
#   scripts/fuzz-triage.sh [SOURCE_DIR [REPORT_DIR]]
#     SOURCE_DIR  default build/fuzz/campaign; crash files are found as
#                 <target>/afl/*/crashes/id:*  (AFL++) and  <target>/**/crash-*, leak-*,
#                 timeout-*, oom-*  (libFuzzer), the target being the first path component
#     REPORT_DIR  default reports/fuzz/triage-<UTC timestamp>
#   FUZZ_MINIMIZE_SECONDS=30 per bucket (0 skips minimization)
set -euo pipefail
case ${1:-} in -h|--help) sed -n '2,/^set -/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;; esac
cd "$(dirname "$0")/.."

source_dir=${1:-build/fuzz/campaign}
report_dir=${2:-reports/fuzz/triage-$(date -u +%Y%m%dT%H%M%SZ)}
minimize_seconds=${FUZZ_MINIMIZE_SECONDS:-30}
replay=build/fuzz/replay-asan plain_replay=build/fuzz/replay
libfuzzer=build/fuzz/libfuzzer plain_libfuzzer=build/fuzz/libfuzzer-plain
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:allocator_may_return_null=1:symbolize=1:handle_abort=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
mkdir -p "$report_dir/buckets"
[[ -d $source_dir ]] || { echo "fuzz-triage: no $source_dir (run a campaign first)" >&2; exit 1; }

# The bucket key of one sanitizer/assert log: kind, then up to three frames of our code.
bucket_key() {
  local log=$1 kind frames
  if grep -q 'FUZZ_ASSERT failed' "$log"; then
    kind="assert $(grep -m1 -oE '[A-Za-z0-9_./-]+:[0-9]+: FUZZ_ASSERT' "$log" | sed 's/: FUZZ_ASSERT//; s|.*/||')"
  elif grep -q 'runtime error:' "$log"; then
    kind="ubsan $(grep -m1 -oE 'runtime error: [a-z -]+' "$log" | sed 's/runtime error: //; s/ *$//')"
  elif grep -q 'LeakSanitizer' "$log"; then
    kind="leak"
  elif grep -q 'ERROR: AddressSanitizer' "$log"; then
    kind="asan $(grep -m1 -oE 'AddressSanitizer: [a-zA-Z-]+' "$log" | sed 's/AddressSanitizer: //')"
  else
    kind="no-report"
  fi
  # The first stack only (not the allocation/free stacks ASan prints after it).
  frames=$(awk '/^ *#0 /{on=1} on && /^ *#[0-9]+ /{print; next} on{exit}' "$log" |
    grep -E '^ *#[0-9]+ 0x[0-9a-f]+ in [^ ]+ [^ ]*(impls|fuzz)/[^/ ]+\.[ch]:[0-9]+' |
    grep -vE 'fuzz/(afl|replay)_driver.c' | sed -E 's/.* in ([^ ]+) .*/\1/' | head -n 3 | paste -sd '<' -)
  echo "$kind @ ${frames:-?}"
}

declare -A bucket_files=() bucket_first=() bucket_target=() bucket_build=()
bucket_keys=()
total=0 reproduced=0 buckets=0
while IFS= read -r file; do
  rel=${file#"$source_dir"/}
  target=${rel%%/*}
  [[ -x $replay/$target ]] || { echo "fuzz-triage: skip $file (no $replay/$target)"; continue; }
  total=$((total + 1))
  log=$(mktemp)
  build=asan
  if timeout 60 "$replay/$target" "$file" > /dev/null 2> "$log" &&
     { build=plain; [[ ! -x $plain_replay/$target ]] || timeout 60 "$plain_replay/$target" "$file" > /dev/null 2> "$log"; }; then
    key="$target: not reproducible"
  else
    reproduced=$((reproduced + 1))
    key="$target: $(bucket_key "$log")"
    [[ $build == plain ]] && key="$key (plain build only)"
  fi
  if [[ -z ${bucket_files[$key]:-} ]]; then
    buckets=$((buckets + 1))
    bucket_keys+=("$key")
    bucket_first[$key]=$file
    bucket_target[$key]=$target
    bucket_build[$key]=$build
    id=$(printf '%s' "$key" | sha1sum | cut -c1-10)
    mkdir -p "$report_dir/buckets/$id"
    cp "$log" "$report_dir/buckets/$id/log.txt"
    cp "$file" "$report_dir/buckets/$id/reproducer"
  fi
  bucket_files[$key]=$(( ${bucket_files[$key]:-0} + 1 ))
  rm -f "$log"
done < <(find "$source_dir" -type f \( -path '*/crashes/id:*' -o -name 'crash-*' -o -name 'leak-*' \
           -o -name 'timeout-*' -o -name 'oom-*' \) 2>/dev/null | sort)

{
  echo "# Crash triage"
  echo
  echo "Source: \`$source_dir\` — $total crash files, $reproduced reproduced with the ASan+UBSan or the plain replay build,"
  echo "$buckets distinct buckets (target + sanitizer type + top frames)."
  echo
  if [[ $buckets -gt 0 ]]; then
    echo "| bucket | target | kind @ top frames | files | reproduce |"
    echo "|---|---|---|---|---|"
  fi
} > "$report_dir/triage.md"

for key in "${bucket_keys[@]}"; do
  id=$(printf '%s' "$key" | sha1sum | cut -c1-10)
  target=${bucket_target[$key]}
  dir=$report_dir/buckets/$id
  repro=$dir/reproducer
  runner=$replay minimizer=$libfuzzer
  [[ ${bucket_build[$key]} == plain ]] && runner=$plain_replay minimizer=$plain_libfuzzer
  if [[ $key != *"not reproducible"* && $minimize_seconds -gt 0 && -x $minimizer/$target ]]; then
    echo "fuzz-triage: minimizing bucket $id ($key)"
    ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 timeout $((minimize_seconds + 30)) \
      "$minimizer/$target" -minimize_crash=1 -max_total_time="$minimize_seconds" \
      -exact_artifact_path="$dir/minimized" "$repro" > "$dir/minimize.log" 2>&1 || true
    [[ -s $dir/minimized ]] && repro=$dir/minimized
  fi
  echo "| $id | $target | \`${key#"$target: "}\` | ${bucket_files[$key]} | \`$runner/$target $repro\` |" >> "$report_dir/triage.md"
done
cat "$report_dir/triage.md"
echo "fuzz-triage: report in $report_dir/triage.md"
