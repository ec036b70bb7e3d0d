#!/usr/bin/env bash
# tests/report/run.sh — the `report` stage of `make test`: scripts/report and
# scripts/report-check-html on small runs with known answers (< 1 minute).
#
#   tests/report/run.sh [--out DIR]     (default build/tests/report: the generated reports,
#                                         report-screenshot.png among them, stay there)
#
#   stats          the exact Mann-Whitney p-values against brute-force enumeration of every
#                  split of the pooled ranks (ties included) and textbook values
#   real-full      a trimmed real `make bench` run: report.md, report.html, PNG and SVG charts
#                  (checked by magic bytes and `file`), every image embedded
#   real-callgrind a trimmed callgrind run: units are instructions; 1 repetition can never
#                  be significant and the table says so
#   arena          a synthetic run (tests/report/synth-run.py) with an unknown backend `arena`:
#                  its own chart lines (chart data and SVG) and table rows; the recommendation
#                  names the known winner as significant and a tie as not significant
#   errors         missing, malformed, empty and non-benchmark results: a clear message,
#                  exit 1, no Python traceback
#   browser        report.html in headless Chromium: every image loads; a planted broken
#                  image reference fails the check; the screenshot is kept (skipped, with a
#                  message, only when Chromium is absent: make deps installs it)
# Ends with "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/../.."

work=${BUILD:-build}/tests/report
case ${1:-} in
  --out) work=${2:?--out needs a folder} ;;
  -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
  "") ;;
  *) echo "tests/report/run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
esac
mkdir -p "$work"   # each part below clears only its own sub-folder: --out may name a folder in use

