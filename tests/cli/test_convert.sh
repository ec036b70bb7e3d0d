#!/usr/bin/env bash
# test_convert.sh — `buf convert`: encode, decode, convert, strict errors, usage errors,
# unreadable input, backends, streaming in chunks of any size (same output for every chunk
# size and backend, strict offsets in the whole stream, errors after partial output,
# --progress), and a quiet exit when the reader goes away.
#   tests/cli/test_convert.sh BUF        (tests/cli/run.sh passes build/buf)
# Ends with "N passed, N failed"; exits non-zero on any failure.
set -uo pipefail
buf=${1:?usage: tests/cli/test_convert.sh path/to/buf}
source "$(dirname "$0")/lib.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# expect_output NAME EXPECTED_HEX INPUT_PRINTF_FORMAT ARGS...: stdout bytes (as hex) and exit 0
expect_output() {
  local name=$1 want=$2 input=$3; shift 3
  local got rc
  printf "$input" | "$buf" convert "$@" >"$work/out" 2>"$work/err"
  rc=${PIPESTATUS[1]}
  got=$(od -An -v -tx1 "$work/out" | tr -d ' \n')
  if [[ $rc -eq 0 && $got == "$want" ]]; then pass; else fail "$name: exit $rc, output '$got', expected '$want' ($(cat "$work/err"))"; fi
}

# expect_error NAME EXIT_STATUS STDERR_PATTERN INPUT ARGS...: no stdout, exit status, message
expect_error() {
  local name=$1 want_rc=$2 pattern=$3 input=$4; shift 4
  local out rc
  printf "$input" | "$buf" convert "$@" >"$work/out" 2>"$work/err"
  rc=${PIPESTATUS[1]}
  out=$(cat "$work/out")
  if [[ $rc -eq $want_rc && -z $out ]] && grep -qE -- "$pattern" "$work/err"; then pass
  else fail "$name: exit $rc (want $want_rc), stdout '$out', stderr '$(cat "$work/err")' (want /$pattern/)"; fi
}

