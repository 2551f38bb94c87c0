"""The paired A/B statistic and verdict, against literal numbers."""

from __future__ import annotations

import pytest
from tracetui.engine.core.results import BenchmarkResult
from tracetui.engine.judging.paired import compare_pairs, pair_statistic, paired_verdict
from tracetui.engine.judging.verdicts import Level


def side(sql: float = 1.0, plan: str | None = None) -> BenchmarkResult:
    return BenchmarkResult(
        id="s.b",
        suite="s",
        name="b",
        kind="micro",
        samples=(0.001,),
        counters={"sql_statements": sql},
        evidence={"plan": plan} if plan else {},
    )


def test_pair_statistic_balances_the_two_orders() -> None:
    # even positions (A B) ratios 2, 3, 2 -> median 2; odd (B A) 3, 8 -> median 5.5
    assert pair_statistic([2.0, 3.0, 6.0, 8.0, 2.0], [1.0, 1.0, 2.0, 1.0, 1.0]) == pytest.approx(
        (2 * 5.5) ** 0.5
    )
    # an order effect that zig-zags (the second of a round pair ×2) cancels: 2, 0.5 -> 1
    assert pair_statistic([2.0, 1.0, 2.0, 1.0], [1.0, 2.0, 1.0, 2.0]) == 1.0
    assert pair_statistic([3.0], [1.0]) == 3.0


def test_compare_pairs_is_a_log_ratio_t_interval_over_pairs() -> None:
    # scipy.stats.ttest_1samp(np.log(x), 0): one-sided p = 0.0002826635…,
    # exp(confidence_interval()) = (1.16574452, 1.26055897)
    cmp = compare_pairs([1.2, 1.25, 1.22, 1.18])
    assert cmp.ratio == pytest.approx(1.2122251058889)
    assert cmp.low == pytest.approx(1.16574452, rel=1e-7)
    assert cmp.high == pytest.approx(1.26055897, rel=1e-7)
    assert cmp.p_slower == pytest.approx(0.00028266353522952915)
    assert cmp.p_faster == pytest.approx(1 - 0.00028266353522952915)


def test_two_identical_pairs_and_one_pair() -> None:
    same = compare_pairs([1.0, 1.0])
    assert (same.ratio, same.low, same.high, same.p_slower, same.p_faster) == (1, 1, 1, 1, 1)
    one = compare_pairs([1.5])
    assert one.low is None and one.high is None and one.p_slower == 1.0


def rounds(ratio: float, pairs: int = 4) -> tuple[list[list[float]], list[list[float]]]:
    base = [[0.001, 0.0011, 0.00105, 0.00098, 0.00102] for _ in range(pairs)]
    wobble = [1.0, 1.01, 0.99, 1.02]
    head = [[x * ratio * wobble[k % 4] for x in b] for k, b in enumerate(base)]
    return head, base


@pytest.mark.parametrize(
    ("ratio", "level"),
    [(1.0, Level.INFO), (1.2, Level.WARNING), (1.4, Level.CRITICAL), (0.7, Level.IMPROVED)],
)
def test_paired_verdict_levels(ratio: float, level: Level) -> None:
    head, base = rounds(ratio)
    v = paired_verdict("s.b", head, base, side(), side())
    assert v.level == level
    assert v.change == pytest.approx(ratio * (1.0 * 1.01 * 0.99 * 1.02) ** 0.25 - 1, abs=1e-9)


def test_a_big_change_from_two_disagreeing_pairs_is_inconclusive() -> None:
    base = [[1.0] * 5, [1.0] * 5]
    head = [[1.05] * 5, [1.6] * 5]
    v = paired_verdict("s.b", head, base, side(), side())
    assert v.level == Level.INCONCLUSIVE and v.ci_low is not None and v.ci_low < 0


