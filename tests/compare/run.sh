#!/usr/bin/env bash
# tests/compare/run.sh — the `compare` stage of make test: scripts/compare on synthetic
# results files (tests/compare/make_results.py, 10 benchmarks x 9 repetitions) whose change
# is known, then its statistics against hand computations (tests/compare/unit_stats.py).
# Ends with "compare: N passed, N failed"; exit status 1 if any check failed.  About 6 s of
# CPU (22 s wall with the 2-core machine at load 8).
#
#   tests/compare/run.sh [--help]
set -uo pipefail
cd "$(dirname "$0")/../.."
if [[ ${1:-} == -h || ${1:-} == --help ]]; then sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0; fi

compare=scripts/compare
make_results=tests/compare/make_results.py
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0

ok() { passed=$((passed + 1)); echo "ok    $*"; }
fail() { failed=$((failed + 1)); echo "FAIL  $*"; }

# run_compare WANT_STATUS DESCRIPTION ARGS...: runs compare into $work/out, $work/err and
# checks its exit status; never a Python traceback.
run_compare() {
  local want=$1 what=$2; shift 2
  "$compare" "$@" >"$work/out" 2>"$work/err"
  local got=$?
  if [[ $got -ne $want ]]; then
    fail "$what: exit $got, want $want"; sed 's/^/      /' "$work/err" | head -n 5; return
  fi
  if grep -q Traceback "$work/err"; then fail "$what: a Python traceback"; return; fi
  ok "$what (exit $got)"
}
# expect FILE REGEX DESCRIPTION: a line of FILE (out or err) matches.
expect() {
  if grep -qE -- "$2" "$work/$1"; then ok "  $3"; else fail "  $3: no line of $1 matches /$2/"; sed 's/^/      /' "$work/$1" | head -n 8; fi
}
refuse() {
  if grep -qE -- "$2" "$work/$1"; then fail "  $3: a line of $1 matches /$2/"; else ok "  $3"; fi
}
gen() { "$make_results" "$work/$1" "${@:2}" || { echo "make_results.py failed" >&2; exit 2; }; }

# ---- Wall clock ---------------------------------------------------------------------
gen base.json --seed 1
# Same distribution, fresh draws (1% noise): nothing changed.
gen same.json --seed 2
run_compare 0 "identical distributions pass" "$work/base.json" "$work/same.json"
expect out '^\*\*0 regressions, 0 improvements, 10 unchanged\*\*$' "summary line first: 0, 0, 10"
expect out '^\| \*\*geometric mean\*\*' "geometric-mean row"

# One benchmark 20% slower, 1% noise: a regression, named, and the gate fails.
gen slow.json --seed 2 --scale family_3/malloc/64=1.2
run_compare 1 "20% slowdown with 1% noise fails" "$work/base.json" "$work/slow.json"
expect out '^\*\*1 regression, 0 improvements, 9 unchanged\*\*$' "summary: 1 regression"
expect out '^\| `family_3/malloc/64` .*\+20\.[0-9]% .*\*\*regression\*\*' "the slow row is named as the regression"
# ... and regressions come first: the first table row is the regression.
first_row=$(grep -m1 '^| `' "$work/out")
[[ $first_row == *family_3/malloc/64* ]] && ok "  regressions first in the table" || fail "  regressions first: first row is $first_row"

# The same slowdown as an improvement (NEW faster by 20%): improvements never fail.
run_compare 0 "20% speed-up passes" "$work/slow.json" "$work/base.json"
expect out '^\*\*0 regressions, 1 improvement, 9 unchanged\*\*$' "summary: 1 improvement"

# Equal medians, 30% noise on both sides: not significant, passes.
gen noisy-base.json --seed 11 --noise 0.3
gen noisy-new.json --seed 12 --noise 0.3
run_compare 0 "equal medians with 30% noise pass" "$work/noisy-base.json" "$work/noisy-new.json"
# ...though the noise alone moves some medians past 5%: the test is what keeps them unchanged.
expect out 'not significant, though beyond' "a median moved past 5% by noise alone is not significant"

