#!/usr/bin/env bash
# fuzz/build.sh — builds the fuzz targets.
#
#   fuzz/build.sh [VARIANT...]   through make: build/fuzz/VARIANT/<target> for each VARIANT
#                                (libfuzzer libfuzzer-plain afl afl-asan afl-cmplog replay
#                                replay-asan coverage; default: all of them, i.e.
#                                `make fuzz-build`)
#   OUT=/out fuzz/build.sh       OSS-Fuzz style: compile with $CC/$CFLAGS, link
#                                $LIB_FUZZING_ENGINE, and put each target with its .dict,
#                                .options and seed corpus zip into $OUT
#
# The targets are what `make -s fuzz-list` prints (fuzz/NAME.c with a line starting
# `int LLVMFuzzerTestOneInput`); the other fuzz/*.c files except the drivers are support
# code linked into every target.
set -euo pipefail
cd "$(dirname "$0")/.."

targets=$(MAKEFLAGS= make -s --no-print-directory fuzz-list)
[[ -n $targets ]] || { echo "fuzz/build.sh: make fuzz-list named no target" >&2; exit 1; }
support=$(ls fuzz/*.c | grep -v -x -F -e fuzz/afl_driver.c -e fuzz/replay_driver.c \
          $(for t in $targets; do printf -- '-e fuzz/%s.c ' "$t"; done))

if [[ -z "${OUT:-}" ]]; then
  variants=("$@")
  [[ ${#variants[@]} -eq 0 ]] && exec make -j2 --no-print-directory fuzz-build
  goals=()
  for v in "${variants[@]}"; do for t in $targets; do goals+=("build/fuzz/$v/$t"); done; done
  echo "fuzz/build.sh: make ${goals[*]}"
  exec make -j2 --no-print-directory "${goals[@]}"
fi

# OSS-Fuzz sets CC, CFLAGS (sanitizer and coverage flags) and LIB_FUZZING_ENGINE; the
# defaults make a local run produce working libFuzzer binaries (coverage-instrumented).
: "${CC:=clang}" "${CFLAGS:=-O1 -g -fsanitize=fuzzer-no-link}" "${LIB_FUZZING_ENGINE:=-fsanitize=fuzzer}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The library's layers see each other by folder (-Iimpls); the harnesses see only the
# public headers (impls/include/), as every other user of the library does.
flags=(-std=c11 -D_GNU_SOURCE -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION -DBUF_ASSERT_LEVEL=2 -Iimpls/include -Ifuzz)
objs=()
for src in impls/{core,backends,codecs,model}/*.c $support; do
  extra=()
  [[ $src == impls/* ]] && extra=(-Iimpls)
  obj="$work/$(echo "$src" | tr / _).o"
  echo "fuzz/build.sh: $CC $src"
  # shellcheck disable=SC2086
  $CC "${flags[@]}" "${extra[@]}" $CFLAGS -c "$src" -o "$obj"
  objs+=("$obj")
done
mkdir -p "$OUT"
for t in $targets; do
  # shellcheck disable=SC2086
  $CC "${flags[@]}" $CFLAGS -c "fuzz/$t.c" -o "$work/$t.o"
  # shellcheck disable=SC2086
  $CC $CFLAGS "$work/$t.o" "${objs[@]}" $LIB_FUZZING_ENGINE -lpthread -lm -o "$OUT/$t"
  [[ -f fuzz/$t.dict ]] && cp "fuzz/$t.dict" "$OUT/$t.dict"
  [[ -f fuzz/$t.options ]] && cp "fuzz/$t.options" "$OUT/$t.options"
  if [[ -d corpus/$t ]] && command -v zip >/dev/null; then
    (cd "corpus/$t" && zip -q -j "$OUT/${t}_seed_corpus.zip" ./*)
  fi
  echo "fuzz/build.sh: $OUT/$t"
done
