#!/bin/bash -eu
# ClusterFuzzLite build step (run by compile in the image of .clusterfuzzlite/Dockerfile):
# fuzz/build.sh's OSS-Fuzz mode builds every target with the engine's $CC $CFLAGS
# $LIB_FUZZING_ENGINE and puts it, its .dict, .options and seed corpus zip into $OUT.
# make test's fuzz-build-contract stage runs this file with libFuzzer's and AFL++'s flags.
exec "$SRC/bufbench/fuzz/build.sh"