# 3% slower everywhere, no noise: fully separated, so significant, but under the 5% floor.
gen flat.json --seed 1 --noise 0
gen flat3.json --seed 1 --noise 0 $(for k in $(seq 0 9); do echo --scale family_$k/malloc/64=1.03; done)
run_compare 0 "3% change without noise passes under the 5% floor" "$work/flat.json" "$work/flat3.json"
expect out 'significant, within ±5%' "said: significant but within the floor"
run_compare 1 "the same 3% change fails with --threshold 2%" --threshold 2% "$work/flat.json" "$work/flat3.json"
expect out '^\*\*10 regressions' "all ten rows regress at 2%"

# ---- Per-benchmark thresholds ------------------------------------------------------------
cat >"$work/loose" <<'RULES'
# family_3 is known to be noisy: it may move by 25%
^family_3/   25%   # a comment after the rule

^family_   5
RULES
run_compare 0 "thresholds file: 25% for family_3 lets the 20% slowdown pass" --thresholds "$work/loose" "$work/base.json" "$work/slow.json"
expect out '`family_3/malloc/64` .* 25% ' "the row shows its own threshold"
cat >"$work/first" <<'RULES'
^family_      10%
^family_3/    25%
RULES
run_compare 1 "thresholds file: the first matching line wins (10% before 25%)" --thresholds "$work/first" "$work/base.json" "$work/slow.json"
printf '^family_[  5%%\n' >"$work/badregex"
run_compare 2 "thresholds file with a bad regex" --thresholds "$work/badregex" "$work/base.json" "$work/slow.json"
expect err 'badregex:1: bad regex' "the message names file and line"
printf '^family_ five\n' >"$work/badvalue"
run_compare 2 "thresholds file with a bad threshold" --thresholds "$work/badvalue" "$work/base.json" "$work/slow.json"

# ---- Holm across benchmarks --------------------------------------------------------------
# Every row 20% slower with 1% noise: 10 separated rows, p = 2/48620 each, Holm x10 still
# far below 0.05: all ten fail.
gen allslow.json --seed 2 $(for k in $(seq 0 9); do echo --scale family_$k/malloc/64=1.2; done)
run_compare 1 "ten slowdowns, Holm-corrected, all found" "$work/base.json" "$work/allslow.json"
expect out '^\*\*10 regressions, 0 improvements, 0 unchanged\*\*$' "summary: 10 regressions"

# ---- Too few repetitions -----------------------------------------------------------------
# 2 vs 2: the most extreme split has p = 2/C(4,2) = 1/3 > 0.05, so a 50% slowdown cannot
# fail, and the output says so.
gen two.json --reps 2 --seed 1
gen two-slow.json --reps 2 --seed 2 --scale family_3/malloc/64=1.5
run_compare 0 "2 vs 2 repetitions: a 50% slowdown cannot fail" "$work/two.json" "$work/two-slow.json"
expect out 'cannot fail.*2 vs 2' "said plainly: cannot fail with 2 vs 2"
# 4 vs 4 over 10 rows: 2/70 = 0.029 <= 0.05, but Holm's first step needs 0.05/10 = 0.005;
# 5 per side give 2/C(10,5) = 2/252 = 0.0079, 6 give 2/924 = 0.0022: 6 are needed.
gen four.json --reps 4 --seed 1
gen four-slow.json --reps 4 --seed 2 --scale family_3/malloc/64=1.5
run_compare 0 "4 vs 4 over 10 benchmarks: Holm's first step is out of reach" "$work/four.json" "$work/four-slow.json"
expect out 'No benchmark can reach significance.*at least 6 repetitions' "said: none can reach significance, 6 per side needed"

# ---- Mismatched sets and missing repetitions ----------------------------------------------
gen extra.json --seed 2 --extra only_new/malloc/64 --drop family_5/malloc/64=2
run_compare 0 "a row only in NEW and missing repetitions are listed, not fatal" "$work/base.json" "$work/extra.json"
expect out 'Only in NEW \(1, not compared\): `only_new/malloc/64`' "the NEW-only row is listed"
expect out '`family_5/malloc/64`: NEW has 7 of 9 repetitions' "the missing repetitions are listed"

