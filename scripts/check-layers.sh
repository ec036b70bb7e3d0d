#!/usr/bin/env bash
# check-layers — the dependency order of the library, checked (DESIGN.md "Layers and folders").
#
#   scripts/check-layers.sh [BUILD_DIR]      (make check-layers; make test runs it)
#
# The library is one folder per layer under impls/; dependencies run one way:
#
#   users: impls/cli, tests, fuzz, bench, docs     (impls/include/ only; a unit test may
#                                                   also include a layer's *_testing.h)
#   streams  >  model  >  codecs, backends  >  core
#
# Checked here:
#   1. includes: a library file includes only public headers of its own layer or of a layer
#      below it, private headers of its own folder, and impls/core/ headers (core is the
#      base every layer builds on: its headers are internal to the library, never public);
#      codecs and backends are siblings and never include each other.  A user of the library
#      includes impls/include/ headers and its own files; tests/unit/ may also include
#      "<layer>/<layer>_testing.h".
#   2. exports: every global symbol the library defines is either public (buf_*, declared in
#      an impls/include/ header) or carries the prefix of the layer that defines it
#      (core_, backend_, codec_, model_, stream_).
#   3. uses: the CLI, the test tools, the benchmarks (C and C++) and the fuzz harnesses call
#      only buf_* functions of the library; unit tests call an internal function only if a *_testing.h declares it.
# Prints one line per violation and "check-layers: N passed, N failed"; exits 1 on any.
set -euo pipefail
case ${1:-} in -h|--help) sed -n '2,/^set -/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;; esac
cd "$(dirname "$0")/.."
BUILD=${1:-build}

failed=0
passed=0
fail() { echo "check-layers: $*"; failed=$((failed + 1)); }

# ---- The layers ---------------------------------------------------------------------
# rank: a layer may use layers of lower rank; equal rank means siblings (no use at all).
declare -A rank=([core]=0 [codecs]=1 [backends]=1 [model]=2 [streams]=3)
# The layer each public header belongs to.
declare -A public_layer=([buf_status.h]=core [buf_bytes.h]=backends [buf_backend.h]=backends
                         [buf_codec.h]=codecs [buf_model.h]=model [buf_stream.h]=streams)
prefix_of() { case $1 in backends) echo backend_ ;; codecs) echo codec_ ;; streams) echo stream_ ;; *) echo "$1"_ ;; esac; }

# may_use LAYER DEP: LAYER's files may depend on DEP.
may_use() { [[ $1 == "$2" || $2 == core ]] || (( ${rank[$2]} < ${rank[$1]} )); }

for header in impls/include/*.h; do
  name=${header##*/}
  [[ -n ${public_layer[$name]:-} ]] || fail "$header: a public header that no layer owns (add it to public_layer in $0)"
done

# quoted_includes FILE: the "..." includes of FILE, one per line.
quoted_includes() { sed -nE 's/^[[:space:]]*#[[:space:]]*include[[:space:]]+"([^"]+)".*/\1/p' "$1"; }

