#!/usr/bin/env bash
# Line coverage of the library, impls/{core,backends,codecs,model}/*.c (harnesses,
# drivers, the reference codec and the CLI are excluded), from replaying corpora through
# the coverage build (build/fuzz/coverage/), every input once per registered backend.
#   scripts/fuzz-coverage.sh [OUT_DIR] [EXTRA_DIR...]
#     OUT_DIR    default reports/fuzz/coverage-<UTC timestamp>; gets html/, summary.txt
#     EXTRA_DIR  more input directories, each named <somewhere>/<target>/... so the
#                target is found as the path component that names a fuzz target
#                (e.g. build/fuzz/campaign/view_ops/afl/main/queue)
# Always replays corpus/<target>/.  Inputs that crash are left out (and listed), so the
# report shows what the passing inputs reach.
set -euo pipefail
case ${1:-} in -h|--help) sed -n '2,/^set -/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;; esac
cd "$(dirname "$0")/.."

out=${1:-reports/fuzz/coverage-$(date -u +%Y%m%dT%H%M%SZ)}
shift || true
bin_dir=build/fuzz/coverage
profdata_tool=$(command -v llvm-profdata-14 || command -v llvm-profdata) ||
  { echo "fuzz-coverage: llvm-profdata not found; run make deps (package llvm)" >&2; exit 1; }
cov_tool=$(command -v llvm-cov-14 || command -v llvm-cov) ||
  { echo "fuzz-coverage: llvm-cov not found; run make deps (package llvm)" >&2; exit 1; }
mapfile -t targets < <(MAKEFLAGS= make -s --no-print-directory fuzz-list)
[[ ${#targets[@]} -gt 0 ]] || { echo "fuzz-coverage: make fuzz-list named no target" >&2; exit 1; }
mkdir -p "$out/profiles"
rm -f "$out"/profiles/*.profraw

target_of() { # the first path component that is a target name
  local part
  IFS=/ read -ra parts <<<"$1"
  for part in "${parts[@]}"; do
    for t in "${targets[@]}"; do [[ $part == "$t" ]] && { echo "$t"; return; }; done
  done
}

dirs=()
for t in "${targets[@]}"; do [[ -d corpus/$t ]] && dirs+=("corpus/$t"); done
dirs+=("$@")
excluded=0 inputs=0
for dir in "${dirs[@]}"; do
  target=$(target_of "$dir")
  [[ -n $target && -x $bin_dir/$target ]] || { echo "fuzz-coverage: skip $dir (no target binary)"; continue; }
  mapfile -t files < <(find "$dir" -maxdepth 1 -type f ! -name '.*' ! -name 'README*' | sort)
  inputs=$((inputs + ${#files[@]}))
  # Fast path: the whole directory in one process; if something aborts, one by one.
  if ! LLVM_PROFILE_FILE="$out/profiles/$target-%p.profraw" "$bin_dir/$target" -backend=each "$dir" >/dev/null 2>&1; then
    rm -f "$out"/profiles/"$target"-*.profraw.tmp
    for file in "${files[@]}"; do
      if ! LLVM_PROFILE_FILE="$out/profiles/$target-%p.profraw" "$bin_dir/$target" -backend=each "$file" >/dev/null 2>&1; then
        excluded=$((excluded + 1)); echo "$file" >> "$out/excluded.txt"
      fi
    done
  fi
  echo "fuzz-coverage: $dir (${#files[@]} inputs) through $target"
done

"$profdata_tool" merge -sparse "$out"/profiles/*.profraw -o "$out/merged.profdata"
objects=()
for t in "${targets[@]}"; do [[ -x $bin_dir/$t ]] && objects+=(-object "$bin_dir/$t"); done
first=${objects[1]}
lib_sources=(impls/{core,backends,codecs,model}/*.c)
"$cov_tool" report "$first" "${objects[@]}" -instr-profile="$out/merged.profdata" "${lib_sources[@]}" > "$out/summary.txt"
"$cov_tool" show "$first" "${objects[@]}" -instr-profile="$out/merged.profdata" -format=html \
  -output-dir="$out/html" -show-line-counts-or-regions "${lib_sources[@]}" > /dev/null
total=$(awk '/^TOTAL/ {print $(NF-3)}' "$out/summary.txt")
lines=$(awk '/^TOTAL/ {print $(NF-5) " lines, " $(NF-4) " missed"}' "$out/summary.txt")
echo "fuzz-coverage: library (impls/) line coverage $total ($lines) from $inputs inputs, $excluded crashing inputs excluded"
echo "fuzz-coverage: $out/summary.txt, $out/html/index.html"
