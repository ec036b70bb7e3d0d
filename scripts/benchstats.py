"""benchstats.py — the statistics behind `make report` (scripts/report) and the baseline
comparison (scripts/compare), one implementation for both: medians, coefficients of
variation, geometric means, an exact two-sided Mann-Whitney U test, Holm's correction and the
repetitions a test needs.  Standard library only.

Why exact: a benchmark row has 5 (make bench) or 9 (make bench-quick) repetitions, far too
few for the normal approximation of U, and timings tie often enough (callgrind counts, the
coarse clock of a slow row) that the tie-corrected approximation is worse still.  So the
p-value comes from the permutation distribution itself: every way of choosing which n of the
n + m pooled observations belong to the first sample is equally likely under the null
hypothesis, and the statistic is the rank sum of the first sample with ties given their
mid-ranks.  Counting the subsets by rank sum is a small dynamic program (below), exact with
ties because it enumerates the actual mid-ranks rather than the integers 1..N.
"""

import collections
import math
from fractions import Fraction


def median(values):
    """The median of a non-empty sequence of numbers."""
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def coefficient_of_variation(values):
    """Sample standard deviation over mean (0 for fewer than two values or a zero mean)."""
    if len(values) < 2:
        return 0.0
    mean = sum(values) / len(values)
    if mean == 0:
        return 0.0
    variance = sum((v - mean) ** 2 for v in values) / (len(values) - 1)
    return math.sqrt(variance) / abs(mean)


def geometric_mean(values):
    """The geometric mean of positive numbers (the fair average of ratios and of times
    that differ by orders of magnitude across sizes)."""
    return math.exp(sum(math.log(v) for v in values) / len(values))


# ---- Mann-Whitney U, exact ---------------------------------------------------------------
# U = W - n(n+1)/2 where W is the rank sum of the first sample, so testing W is testing U.
# Under the null hypothesis every choice of which n of the N = n + m pooled values belong to
# the first sample is equally likely: the exact distribution of W is the count of n-subsets
# of the pooled ranks with each sum, divided by C(N, n).  With ties the ranks are midranks
# (the mean of the positions a tied group takes), so the distribution depends on the tie
# pattern; counting subsets of the actual midranks is exact for it.  Midranks are halves at
# worst, so everything is counted in doubled ranks, which are integers, and the p-values are
# Fractions: "at least as far" needs no floating-point tolerance and Holm's products are exact.
#
# Two-sided p-value: the probability of a rank sum at least as far from its mean n(N+1)/2
# as the observed one.  (Without ties the distribution is symmetric and this equals twice
# the smaller tail; with ties it need not be symmetric, and distance from the mean is the
# usual exact definition.)

MannWhitney = collections.namedtuple("MannWhitney", "p p_min u")
MannWhitney.__doc__ = """The exact two-sided Mann-Whitney U test of a first sample against a second.

p      the two-sided p-value, a Fraction in (0, 1]
p_min  the smallest p any data of these sample sizes and this tie pattern could give (the
       most extreme arrangement), a Fraction: above alpha, nothing of this shape can be
       significant.  smallest_possible_p(n, m) is the same without ties.
u      U of the first sample, a Fraction: the number of pairs (x, y) with x > y, ties
       counting 1/2 (0 .. n*m; n*m/2 when the samples are alike)"""


def doubled_midranks(pooled):
    """Doubled midranks of pooled values, in the order given: ranks 1..N, tied values sharing
    the mean of their ranks, times two so that every rank is an integer."""
    order = sorted(range(len(pooled)), key=lambda i: pooled[i])
    ranks = [0] * len(pooled)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and pooled[order[end + 1]] == pooled[order[start]]:
            end += 1
        # positions start+1 .. end+1 share the midrank (start+1 + end+1)/2; doubled:
        for position in range(start, end + 1):
            ranks[order[position]] = start + end + 2
        start = end + 1
    return ranks


_distribution_cache = {}


