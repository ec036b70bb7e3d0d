"""benchstats.py — the statistics behind `make report` (scripts/report): medians,
coefficients of variation and an exact two-sided Mann-Whitney U test, standard library only.

Why exact: a benchmark row has 5 (make bench) or 9 (make bench-quick) repetitions, far too
few for the normal approximation of U, and timings tie often enough (callgrind counts, the
coarse clock of a slow row) that the tie-corrected approximation is worse still.  So the
p-value comes from the permutation distribution itself: every way of choosing which n of the
n + m pooled observations belong to the first sample is equally likely under the null
hypothesis, and the statistic is the rank sum of the first sample with ties given their
mid-ranks.  Counting the subsets by rank sum is a small dynamic program (below), exact with
ties because it enumerates the actual mid-ranks rather than the integers 1..N.
"""

import math


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

def _mid_ranks(pooled):
    """Ranks 1..N of the pooled values, tied values sharing the mean of their ranks,
    doubled so that every rank is an integer (a mid-rank is a multiple of 1/2)."""
    order = sorted(range(len(pooled)), key=lambda i: pooled[i])
    doubled = [0] * len(pooled)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and pooled[order[end + 1]] == pooled[order[start]]:
            end += 1
        # positions start..end hold ranks start+1..end+1: their mean doubled is start+end+2
        for position in range(start, end + 1):
            doubled[order[position]] = start + end + 2
        start = end + 1
    return doubled


def _rank_sum_distribution(doubled_ranks, sample_size):
    """counts[s] = number of subsets of `sample_size` ranks whose doubled sum is s.
    ways[k] maps a sum to the number of k-subsets of the ranks seen so far reaching it:
    O(N * n * distinct sums), a few thousand steps for 9 + 9 repetitions."""
    ways = [dict() for _ in range(sample_size + 1)]
    ways[0][0] = 1
    for rank in doubled_ranks:
        for k in range(min(sample_size, len(doubled_ranks)), 0, -1):
            below = ways[k - 1]
            if not below:
                continue
            here = ways[k]
            for total, count in below.items():
                here[total + rank] = here.get(total + rank, 0) + count
    return ways[sample_size]


def mann_whitney_exact(first, second):
    """Exact two-sided Mann-Whitney U test of `first` against `second`.

    Returns (u_first, p_value): U of the first sample (the number of pairs (x, y) with
    x > y, ties counting 1/2) and the probability, under the null hypothesis that both
    samples come from one distribution, of a rank sum at least as far from its mean as the
    observed one (the two-sided permutation p-value; 1.0 when either sample is empty)."""
    n, m = len(first), len(second)
    if n == 0 or m == 0:
        return 0.0, 1.0
    doubled = _mid_ranks(list(first) + list(second))
    observed = sum(doubled[:n])
    counts = _rank_sum_distribution(doubled, n)
    # the mean of the doubled rank sum is n (N + 1); compare distances in doubled units,
    # which are integers, so "at least as far" needs no floating-point tolerance
    doubled_mean_times_one = n * (n + m + 1)
    observed_distance = abs(observed - doubled_mean_times_one)
    extreme = sum(count for total, count in counts.items()
                  if abs(total - doubled_mean_times_one) >= observed_distance)
    p_value = extreme / math.comb(n + m, n)
    u_first = observed / 2 - n * (n + 1) / 2
    return u_first, min(1.0, p_value)


def smallest_possible_p(n, m):
    """The smallest two-sided p-value the exact test can give for samples of n and m
    (complete separation, no ties): 2 / C(n + m, n).  Above alpha, no outcome can be
    significant — e.g. 3 + 3 repetitions give 0.1, so alpha 0.05 is out of reach."""
    if n == 0 or m == 0:
        return 1.0
    return min(1.0, 2 / math.comb(n + m, n))
