#!/usr/bin/env bash
# test_lines.sh — `buf lines`: counts as Node's readline splits lines (crlfDelay: Infinity),
# wc -l -c layout, every backend and chunk size giving the same counts, errors and usage.
#   tests/cli/test_lines.sh BUF        (tests/cli/run.sh passes build/buf)
# Ends with "N passed, N failed"; exits non-zero on any failure.
set -uo pipefail
buf=${1:?usage: tests/cli/test_lines.sh path/to/buf}
source "$(dirname "$0")/lib.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# expect_counts NAME "LINES BYTES" INPUT_PRINTF_FORMAT ARGS...: stdin counts, exit 0
expect_counts() {
  local name=$1 want=$2 input=$3; shift 3
  local got rc
  got=$(printf "$input" | "$buf" lines "$@" 2>"$work/err"); rc=$?
  got=$(echo $got)
  if [[ $rc -eq 0 && $got == "$want" ]]; then pass; else fail "$name: exit $rc, got '$got', want '$want' ($(cat "$work/err"))"; fi
}

# expect_error NAME EXIT_STATUS STDERR_PATTERN ARGS...
expect_error() {
  local name=$1 want_rc=$2 pattern=$3; shift 3
  local rc
  "$buf" lines "$@" </dev/null >"$work/out" 2>"$work/err"; rc=$?
  if [[ $rc -eq $want_rc ]] && grep -qE -- "$pattern" "$work/err"; then pass
  else fail "$name: exit $rc (want $want_rc), stderr '$(cat "$work/err")' (want /$pattern/)"; fi
}

# ---- Node's readline counts (node: readline over the same bytes, crlfDelay: Infinity) ---
expect_counts "the example" "7 13" 'a\r\nb\rc\n\nd\r\r\ne'
expect_counts "empty input" "0 0" ''
expect_counts "last line without a line end" "2 3" 'a\nb'
expect_counts "lone carriage returns" "2 4" 'a\rb\r'
expect_counts "crlf split by 1-byte chunks" "2 6" 'a\r\nb\r\n' --chunk 1
expect_counts "one empty line" "1 1" '\n'
for backend in malloc slab mmap pool mmap:guard; do
  for chunk in 1 7 4096; do
    expect_counts "$backend chunk $chunk" "5 17" 'one\r\ntwo\rthree\n\nx' --backend "$backend" --chunk "$chunk"
  done
done

# ---- Lines across batch, chunk and read boundaries ------------------------------------------
# 3,000 lines of 0..299 bytes: 2,000 ended by \n (full 256-line batches), then \n, \r\n or a
# lone \r (lines cut by every chunk size, \r\n pairs split by chunks): the count is Node's
# readline count of the same file, for every chunk size and backend.
node -e '
  let seed = 7, out = [];
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
  const ends = ["\n", "\r\n", "\r"];
  for (let i = 0; i < 3000; i++) out.push("x".repeat(next() % 300) + (i < 2000 ? "\n" : ends[next() % 3]));
  out.push("tail without a line end");
  process.stdout.write(out.join(""));' >"$work/mixed"
want_lines=$(node -e '
  const rl = require("readline").createInterface({input: require("fs").createReadStream(process.argv[1]), crlfDelay: Infinity});
  let n = 0; rl.on("line", () => n++); rl.on("close", () => console.log(n));' "$work/mixed")
want="$want_lines $(wc -c <"$work/mixed")"
for backend in malloc pool; do
  for chunk in 1 3 64 1000 4096 65536 100000; do
    got=$("$buf" lines --backend "$backend" --chunk "$chunk" "$work/mixed" | awk '{print $1, $2}')
    if [[ $got == "$want" ]]; then pass; else fail "mixed line ends, $backend chunk $chunk: got '$got', want '$want'"; fi
  done
done
got=$("$buf" lines --chunk 1000 <"$work/mixed" | xargs)
if [[ $got == "$want" ]]; then pass; else fail "mixed line ends from stdin: got '$got', want '$want'"; fi

# ---- Layout of wc -l -c ------------------------------------------------------------------
printf 'a\nb\n' >"$work/one"
printf 'hello\r\nx' >"$work/two"
if [[ $("$buf" lines "$work/one") == "2 4 $work/one" ]]; then pass; else fail "one file: $("$buf" lines "$work/one")"; fi
"$buf" lines "$work/one" "$work/two" >"$work/out"
if [[ $(tail -n 1 "$work/out") == " 4 12 total" && $(wc -l <"$work/out") -eq 3 ]]; then pass
else fail "two files: $(cat "$work/out")"; fi
if [[ $("$buf" lines "$work/one" | cut -d' ' -f1-2) == $(wc -l -c <"$work/one" | xargs) ]]; then pass
else fail "a file that ends in \\n counts as wc does"; fi

# ---- Errors and usage ------------------------------------------------------------------------
expect_error "missing file" 1 'cannot open .*/missing' "$work/missing"
expect_error "over-long line" 1 'line 1 is longer than 3 bytes' --max-line 3 "$work/two"
expect_error "a directory" 1 'cannot read .*Is a directory' "$work"
expect_error "bad chunk" 2 '--chunk needs a size' --chunk 0
expect_error "chunk too big" 2 '--chunk needs a size' --chunk 67108865
expect_error "bad max-line" 2 '--max-line needs a size' --max-line x
expect_error "unknown backend" 2 "cannot open backend 'nope'" --backend nope
expect_error "unknown option" 2 "unknown option '--frob'" --frob
"$buf" lines --help >"$work/out" 2>&1 && grep -q 'wc -l' "$work/out" && pass || fail "--help mentions wc"
"$buf" --help | grep -q '^  lines' && pass || fail "buf --help lists lines"
# allocation failure: a clear message and exit 1, never a crash
head -c 300000 /dev/zero | tr '\0' '\n' >"$work/many"
"$buf" lines --backend 'fail(1,1):malloc' "$work/many" >"$work/out" 2>"$work/err"; rc=$?
if [[ $rc -eq 1 ]] && grep -q 'out of memory' "$work/err"; then pass; else fail "fail backend: exit $rc, $(cat "$work/err")"; fi

finish