def rank_sum_distribution(doubled_ranks, n):
    """{doubled rank sum: number of n-subsets of doubled_ranks with that sum}."""
    key = (tuple(sorted(doubled_ranks)), n)
    if key in _distribution_cache:
        return _distribution_cache[key]
    total = sum(doubled_ranks)
    # ways[k][s]: subsets of size k of the ranks seen so far with doubled sum s; reach[k] the
    # largest such s so far.  Adding a rank r: ways[k][s + r] += ways[k-1][s], done as one
    # list operation per k over the reachable sums only (30 vs 30 repetitions with ties:
    # 1.05 s instead of 2.19 s for a loop over every s, measured on a busy machine).
    # Without ties the ranks are 2, 4, ..., 2N whatever the data: cached per (n, m).
    ways = [[0] * (total + 1) for _ in range(n + 1)]
    ways[0][0] = 1
    reach = [0] * (n + 1)
    for seen, rank in enumerate(doubled_ranks):
        for size in range(min(seen + 1, n), 0, -1):
            smaller, current = ways[size - 1], ways[size]
            width = reach[size - 1] + 1
            current[rank:rank + width] = [c + d for c, d in zip(current[rank:rank + width], smaller[:width])]
            reach[size] = max(reach[size], reach[size - 1] + rank)
    distribution = {s: count for s, count in enumerate(ways[n]) if count}
    _distribution_cache[key] = distribution
    return distribution


def mann_whitney_exact(first, second):
    """The exact two-sided Mann-Whitney U test of `first` against `second`: a MannWhitney
    (p, p_min, u), all Fractions.  Either sample empty: p = p_min = 1, u = 0."""
    n, m = len(first), len(second)
    if n == 0 or m == 0:
        return MannWhitney(Fraction(1), Fraction(1), Fraction(0))
    ranks = doubled_midranks(list(first) + list(second))
    observed = sum(ranks[:n])
    centre = n * (n + m + 1)  # the doubled mean rank sum, 2 * n(N+1)/2
    distribution = rank_sum_distribution(ranks, n)
    subsets = math.comb(n + m, n)
    distance = abs(observed - centre)
    widest = max(abs(s - centre) for s in distribution)
    at_least = sum(c for s, c in distribution.items() if abs(s - centre) >= distance)
    extreme = sum(c for s, c in distribution.items() if abs(s - centre) >= widest)
    u_first = Fraction(observed, 2) - Fraction(n * (n + 1), 2)
    return MannWhitney(Fraction(at_least, subsets), Fraction(extreme, subsets), u_first)


def holm_adjust(pvalues):
    """Holm's step-down adjusted p-values, in the input order: sort ascending, multiply the
    i-th smallest (from 0) by k - i, keep the running maximum, cap at 1.  Rejecting where the
    adjusted p <= alpha controls the family-wise error rate at alpha."""
    k = len(pvalues)
    adjusted = [None] * k
    running = 0
    for position, index in enumerate(sorted(range(k), key=lambda i: pvalues[i])):
        running = max(running, min(1, (k - position) * pvalues[index]))
        adjusted[index] = running
    return adjusted


def repetitions_needed(alpha_per_test):
    """The smallest r such that r vs r repetitions (no ties) can reach p <= alpha_per_test:
    the most extreme arrangement has p = 2 / C(2r, r) (capped at 1000)."""
    r = 2
    while Fraction(2, math.comb(2 * r, r)) > alpha_per_test and r < 1000:
        r += 1
    return r


def smallest_possible_p(n, m):
    """The smallest two-sided p-value the exact test can give for samples of n and m
    (complete separation, no ties): 2 / C(n + m, n).  Above alpha, no outcome can be
    significant — e.g. 3 + 3 repetitions give 0.1, so alpha 0.05 is out of reach."""
    if n == 0 or m == 0:
        return 1.0
    return min(1.0, 2 / math.comb(n + m, n))
