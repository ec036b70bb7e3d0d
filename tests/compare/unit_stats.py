#!/usr/bin/env python3
"""unit_stats.py — the statistics scripts/compare and scripts/report share
(scripts/benchstats.py) checked against hand computations and brute force
(tests/compare/run.sh runs it).  Prints one "ok"/"FAIL" line per check and ends with
"N passed, N failed"; exit status 1 if any check failed.

  tests/compare/unit_stats.py [--help]
"""
import os
import sys
from fractions import Fraction

if "--help" in sys.argv[1:] or "-h" in sys.argv[1:]:
    print(__doc__.strip())
    sys.exit(0)

here = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(here, "..", "..", "scripts"))
import benchstats  # noqa: E402

passed = failed = 0


def check(what, got, want):
    global passed, failed
    if got == want:
        passed += 1
        print(f"ok    {what}")
    else:
        failed += 1
        print(f"FAIL  {what}: got {got!r}, want {want!r}")


# ---- Exact Mann-Whitney U p-values, by hand -------------------------------------------
# n = m = 3, fully separated ([1,2,3] vs [4,5,6]): C(6,3) = 20 equally likely splits; only
# {1,2,3} and {4,5,6} are as extreme (U = 0 or U = 9), so p = 2/20 = 0.1.
p, p_min, u = benchstats.mann_whitney_exact([1, 2, 3], [4, 5, 6])
check("n=m=3 separated: p = 2/20", p, Fraction(2, 20))
check("n=m=3: smallest possible p = 2/20", p_min, Fraction(2, 20))
check("n=m=3 separated: U of the first = 0 (no x > y)", u, Fraction(0))
# the same with the samples swapped: two-sided, so the same p
check("n=m=3 separated, swapped: p = 2/20", benchstats.mann_whitney_exact([4, 5, 6], [1, 2, 3]).p, Fraction(2, 20))
# n = m = 4 separated: C(8,4) = 70 splits, two as extreme: p = 2/70.
check("n=m=4 separated: p = 2/70", benchstats.mann_whitney_exact([10, 11, 12, 13], [20, 21, 22, 23]).p, Fraction(2, 70))
# n = m = 3, [1,2,4] vs [3,5,6]: ranks of the first sample 1,2,4, W = 7 (U = 1); mean W = 3*7/2
# = 10.5, distance 3.5.  Rank sums of the 20 3-subsets of {1..6}: W = 6 (1 subset: 123),
# 7 (1: 124), 8 (2: 125, 134), ... and symmetrically 15, 14, 13.  |W - 10.5| >= 3.5 means
# W <= 7 or W >= 14: 1 + 1 + 1 + 1 = 4 subsets, p = 4/20 = 0.2.
check("n=m=3 one swap: p = 4/20", benchstats.mann_whitney_exact([1, 2, 4], [3, 5, 6]).p, Fraction(4, 20))
# Identical samples: W at its mean, every split is at least as far: p = 1.
check("identical samples: p = 1", benchstats.mann_whitney_exact([5, 5, 5], [5, 5, 5]).p, Fraction(1))
# n = m = 2, [1,2] vs [2,3] (a tie): pooled 1,2,2,3 has midranks 1, 2.5, 2.5, 4.  The 6 splits
# give the first sample rank sums {1,2.5}=3.5 (twice: either 2), {1,4}=5, {2.5,2.5}=5,
# {2.5,4}=6.5 (twice).  Mean 2*5/2 = 5; observed 3.5, distance 1.5; sums at distance >= 1.5:
# 3.5, 3.5, 6.5, 6.5 -> p = 4/6 = 2/3.
p, p_min, u = benchstats.mann_whitney_exact([1, 2], [2, 3])
check("ties n=m=2 [1,2] vs [2,3]: p = 4/6", p, Fraction(4, 6))
# the most extreme sums here are 3.5 and 6.5 as well: the smallest possible p is also 4/6
check("ties n=m=2: smallest possible p = 4/6", p_min, Fraction(4, 6))
# U of [1,2] vs [2,3]: pairs (x > y) none, (x == y) one (2, 2) counting 1/2: U = 1/2
check("ties n=m=2: U of the first = 1/2", u, Fraction(1, 2))
check("swapped: U = n*m - 1/2 = 7/2", benchstats.mann_whitney_exact([2, 3], [1, 2]).u, Fraction(7, 2))
# n = m = 3, [1,1,2] vs [2,3,3]: pooled 1,1,2,2,3,3, midranks a=1.5, b=3.5, c=5.5 (two each).
# A split takes (ka, kb, kc) of each, ka+kb+kc = 3, each <= 2; C(2,k) ways per group:
#   (2,1,0) 6.5 x2, (2,0,1) 8.5 x2, (1,2,0) 8.5 x2, (1,1,1) 10.5 x8, (0,2,1) 12.5 x2,
#   (1,0,2) 12.5 x2, (0,1,2) 14.5 x2   (2*6 + 8 = 20 splits).
# Observed 1.5+1.5+3.5 = 6.5, mean 3*7/2 = 10.5, distance 4: sums 6.5 and 14.5 -> p = 4/20.
check("ties n=m=3 [1,1,2] vs [2,3,3]: p = 4/20", benchstats.mann_whitney_exact([1, 1, 2], [2, 3, 3]).p, Fraction(4, 20))
# Unequal sizes, n=2, m=3 separated: C(5,2) = 10 splits; {1,2} and {4,5} as extreme: p = 2/10.
check("n=2 m=3 separated: p = 2/10", benchstats.mann_whitney_exact([1, 2], [3, 4, 5]).p, Fraction(2, 10))
# 2 vs 2 can never be significant at 0.05: the smallest p is 2/C(4,2) = 2/6.
check("n=m=2: smallest possible p = 2/6", benchstats.mann_whitney_exact([1, 2], [3, 4]).p_min, Fraction(2, 6))

