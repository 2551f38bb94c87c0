"""Few samples are not a free pass; load verdicts judge the statistic they name."""

from __future__ import annotations

import pytest
from tracetui.engine.core.results import BenchmarkResult
from tracetui.engine.judging.stats import compare_quantile, smallest_rank_p
from tracetui.engine.judging.verdicts import Level, Reference, RegressionCheck


def micro(samples: tuple[float, ...]) -> BenchmarkResult:
    return BenchmarkResult(id="s.b", suite="s", name="b", kind="workload", samples=samples)


def test_smallest_rank_p_literals() -> None:
    assert smallest_rank_p(1, 1) == 0.5
    assert smallest_rank_p(2, 2) == pytest.approx(1 / 6)
    assert smallest_rank_p(3, 3) == pytest.approx(0.05)
    assert smallest_rank_p(3, 4) == pytest.approx(1 / 35)
    assert smallest_rank_p(0, 4) == 1.0


@pytest.mark.parametrize(("scale", "level"), [(1.6, Level.CRITICAL), (1.2, Level.WARNING)])
def test_a_one_round_benchmark_is_judged_on_the_size_of_its_change(
    scale: float, level: Level
) -> None:
    reference = Reference(values={"median": 0.100}, samples=(0.100,))
    v = RegressionCheck().check(micro((0.100 * scale,)), reference)
    assert v.level == level  # was INCONCLUSIVE p = 0.5 forever


def test_a_one_round_benchmark_within_noise_is_info() -> None:
    reference = Reference(values={"median": 0.100}, samples=(0.100,))
    assert RegressionCheck().check(micro((0.105,)), reference).level == Level.INFO


def load(latencies: list[float], failure_ratio: float = 0.0) -> BenchmarkResult:
    ordered = sorted(latencies)
    return BenchmarkResult(
        id="load.api",
        suite="load",
        name="api",
        kind="load",
        samples=(10.0,),
        latencies=tuple(latencies),
        metrics={
            "p95": ordered[int(0.95 * (len(ordered) - 1))],
            "rps": 100.0,
            "failure_ratio": failure_ratio,
        },
    )


LATENCIES = [0.010 + 0.00005 * ((i * 37) % 420) for i in range(420)]  # 10–31 ms, shuffled


def reference_of(result: BenchmarkResult) -> Reference:
    return Reference(values=dict(result.metrics), samples=result.latencies)


def test_two_identical_load_runs_are_not_significant() -> None:
    first = load(LATENCIES)
    v = RegressionCheck().check(load(LATENCIES), reference_of(first))
    assert v.level == Level.INFO
    assert v.p_value is not None and v.p_value > 0.05  # was ≈ 1e-27


def test_a_doubled_p95_is_critical() -> None:
    first = load(LATENCIES)
    doubled = load([x * 2 for x in LATENCIES])
    v = RegressionCheck().check(doubled, reference_of(first))
    assert v.metric == "p95" and v.level == Level.CRITICAL


def test_compare_quantile_literals() -> None:
    cmp = compare_quantile([2.0] * 20, [1.0] * 20, 95)
    assert (cmp.ratio, cmp.low, cmp.high) == (2.0, 2.0, 2.0)
    assert cmp.p_slower == pytest.approx(1 / 1001)
    assert cmp.p_faster == 1.0


def test_failures_above_the_policy_limit_are_failed() -> None:
    first = load(LATENCIES)
    v = RegressionCheck().check(load(LATENCIES, failure_ratio=0.40), reference_of(first))
    assert v.level == Level.FAILED and "40.0%" in v.error
    ok = RegressionCheck().check(load(LATENCIES, failure_ratio=0.005), reference_of(first))
    assert ok.level == Level.INFO
    lenient = RegressionCheck(RegressionCheck().thresholds.merged({"max_failure_ratio": 0.5}))
    assert lenient.check(load(LATENCIES, failure_ratio=0.40), None).level == Level.NEW
