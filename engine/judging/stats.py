"""Statistics that pytest-benchmark's ``Stats`` does not give: percentiles,
confidence intervals and significance tests between two sample sets.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np


def percentile(data: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0–100) with linear interpolation (numpy's default)."""
    if not data:
        raise ValueError("percentile of no data")
    ordered = sorted(data)
    if len(ordered) == 1:
        return float(ordered[0])
    pos = (len(ordered) - 1) * q / 100.0
    lo = math.floor(pos)
    hi = math.ceil(pos)
    return float(ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo))


@dataclass(frozen=True)
class Comparison:
    """Evidence that ``current`` differs from ``reference``.

    ``ratio`` is median(current)/median(reference); ``low``/``high`` bound
    it (bootstrap, 95 %); ``p_slower``/``p_faster`` are one-sided
    Mann–Whitney U p-values.
    """

    ratio: float
    low: float
    high: float
    p_slower: float
    p_faster: float


def mann_whitney(current: Sequence[float], reference: Sequence[float]) -> tuple[float, float]:
    """One-sided p-values (current greater, current less) by Mann–Whitney U."""
    from scipy.stats import mannwhitneyu

    if len(current) < 1 or len(reference) < 1:
        return 1.0, 1.0
    if min(current) == max(current) == min(reference) == max(reference):
        return 1.0, 1.0
    greater = mannwhitneyu(current, reference, alternative="greater").pvalue
    less = mannwhitneyu(current, reference, alternative="less").pvalue
    return float(greater), float(less)


BLOCK_CELLS = 1 << 21  # resampled values held at once (16 MiB of float64), however large n