# ---- Against brute force ---------------------------------------------------------------
# 300 random small samples (sizes 1-5, values 0-4: many ties): the p-value must equal the
# share of all C(n+m, n) splits, enumerated one by one, whose midrank sum is at least as far
# from its mean as the observed one.
import random
from itertools import combinations
rng = random.Random(20261201)
mismatches = []
for trial in range(300):
    n, m = rng.randint(1, 5), rng.randint(1, 5)
    first = [rng.randint(0, 4) for _ in range(n)]
    second = [rng.randint(0, 4) for _ in range(m)]
    pooled = first + second
    # midranks by definition: 1 + (values below) + (ties - 1) / 2, doubled
    ranks = [2 * sum(1 for w in pooled if w < v) + sum(1 for w in pooled if w == v) + 1 for v in pooled]
    centre = n * (n + m + 1)
    observed = abs(sum(ranks[:n]) - centre)
    splits = list(combinations(range(n + m), n))
    want = Fraction(sum(1 for split in splits if abs(sum(ranks[i] for i in split) - centre) >= observed), len(splits))
    got = benchstats.mann_whitney_exact(first, second).p
    if got != want:
        mismatches.append((first, second, got, want))
    # U by its definition: pairs x > y, ties counting 1/2
    want_u = sum(Fraction(1) if x > y else Fraction(1, 2) if x == y else 0 for x in first for y in second)
    if benchstats.mann_whitney_exact(first, second).u != want_u:
        mismatches.append((first, second, "u", want_u))
check("300 random tied samples match brute-force enumeration (p and U)", mismatches[:1], [])

# ---- Holm ------------------------------------------------------------------------------
# p = (0.01, 0.04, 0.03, 0.005), k = 4.  Ascending: 0.005 (x4 = 0.02), 0.01 (x3 = 0.03),
# 0.03 (x2 = 0.06), 0.04 (x1 = 0.04 -> running max 0.06).  At alpha 0.05 the first two are
# rejected, the other two not (Bonferroni would reject only 0.005).
adjusted = benchstats.holm_adjust([Fraction(1, 100), Fraction(4, 100), Fraction(3, 100), Fraction(5, 1000)])
check("Holm adjusted p-values, input order", adjusted,
      [Fraction(3, 100), Fraction(6, 100), Fraction(6, 100), Fraction(2, 100)])
check("Holm caps at 1", benchstats.holm_adjust([Fraction(1, 2), Fraction(6, 10)]), [Fraction(1), Fraction(1)])

# ---- Repetitions needed ---------------------------------------------------------------
# 2/C(2r,r) <= 0.05: C(6,3) = 20 gives 0.1, C(8,4) = 70 gives 0.029 -> 4 per side.
check("repetitions needed at 0.05: 4", benchstats.repetitions_needed(Fraction(5, 100)), 4)

print(f"stats: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
