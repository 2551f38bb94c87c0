"""Load verdicts: failures first, then p95 and RPS, each judged on what it names.

This module owns how a load run (a result of kind ``load``) is judged
against its baseline; :meth:`RegressionCheck.check
<tracetui.engine.judging.verdicts.RegressionCheck.check>` hands every load
result to :func:`judge_load`.

1. **Failures, before any latency** (a failed request fails fast and pulls
   p95 down):

   - a failure ratio above the policy's ``max_failure_ratio`` (default 1 %)
     is FAILED, whatever the baseline: the run did not measure a working API
     (``tracetui run`` exits 3). A server that tracetui started and that died
     during the run fails the benchmark itself (the load suite says so);
   - more failures than the baseline beyond noise is CRITICAL: a one-sided
     Fisher exact test of failed/total requests of the two runs at ``alpha``.

2. **p95** (the default metric), judged on p95 itself: the p95 of each steady
   second of the run (``windows["p95"]``, exact, from the HDR histogram of
   that second; one replicate per second) against the baseline's seconds.
   The change is the ratio of their medians (the p95 of a typical second:
   one disturbed second moved a 6 s run's whole-run p95 by +60 % here, its
   median second's by +22 %), the evidence a one-sided Mann–Whitney U test
   of the seconds with its own (Hodges–Lehmann) interval of the ratio, which
   must lie beyond ``min_effect``. Seconds are compared as measured, never rescaled.
   The run's whole-run p50/p95/p99 stay in its metrics (and budgets).

3. **RPS**, higher is better: the same on the seconds' request rates
   (``windows["rps"]``); a drop beyond the thresholds is a regression.

The verdict is the worse of p95 and RPS (p95 on a tie) and names the metric
that decided. Levels and thresholds are the time verdicts' (the policy's
``[thresholds.suites.load]``); a p95 change must also clear the noise
floor of a pooled baseline (``noise_sigmas`` × its ``run_spread``, the
robust spread of the runs' p95). Too few seconds for any rank test to reach
``alpha`` (three against three: a 5 s smoke run against a baseline of one
such run) is INCONCLUSIVE when the change is large: sizes alone are no
evidence here (two identical 5 s runs differed by +100 % in p95 on this
busy machine).
Without windows on either side (a baseline accepted before they existed),
or for another metric (a ramp's ``saturation_users``), only the failure
checks are made here and the time verdicts' rules judge the metric.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, replace

from tracetui.engine.core.results import BenchmarkResult
from tracetui.engine.judging.stats import mann_whitney
from tracetui.engine.judging.verdicts import (
    Level,
    Reference,
    Thresholds,
    Verdict,
    comparable,
)

#: Metrics judged here on per-second windows, and whether larger is better.
WINDOWED = {"p95": False, "rps": True}
#: How much a level weighs when p95 and RPS are combined (the worse one decides).
_WEIGHT = {Level.CRITICAL: 3, Level.WARNING: 2, Level.INCONCLUSIVE: 1}


@dataclass(frozen=True)
class Judged:
    """One metric's judgement: level, signed change (positive = worse) and evidence."""

    metric: str
    level: Level
    baseline: float
    current: float
    change: float
    p_value: float | None = None
    low: float | None = None
    high: float | None = None


def judge_load(
    result: BenchmarkResult,
    reference: Reference | None,
    thresholds: Thresholds,
    base: Verdict,
) -> Verdict | None:
    """The verdict for a load result, or None to let the time verdicts judge its metric.

    ``base`` is the verdict so far (level NEW, budgets applied).
    """
    limit = thresholds.max_failure_ratio
    requests = result.counters.get("requests", 0.0)
    failures = result.counters.get("failures", 0.0)
    ratio = failures / requests if requests else result.metrics.get("failure_ratio", 0.0)
    ref_ratio = failure_ratio(reference)
    if ratio > limit:
        return replace(
            base,
            level=Level.FAILED,
            metric="failure_ratio",
            baseline=ref_ratio,
            current=ratio,
            change=None,
            error=(
                f"{ratio:.1%} of requests failed ({failures:.0f} of {requests:.0f}), "
                f"above the policy's limit {limit:.1%}"
            ),
        )
    if reference is None:
        return None
    more = more_failures_p(result, reference)
    if more is not None and more < thresholds.alpha and comparable(result, reference):
        return replace(
            base,
            level=Level.CRITICAL,
            metric="failure_ratio",
            baseline=ref_ratio,
            current=ratio,
            change=ratio / ref_ratio - 1 if ref_ratio else None,
            p_value=more,
        )
    if base.metric not in WINDOWED:
        return None
    metrics = [base.metric] + [m for m in WINDOWED if m != base.metric]
    judged = [
        j for m in metrics if (j := judge_metric(result, reference, thresholds, m)) is not None
    ]
    if not judged or judged[0].metric != base.metric:
        return None  # no windows for the named metric: the time verdicts' rules
    decided = judged[0]
    for other in judged[1:]:
        if _WEIGHT.get(other.level, 0) > _WEIGHT.get(decided.level, 0):
            decided = other
    level = decided.level
    if not comparable(result, reference) and level in (
        Level.CRITICAL,
        Level.WARNING,
        Level.IMPROVED,
    ):
        level = Level.INCONCLUSIVE
    return replace(
        base,
        level=level,
        metric=decided.metric,
        baseline=decided.baseline,
        current=decided.current,
        change=decided.change,
        ci_low=decided.low,
        ci_high=decided.high,
        p_value=decided.p_value,
    )


