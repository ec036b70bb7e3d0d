#!/usr/bin/env bash
# fuzz/build.sh — builds the fuzz targets, locally through make or under the OSS-Fuzz contract.
#
#   fuzz/build.sh [VARIANT...]   through make: build/fuzz/VARIANT/<target> for each VARIANT
#                                (libfuzzer libfuzzer-plain afl afl-asan afl-cmplog replay
#                                replay-asan coverage; default: all of them, i.e.
#                                `make fuzz-build`)
#   OUT=/out fuzz/build.sh       OSS-Fuzz / ClusterFuzzLite mode (what .clusterfuzzlite/build.sh
#                                and fuzz/oss-fuzz/build.sh run): compile the library, the fuzz
#                                support code and each target with $CC $CFLAGS, link each target
#                                with $CXX $CXXFLAGS $LIB_FUZZING_ENGINE (as OSS-Fuzz asks: an
#                                engine's driver may need the C++ runtime), and put into $OUT,
#                                per target:
#                                  <target>                  the fuzzer
#                                  <target>.dict             its dictionary
#                                  <target>.options          its libFuzzer options
#                                  <target>_seed_corpus.zip  every file of corpus/<target>/
#                                Objects go to $WORK/bufbench-fuzz-objs when $WORK is set (a
#                                temporary directory otherwise).  Defaults for a local run:
#                                CC=clang CXX=clang++ CFLAGS="-O1 -g -fsanitize=fuzzer-no-link"
#                                LIB_FUZZING_ENGINE=-fsanitize=fuzzer.
#   fuzz/build.sh --help         this text
#
# The targets are what `make -s fuzz-list` prints (fuzz/NAME.c with a line starting
# `int LLVMFuzzerTestOneInput`); what each one links besides its own file is what
# `make -s fuzz-sources` prints (the library and the fuzz support code, not the drivers:
# the engine brings its own main).  scripts/check-fuzz-build.sh (make test's
# fuzz-build-contract stage) checks this mode with libFuzzer's and AFL++'s flags.
set -euo pipefail
if [[ ${1:-} == --help || ${1:-} == -h ]]; then sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; exit 0; fi
cd "$(dirname "$0")/.."

targets=$(MAKEFLAGS='' make -s --no-print-directory fuzz-list)
[[ -n $targets ]] || { echo "fuzz/build.sh: make fuzz-list named no target" >&2; exit 1; }

if [[ -z "${OUT:-}" ]]; then
  variants=("$@")
  [[ ${#variants[@]} -eq 0 ]] && exec make -j2 --no-print-directory fuzz-build
  goals=()
  for v in "${variants[@]}"; do for t in $targets; do goals+=("build/fuzz/$v/$t"); done; done
  echo "fuzz/build.sh: make ${goals[*]}"
  exec make -j2 --no-print-directory "${goals[@]}"
fi

# ---- OSS-Fuzz mode ----------------------------------------------------------------------
# OSS-Fuzz sets CC, CXX, CFLAGS, CXXFLAGS (sanitizer and coverage flags) and
# LIB_FUZZING_ENGINE; the defaults make a local run produce working libFuzzer binaries.
: "${CC:=clang}" "${CXX:=clang++}" "${CFLAGS:=-O1 -g -fsanitize=fuzzer-no-link}"
: "${CXXFLAGS:=$CFLAGS}" "${LIB_FUZZING_ENGINE:=-fsanitize=fuzzer}"
command -v zip >/dev/null ||
  { echo "fuzz/build.sh: zip is missing (the seed corpora are zip files); install it (apt-get install zip)" >&2; exit 1; }
mapfile -t sources < <(MAKEFLAGS='' make -s --no-print-directory fuzz-sources)
[[ ${#sources[@]} -gt 0 ]] || { echo "fuzz/build.sh: make fuzz-sources named no file" >&2; exit 1; }
if [[ -n ${WORK:-} ]]; then
  objdir=$WORK/bufbench-fuzz-objs
  rm -rf "$objdir"
  mkdir -p "$objdir"
else
  objdir=$(mktemp -d)
  trap 'rm -rf "$objdir"' EXIT
fi
mkdir -p "$OUT"
# The library's layers see each other by folder (-Iimpls); the harnesses see only the
# public headers (impls/include/), as every other user of the library does.  Assertions
# at level 2 (the expensive ones too), as in every other fuzz build.
flags=(-std=c11 -D_GNU_SOURCE -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION -DBUF_ASSERT_LEVEL=2
       -Iimpls/include -Ifuzz -Wall -Wextra)

compile() {  # compile SOURCE OBJECT
  local extra=()
  [[ $1 == impls/* ]] && extra=(-Iimpls)
  # shellcheck disable=SC2086  # CFLAGS is a word list by contract
  $CC "${flags[@]}" "${extra[@]}" $CFLAGS -c "$1" -o "$2"
}

# Compile on every core: the services build once per engine and sanitizer, and make test's
# fuzz-build-contract stage twice.
jobs=$(nproc 2>/dev/null || echo 2)
objs=()
pids=()
echo "fuzz/build.sh: $CC ${#sources[@]} library and support files into $objdir ($jobs at a time)"
for src in "${sources[@]}"; do
  obj="$objdir/$(echo "$src" | tr / _).o"
  objs+=("$obj")
  compile "$src" "$obj" & pids+=($!)
  if [[ ${#pids[@]} -ge $jobs ]]; then wait "${pids[0]}" || exit 1; pids=("${pids[@]:1}"); fi
done
for pid in "${pids[@]}"; do wait "$pid" || exit 1; done

for t in $targets; do
  compile "fuzz/$t.c" "$objdir/$t.o"
  # shellcheck disable=SC2086  # CXXFLAGS and LIB_FUZZING_ENGINE are word lists by contract
  $CXX $CXXFLAGS "$objdir/$t.o" "${objs[@]}" $LIB_FUZZING_ENGINE -lpthread -lm -o "$OUT/$t"
  for extension in dict options; do
    [[ -f fuzz/$t.$extension ]] && cp "fuzz/$t.$extension" "$OUT/$t.$extension"
  done
  rm -f "$OUT/${t}_seed_corpus.zip"
  if [[ -d corpus/$t ]]; then
    (cd "corpus/$t" && zip -q -j "$OUT/${t}_seed_corpus.zip" ./*)
  fi
  echo "fuzz/build.sh: $OUT/$t ($(find "corpus/$t" -type f 2>/dev/null | wc -l) seeds)"
done