# ---- 1. Includes ----------------------------------------------------------------------
lib_files=$(ls impls/include/*.h impls/{core,backends,codecs,model,streams}/*.[ch] 2>/dev/null || true)
for file in $lib_files; do
  layer=$(basename "$(dirname "$file")")
  # A public header belongs to the layer that implements it.
  [[ $layer == include ]] && layer=${public_layer[${file##*/}]:-core}
  ok=1
  while read -r inc; do
    [[ -z $inc ]] && continue
    if [[ -f impls/include/$inc ]]; then
      dep=${public_layer[$inc]:-core}
      may_use "$layer" "$dep" || { fail "$file includes $inc: the $dep layer is not below $layer"; ok=0; }
    elif [[ $inc == */* ]]; then
      dep=${inc%%/*}
      if [[ -z ${rank[$dep]:-} || ! -f impls/$inc ]]; then
        fail "$file includes $inc: no such library header"; ok=0
      elif [[ $dep != core && $dep != "$layer" ]]; then
        fail "$file includes $inc: a private header of the $dep layer (use its public header)"; ok=0
      fi
    elif [[ ! -f $(dirname "$file")/$inc ]]; then
      fail "$file includes \"$inc\": not a public header nor a file of its own folder"; ok=0
    fi
  done < <(quoted_includes "$file")
  ((ok)) && passed=$((passed + 1))
done

user_files=$(ls impls/cli/*.[ch] tests/unit/*.[ch] tests/tools/*.[ch] fuzz/*.[ch] docs/*.c bench/*.[ch] bench/*.cc 2>/dev/null || true)
for file in $user_files; do
  dir=$(dirname "$file")
  ok=1
  while read -r inc; do
    [[ -z $inc ]] && continue
    if [[ -f impls/include/$inc || -f $dir/$inc ]]; then
      continue
    elif [[ $dir == tests/unit && $inc =~ ^([a-z]+)/([a-z]+)_testing\.h$ && -f impls/$inc ]]; then
      continue
    else
      fail "$file includes \"$inc\": users of the library include impls/include/ headers only"; ok=0
    fi
  done < <(quoted_includes "$file")
  ((ok)) && passed=$((passed + 1))
done

# ---- 2. Exports -------------------------------------------------------------------------
declared=$(cat impls/include/*.h | grep -oE '\bbuf_[A-Za-z0-9_]+\b' | sort -u)
# What the *_testing.h headers declare, with whatever internal header they include.
testing_declared=$(for h in impls/*/*_testing.h; do
                     [[ -f $h ]] && ${CC:-gcc} -E -P -D_GNU_SOURCE -Iimpls/include -Iimpls "$h"
                   done | grep -oE '\b[a-z]+_[A-Za-z0-9_]+\b' | sort -u)
lib_objs=$(ls "$BUILD"/obj/impls/{core,backends,codecs,model,streams}/*.o 2>/dev/null || true)
[[ -n $lib_objs ]] || { echo "check-layers: no objects under $BUILD/obj/impls/: run make first" >&2; exit 2; }
library_symbols=""
for obj in $lib_objs; do
  layer=$(basename "$(dirname "$obj")")
  prefix=$(prefix_of "$layer")
  ok=1
  for sym in $(nm -g --defined-only "$obj" | awk 'NF == 3 { print $3 }'); do
    library_symbols+="$sym"$'\n'
    if [[ $sym == buf_* ]]; then
      grep -qx -- "$sym" <<<"$declared" || { fail "${obj#"$BUILD"/obj/} exports $sym, which no public header declares (internal names take the prefix $prefix)"; ok=0; }
    elif [[ $sym != "$prefix"* ]]; then
      fail "${obj#"$BUILD"/obj/} exports $sym: internal names of the $layer layer start with $prefix"; ok=0
    fi
  done
  ((ok)) && passed=$((passed + 1))
done
library_symbols=$(sort -u <<<"$library_symbols")

# ---- 3. Uses ------------------------------------------------------------------------------
user_objs=$(ls "$BUILD"/obj/impls/cli/*.o "$BUILD"/obj/tests/unit/*.o "$BUILD"/obj/tests/tools/*.o \
               "$BUILD"/obj/bench/*.o "$BUILD"/fuzz/replay/obj/fuzz/*.o 2>/dev/null || true)
for obj in $user_objs; do
  ok=1
  for sym in $(nm -u "$obj" | awk '{ print $NF }'); do
    grep -qx -- "$sym" <<<"$library_symbols" || continue
    [[ $sym == buf_* ]] && continue
    if [[ $obj == */tests/unit/* ]] && grep -qx -- "$sym" <<<"$testing_declared"; then continue; fi
    fail "${obj#"$BUILD"/} uses the library's internal $sym (public API: buf_*; tests: a *_testing.h)"; ok=0
  done
  ((ok)) && passed=$((passed + 1))
done

echo "check-layers: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