passed=0 failed=0
ok() { passed=$((passed + 1)); echo "  ok   $*"; }
bad() { failed=$((failed + 1)); echo "  FAIL $*"; }
check() { # DESCRIPTION COMMAND...
  local description=$1; shift
  if "$@" >"$work/check.log" 2>&1; then ok "$description"; else bad "$description"; sed 's/^/       /' "$work/check.log" | tail -n 20; fi
}
contains() { grep -qF -- "$2" "$1"; }
report_of() { # NAME FIXTURE_JSON -> $work/NAME/ with results.json and the report
  rm -rf "${work:?}/$1"; mkdir -p "$work/$1"; cp "$2" "$work/$1/results.json"
  scripts/report "$work/$1" --quiet >"$work/$1.log" 2>&1
}
all_png() { local f; for f in "$1"/charts/*.png; do [[ $(head -c 8 "$f" | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]] || { echo "$f is not a PNG"; return 1; }; file -b "$f" | grep -q '^PNG image data' || return 1; done; }
all_svg() { local f; for f in "$1"/charts/*.svg; do file -b "$f" | grep -q 'SVG' || { echo "$f: $(file -b "$f")"; return 1; }; grep -q '<svg' "$f" || return 1; done; }
charts_match_images() { # every chart has a PNG and an SVG, and the page embeds one image per chart
  local pngs svgs images
  pngs=$(ls "$1"/charts/*.png | wc -l); svgs=$(ls "$1"/charts/*.svg | wc -l)
  images=$(grep -o '<img [^>]*src="data:image/png;base64,' "$1/report.html" | wc -l)
  echo "png=$pngs svg=$svgs embedded=$images"
  [[ $pngs -gt 0 && $pngs == "$svgs" && $pngs == "$images" ]] && ! grep -qE '<img [^>]*src="[^d]' "$1/report.html"
}

echo "== stats"
check "exact Mann-Whitney p-values equal brute-force enumeration (ties included) and textbook values" python3 - <<'EOF'
import itertools, math, random, sys
sys.dont_write_bytecode = True
sys.path.insert(0, "scripts")
import benchstats

def brute(first, second):
    pooled = list(first) + list(second)
    ordered = sorted(pooled)
    rank = {v: (ordered.index(v) + 1 + len(ordered) - ordered[::-1].index(v)) / 2 for v in pooled}
    ranks = [rank[v] for v in pooled]
    n, total = len(first), len(pooled)
    mean = n * (total + 1) / 2
    observed = abs(sum(ranks[:n]) - mean)
    splits = list(itertools.combinations(range(total), n))
    extreme = sum(1 for split in splits if abs(sum(ranks[i] for i in split) - mean) >= observed - 1e-9)
    return extreme / len(splits)

rng = random.Random(7)
for case in range(60):
    n, m = rng.randint(1, 6), rng.randint(1, 6)
    pool = [rng.randint(0, 4) for _ in range(n + m)]      # values 0..4: many ties
    first, second = pool[:n], pool[n:]
    got = float(benchstats.mann_whitney_exact(first, second).p)
    want = brute(first, second)
    assert abs(got - want) < 1e-12, (first, second, got, want)
assert float(benchstats.mann_whitney_exact([1, 2, 3], [4, 5, 6]).p) == 0.1            # 2 / C(6,3)
assert abs(benchstats.mann_whitney_exact(range(9), range(10, 19)).p - 2 / math.comb(18, 9)) < 1e-15
assert float(benchstats.mann_whitney_exact([5] * 9, [5] * 9).p) == 1.0
assert benchstats.smallest_possible_p(3, 3) > 0.05 and benchstats.smallest_possible_p(4, 4) < 0.05
print("60 random tied cases and 3 textbook values agree")
EOF

echo "== real-full"
if report_of real-full tests/report/fixtures/real-full-trimmed.json; then
  ok "report on a trimmed real make-bench run"
  d=$work/real-full
  check "report.md and report.html written" test -s "$d/report.md" -a -s "$d/report.html"
  check "charts are real PNG files" all_png "$d"
  check "charts are real SVG files" all_svg "$d"
  check "one embedded data: image per chart, no external image" charts_match_images "$d"
  check "with malloc@... rows the recommendation also names the best backend without LD_PRELOAD" contains "$d/report.md" \
    "| pattern | sizes | winner | best without LD_PRELOAD | runner-up slower by | significance |"
  check "the recommendation comes first" bash -c "grep -m1 '^## ' '$d/report.md' | grep -q Recommendation"
  check "environment block: commit, compiler, SIMD 'not recorded' when the run lacks it" bash -c \
    "grep -q '| commit | 03e12318' '$d/report.md' && grep -q '| compiler | gcc' '$d/report.md' && grep -q '| SIMD level (library) | not recorded' '$d/report.md'"
  check "throughput chart has baseline_read as the limit and a Node line" bash -c \
    "grep -q 'baseline_read (limit)' '$d/charts/lines-stream_file.gp' && grep -q 'Node.js' '$d/charts/lines-stream_file.gp'"
  check "allocation chart has malloc@jemalloc, the free-list floor and baseline_malloc" bash -c \
    "grep -q 'malloc@jemalloc' '$d/charts/lines-alloc_pair.dat' && grep -q baseline_freelist_fnptr '$d/charts/lines-alloc_pair.dat' && grep -q '# baseline_malloc' '$d/charts/lines-alloc_pair.dat'"
  check "codec vs Node, memory and spread charts exist" bash -c \
    "test -s '$d/charts/node-codec-4096.png' && test -s '$d/charts/memory-alloc_mixed-overhead.png' && test -s '$d/charts/spread-alloc_pair.png'"
  check "a family with no chart (buffer_read) still has its table rows" contains "$d/report.md" "| buffer_read/readUInt8 | 5 | cpu |"
else
  bad "report on a trimmed real make-bench run"; cat "$work/real-full.log"
fi

echo "== real-callgrind"
if report_of callgrind tests/report/fixtures/real-callgrind-trimmed.json; then
  ok "report on a trimmed callgrind run"
  check "units are instructions" contains "$work/callgrind/report.md" "instructions per iteration (callgrind)"
  check "one repetition: the significance column says it cannot tell" contains "$work/callgrind/report.md" \
    "cannot tell: with 1 reps per row the smallest possible p is 1 > alpha 0.05"
else
  bad "report on a trimmed callgrind run"; cat "$work/callgrind.log"
fi

echo "== arena"
tests/report/synth-run.py "$work/arena.json"
if report_of arena "$work/arena.json"; then
  ok "report on a synthetic run with an unknown backend"
  d=$work/arena
  check "arena has its own line in the chart data and the SVG" bash -c \
    "grep -qx '# arena' '$d/charts/lines-alloc_pair.dat' && grep -q '>arena<' '$d/charts/lines-alloc_pair.svg'"
  check "arena has its own table rows" contains "$d/report.md" "| alloc_pair/arena/4096 | 9 | cpu |"
  check "clear winner over 9 repetitions: arena, significant" contains "$d/report.md" \
    "| alloc_pair | 4 KiB | arena | "
  check "... and its verdict is 'significant'" bash -c "grep '^| alloc_pair | 4 KiB | arena |' '$d/report.md' | grep -q '| significant (p = 4.1e-05; 9 reps) |'"
  check "identical distributions: a tie, not significant" bash -c \
    "grep '^| alloc_batch_fifo | 64 B |' '$d/report.md' | grep -q 'tied with' && grep '^| alloc_batch_fifo | 64 B |' '$d/report.md' | grep -q '| not significant (p = 1; 9 reps) |'"
  check "the library's SIMD level is shown when recorded" contains "$d/report.md" "| SIMD level (library) | avx2 |"
  check "charts are real PNG and SVG files" bash -c "$(declare -f all_png all_svg); all_png '$d' && all_svg '$d'"
else
  bad "report on a synthetic run with an unknown backend"; cat "$work/arena.log"
fi

echo "== errors"
expect_error() { # DESCRIPTION EXPECTED_MESSAGE ARG
  local out rc=0
  out=$(scripts/report "$3" 2>&1) || rc=$?
  if [[ $rc == 1 && $out == *"$2"* && $out != *Traceback* ]]; then ok "$1"; else bad "$1 (exit $rc): $out"; fi
}
mkdir -p "$work/bad"
expect_error "missing results file" "no results file at $work/nowhere" "$work/nowhere"
printf '{"context": {}, "benchmarks": [ {"name": "alloc_pair/malloc/64", ' >"$work/bad/truncated.json"
expect_error "truncated JSON" "is not valid JSON" "$work/bad/truncated.json"
echo '{"context": {}, "benchmarks": []}' >"$work/bad/empty.json"
expect_error "empty run" "has no measured benchmark rows" "$work/bad/empty.json"
echo '[1, 2, 3]' >"$work/bad/list.json"
expect_error "not Google Benchmark JSON" "has no \"benchmarks\" list" "$work/bad/list.json"
printf '\xff\xfe\x00garbage' >"$work/bad/binary.json"
expect_error "unreadable bytes" "cannot read" "$work/bad/binary.json"

echo "== browser"
chromium_found=$(command -v "${CHROMIUM:-chromium}" || command -v chromium-browser || true)
if [[ -z $chromium_found ]]; then
  echo "  skip browser check: Chromium is not installed (make deps installs Debian's chromium)"
elif [[ -s $work/arena/report.html ]]; then
  check "every chart image loads in headless Chromium" scripts/report-check-html "$work/arena/report.html"
  check "the screenshot is kept as a PNG" bash -c "file -b '$work/arena/report-screenshot.png' | grep -q '^PNG image data'"
  sed 's#</body>#<img alt="planted" src="charts/no-such-chart.png"></body>#' "$work/arena/report.html" >"$work/arena/planted.html"
  if scripts/report-check-html "$work/arena/planted.html" --screenshot "$work/arena/planted.png" >"$work/planted.log" 2>&1; then
    bad "a planted broken image fails the browser check"; cat "$work/planted.log"
  elif grep -q 'image did not load: planted' "$work/planted.log"; then
    ok "a planted broken image fails the browser check"
  else
    bad "a planted broken image fails the browser check, naming it"; cat "$work/planted.log"
  fi
else
  bad "browser check: no report.html to open"
fi

echo "reports and the browser screenshot kept in $work"
echo "report: $passed passed, $failed failed"
[[ $failed == 0 ]]
