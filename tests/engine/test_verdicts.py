from __future__ import annotations

import pytest
from tracetui.engine.core.results import BenchmarkResult
from tracetui.engine.judging.verdicts import Level, Reference, RegressionCheck, Thresholds

BASE = [0.0100, 0.0101, 0.0099, 0.0100, 0.0102, 0.0098, 0.0100, 0.0101]


def result(scale: float, *, sql: float = 1.0, kind: str = "micro", **kw) -> BenchmarkResult:
    return BenchmarkResult(
        id="s.b",
        suite="s",
        name="b",
        kind=kind,
        samples=tuple(x * scale for x in BASE),
        counters={"sql_statements": sql},
        **kw,
    )


REF = Reference(values={"median": 0.0100}, samples=tuple(BASE), counters={"sql_statements": 1.0})


@pytest.mark.parametrize(
    ("scale", "level"),
    [
        (1.00, Level.INFO),
        (1.10, Level.INFO),  # slower but under 15 %
        (1.20, Level.WARNING),
        (1.29, Level.WARNING),
        (1.35, Level.CRITICAL),
        (2.00, Level.CRITICAL),
        (0.80, Level.IMPROVED),
    ],
)
def test_levels_follow_the_seed(scale: float, level: Level) -> None:
    v = RegressionCheck().check(result(scale), REF)
    assert v.level == level
    assert v.change == pytest.approx(scale - 1, abs=0.02)


def test_no_baseline_is_new() -> None:
    v = RegressionCheck().check(result(1.0), None)
    assert v.level == Level.NEW
    assert v.baseline is None


def test_large_change_without_evidence_is_inconclusive() -> None:
    noisy = Reference(
        values={"median": 0.0100}, samples=(0.005, 0.02, 0.004, 0.03, 0.0100, 0.006, 0.025, 0.01)
    )
    v = RegressionCheck().check(result(1.4), noisy)
    assert v.level == Level.INCONCLUSIVE
    assert v.p_value is not None and v.p_value >= 0.05


def test_hand_edited_baseline_value_is_honoured() -> None:
    # The reservoir still holds the old numbers, the recorded median was halved by hand.
    halved = Reference(values={"median": 0.0050}, samples=tuple(BASE))
    v = RegressionCheck().check(result(1.0), halved)
    assert v.level == Level.CRITICAL
    assert v.change == pytest.approx(1.0, abs=0.02)


def test_thresholds_are_configurable() -> None:
    strict = Thresholds(warning=0.05, critical=0.10)
    assert RegressionCheck(strict).check(result(1.08), REF).level == Level.WARNING
    assert RegressionCheck(strict).check(result(1.2), REF).level == Level.CRITICAL


def test_added_sql_statement_is_a_regression_without_noise() -> None:
    v = RegressionCheck().check(result(1.0, sql=2.0), REF)
    assert v.level == Level.CRITICAL  # an N+1 fails the default gate
    assert v.fails(Level.CRITICAL)
    assert v.sql_regressed


def test_a_fraction_more_sql_per_op_is_a_warning() -> None:
    # concurrent rounds count statements per operation: a retry adds a fraction
    v = RegressionCheck().check(result(1.0, sql=1.2), REF)
    assert v.level == Level.WARNING


def test_plans_compare_with_literals_normalized() -> None:
    from tracetui.engine.judging.plans import normalize_plan, plans_differ

    scan = "Index Scan using items_pkey on items\n  Index Cond: "
    a = scan + "(id = ANY ('{56901,56902}'::integer[]))"
    b = scan + "(id = ANY ('{152401,152402}'::integer[]))"
    assert not plans_differ(a, b)
    assert not plans_differ("Filter: (project_id = 12)", "Filter: (project_id = 7)")
    assert plans_differ(a, "Seq Scan on items\n  Filter: (id = ANY ('{1,2}'::integer[]))")
    assert normalize_plan("SEARCH items USING INDEX ix_items_project_status (project_id=?)") == (
        "SEARCH items USING INDEX ix_items_project_status (project_id=?)"
    )


def test_budget_is_an_absolute_ceiling() -> None:
    v = RegressionCheck(budgets={"median": 0.005}).check(result(1.0), REF)
    assert v.budget_broken
    assert v.fails(Level.CRITICAL)
    ok = RegressionCheck(budgets={"median": 0.050}).check(result(1.0), REF)
    assert not ok.budget_broken and not ok.fails(Level.CRITICAL)


def test_fail_on_levels() -> None:
    warning = RegressionCheck().check(result(1.2), REF)
    assert not warning.fails(Level.CRITICAL)
    assert warning.fails(Level.WARNING)
    critical = RegressionCheck().check(result(1.5), REF)
    assert critical.fails(Level.CRITICAL)


def test_throughput_metric_lower_is_worse() -> None:
    r = result(1.0, kind="load", metrics={"rps": 60.0}, latencies=(0.01, 0.01))
    ref = Reference(values={"rps": 100.0})
    v = RegressionCheck(Thresholds(metric="rps")).check(r, ref)
    assert v.change == pytest.approx(0.40)
    assert v.level == Level.CRITICAL