def failure_ratio(reference: Reference | None) -> float | None:
    if reference is None or not reference.counters.get("requests"):
        return None
    return reference.counters.get("failures", 0.0) / reference.counters["requests"]


def more_failures_p(result: BenchmarkResult, reference: Reference) -> float | None:
    """One-sided Fisher exact p that this run fails more often than the baseline did.

    None when either side has no request count, or this run had no failure.
    """
    from scipy.stats import fisher_exact

    n1 = int(result.counters.get("requests", 0))
    f1 = int(result.counters.get("failures", 0))
    n0 = int(reference.counters.get("requests", 0))
    f0 = int(reference.counters.get("failures", 0))
    if n1 <= 0 or n0 <= 0 or f1 <= 0:
        return None
    table = [[f1, max(n1 - f1, 0)], [f0, max(n0 - f0, 0)]]
    return float(fisher_exact(table, alternative="greater").pvalue)


def judge_metric(
    result: BenchmarkResult,
    reference: Reference,
    thresholds: Thresholds,
    metric: str,
) -> Judged | None:
    """p95 or RPS of this run's seconds against the baseline's; None without windows."""
    current_windows = result.windows.get(metric, ())
    reference_windows = reference.windows.get(metric, ())
    if not current_windows or not reference_windows:
        return None
    current = statistics.median(current_windows)
    baseline = statistics.median(reference_windows)
    higher_is_better = WINDOWED[metric]
    sign = -1.0 if higher_is_better else 1.0
    change = sign * (current - baseline) / baseline if baseline > 0 else math.inf
    # The run-to-run noise of p95 (a pooled baseline's run_spread) is a floor; the
    # seconds' RPS varied ~2 % between runs here, its windows speak for themselves.
    floor = 0.0 if higher_is_better else noise_floor(reference, thresholds)
    level, p_value, low, high = window_level(
        change, current_windows, reference_windows, thresholds, higher_is_better, floor
    )
    return Judged(metric, level, baseline, current, change, p_value, low, high)


def typical(result: BenchmarkResult, metric: str = "p95") -> float:
    """What a load verdict compares: the median of the run's per-second values.

    Falls back to the run's own value of ``metric`` without windows.
    """
    windows = result.windows.get(metric, ())
    return statistics.median(windows) if windows else result.value(metric)


def ratio_interval(
    current: Sequence[float], reference: Sequence[float], confidence: float = 0.95
) -> tuple[float, float]:
    """Distribution-free interval of the ratio current/reference (Hodges–Lehmann, on logs).

    The interval that goes with the Mann–Whitney U test: order statistics of
    the n·m pairwise log ratios, cut where U's normal approximation puts the
    two-sided ``confidence`` limits (for six seconds against six, the 6th
    smallest and the 6th largest of 36, as the exact table has it). Tighter
    than a bootstrap of two medians of a handful of seconds.
    """
    diffs = sorted(math.log(c) - math.log(r) for c in current for r in reference)
    n, m = len(current), len(reference)
    z = statistics.NormalDist().inv_cdf(0.5 + confidence / 2)
    k = max(0, math.floor(n * m / 2 - z * math.sqrt(n * m * (n + m + 1) / 12)))
    k = min(k, (len(diffs) - 1) // 2)
    return math.exp(diffs[k]), math.exp(diffs[-1 - k])


def noise_floor(reference: Reference, thresholds: Thresholds) -> float:
    """``noise_sigmas`` × the run-to-run spread of p95 of a baseline pooled from runs."""
    return thresholds.noise_sigmas * reference.values.get("run_spread", 0.0)


def smallest_p(n: int, m: int) -> float:
    """The smallest one-sided p an exact rank test of n and m values can reach."""
    return 1 / math.comb(n + m, n) if n and m else 1.0


def window_level(
    change: float,
    current: Sequence[float],
    reference: Sequence[float],
    thresholds: Thresholds,
    higher_is_better: bool,
    floor: float = 0.0,
) -> tuple[Level, float | None, float | None, float | None]:
    """Level, p-value of the tested direction and interval of the change (positive = worse).

    The rank test and the bootstrap interval are on the windows; ``change`` is
    the size the user sees (the run's exact value against the baseline's) and
    must also clear ``floor`` (the baseline's run-to-run noise).
    """
    t = thresholds
    if smallest_p(len(current), len(reference)) >= t.alpha:
        # Too few seconds for any test to reach alpha: no evidence either way. Sizes
        # alone are no evidence: two identical 5 s runs differed by +100 % in p95 here.
        if abs(change) > min(t.warning, t.improvement):
            return Level.INCONCLUSIVE, None, None, None
        return Level.INFO, None, None, None
    p_greater, p_less = mann_whitney(current, reference)
    ratio_low, ratio_high = ratio_interval(current, reference)
    if higher_is_better:  # worse is lower: flip the ratio's interval and the tails
        low, high = 1 - ratio_high, 1 - ratio_low
        p_worse, p_better = p_less, p_greater
    else:
        low, high = ratio_low - 1, ratio_high - 1
        p_worse, p_better = p_greater, p_less
    worse_evident = p_worse < t.alpha and low > t.min_effect
    better_evident = p_better < t.alpha and high < -t.min_effect
    if change > t.warning:
        if not worse_evident or change <= floor:
            return Level.INCONCLUSIVE, p_worse, low, high
        return (Level.CRITICAL if change > t.critical else Level.WARNING), p_worse, low, high
    if change < -t.improvement and better_evident and -change > floor:
        return Level.IMPROVED, p_better, low, high
    return Level.INFO, min(p_worse, p_better), low, high
