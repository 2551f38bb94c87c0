"""Verdicts: does this result fail against that baseline?

A :class:`RegressionCheck` answers one question for one benchmark. The
size of a change alone never makes a regression: a slowdown counts only
when it is also beyond the noise (one-sided Mann–Whitney U of the current
samples against the baseline's reservoir). Levels follow the seed:
CRITICAL > 30 % slower, WARNING 15–30 %, INFO < 15 %; IMPROVED when faster
beyond the noise; INCONCLUSIVE for a large change without evidence; NEW
without a baseline; MISSING for a baseline whose benchmark is gone;
FAILED when the benchmark did not run to the end.

Separately, three checks have no noise at all: an absolute budget (a
ceiling, like a k6 threshold), the SQL statement count per call (an added
query is an exact regression) and the main statement's query plan (an
index lookup turned full scan is flagged before the time moves). The
latter two raise the level to at least WARNING.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from tracetui.engine.core.results import BenchmarkResult
from tracetui.engine.judging.plans import plans_differ
from tracetui.engine.judging.stats import (
    compare_quantile,
    compare_samples,
    percentile,
    smallest_rank_p,
)

#: Metrics where a larger number is better (budgets on them are floors).
HIGHER_IS_BETTER = frozenset({"rps", "ops", "items_per_s", "peak_rps", "saturation_users"})


class Level(enum.StrEnum):
    CRITICAL = "CRITICAL"
    WARNING = "WARNING"
    INCONCLUSIVE = "INCONCLUSIVE"
    INFO = "INFO"
    IMPROVED = "IMPROVED"
    NEW = "NEW"
    MISSING = "MISSING"
    FAILED = "FAILED"

    @property
    def is_regression(self) -> bool:
        return self in (Level.CRITICAL, Level.WARNING)


#: Ranking used by ``--fail-on``: a level fails when its rank >= the fail level's.
SEVERITY = {Level.CRITICAL: 2, Level.WARNING: 1}


@dataclass(frozen=True)
class Thresholds:
    """When a slowdown is a WARNING or CRITICAL, and on which metric.

    ``metric`` None means the kind's default (median time per call; p95
    latency for load runs). ``alpha`` is the significance level;
    ``improvement`` how much faster (and significant) counts as IMPROVED;
    ``noise_sigmas`` × the baseline's run-to-run spread is the noise floor a
    change must also clear (two runs' medians differ by up to ~2.8 sigma by
    chance alone); ``min_effect`` is the smallest change that matters: the
    bootstrap interval of the change must lie beyond it for the evidence to
    count, so a wide interval from a handful of noisy rounds is INCONCLUSIVE.
    """

    warning: float = 0.15
    critical: float = 0.30
    metric: str | None = None
    alpha: float = 0.05
    improvement: float = 0.10
    noise_sigmas: float = 2.8
    min_effect: float = 0.05
    max_failure_ratio: float = 0.01

    def merged(self, overrides: Mapping[str, Any]) -> Thresholds:
        allowed = {
            "warning",
            "critical",
            "metric",
            "alpha",
            "improvement",
            "noise_sigmas",
            "min_effect",
            "max_failure_ratio",
        }
        unknown = set(overrides) - allowed
        if unknown:
            raise ValueError(f"unknown threshold setting(s): {', '.join(sorted(unknown))}")
        merged = replace(self, **overrides)
        if not 0 <= merged.warning <= merged.critical:
            raise ValueError("thresholds need 0 <= warning <= critical")
        return merged


@dataclass(frozen=True)
class Reference:
    """What a result is compared with: a baseline's numbers for one benchmark."""

    values: Mapping[str, float]
    samples: Sequence[float] = ()
    counters: Mapping[str, float] = field(default_factory=dict)
    plan: str | None = None
    method: str = "sequential"  # how the samples were taken (interleaved rounds or not)
    windows: Mapping[str, Sequence[float]] = field(default_factory=dict)  # load: per second

    def reference_samples(self, metric: str) -> list[float]:
        """The reservoir, scaled so that its median is the recorded metric value.

        The reservoir carries the shape of the noise; the recorded value is
        authoritative, so a hand-edited baseline is honoured as written.
        """
        if not self.samples or metric not in self.values:
            return []
        # Scale by the metric's own statistic: a p95 baseline moves the reservoir's p95.
        if metric in ("p95", "p99"):
            mid = percentile(self.samples, float(metric[1:]))
        elif metric == "mean":
            mid = sum(self.samples) / len(self.samples)
        else:
            mid = percentile(self.samples, 50)
        if mid <= 0:
            return list(self.samples)
        target = self.values[metric]
        return [s * target / mid for s in self.samples]


