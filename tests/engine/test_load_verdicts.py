"""Load verdicts with literal numbers: failures first, then p95 and RPS on per-second windows."""

from __future__ import annotations

from pathlib import Path

import pytest
from tracetui.engine.core.results import BenchmarkResult
from tracetui.engine.judging.baselines import BaselineEntry, BaselineError, BaselineStore
from tracetui.engine.judging.load_verdicts import more_failures_p, typical
from tracetui.engine.judging.verdicts import Level, Reference, RegressionCheck, Thresholds

#: The p95 of six steady seconds and their request rates (no ties: exact rank tests).
P95 = (0.0200, 0.0210, 0.0190, 0.0220, 0.0205, 0.0180)
RPS = (40.1, 39.2, 41.0, 38.7, 40.6, 39.9)
LOAD = Thresholds(warning=0.20, critical=0.40)  # the policy's [thresholds.suites.load]


def load_result(
    p95: tuple[float, ...] = P95,
    rps: tuple[float, ...] = RPS,
    *,
    requests: int = 2000,
    failures: int = 0,
    users: int = 4,
) -> BenchmarkResult:
    return BenchmarkResult(
        id="load.crud[medium]",
        suite="load",
        name="crud",
        kind="load",
        samples=(5.0,),
        counters={"users": users, "requests": requests, "failures": failures},
        metrics={
            "p95": max(p95),
            "rps": sum(rps) / len(rps),
            "failure_ratio": failures / requests,
        },
        windows={"p95": p95, "rps": rps},
    )


def reference(
    p95: tuple[float, ...] = P95,
    rps: tuple[float, ...] = RPS,
    *,
    requests: int = 2000,
    failures: int = 0,
    run_spread: float | None = None,
) -> Reference:
    values = {"p95": max(p95), "rps": sum(rps) / len(rps), "failure_ratio": failures / requests}
    if run_spread is not None:
        values["run_spread"] = run_spread
    return Reference(
        values=values,
        counters={"users": 4, "requests": requests, "failures": failures},
        windows={"p95": p95, "rps": rps},
    )


def judge(result: BenchmarkResult, ref: Reference | None, t: Thresholds = LOAD):
    return RegressionCheck(t).check(result, ref)


def test_two_identical_runs_are_not_significant() -> None:
    v = judge(load_result(), reference())
    assert v.level == Level.INFO
    assert v.metric == "p95"
    assert v.change == 0.0
    assert v.p_value == pytest.approx(0.5325, abs=1e-3)  # not 1e-27: seconds, not requests


def test_a_true_doubling_of_p95_is_critical_with_the_exact_rank_p_value() -> None:
    v = judge(load_result(p95=tuple(2 * x for x in P95)), reference())
    assert v.level == Level.CRITICAL
    assert v.metric == "p95"
    assert v.baseline == pytest.approx(0.02025)  # the median second's p95
    assert v.current == pytest.approx(0.0405)
    assert v.change == pytest.approx(1.0)
    assert v.p_value == pytest.approx(1 / 924)  # six seconds above six: 1 / C(12, 6)
    assert v.ci_low is not None and v.ci_low > 0.5


def test_a_p95_rise_of_thirty_percent_is_a_warning() -> None:
    v = judge(load_result(p95=tuple(1.3 * x for x in P95)), reference())
    assert (v.level, v.metric) == (Level.WARNING, "p95")
    assert v.change == pytest.approx(0.30)


def test_an_rps_drop_is_a_regression_higher_is_better() -> None:
    v = judge(load_result(rps=tuple(0.7 * x for x in RPS)), reference())
    assert (v.level, v.metric) == (Level.WARNING, "rps")
    assert v.change == pytest.approx(0.30)  # positive = worse: 30 % fewer requests per second
    assert v.p_value == pytest.approx(1 / 924)


def test_more_rps_does_not_hide_the_p95_verdict() -> None:
    v = judge(load_result(rps=tuple(1.5 * x for x in RPS)), reference())
    assert (v.level, v.metric) == (Level.INFO, "p95")


def test_the_worse_of_p95_and_rps_decides() -> None:
    v = judge(
        load_result(p95=tuple(1.3 * x for x in P95), rps=tuple(0.5 * x for x in RPS)),
        reference(),
    )
    assert (v.level, v.metric) == (Level.CRITICAL, "rps")


def test_a_run_above_the_failure_limit_is_failed_even_if_p95_fell() -> None:
    # The API died: 40 % of requests failed fast, and the seconds' p95 went down.
    fast = tuple(0.5 * x for x in P95)
    v = judge(load_result(p95=fast, requests=1000, failures=400), reference())
    assert v.level == Level.FAILED
    assert v.metric == "failure_ratio"
    assert v.current == pytest.approx(0.4)
    assert v.error == "40.0% of requests failed (400 of 1000), above the policy's limit 1.0%"
    assert judge(load_result(requests=1000, failures=400), None).level == Level.FAILED


