"""PairedPytestRun's events: what the console's dashboard and the CLI's recorder read.

The pytest runs are canned (``pytest_against.one_run`` replaced): what is tested is
the order of the events, the pair ratios they carry, the targets each side runs and
what a cancelled run keeps, not pytest (the console test runs pytest for real).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from tracetui.engine.core.events import (
    BenchmarkFinished,
    BenchmarkStarted,
    Progress,
    RunFinished,
    RunStarted,
)
from tracetui.engine.core.results import BenchmarkResult
from tracetui.engine.interop import pytest_against
from tracetui.engine.interop.pytest_against import PairedPytestRun, SideMeasuredNothing
from tracetui.engine.judging.baselines import Policy
from tracetui.engine.judging.verdicts import Level
from tracetui.engine.measuring.against import Checkout

A, B = "bench.test_a", "bench.test_b"
NODES = {A: "bench.py::test_a", B: "bench.py::test_b"}


def result(bid: str, median: float) -> BenchmarkResult:
    return BenchmarkResult(
        id=bid,
        suite="bench",
        name=bid.split(".", 1)[1],
        kind="micro",
        samples=tuple(median * w for w in (0.99, 1.01, 1.0)),
    )


@pytest.fixture
def trees(tmp_path: Path) -> dict[str, Path]:
    out = {"head": tmp_path / "head", "base": tmp_path / "base"}
    for tree in out.values():
        tree.mkdir()
        (tree / "bench.py").write_text("")
    return out


def checkout_of(trees: dict[str, Path]) -> Checkout:
    return Checkout(trees["head"], "HEAD~1", "ab" * 20, trees["base"], "cd" * 20, False)


def canned(monkeypatch, trees, calls: list[tuple[str, list[str]]], on_run=None) -> None:
    """test_b is 1.5× slower on the head; test_a the same on both sides."""

    def one_run(targets: Sequence[str], cwd: Path, extra, on_process, log=None):
        name = "head" if cwd == trees["head"] else "base"
        calls.append((name, list(targets)))
        if on_run is not None:
            on_run(len(calls))
        slow = 1.5 if name == "head" else 1.0
        started = RunStarted(
            run_id="inner",
            benchmark_ids=(A, B),
            profile="pytest",
            backend="pytest",
            db_url="",
            environment={"pytest_rootdir": str(cwd), "pytest_nodeids": NODES, "side": name},
        )
        return {A: result(A, 1e-3), B: result(B, 1e-3 * slow)}, started, "completed"

    monkeypatch.setattr(pytest_against, "one_run", one_run)


def test_events_start_after_the_heads_first_run_and_carry_each_pairs_ratio(
    monkeypatch, trees
) -> None:
    calls: list[tuple[str, list[str]]] = []
    canned(monkeypatch, trees, calls)
    run = PairedPytestRun(checkout_of(trees), ["bench.py"], pairs=3, run_id="r1")
    events = list(run)
    assert [name for name, _ in calls] == ["head", "base", "base", "head", "head", "base"]
    started = events[0]
    assert isinstance(started, RunStarted) and started.run_id == "r1"
    assert started.benchmark_ids == (A, B)
    assert started.environment["side"] == "head"  # the head's own environment
    assert started.environment["against"] == {"rev": "HEAD~1", "commit": "ab" * 20, "pairs": 3}
    assert [type(e) for e in events[1:3]] == [BenchmarkStarted, BenchmarkStarted]
    progress = [e for e in events if isinstance(e, Progress) and e.benchmark_id == B]
    assert [p.round for p in progress] == [1, 2, 3]
    assert {p.rounds_planned for p in progress} == {3}
    assert all(p.extra["ratio"] == pytest.approx(1.5) for p in progress)
    finished = [e.result.id for e in events if isinstance(e, BenchmarkFinished)]
    assert finished == [A, B]
    assert isinstance(events[-1], RunFinished) and events[-1].status == "completed"
    levels = {v.benchmark_id: v.level for v in run.verdicts(Policy())}
    assert levels == {A: Level.INFO, B: Level.CRITICAL}
    assert run.summary() == "3 pairs of pytest runs"


def test_a_cancelled_run_keeps_its_complete_pairs(monkeypatch, trees) -> None:
    calls: list[tuple[str, list[str]]] = []
    run = PairedPytestRun(checkout_of(trees), ["bench.py"], pairs=3)
    canned(monkeypatch, trees, calls, on_run=lambda n: run.cancel() if n == 3 else None)
    events = list(run)
    assert len(calls) == 3  # pair 2 was interrupted: its base run's results are dropped
    assert isinstance(events[-1], RunFinished) and events[-1].status == "cancelled"
    assert [e.result.id for e in events if isinstance(e, BenchmarkFinished)] == [A, B]
    verdicts = run.verdicts(Policy())
    assert [v.level for v in verdicts] == [Level.INFO, Level.INCONCLUSIVE]  # one pair only


def test_the_base_runs_only_the_targets_it_has(monkeypatch, trees) -> None:
    (trees["head"] / "bench_new.py").write_text("")
    calls: list[tuple[str, list[str]]] = []
    canned(monkeypatch, trees, calls)
    run = PairedPytestRun(checkout_of(trees), ["bench.py", "bench_new.py::test_c"], pairs=1)
    list(run)
    assert dict(calls) == {"head": ["bench.py", "bench_new.py::test_c"], "base": ["bench.py"]}


def test_a_base_with_none_of_the_targets_is_refused_before_anything_runs(
    monkeypatch, trees
) -> None:
    calls: list[tuple[str, list[str]]] = []
    canned(monkeypatch, trees, calls)
    run = PairedPytestRun(checkout_of(trees), ["bench_new.py"], pairs=1)
    with pytest.raises(SideMeasuredNothing, match=r"has none of bench_new\.py"):
        list(run)
    assert calls == []
