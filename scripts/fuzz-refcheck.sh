#!/usr/bin/env bash
# Checks the fuzzers' reference codec (fuzz/reference_codec.c) against Node itself:
# random and adversarial inputs for every encoding in both directions plus byteLength,
# and (if present) the shared Node vectors.  Run it after any change to the reference.
#   scripts/fuzz-refcheck.sh [SEED] [ROUNDS]
set -euo pipefail
case ${1:-} in -h|--help) sed -n '2,/^set -/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;; esac
cd "$(dirname "$0")/.."
seed=${1:-$RANDOM}
rounds=${2:-2000}
out=build/fuzz/refcheck
mkdir -p "$out"
command -v node >/dev/null || { echo "fuzz-refcheck: node (v20) is required; run make deps" >&2; exit 1; }
clang -std=c11 -O1 -g -fsanitize=address,undefined -Ifuzz fuzz/refcheck/check.c fuzz/reference_codec.c -o "$out/check"
echo "fuzz-refcheck: seed $seed, $rounds rounds x 7 encodings x (encode, decode, byteLength)"
node fuzz/refcheck/gen.js "$seed" "$rounds" > "$out/cases.txt"
"$out/check" < "$out/cases.txt"
vectors=${NODE_VECTORS:-../shared/node/vectors.json}
if [[ -f $vectors ]]; then
  echo "fuzz-refcheck: vectors from $vectors"
  node fuzz/refcheck/vec.js "$vectors" > "$out/vectors.txt"
  "$out/check" < "$out/vectors.txt"
fi
