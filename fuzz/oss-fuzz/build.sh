#!/bin/bash -eu
# OSS-Fuzz build step (projects/bufbench/build.sh in google/oss-fuzz): the repository's
# fuzz/build.sh builds every target with $CC $CFLAGS $LIB_FUZZING_ENGINE into $OUT, with
# its .dict, .options and <target>_seed_corpus.zip.  Keeping the logic in the repository
# means a new target needs no change here.  make test's fuzz-build-contract stage runs
# this file with libFuzzer's and AFL++'s flags.
exec "$SRC/bufbench/fuzz/build.sh"