def test_the_failure_limit_is_a_policy_setting() -> None:
    lenient = LOAD.merged({"max_failure_ratio": 0.5})
    v = judge(load_result(requests=1000, failures=400), None, lenient)
    assert v.level == Level.NEW
    strict = judge(load_result(requests=1000, failures=11), None)  # 1.1 % > 1 %
    assert strict.level == Level.FAILED


def test_more_failures_than_the_baseline_beyond_noise_is_critical() -> None:
    # 12 of 2000 (0.6 %, under the limit) where the baseline had none.
    v = judge(load_result(failures=12), reference())
    assert (v.level, v.metric) == (Level.CRITICAL, "failure_ratio")
    assert v.p_value == pytest.approx(0.000240134, rel=1e-5)  # one-sided Fisher exact
    assert v.baseline == 0.0 and v.current == pytest.approx(0.006)


def test_a_failure_or_two_more_is_noise() -> None:
    assert more_failures_p(load_result(failures=3), reference(failures=2)) == pytest.approx(0.5)
    v = judge(load_result(failures=3), reference(failures=2))
    assert (v.level, v.metric) == (Level.INFO, "p95")


def test_too_few_seconds_to_test_are_inconclusive_not_judged_by_size() -> None:
    three = P95[:3]
    v = judge(load_result(p95=tuple(2 * x for x in three), rps=RPS[:3]), reference(three, RPS[:3]))
    assert v.level == Level.INCONCLUSIVE  # 3 against 3 cannot reach p < 0.05 (1/20)
    assert v.p_value is None


def test_a_pooled_baselines_run_to_run_noise_is_a_floor() -> None:
    slower = tuple(1.5 * x for x in P95)
    assert judge(load_result(p95=slower), reference(run_spread=0.05)).level == Level.CRITICAL
    v = judge(load_result(p95=slower), reference(run_spread=0.20))  # floor 2.8 × 20 % = 56 %
    assert v.level == Level.INCONCLUSIVE


def test_runs_with_other_users_are_not_compared() -> None:
    v = judge(load_result(p95=tuple(2 * x for x in P95), users=8), reference())
    assert v.level == Level.INCONCLUSIVE


def test_a_baseline_without_windows_is_judged_as_before() -> None:
    old = Reference(values={"p95": 0.0202}, counters={"users": 4, "requests": 2000})
    v = judge(load_result(), old)
    assert v.metric == "p95" and v.level in (Level.INFO, Level.INCONCLUSIVE)
    assert v.change == pytest.approx(0.022 / 0.0202 - 1)  # the whole-run p95


def test_baselines_keep_and_pool_the_windows(tmp_path: Path) -> None:
    runs = [load_result(p95=tuple(s * x for x in P95)) for s in (1.0, 1.1, 1.5)]
    entry = BaselineEntry.from_result(runs[0], {}, earlier=runs[1:])
    assert len(entry.windows["p95"]) == 18 and len(entry.windows["rps"]) == 18
    assert typical(runs[0]) == pytest.approx(0.02025)
    # Robust spread of the runs' typical p95 (1, 1.1, 1.5 × 20.25 ms): 1.4826 × 0.1 / 1.1.
    assert entry.values["run_spread"] == pytest.approx(0.134782, rel=1e-4)
    again = BaselineEntry.from_toml(entry.benchmark_id, entry.to_toml())
    assert again.windows == entry.windows
    assert again.reference.windows == entry.windows


def test_malformed_windows_in_a_baseline_are_refused(tmp_path: Path) -> None:
    (tmp_path / "load.sqlite.toml").write_text(
        'schema = 1\n[benchmarks."load.crud[low]"]\nkind = "load"\n'
        '[benchmarks."load.crud[low]".values]\np95 = 0.02\n'
        '[benchmarks."load.crud[low]".windows]\np95 = [0.02, -1.0]\n'
    )
    with pytest.raises(BaselineError, match=r"windows\.p95 must hold positive finite numbers"):
        BaselineStore(tmp_path).load("load", "sqlite")


def test_the_policy_sets_the_failure_limit(tmp_path: Path) -> None:
    (tmp_path / "policy.toml").write_text(
        "schema = 1\n[thresholds]\nmax_failure_ratio = 0.05\n"
        "[thresholds.suites.load]\nmax_failure_ratio = 0.02\n"
    )
    policy = BaselineStore(tmp_path).load_policy()
    assert policy.thresholds_for("load.crud[low]").max_failure_ratio == 0.02
    assert policy.thresholds_for("database.item_read").max_failure_ratio == 0.05