# ---- encode, decode, convert (values from Node v20) -----------------------------------
expect_output "encode hex" "36383639" 'hi' --from raw --to hex
expect_output "encode base64" "61476b3d" 'hi' --from raw --to base64
expect_output "encode base64url" "2d5f38" '\xfb\xff' --from raw --to base64url
expect_output "encode utf8 replaces" "efbfbd41" '\xff\x41' --from raw --to utf8
expect_output "encode utf16le lone surrogate" "efbfbd" '\x00\xd8' --from raw --to ucs2
expect_output "encode ascii clears bit 7" "007f" '\x80\xff' --from raw --to ASCII
expect_output "decode base64" "6869" 'aGk=' --from base64 --to raw
expect_output "decode base64 skips garbage" "414243" 'Q U*J\nD' --from base64 --to raw
expect_output "decode hex stops" "12" '12zz34' --from hex --to raw
expect_output "decode latin1 low byte" "ac" '\xe2\x82\xac' --from binary --to raw
expect_output "decode utf16le" "4100e900" 'A\xc3\xa9' --from utf-16le --to raw
expect_output "convert hex to base64url" "61476b" '6869' --from hex --to base64url
expect_output "convert base64 to hex" "34313432" 'QUI' --from base64 --to hex
expect_output "convert utf8 to utf8" "efbfbd" '\xc0' --from utf8 --to utf-8
expect_output "raw to raw" "00ff" '\x00\xff' --from raw --to raw
expect_output "--opt=value form" "6869" 'aGk' --from=base64 --to=raw
expect_output "empty input" "" '' --from raw --to base64
expect_output "strict accepts valid" "6869" 'aGk=' --from base64 --to raw --strict
# Every registered backend (as `buf backends` lists them), then spelled variants.
mapfile -t backends < <("$buf" backends | awk '{print $1}')
[[ ${#backends[@]} -gt 0 ]] || fail "buf backends listed no backend"
for backend in "${backends[@]}" mmap:guard "fail(1,0):pool"; do
  expect_output "backend $backend" "51554a44" 'ABC' --from raw --to base64 --backend "$backend"
done

# ---- files: IN and OUT ------------------------------------------------------------------
printf '\x01\x02\x03' >"$work/in.bin"
if "$buf" convert --from raw --to hex "$work/in.bin" "$work/out.txt" && [[ $(cat "$work/out.txt") == 010203 ]]; then pass
else fail "IN OUT files: got '$(cat "$work/out.txt" 2>/dev/null)'"; fi
if "$buf" convert --from hex --to raw "$work/out.txt" - | cmp -s - "$work/in.bin"; then pass; else fail "IN file, OUT '-'"; fi
head -c 300000 /dev/urandom >"$work/big.bin"
if "$buf" convert --from raw --to base64 --backend pool "$work/big.bin" | "$buf" convert --from base64 --to raw --backend slab |
  cmp -s - "$work/big.bin"; then pass; else fail "300 KB base64 round trip through pool and slab"; fi
if "$buf" convert --from raw --to base64 "$work/big.bin" | cmp -s - <(base64 -w0 "$work/big.bin"); then pass
else fail "base64 agrees with coreutils base64 on 300 KB"; fi

# ---- strict errors -------------------------------------------------------------------------
expect_error "strict hex" 1 'strict hex: byte offset 2 ' '68zz' --from hex --to raw --strict
expect_error "strict base64 whitespace" 1 'strict base64: byte offset 2 ' 'aG k=' --from base64 --to raw --strict
expect_error "strict utf8" 1 'strict utf8: byte offset 1 .*0xff' 'a\xff' --from utf8 --to hex --strict
expect_error "strict latin1" 1 'strict latin1: byte offset 0 ' '\xe2\x82\xac' --from latin1 --to raw --strict
printf 'keep' >"$work/kept"
printf 'zz' | "$buf" convert --from hex --to raw --strict - "$work/kept" 2>/dev/null
if [[ $? -eq 1 && $(cat "$work/kept") == keep ]]; then pass; else fail "strict failure leaves OUT untouched"; fi

# ---- usage and runtime errors ---------------------------------------------------------------
expect_error "unknown --from encoding" 2 "unknown encoding 'utf-16' for --from" '' --from utf-16 --to raw
expect_error "unknown --to encoding" 2 "unknown encoding 'latin-1' for --to" '' --from raw --to latin-1
expect_error "unknown backend" 2 "cannot open backend 'nope'" '' --from raw --to hex --backend nope
expect_error "missing --to" 2 'both --from and --to are required' '' --from hex
expect_error "--from without value" 2 '--from needs an encoding' '' --from
expect_error "unknown flag" 2 "unknown option '--bogus'" '' --from hex --to raw --bogus
expect_error "too many arguments" 2 "unexpected argument 'c'" '' --from hex --to raw a b c
expect_error "--chunk 0" 2 '--chunk needs a size from 1 to' '' --from raw --to hex --chunk 0
expect_error "--chunk not a number" 2 "--chunk needs a size .*not 'abc'" '' --from raw --to hex --chunk abc
expect_error "--chunk too large" 2 '--chunk needs a size' '' --from raw --to hex --chunk 65M
expect_error "missing input file" 1 'cannot open .*/missing: No such file' '' --from raw --to hex "$work/missing"
expect_error "directory as input" 1 'cannot read .*: Is a directory' '' --from raw --to hex "$work"
expect_error "unwritable output" 1 'cannot open .* for writing' 'x' --from raw --to hex - "$work/no/such/dir/out"
if "$buf" convert --help | grep -q 'usage: buf convert --from ENC --to ENC'; then pass; else fail "--help"; fi

# ---- streaming: every chunk size and backend gives the one-shot output ---------------------
# Text that splits characters, surrogate pairs, base64 quanta and hex pairs at small chunks.
printf 'h\xc3\xa9llo \xf0\x9f\x98\x80 \xe2\x82\xac\xff\xed\xa0\x80 QUJD=x 0a1b' >"$work/text"
head -c 5000 "$work/big.bin" >"$work/small.bin"
for pair in "raw utf8" "raw utf16le" "raw base64" "raw hex" "utf8 raw" "utf16le raw" "latin1 raw" "base64 raw" \
            "hex raw" "utf8 base64url" "base64 hex"; do
  set -- $pair
  for input in "$work/text" "$work/small.bin"; do
    "$buf" convert --from "$1" --to "$2" "$input" >"$work/want" 2>/dev/null
    ok=1
    for chunk in 1 2 3 5 7 64 4096; do
      for backend in malloc pool; do
        "$buf" convert --from "$1" --to "$2" --chunk "$chunk" --backend "$backend" "$input" >"$work/got" 2>"$work/err" &&
          cmp -s "$work/got" "$work/want" || { ok=0; fail "$1 -> $2 of ${input##*/} in $chunk-byte chunks on $backend differs"; break 2; }
      done
    done
    ((ok)) && pass
  done
done
# through a pipe, whose reads come in whatever sizes the writer made
# (text -> UTF-16LE bytes -> text again is the text as Node reads it: ill-formed -> U+FFFD)
if cat "$work/text" | "$buf" convert --from utf16le --to raw --chunk 3 | "$buf" convert --from raw --to utf16le --chunk 1 |
  cmp -s - <("$buf" convert --from utf8 --to raw "$work/text"); then pass; else fail "utf16le round trip through pipes in odd chunks"; fi
expect_output "--chunk with a K suffix" "36383639" 'hi' --from raw --to hex --chunk 1K
# strict offsets count from the start of the stream, not of the chunk
expect_error "strict hex across chunks" 1 'strict hex: byte offset 6 .*byte 0x7a' '0a0b0cz0' --from hex --to raw --strict --chunk 3
expect_error "strict base64 decided by the end" 1 'strict base64: byte offset 1 ' 'QR   ' --from base64 --to raw --strict --chunk 1
# an error after output was written: exit 1, and the message says how much was written
{ head -c 200000 /dev/zero | tr '\0' 'a'; printf 'zz'; } >"$work/late_bad"
"$buf" convert --from hex --to raw --strict --chunk 4096 "$work/late_bad" "$work/late_out" 2>"$work/err"
rc=$?
if [[ $rc -eq 1 ]] && grep -qE 'byte offset 200000 .* \(([0-9]+) bytes written to ' "$work/err"; then pass
else fail "late strict error: exit $rc, stderr '$(cat "$work/err")'"; fi
# --progress: bytes, rate and percent for a file, on stderr; stdout unchanged
"$buf" convert --from raw --to hex --progress "$work/big.bin" >"$work/got" 2>"$work/err"
if cmp -s "$work/got" <("$buf" convert --from raw --to hex "$work/big.bin") && grep -q 'KiB.*/s *100%' "$work/err"; then pass
else fail "--progress: stderr '$(tr '\r' '|' <"$work/err")'"; fi

# ---- a reader that goes away: quiet exit 0, nothing on stderr ---------------------------------
head -c 4000000 /dev/zero >"$work/zeros"
"$buf" convert --from raw --to hex "$work/zeros" 2>"$work/err" | head -c1 >"$work/out"
rc=${PIPESTATUS[0]}
first_byte=$(cat "$work/out")
if [[ $rc -eq 0 && $first_byte == 0 && ! -s $work/err ]]; then pass; else fail "| head -c1: exit $rc, out '$first_byte', stderr '$(cat "$work/err")'"; fi

finish