def test_exact_evidence_on_both_sides() -> None:
    head, base = rounds(1.0)
    n_plus_1 = paired_verdict("s.b", head, base, side(sql=2.0), side(sql=1.0))
    assert n_plus_1.level == Level.CRITICAL and n_plus_1.fails(Level.CRITICAL)
    assert (n_plus_1.sql_baseline, n_plus_1.sql_current) == (1.0, 2.0)
    scan = paired_verdict("s.b", head, base, side(plan="SCAN items"), side(plan="SEARCH items"))
    assert scan.level == Level.WARNING and scan.plan_changed


def test_failures_on_either_side() -> None:
    head, base = rounds(1.0)
    assert paired_verdict("s.b", head, base, None, side(), head_error="head: boom").level == (
        Level.FAILED
    )
    new = paired_verdict("s.b", head, [], side(), None, base_error="base: boom")
    assert new.level == Level.NEW and "boom" in new.error


def _verdict(low: float | None, high: float | None, level: Level = Level.INFO, sql: float = 1):
    from tracetui.engine.judging.verdicts import Verdict

    return Verdict(
        benchmark_id="s.b",
        level=level,
        change=0.0,
        ci_low=low,
        ci_high=high,
        sql_baseline=1.0,
        sql_current=sql,
    )


@pytest.mark.parametrize(
    ("low", "high", "level", "sql", "expected"),
    [
        (0.10, 0.25, Level.INFO, 1, True),  # holds the WARNING edge (15 %)
        (0.20, 0.35, Level.WARNING, 1, True),  # holds the CRITICAL edge (30 %)
        (-0.03, 0.04, Level.INFO, 1, False),  # settled: nowhere near an edge
        (0.18, 0.27, Level.WARNING, 1, False),  # settled between the edges
        (None, None, Level.INFO, 1, False),  # no interval (one pair)
        (0.10, 0.25, Level.FAILED, 1, False),
        (0.10, 0.25, Level.CRITICAL, 2, False),  # one more statement: CRITICAL anyway
    ],
)
def test_straddles_names_verdicts_more_pairs_could_change(
    low: float | None, high: float | None, level: Level, sql: float, expected: bool
) -> None:
    from tracetui.engine.judging.paired import straddles

    assert straddles(_verdict(low, high, level, sql)) is expected


def test_undecided_benchmarks_get_more_pairs_up_to_twice_k(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Real side workers on the toy suite: a benchmark named undecided gets one more
    pair per ask, at most K more; the others keep their K pairs and settle at pair K."""
    from pathlib import Path

    from tracetui.engine.core.profiles import get_profile
    from tracetui.engine.measuring.paired import Side, iter_paired

    root = Path(__file__).resolve().parents[2]
    monkeypatch.setenv("TRACETUI_SUITES", "tests.fixtures.toy_suite:SUITE")
    monkeypatch.delenv("TOY_SLOWDOWN", raising=False)
    asked: list[dict[str, int]] = []

    def undecided(sofar):
        asked.append({bid: len(item.head_rounds) for bid, item in sofar.items()})
        return ["toy.spin"]  # never settles

    base = Side("base", root, f"sqlite:///{tmp_path / 'base.db'}", own_database=True)
    head = Side("head", root, f"sqlite:///{tmp_path / 'head.db'}", own_database=True)
    steps = list(
        iter_paired(
            ["toy.spin", "toy.batch[10]"],
            base=base,
            head=head,
            profile=get_profile("smoke"),
            options={},
            pairs=2,
            undecided=undecided,
        )
    )
    items = {s.item.benchmark_id: s.item for s in steps if s.item is not None}
    assert len(items["toy.spin"].head_rounds) == len(items["toy.spin"].base_rounds) == 4
    assert len(items["toy.batch[10]"].head_rounds) == 2
    # asked after pair 2 (both) and pair 3 (only the undecided one); pair 4 is the cap
    assert asked == [{"toy.spin": 2, "toy.batch[10]": 2}, {"toy.spin": 3}]
    assert [s.settled for s in steps if s.settled] == [("toy.batch[10]",), ("toy.spin",)]
    assert max(s.pairs for s in steps) == 4
