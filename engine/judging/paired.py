"""The paired A/B statistic and its verdict.

Inside one process pair, round i of the head is set against round i of the
base (they ran next to each other, A B B A …); the pair's statistic is the
geometric mean of the median ratio head/base of each order (so the order
effect cancels). The K
pairs are the independent replicates: the change is their geometric mean
minus one, its interval a t-interval on the log ratios with K − 1 degrees of
freedom, and the p-values one-sided t-tests of the same. Rounds are never pooled across
pairs (rounds of one process share its state and are not independent).
Levels, evidence and exact checks are those of
:mod:`tracetui.engine.judging.verdicts`.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from tracetui.engine.core.results import BenchmarkResult
from tracetui.engine.judging.verdicts import (
    Level,
    Thresholds,
    Verdict,
    exact_level,
    failed,
    level_for,
)


def round_ratios(head: Sequence[float], base: Sequence[float]) -> list[float]:
    """head_i / base_i for the rounds that ran side by side."""
    return [h / b if b > 0 else math.inf for h, b in zip(head, base, strict=False)]


def pair_statistic(head: Sequence[float], base: Sequence[float]) -> float:
    """One process pair's statistic: the geometric mean of the median round ratio of
    each order (A B rounds and B A rounds, alternating).

    Whichever side runs second in a round pair follows the other process on the
    CPU: measured here, its round could be up to ×2.7 slower, so single round
    ratios zig-zag with the order. The two orders carry that effect with opposite
    signs; the medians keep one preempted round from moving the statistic.
    """
    ratios = round_ratios(head, base)
    if len(ratios) < 2:
        return statistics.median(ratios)
    first, second = statistics.median(ratios[0::2]), statistics.median(ratios[1::2])
    return math.sqrt(first * second)


@dataclass(frozen=True)
class PairedComparison:
    """The ratio head/base over K pairs: point, 95 % interval, one-sided p-values."""

    ratio: float
    low: float | None
    high: float | None
    p_slower: float
    p_faster: float
    pairs: tuple[float, ...]


def compare_pairs(stats: Sequence[float], confidence: float = 0.95) -> PairedComparison:
    """Geometric mean of the pair statistics with a log-ratio t-interval."""
    from scipy.stats import t as student_t

    if not stats:
        raise ValueError("no pair statistics")
    logs = [math.log(s) for s in stats]
    mean = statistics.fmean(logs)
    ratio = math.exp(mean)
    if len(logs) < 2:
        return PairedComparison(ratio, None, None, 1.0, 1.0, tuple(stats))
    se = statistics.stdev(logs) / math.sqrt(len(logs))
    df = len(logs) - 1
    if se == 0:
        p_slower = 0.0 if mean > 0 else 1.0
        p_faster = 0.0 if mean < 0 else 1.0
        return PairedComparison(ratio, ratio, ratio, p_slower, p_faster, tuple(stats))
    half = float(student_t.ppf(0.5 + confidence / 2, df)) * se
    score = mean / se
    return PairedComparison(
        ratio=ratio,
        low=math.exp(mean - half),
        high=math.exp(mean + half),
        p_slower=float(student_t.sf(score, df)),
        p_faster=float(student_t.cdf(score, df)),
        pairs=tuple(stats),
    )


def _median_of_medians(rounds: Sequence[Sequence[float]]) -> float:
    return statistics.median(statistics.median(r) for r in rounds)


def paired_verdict(
    benchmark_id: str,
    head_rounds: Sequence[Sequence[float]],
    base_rounds: Sequence[Sequence[float]],
    head: BenchmarkResult | None,
    base: BenchmarkResult | None,
    thresholds: Thresholds | None = None,
    *,
    head_error: str = "",
    base_error: str = "",
) -> Verdict:
    """One benchmark's verdict from its K pairs (head_rounds[k] beside base_rounds[k])."""
    if head_error or head is None:
        return failed(benchmark_id, head_error or "head not measured")
    sql_current = head.counters.get("sql_statements")
    if base_error or base is None or not base_rounds:
        # The base cannot say anything (it failed, or lacks the benchmark): judged as new.
        return Verdict(
            benchmark_id=benchmark_id,
            level=Level.NEW,
            current=head.median,
            sql_current=sql_current,
            error=base_error,
        )
    stats = [pair_statistic(h, b) for h, b in zip(head_rounds, base_rounds, strict=True)]
    cmp = compare_pairs(stats)
    change = cmp.ratio - 1
    low = None if cmp.low is None else cmp.low - 1
    high = None if cmp.high is None else cmp.high - 1
    t = thresholds or Thresholds()
    level, p_value = level_for(change, low, high, cmp.p_slower, cmp.p_faster, t)
    sql_baseline = base.counters.get("sql_statements")
    plan_baseline, plan_current = base.evidence.get("plan"), head.evidence.get("plan")
    level = exact_level(level, sql_baseline, sql_current, plan_baseline, plan_current)
    return Verdict(
        benchmark_id=benchmark_id,
        level=level,
        baseline=_median_of_medians(base_rounds),
        current=_median_of_medians(head_rounds),
        change=change,
        ci_low=low,
        ci_high=high,
        p_value=p_value,
        sql_baseline=sql_baseline,
        sql_current=sql_current,
        plan_baseline=plan_baseline,
        plan_current=plan_current,
    )


def straddles(verdict: Verdict, thresholds: Thresholds | None = None) -> bool:
    """Whether the change's interval holds a level's edge (WARNING or CRITICAL):
    more pairs could move the verdict across it. Failed and exact verdicts are settled."""
    t = thresholds or Thresholds()
    low, high = verdict.ci_low, verdict.ci_high
    if low is None or high is None or verdict.level in (Level.FAILED, Level.NEW):
        return False
    if verdict.sql_regressed:
        return False  # CRITICAL whatever the time says
    return any(low < edge < high for edge in (t.warning, t.critical))