# ---- Callgrind: the threshold alone -------------------------------------------------------
gen cg.json --callgrind --noise 0
gen cg6.json --callgrind --noise 0 --scale family_2/malloc/64=1.06
gen cg4.json --callgrind --noise 0 --scale family_2/malloc/64=1.04
run_compare 1 "callgrind: 6% more instructions fails at 5% (one repetition, no statistics)" "$work/cg.json" "$work/cg6.json"
expect out '`family_2/malloc/64` .*\+6\.0% .*\*\*regression\*\*' "the row is named"
expect out 'no statistics' "said: the threshold alone decides"
refuse out 'p / Holm p' "no p-value column"
run_compare 0 "callgrind: 4% more instructions passes at 5%" "$work/cg.json" "$work/cg4.json"
printf '^family_2/ 8%%\n' >"$work/cg-rules"
run_compare 0 "callgrind: a thresholds file applies (8% for family_2)" --thresholds "$work/cg-rules" "$work/cg.json" "$work/cg6.json"

# ---- Bad input: exit 2, a message, no traceback ---------------------------------------------
run_compare 2 "a missing file" "$work/base.json" "$work/nothing.json"
expect err 'cannot read .*nothing\.json' "the message names the file"
echo '{"benchmarks": [' >"$work/truncated.json"
run_compare 2 "a truncated JSON file" "$work/base.json" "$work/truncated.json"
expect err 'truncated\.json is not valid JSON' "the message says it is not JSON"
echo '{"context": {}}' >"$work/nobench.json"
run_compare 2 "JSON without a benchmarks list" "$work/nobench.json" "$work/base.json"
expect err 'no "benchmarks" list' "the message says what is missing"
echo '{"benchmarks": [{"name": "x/y", "run_type": "iteration", "time_unit": "ns"}]}' >"$work/nofield.json"
run_compare 2 "a row without its time field" "$work/base.json" "$work/nofield.json"
expect err 'no numeric cpu_time' "the message names the field"
run_compare 2 "mixed units: a wall-clock BASE and a callgrind NEW" "$work/base.json" "$work/cg.json"
expect err 'compare two runs of one kind' "the message says what to do"
run_compare 2 "a bad --threshold" --threshold lots "$work/base.json" "$work/slow.json"
run_compare 2 "one argument only" "$work/base.json"
run_compare 0 "--help" --help
expect out 'Exit status: 0 no regression, 1 at least one regression, 2 usage or input error' "--help gives the exit statuses"

# ---- The chart --------------------------------------------------------------------------------
if command -v gnuplot >/dev/null; then
  run_compare 1 "--chart draws PNG and SVG" --chart "$work/chart" "$work/base.json" "$work/slow.json"
  [[ -s $work/chart/compare.png && -s $work/chart/compare.svg ]] && ok "  compare.png and compare.svg written" \
    || fail "  compare.png / compare.svg missing"
else
  echo "skip  --chart: gnuplot is not installed (make deps)"
fi

# ---- bench-ab's command line (its runs build two trees: checked by hand, README) ---------------
# run_ab WANT_STATUS DESCRIPTION ARGS...
run_ab() {
  local want=$1 what=$2; shift 2
  scripts/bench-ab "$@" >"$work/out" 2>"$work/err"
  local got=$?
  [[ $got -eq $want ]] && ok "bench-ab: $what (exit $got)" || { fail "bench-ab: $what: exit $got, want $want"; head -n 3 "$work/err"; }
}
run_ab 0 "--help" --help
expect out 'BASE_REV HEAD_REV' "--help shows the usage"
run_ab 2 "one revision only" HEAD
expect err 'give two revisions' "the message says what is missing"
run_ab 2 "a revision that does not exist" no-such-revision-here HEAD
expect err "'no-such-revision-here' is not a revision" "the message names the revision"
run_ab 2 "a bad --reps" --reps zero HEAD HEAD
run_ab 2 "an unknown option" --fast HEAD HEAD

# ---- The statistics against hand computations -------------------------------------------------
stats=$(python3 tests/compare/unit_stats.py)
echo "$stats"
counts=$(tail -n 1 <<<"$stats")
if [[ $counts =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
  passed=$((passed + BASH_REMATCH[1])); failed=$((failed + BASH_REMATCH[2]))
else
  fail "tests/compare/unit_stats.py ended without a count"
fi

echo "compare: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
