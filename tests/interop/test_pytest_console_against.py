"""`tracetui launch --pytest PATH` compares with a git revision: `b` sets it, `r` runs
the user's tests beside it (paired pytest runs, as `run --pytest --against`), the
review names both commits and judges on the pairs (Pilot, pytest for real).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.widgets import DataTable
from tracetui.engine.interop.pytest_collect import collect
from tracetui.engine.judging.verdicts import Level
from tracetui.tui.app import ConsoleApp
from tracetui.tui.pytest_catalog import (
    pytest_catalog,
    pytest_paired_factory,
    pytest_run_factory,
)
from tracetui.tui.screens.approval import ApprovalScreen
from tracetui.tui.screens.dashboard import DashboardScreen
from tracetui.tui.screens.paired_dashboard import PairedDashboardScreen
from tracetui.tui.screens.picker import PickerScreen
from tracetui.tui.screens.revision import RevisionScreen

from tests.fixtures.toy_repo import commit, git
from tests.tui.helpers import screen_text

from .interop_helpers import write_tests
from .test_pytest_console import wait_for

BENCH = """
def test_sum(benchmark):
    benchmark(sum, range({n}))
"""
BID = "bench_ab.test_sum"

pytestmark = pytest.mark.timeout(240)


def test_b_on_a_users_suite_runs_it_paired_and_the_review_names_both_commits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "project"
    root.mkdir()
    write_tests(root, BENCH.format(n=10), name="bench_ab.py")
    git(root, "init", "-q")
    base_commit = commit(root, "the base")
    write_tests(root, BENCH.format(n=20), name="bench_ab.py")  # the head: uncommitted
    (root / "baselines").mkdir()
    monkeypatch.chdir(root)
    collected = collect(["bench_ab.py"], ["-p", "no:cacheprovider"], cwd=root)

    async def scenario() -> None:
        app = ConsoleApp(
            db_url="sqlite://",
            baselines_dir=Path("baselines"),
            history_path=Path("history.db"),
            profile="smoke",
            catalog=pytest_catalog(collected),
            run_factory=pytest_run_factory(collected),
            paired_factory=pytest_paired_factory(collected),
            noise=None,
        )
        async with app.run_test(size=(140, 40)) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen))
            await pilot.press("b")
            await wait_for(pilot, lambda: isinstance(app.screen, RevisionScreen))
            await pilot.press(*"HEAD", "enter")
            await wait_for(pilot, lambda: app.against is not None, timeout=60)
            await pilot.press("a", "r")
            await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
            dashboard = app.screen
            assert isinstance(dashboard, PairedDashboardScreen)
            assert f"vs base HEAD = {base_commit[:10]}" in dashboard.sub_title
            await wait_for(pilot, lambda: isinstance(app.screen, ApprovalScreen), timeout=200)
            assert dashboard.status == "completed"
            review = app.screen
            assert isinstance(review, ApprovalScreen)
            text = screen_text(app)
            assert f"+ uncommitted changes (working tree) vs base HEAD = {base_commit[:10]}" in (
                text
            )
            table = review.query_one(DataTable)
            assert [str(k.value) for k in table.rows] == [BID]
            verdict = review.review.verdict(BID)
            assert verdict.level not in (Level.FAILED, Level.NEW), verdict
            assert verdict.baseline is not None  # the base's median, measured beside the head
            assert app.history is not None
            (run,) = app.history.runs()
            assert run.status == "completed"
            assert run.environment["against"]["commit"] == base_commit

    asyncio.run(scenario())
    assert (root / ".tracetui" / "worktrees" / base_commit / "bench_ab.py").exists()
