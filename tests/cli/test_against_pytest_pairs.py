"""``run --pytest --against``: a test still undecided after K pairs of pytest runs gets
more pairs, up to 2K, on its node ids alone; a settled run stops at K.

The pytest runs are canned (``pytest_against.one_run`` replaced): what is tested is which runs are
made and how their medians are judged, not pytest.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from tracetui.cli import against_pytest
from tracetui.cli.headless import ExitCode
from tracetui.cli.options import ReportPaths
from tracetui.engine.core.events import RunStarted
from tracetui.engine.core.results import BenchmarkResult
from tracetui.engine.interop import pytest_against
from tracetui.engine.judging.baselines import Policy
from tracetui.engine.judging.verdicts import Level
from tracetui.engine.measuring.against import Checkout
from tracetui.engine.recording.history import History

STEADY, EDGE = "test_x.test_steady", "test_x.test_edge"
NODES = {STEADY: "test_x.py::test_steady", EDGE: "test_x.py::test_edge"}
WIGGLE = (0.99, 1.01, 1.0, 0.98, 1.02)


def result(bid: str, median: float) -> BenchmarkResult:
    return BenchmarkResult(
        id=bid,
        suite="test_x",
        name=bid.split(".", 1)[1],
        kind="micro",
        samples=tuple(median * w for w in WIGGLE),
    )


@pytest.fixture
def sides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    trees = {"head": tmp_path / "head", "base": tmp_path / "base"}
    for tree in trees.values():
        tree.mkdir()
        (tree / "test_x.py").write_text("")
    monkeypatch.chdir(trees["head"])
    base = Checkout(trees["head"], "HEAD", "c0ffee" * 6 + "ab", trees["base"], None, True)
    monkeypatch.setattr(against_pytest, "checkout", lambda rev: base)
    return trees


def canned(
    trees: dict[str, Path], edge_ratios: Sequence[float], calls: list[tuple[str, list[str]]]
):
    """pytest runs where test_steady is unchanged and test_edge's head/base ratio per pair
    is ``edge_ratios`` (base always 1 ms)."""
    pairs_seen = {"base": 0, "head": 0}

    def one_run(paths: Sequence[str], tree: Path, extra: Sequence[str], on_process, log=None):
        name = "head" if tree == trees["head"] else "base"
        calls.append((name, list(paths)))
        index = pairs_seen[name]
        pairs_seen[name] += 1
        ratio = edge_ratios[index] if name == "head" else 1.0
        every = {STEADY: result(STEADY, 1e-3), EDGE: result(EDGE, 1e-3 * ratio)}
        wanted = [b for b, node in NODES.items() if any(p.endswith(node) for p in paths)]
        chosen = wanted or list(every)  # a path (test_x.py) runs both tests
        started = RunStarted(
            run_id="r",
            benchmark_ids=tuple(chosen),
            profile="pytest",
            backend="pytest",
            db_url="",
            environment={"pytest_rootdir": str(tree), "pytest_nodeids": NODES},
        )
        return {b: every[b] for b in chosen}, started, "completed"

    return one_run


def judge(tmp_path: Path, monkeypatch, trees, edge_ratios, calls):
    monkeypatch.setattr(pytest_against, "one_run", canned(trees, edge_ratios, calls))
    history = History(tmp_path / "history.db")
    try:
        code = against_pytest.run_pytest_against(
            "HEAD",
            ["test_x.py"],
            [],
            profile="smoke",  # K = 3 pairs
            policy=Policy(),
            history=history,
            fail_level=Level.CRITICAL,
            reports=ReportPaths(),
        )
        (summary,) = history.runs()
        verdicts = {v.benchmark_id: v for v in history.verdicts(summary.run_id)}
    finally:
        history.close()
    return code, verdicts


def test_a_settled_run_stops_after_k_pairs(tmp_path, monkeypatch, sides, capsys) -> None:
    calls: list[tuple[str, list[str]]] = []
    code, verdicts = judge(tmp_path, monkeypatch, sides, [1.0, 1.01, 0.99], calls)
    assert code == ExitCode.OK
    assert len(calls) == 6 and all(paths == ["test_x.py"] for _, paths in calls)
    assert "3 pairs of pytest runs\n" in capsys.readouterr().out
    assert {v.level for v in verdicts.values()} == {Level.INFO}


def test_an_undecided_test_gets_more_pairs_on_its_node_id_alone(
    tmp_path, monkeypatch, sides, capsys
) -> None:
    """test_edge's ratios spread across the 15 % edge after 3 pairs: more pairs run only
    it, each side on its own tree's node id, until it settles or 2K pairs are spent."""
    calls: list[tuple[str, list[str]]] = []
    ratios = [1.02, 1.30, 1.10, 1.14, 1.16, 1.15]
    code, verdicts = judge(tmp_path, monkeypatch, sides, ratios, calls)
    extra = calls[6:]
    assert extra, "no extra pair for an undecided test"
    assert len(calls) <= 12  # at most 2K pairs
    for name, paths in extra:
        assert paths == [f"{sides[name] / 'test_x.py'}::test_edge"]
    out = capsys.readouterr().out
    assert f"3 pairs of pytest runs, {len(extra) // 2} more for 1 undecided" in out
    assert verdicts[STEADY].level is Level.INFO
    assert verdicts[EDGE].level is not Level.NEW  # judged on all its pairs, not as new
    assert code in (ExitCode.OK, ExitCode.REGRESSION)