def test_thresholds_validate() -> None:
    with pytest.raises(ValueError):
        Thresholds().merged({"warning": 0.5, "critical": 0.2})
    with pytest.raises(ValueError):
        Thresholds().merged({"bogus": 1})


def test_a_change_inside_the_run_to_run_noise_is_inconclusive() -> None:
    # Within-run samples are tight, but the baseline's runs moved ±10 % between processes:
    # a 25 % shift is below 2.8 sigma of that, so it cannot be called a regression.
    noisy_runs = Reference(values={"median": 0.0100, "run_spread": 0.10}, samples=tuple(BASE))
    assert RegressionCheck().check(result(1.25), noisy_runs).level == Level.INCONCLUSIVE
    assert RegressionCheck().check(result(1.35), noisy_runs).level == Level.CRITICAL
    quiet_runs = Reference(values={"median": 0.0100, "run_spread": 0.02}, samples=tuple(BASE))
    assert RegressionCheck().check(result(1.25), quiet_runs).level == Level.WARNING


def test_evaluate_reports_missing_only_for_benchmarks_gone_from_the_registry(monkeypatch) -> None:
    from tracetui.engine.core import registry
    from tracetui.engine.judging.baselines import BaselineEntry, Policy
    from tracetui.engine.recording.session import RunRecord, evaluate

    monkeypatch.setenv("TRACETUI_SUITES", "tests.fixtures.toy_suite:SUITE")
    registry.load_suite.cache_clear()
    r = result(1.0)
    r = BenchmarkResult(id="toy.spin", suite="toy", name="spin", kind="micro", samples=r.samples)
    gone = BenchmarkResult(
        id="toy.renamed", suite="toy", name="renamed", kind="micro", samples=r.samples
    )
    record = RunRecord(
        run_id="r",
        benchmark_ids=("toy.spin", "toy.renamed"),
        results={"toy.spin": r, "toy.renamed": gone},
    )
    refs = {
        bid: BaselineEntry.from_result(x, {})
        for bid, x in [
            ("toy.spin", r),
            ("toy.renamed", gone),
            (
                "toy.deleted",
                BenchmarkResult(
                    id="toy.deleted", suite="toy", name="deleted", kind="micro", samples=r.samples
                ),
            ),
        ]
    }
    levels = {v.benchmark_id: v.level for v in evaluate(record, refs, Policy())}
    assert levels == {
        "toy.spin": Level.INFO,
        "toy.renamed": Level.INFO,
        "toy.deleted": Level.MISSING,
    }
    registry.load_suite.cache_clear()


def test_a_wide_interval_from_few_noisy_rounds_is_not_evidence() -> None:
    # Five rounds of a noisy concurrent benchmark: the median is 60 % up, the rank test
    # says p < 0.05, but the interval reaches down to changes too small to matter.
    ref = Reference(
        values={"median": 0.022},
        samples=(0.018, 0.020, 0.022, 0.024, 0.026, 0.021, 0.023, 0.019, 0.030, 0.017),
    )
    noisy = BenchmarkResult(
        id="c.x",
        suite="c",
        name="x",
        kind="concurrent",
        samples=(0.023, 0.036, 0.040, 0.035, 0.037),
    )
    v = RegressionCheck().check(noisy, ref)
    assert v.change == pytest.approx(0.636, abs=0.01)
    assert v.ci_low is not None and v.ci_low <= 0.05
    assert v.level == Level.INCONCLUSIVE


def test_interleaved_results_are_not_judged_against_sequential_baselines() -> None:
    interleaved = BenchmarkResult(
        id="s.b",
        suite="s",
        name="b",
        kind="micro",
        samples=tuple(x * 1.2 for x in BASE),
        evidence={"method": "interleaved"},
    )
    assert RegressionCheck().check(interleaved, REF).level == Level.INCONCLUSIVE
    same_method = Reference(values=REF.values, samples=REF.samples, method="interleaved")
    assert RegressionCheck().check(interleaved, same_method).level == Level.WARNING


def test_a_load_run_is_not_judged_against_a_baseline_with_other_users() -> None:
    def load(users: float, p95: float) -> BenchmarkResult:
        return BenchmarkResult(
            id="load.crud[high]",
            suite="load",
            name="crud",
            kind="load",
            samples=(10.0,),
            latencies=tuple(p95 * (0.9 + i / 50) for i in range(10)),
            counters={"users": users},
            metrics={"p95": p95},
        )

    ref = Reference(
        values={"p95": 0.010},
        samples=tuple(0.010 * (0.9 + i / 50) for i in range(10)),
        counters={"users": 10.0},
    )
    assert RegressionCheck().check(load(50.0, 0.080), ref).level == Level.INCONCLUSIVE
    assert RegressionCheck().check(load(10.0, 0.080), ref).level == Level.CRITICAL
