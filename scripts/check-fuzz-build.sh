#!/usr/bin/env bash
# check-fuzz-build.sh — make test's fuzz-build-contract stage: fuzz/build.sh keeps the
# OSS-Fuzz build contract, so ClusterFuzzLite and OSS-Fuzz (which cannot run here: no
# container images) get working fuzzers.
#
#   scripts/check-fuzz-build.sh [ENGINE...]     ENGINE: libfuzzer afl (default: both)
#   scripts/check-fuzz-build.sh --help
#
# For each engine it sets the variables OSS-Fuzz sets for that engine, builds through the
# entry points the two services run, from outside the checkout, the way they see it
# ($SRC/bufbench is the checkout, a symlink here), into a fresh $OUT and $WORK:
#   libfuzzer  fuzz/oss-fuzz/build.sh     CC=clang CXX=clang++
#              CFLAGS=CXXFLAGS="-O1 ... -fsanitize=address -fsanitize=fuzzer-no-link"
#              LIB_FUZZING_ENGINE=-fsanitize=fuzzer
#   afl        .clusterfuzzlite/build.sh  CC=afl-clang-fast CXX=afl-clang-fast++
#              CFLAGS=CXXFLAGS="-O1 ... -fsanitize=address"
#              LIB_FUZZING_ENGINE=/usr/lib/afl/libAFLDriver.a (AFL++'s libFuzzer-style main)
# then checks, for every target `make fuzz-list` names, one count each:
#   - $OUT/<target> is an executable file
#   - $OUT/<target>.dict and .options are the committed fuzz/<target>.dict and .options,
#     and the dictionary an .options file names is in $OUT
#   - $OUT/<target>_seed_corpus.zip holds exactly the files of corpus/<target>/
#   - the binary runs its whole seed corpus (unzipped from that zip) without a crash:
#     libFuzzer `<target> -runs=0 DIR`, the AFL++ driver `<target> FILE...`
# -O1 and line tables only keep each build near 30 s on two cores.  Ends with the line
#   N passed, N failed
set -euo pipefail
if [[ ${1:-} == --help || ${1:-} == -h ]]; then sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; exit 0; fi
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

engines=("$@")
[[ ${#engines[@]} -eq 0 ]] && engines=(libfuzzer afl)
mapfile -t targets < <(MAKEFLAGS='' make -s --no-print-directory fuzz-list)
[[ ${#targets[@]} -gt 0 ]] || { echo "check-fuzz-build: make fuzz-list named no target" >&2; exit 1; }

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "  ok    $*"; }
fail() { failed=$((failed + 1)); echo "  FAIL  $*"; }

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/src"
ln -s "$repo" "$scratch/src/bufbench"

common_flags="-O1 -fno-omit-frame-pointer -gline-tables-only -fsanitize=address -fsanitize-address-use-after-scope"

# Runs one target's seed corpus (unzipped in $2) through its binary $1 for engine $3;
# the last 20 lines of output go to the log when it fails.
run_seeds() {
  local binary=$1 seeds=$2 engine=$3 log=$scratch/run.log
  local status=0
  case $engine in
    libfuzzer) "$binary" -runs=0 -artifact_prefix="$scratch/" "$seeds" > "$log" 2>&1 || status=$? ;;
    # The AFL++ driver runs each file argument once (stdin when there is none); batches
    # of 200 keep the command line short.
    afl) find "$seeds" -type f -print0 | xargs -0 -n 200 "$binary" > "$log" 2>&1 || status=$? ;;
  esac
  [[ $status -eq 0 ]] || tail -n 20 "$log" | sed 's/^/        /'
  return $status
}

for engine in "${engines[@]}"; do
  out=$scratch/out-$engine
  work=$scratch/work-$engine
  mkdir -p "$out" "$work"
  case $engine in
    libfuzzer)
      entry=fuzz/oss-fuzz/build.sh
      vars=(CC=clang CXX=clang++ "CFLAGS=$common_flags -fsanitize=fuzzer-no-link"
            "CXXFLAGS=$common_flags -fsanitize=fuzzer-no-link" LIB_FUZZING_ENGINE=-fsanitize=fuzzer) ;;
    afl)
      entry=.clusterfuzzlite/build.sh
      driver=${AFL_DRIVER:-/usr/lib/afl/libAFLDriver.a}
      if ! command -v afl-clang-fast >/dev/null || [[ ! -f $driver ]]; then
        fail "afl: afl-clang-fast or $driver missing; run 'make deps' (package afl++)"
        continue
      fi
      vars=(CC=afl-clang-fast CXX=afl-clang-fast++ "CFLAGS=$common_flags" "CXXFLAGS=$common_flags"
            "LIB_FUZZING_ENGINE=$driver" AFL_QUIET=1) ;;
    *) echo "check-fuzz-build: unknown engine '$engine' (libfuzzer or afl)" >&2; exit 2 ;;
  esac
  echo "==> $engine: $entry with OUT=$out"
  if ! (cd "$scratch" && env "${vars[@]}" SRC="$scratch/src" OUT="$out" WORK="$work" \
          "$scratch/src/bufbench/$entry" > "$scratch/build-$engine.log" 2>&1); then
    tail -n 30 "$scratch/build-$engine.log" | sed 's/^/        /'
    fail "$engine: $entry failed"
    continue
  fi
  pass "$engine: $entry built"

  for t in "${targets[@]}"; do
    if [[ -f $out/$t && -x $out/$t ]]; then pass "$engine $t: executable"; else fail "$engine $t: no executable $out/$t"; continue; fi

    for extension in dict options; do
      if [[ ! -f fuzz/$t.$extension ]]; then
        fail "$engine $t: fuzz/$t.$extension is not committed (every target has one)"
      elif cmp -s "fuzz/$t.$extension" "$out/$t.$extension"; then
        pass "$engine $t: $t.$extension"
      else
        fail "$engine $t: $out/$t.$extension missing or not fuzz/$t.$extension"
      fi
    done
    named_dict=$(sed -nE 's/^dict *= *//p' "fuzz/$t.options" 2>/dev/null | head -n 1)
    if [[ -n $named_dict && ! -f $out/$named_dict ]]; then
      fail "$engine $t: $t.options names dict $named_dict, which is not in \$OUT"
    fi

    zip_file=$out/${t}_seed_corpus.zip
    committed=$(find "corpus/$t" -type f | wc -l)
    seeds=$scratch/seeds-$engine-$t
    if [[ ! -f $zip_file ]]; then fail "$engine $t: no $zip_file"; continue; fi
    mkdir -p "$seeds"
    unzip -q -o "$zip_file" -d "$seeds"
    in_zip=$(find "$seeds" -type f | wc -l)
    if [[ $in_zip -eq $committed && $committed -gt 0 ]] &&
       diff -q <(cd "corpus/$t" && find . -type f | sort) <(cd "$seeds" && find . -type f | sort) >/dev/null; then
      pass "$engine $t: seed zip holds the $committed files of corpus/$t"
    else
      fail "$engine $t: seed zip holds $in_zip files, corpus/$t has $committed (names must match)"
    fi

    if run_seeds "$out/$t" "$seeds" "$engine"; then
      pass "$engine $t: ran its $in_zip seeds"
    else
      fail "$engine $t: crashed or failed on its seed corpus"
    fi
  done
  rm -rf "$out" "$work" "$scratch"/seeds-"$engine"-*
done

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