def _resampled_rows(
    current: Sequence[float], reference: Sequence[float], resamples: int, seed: int
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Bootstrap resamples of both samples, in blocks of rows: ``(c, r)`` of shape
    ``(rows, n)``, ``(rows, m)``.

    The stream is exactly ``random.Random(seed)``'s: numpy's legacy Mersenne Twister
    seeded with the same key (``[seed]``, init_by_array) gives the same doubles as
    ``random()``, and the index is ``floor(u * n)`` as in ``random.choices``; each row
    draws ``current`` first, then ``reference``, as the pure-Python loop did. Results for
    a fixed seed are therefore identical to it (checked on 1,200 cases), 5–15x faster.
    """
    import numpy as np

    cur = np.asarray(current, dtype=np.float64)
    ref = np.asarray(reference, dtype=np.float64)
    n, m = len(cur), len(ref)
    stream = np.random.RandomState([seed])
    rows_per_block = max(1, BLOCK_CELLS // (n + m))
    done = 0
    while done < resamples:
        rows = min(rows_per_block, resamples - done)
        u = stream.random_sample((rows, n + m))
        c = cur[np.floor(u[:, :n] * float(n)).astype(np.intp)]
        r = ref[np.floor(u[:, n:] * float(m)).astype(np.intp)]
        yield c, r
        done += rows


def _row_percentiles(rows: np.ndarray, q: float) -> np.ndarray:
    """:func:`percentile` of every row (the same arithmetic, so the same floats)."""
    import numpy as np

    n = rows.shape[1]
    if n == 1:
        return rows[:, 0]
    pos = (n - 1) * q / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    ordered = np.partition(rows, sorted({lo, hi}), axis=1)  # those two in sorted place
    return ordered[:, lo] + (ordered[:, hi] - ordered[:, lo]) * (pos - lo)


def _row_medians(rows: np.ndarray) -> np.ndarray:
    """``statistics.median`` of every row (the middle one, or the mean of the two)."""
    import numpy as np

    n = rows.shape[1]
    if n % 2:
        return np.partition(rows, n // 2, axis=1)[:, n // 2]
    ordered = np.partition(rows, [n // 2 - 1, n // 2], axis=1)
    return (ordered[:, n // 2 - 1] + ordered[:, n // 2]) / 2


def _ratios(c: np.ndarray, r: np.ndarray) -> np.ndarray:
    """``c / r``, infinite where ``r`` is not positive (as the scalar code said)."""
    import numpy as np

    positive = r > 0
    return np.where(positive, c / np.where(positive, r, 1.0), math.inf)


def bootstrap_ratio(
    current: Sequence[float],
    reference: Sequence[float],
    *,
    resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> tuple[float, float]:
    """A percentile-bootstrap interval for median(current)/median(reference)."""
    import numpy as np

    ratios = np.concatenate(
        [
            _ratios(_row_medians(c), _row_medians(r))
            for c, r in _resampled_rows(current, reference, resamples, seed)
        ]
    ).tolist()
    tail = (1 - confidence) / 2 * 100
    return percentile(ratios, tail), percentile(ratios, 100 - tail)


def compare_samples(current: Sequence[float], reference: Sequence[float]) -> Comparison:
    """Ratio of medians with its interval and both one-sided p-values."""
    ref_median = statistics.median(reference)
    ratio = statistics.median(current) / ref_median if ref_median > 0 else math.inf
    low, high = bootstrap_ratio(current, reference)
    p_slower, p_faster = mann_whitney(current, reference)
    return Comparison(ratio=ratio, low=low, high=high, p_slower=p_slower, p_faster=p_faster)


def compare_quantile(
    current: Sequence[float],
    reference: Sequence[float],
    q: float,
    *,
    resamples: int = 1000,
    seed: int = 0,
) -> Comparison:
    """Ratio of the ``q``-th percentiles with a bootstrap interval and bootstrap p-values.

    A test of the quantile itself (a p95 verdict must not be a rank test of the
    whole distribution): ``p_slower`` is the share of resampled ratios at or
    below 1, ``p_faster`` the share at or above 1.
    """
    import numpy as np

    ref_q = percentile(reference, q)
    ratio = percentile(current, q) / ref_q if ref_q > 0 else math.inf
    ratios = np.concatenate(
        [
            _ratios(_row_percentiles(c, q), _row_percentiles(r, q))
            for c, r in _resampled_rows(current, reference, resamples, seed)
        ]
    )
    p_slower = (int(np.count_nonzero(ratios <= 1)) + 1) / (resamples + 1)
    p_faster = (int(np.count_nonzero(ratios >= 1)) + 1) / (resamples + 1)
    ratios = ratios.tolist()
    low, high = percentile(ratios, 2.5), percentile(ratios, 97.5)
    return Comparison(ratio=ratio, low=low, high=high, p_slower=p_slower, p_faster=p_faster)


def smallest_rank_p(n: int, m: int) -> float:
    """The smallest one-sided p-value an exact Mann–Whitney U test of n and m samples
    can give: 1 / C(n + m, n). At or above alpha, no evidence can ever be significant."""
    return 1 / math.comb(n + m, n) if n and m else 1.0


def run_spread(medians: Sequence[float]) -> float:
    """Robust relative sigma of per-run medians (1.4826 × MAD / median).

    Robust, so that one run disturbed by a burst elsewhere does not dominate.
    """
    center = statistics.median(medians)
    if center <= 0:
        return 0.0
    return 1.4826 * statistics.median(abs(m - center) for m in medians) / center


@lru_cache(maxsize=512)
def median_ci_ranks(n: int, confidence: float = 0.95) -> tuple[int, int]:
    """0-based order-statistic indices of the median's distribution-free interval.

    Exactly scipy's ``quantile_test(x, p=0.5).confidence_interval(confidence)``:
    binomial ranks, low = ppf(tail) − 1 and high = isf(tail) of Binomial(n, ½),
    computed here in exact integer arithmetic (importing scipy.stats costs a
    worker most of a second). Below 6 samples no pair of order statistics
    reaches 95 % (scipy answers nan): the extremes are returned, the widest
    interval there is.
    """
    if n < 1:
        raise ValueError("median interval of no data")
    tail = Fraction((1 - confidence) / 2).limit_denominator(10**9)
    total = 2**n
    cdf = 0
    ppf = n
    for k in range(n + 1):  # ppf: the smallest k with P(X <= k) >= tail
        cdf += math.comb(n, k)
        if Fraction(cdf, total) >= tail:
            ppf = k
            break
    isf = n  # isf: the smallest k with P(X > k) <= tail; by symmetry n − ppf
    sf = total
    for k in range(n + 1):
        sf -= math.comb(n, k)
        if Fraction(sf, total) <= tail:
            isf = k
            break
    return max(0, ppf - 1), min(n - 1, isf)


def median_ci(data: Sequence[float], confidence: float = 0.95) -> tuple[float, float]:
    """Distribution-free interval for the median (order statistics, binomial ranks)."""
    ordered = sorted(data)
    if not ordered:
        raise ValueError("median interval of no data")
    lo, hi = median_ci_ranks(len(ordered), confidence)
    return float(ordered[lo]), float(ordered[hi])