@dataclass(frozen=True)
class Verdict:
    """The answer for one benchmark, with the evidence behind it."""

    benchmark_id: str
    level: Level
    metric: str = "median"
    unit: str = "s"
    baseline: float | None = None
    current: float | None = None
    change: float | None = None  # signed; positive = worse
    ci_low: float | None = None  # interval of the change (same sign convention)
    ci_high: float | None = None
    p_value: float | None = None  # of the direction that was tested
    sql_baseline: float | None = None
    sql_current: float | None = None
    budget: float | None = None
    budget_broken: bool = False
    error: str = ""
    plan_baseline: str | None = None
    plan_current: str | None = None

    @property
    def sql_regressed(self) -> bool:
        return (
            self.sql_baseline is not None
            and self.sql_current is not None
            and self.sql_current > self.sql_baseline
        )

    @property
    def plan_changed(self) -> bool:
        return plans_differ(self.plan_baseline, self.plan_current)

    def fails(self, fail_on: Level = Level.CRITICAL) -> bool:
        """Whether this verdict fails a CI gate set at ``fail_on``."""
        if self.budget_broken:
            return True
        rank = SEVERITY.get(self.level)
        return rank is not None and rank >= SEVERITY[fail_on]

    def to_json(self) -> dict[str, Any]:
        return {
            "benchmark_id": self.benchmark_id,
            "level": str(self.level),
            "metric": self.metric,
            "unit": self.unit,
            "baseline": self.baseline,
            "current": self.current,
            "change": self.change,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "p_value": self.p_value,
            "sql_baseline": self.sql_baseline,
            "sql_current": self.sql_current,
            "budget": self.budget,
            "budget_broken": self.budget_broken,
            "error": self.error,
            "plan_baseline": self.plan_baseline,
            "plan_current": self.plan_current,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Verdict:
        fields = dict(data)
        fields["level"] = Level(fields["level"])
        return cls(**fields)


#: Counters that are conditions of a run, not measurements: a load run with 50 users
#: says nothing about a baseline taken with 10.
CONDITIONS = ("users",)


def comparable(result: BenchmarkResult, reference: Reference) -> bool:
    """Whether result and baseline were measured the same way.

    Interleaved rounds share caches (about 16 % slower here than sequential
    ones), and run conditions such as load users must match.
    """
    if result.evidence.get("method", "sequential") != reference.method:
        return False
    return all(
        reference.counters.get(key) in (None, result.counters.get(key)) for key in CONDITIONS
    )


def default_metric(result: BenchmarkResult) -> str:
    return "p95" if result.kind == "load" else "median"


def metric_samples(result: BenchmarkResult, metric: str) -> Sequence[float]:
    """The samples whose distribution the metric summarises."""
    if result.kind == "load" and result.latencies:
        return result.latencies
    return result.samples


def budget_broken(value: float, budget: float, metric: str) -> bool:
    if metric in HIGHER_IS_BETTER:
        return value < budget
    return value > budget


@dataclass(frozen=True)
class RegressionCheck:
    """Does ``result`` fail against ``reference``? One question, one object."""

    thresholds: Thresholds = Thresholds()
    budgets: Mapping[str, float] = field(default_factory=dict)

    def check(self, result: BenchmarkResult, reference: Reference | None) -> Verdict:
        metric = self.thresholds.metric or default_metric(result)
        current = result.value(metric)
        sql_current = result.counters.get("sql_statements")
        budget_value, broken = None, False
        for budget_metric, ceiling in self.budgets.items():
            if budget_broken(result.value(budget_metric), ceiling, budget_metric):
                broken = True
            if budget_metric == metric:
                budget_value = ceiling
        if budget_value is None and self.budgets:
            budget_value = next(iter(self.budgets.values()))
        base = Verdict(
            benchmark_id=result.id,
            level=Level.NEW,
            metric=metric,
            current=current,
            sql_current=sql_current,
            budget=budget_value,
            budget_broken=broken,
        )
        if result.kind == "load":  # failures first, then p95 and RPS on per-second windows
            from tracetui.engine.judging.load_verdicts import judge_load

            judged = judge_load(result, reference, self.thresholds, base)
            if judged is not None:
                return judged
        if reference is None or metric not in reference.values:
            return base
        baseline = float(reference.values[metric])
        sign = -1.0 if metric in HIGHER_IS_BETTER else 1.0
        change = sign * (current - baseline) / baseline if baseline else math.inf
        level, p_value, low, high = self._level(result, reference, metric, change, sign)
        if not comparable(result, reference) and level in (
            Level.CRITICAL,
            Level.WARNING,
            Level.IMPROVED,
        ):
            level = Level.INCONCLUSIVE
        sql_baseline = reference.counters.get("sql_statements")
        plan_current = result.evidence.get("plan")
        level = exact_level(level, sql_baseline, sql_current, reference.plan, plan_current)
        return replace(
            base,
            level=level,
            baseline=baseline,
            change=change,
            ci_low=low,
            ci_high=high,
            p_value=p_value,
            sql_baseline=reference.counters.get("sql_statements"),
            plan_baseline=reference.plan,
            plan_current=result.evidence.get("plan"),
        )

    def _level(
        self,
        result: BenchmarkResult,
        reference: Reference,
        metric: str,
        change: float,
        sign: float,
    ) -> tuple[Level, float | None, float | None, float | None]:
        t = self.thresholds
        ref_samples = reference.reference_samples(metric)
        cur_samples = metric_samples(result, metric)
        testable = ref_samples and cur_samples and metric not in HIGHER_IS_BETTER
        if testable and smallest_rank_p(len(cur_samples), len(ref_samples)) >= t.alpha:
            # Too few samples for any test to reach alpha (a 1-round pedantic benchmark):
            # not a free pass, the size of the change speaks alone.
            testable = False
        if testable:
            quantile = metric in ("p95", "p99") and result.kind == "load"
            cmp = (
                compare_quantile(cur_samples, ref_samples, float(metric[1:]))
                if quantile
                else compare_samples(cur_samples, ref_samples)
            )
            low, high = cmp.low - 1, cmp.high - 1
            p_worse, p_better = cmp.p_slower, cmp.p_faster
        else:
            # No reservoir (or a throughput metric): only the size of the change speaks.
            low = high = None
            p_worse = p_better = 0.0
        floor = t.noise_sigmas * reference.values.get("run_spread", 0.0)
        level, p_value = level_for(change, low, high, p_worse, p_better, t, floor=floor)
        if level == Level.INFO and not ref_samples:
            p_value = None
        return level, p_value, low, high


def level_for(
    change: float,
    low: float | None,
    high: float | None,
    p_worse: float,
    p_better: float,
    t: Thresholds,
    *,
    floor: float = 0.0,
) -> tuple[Level, float]:
    """The level of a change (positive = worse): beyond ``warning`` it counts only with
    p < ``alpha``, an interval beyond ``min_effect`` and a change beyond ``floor`` (the
    run-to-run noise floor); otherwise it is INCONCLUSIVE."""
    slower_evident = p_worse < t.alpha and (low is None or low > t.min_effect)
    faster_evident = p_better < t.alpha and (high is None or high < -t.min_effect)
    if change > t.warning:
        if not slower_evident or change <= floor:
            return Level.INCONCLUSIVE, p_worse
        return (Level.CRITICAL if change > t.critical else Level.WARNING), p_worse
    if change < -t.improvement and faster_evident and -change > floor:
        return Level.IMPROVED, p_better
    return Level.INFO, min(p_worse, p_better)


#: An added statement per call is at least this many more statements per operation.
#: (Concurrent rounds count statements per operation; a retry adds a fraction.)
WHOLE_STATEMENT = 0.5


def exact_level(
    level: Level,
    sql_baseline: float | None,
    sql_current: float | None,
    plan_baseline: str | None,
    plan_current: str | None,
) -> Level:
    """Raise ``level`` for evidence without noise.

    One more SQL statement per operation (an N+1) is CRITICAL: it fails the
    default gate, since no noise needs guarding against. A smaller rise
    (retries in a concurrent round) or a changed plan is at least a WARNING.
    """
    if sql_baseline is not None and sql_current is not None:
        if sql_current >= sql_baseline + WHOLE_STATEMENT:
            return Level.CRITICAL
        if sql_current > sql_baseline and SEVERITY.get(level, 0) < SEVERITY[Level.WARNING]:
            level = Level.WARNING
    if (
        plans_differ(plan_baseline, plan_current)
        and SEVERITY.get(level, 0) < SEVERITY[Level.WARNING]
    ):
        level = Level.WARNING
    return level


def failed(benchmark_id: str, error: str) -> Verdict:
    return Verdict(benchmark_id=benchmark_id, level=Level.FAILED, error=error)


def missing(benchmark_id: str, reference: Reference) -> Verdict:
    metric = "median" if "median" in reference.values else next(iter(reference.values), "median")
    return Verdict(
        benchmark_id=benchmark_id,
        level=Level.MISSING,
        metric=metric,
        baseline=reference.values.get(metric),
    )
