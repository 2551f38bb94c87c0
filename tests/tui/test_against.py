"""The console compares with a git revision: `b` sets it (checked as `run --against`
checks it), `r` runs the paired A/B run of the CLI, the review names both commits.

A real run: a temporary git repository holding the toy suite (as tests/cli/test_against.py
builds it), two commits; the base is the first, the head the working tree.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from textual.widgets import DataTable
from tracetui.engine.core import registry
from tracetui.engine.judging.verdicts import Level
from tracetui.engine.recording.history import History
from tracetui.tui.app import ConsoleApp
from tracetui.tui.catalog import load_catalog
from tracetui.tui.commands import console_commands
from tracetui.tui.screens.approval import ApprovalScreen
from tracetui.tui.screens.dashboard import DashboardScreen
from tracetui.tui.screens.paired_dashboard import PairedDashboardScreen
from tracetui.tui.screens.picker import PickerScreen
from tracetui.tui.screens.revision import RevisionScreen

from tests.fixtures.toy_repo import commit, toy_repository
from tests.processes import children_of
from tests.tui.helpers import run, screen_text, wait_for

RUN_ID = "20261201-210000-ab"
SIZE = (160, 40)

pytestmark = pytest.mark.timeout(240)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str, str]:
    """The toy suite in a git repository of two commits; the working directory is its root."""
    root = tmp_path / "project"
    first = toy_repository(root)
    (root / "README").write_text("a second commit\n")
    second = commit(root, "readme")
    monkeypatch.chdir(root)
    monkeypatch.setenv(registry.SUITES_ENV, "tests.fixtures.toy_suite:SUITE")
    monkeypatch.delenv("PYTHONPATH", raising=False)  # each side imports its own tree's suite
    monkeypatch.setattr(registry, "suite_names", lambda: ["toy"])
    registry.load_suite.cache_clear()
    yield root, first, second
    registry.load_suite.cache_clear()


def make_app(root: Path) -> ConsoleApp:
    return ConsoleApp(
        db_url=f"sqlite:///{root / 'trace.db'}",
        suites=["toy.spin"],
        baselines_dir=root / "baselines",
        history_path=root / "history.db",
        profile="smoke",
        catalog=load_catalog(),
        run_id_factory=lambda: RUN_ID,
        noise=None,
    )


async def set_revision(app: ConsoleApp, pilot, rev: str) -> None:
    await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen))
    await pilot.press("b")
    await wait_for(pilot, lambda: isinstance(app.screen, RevisionScreen))
    await pilot.press(*rev, "enter")
    await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen))


def test_a_revision_set_with_b_runs_paired_and_the_review_names_both_commits(repo) -> None:
    root, first, second = repo

    async def scenario():
        app = make_app(root)
        async with app.run_test(size=SIZE) as pilot:
            await set_revision(app, pilot, "HEAD~1")
            await wait_for(pilot, lambda: app.against is not None, timeout=60)
            assert app.against is not None and app.against.commit == first
            assert f"HEAD~1 = {first[:10]} (paired A/B)" in screen_text(app)  # the status line
            assert any(c.title == "Compare with the baselines" for c in palette(app))
            await pilot.press("r")
            await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
            dashboard = app.screen
            assert isinstance(dashboard, PairedDashboardScreen)
            assert f"head {second[:10]}" in dashboard.sub_title
            assert f"vs base HEAD~1 = {first[:10]}" in dashboard.sub_title
            await wait_for(pilot, lambda: isinstance(app.screen, ApprovalScreen), timeout=200)
            review = app.screen
            text = screen_text(app)
            assert (
                f"paired A/B head {second[:10]} (working tree) vs base HEAD~1 = {first[:10]}"
                in (text)
            )
            table = review.query_one(DataTable)
            assert [str(k.value) for k in table.rows] == ["toy.spin"]
            verdict = review.review.verdict("toy.spin")
            assert verdict.level not in (Level.FAILED, Level.NEW), verdict
            assert verdict.baseline is not None  # the base's median, measured beside the head
            run = app.history.get_run(RUN_ID)
            assert run is not None and run.status == "completed"
            assert run.environment["against"]["commit"] == first
            app.open_review_of_history(RUN_ID)  # a past paired run keeps its paired verdicts
            await wait_for(
                pilot, lambda: isinstance(app.screen, ApprovalScreen) and app.screen is not review
            )
            again = app.screen.review
            assert again.against == review.review.against
            assert again.verdict("toy.spin").level == verdict.level
            assert again.verdict("toy.spin").baseline == verdict.baseline

    run(scenario())
    assert (root / ".tracetui" / "worker.log").exists()  # the sides' stderr: not the terminal
    assert not list(root.glob("trace-*.db*")), "each side's database is removed with its pair"


def test_a_bad_revision_is_one_line_and_nothing_runs(repo) -> None:
    root, _, _ = repo

    async def scenario():
        app = make_app(root)
        async with app.run_test(size=SIZE) as pilot:
            await set_revision(app, pilot, "no-such-rev")
            said = lambda: [n for n in app._notifications if "no such revision" in n.message]  # noqa: E731
            await wait_for(pilot, lambda: bool(said()), timeout=30)
            assert len(said()) == 1 and "\n" not in said()[0].message
            assert said()[0].severity == "error"
            assert app.against is None
            assert "baselines (b)" in screen_text(app)  # still compares with the baselines
            assert not any(isinstance(s, DashboardScreen) for s in app.screen_stack)
            assert app.history is not None and app.history.runs(limit=5) == []

    run(scenario())


def palette(app: ConsoleApp) -> list:
    return list(console_commands(app, app.screen))


def test_escape_cancels_a_paired_run_and_both_sides_end(repo, monkeypatch) -> None:
    """A paired run cancelled from its dashboard: the review shows what had a complete
    pair, the history says cancelled, and neither side's process or database is left."""
    root, _, _ = repo
    monkeypatch.setenv("TOY_SLEEP", "0.3")  # toy.sleepy: 0.3 s a call, several rounds a pair
    before = set(children_of(os.getpid()))

    async def scenario():
        app = make_app(root)
        async with app.run_test(size=SIZE) as pilot:
            await set_revision(app, pilot, "HEAD~1")
            await wait_for(pilot, lambda: app.against is not None, timeout=60)
            app.start_run(["toy.spin", "toy.sleepy"], "smoke")
            await wait_for(pilot, lambda: isinstance(app.screen, PairedDashboardScreen))
            dash = app.screen
            await wait_for(pilot, lambda: dash.current == "toy.sleepy", timeout=120)
            await pilot.press("escape")  # cancels (asking first if the run is over 5 s old)
            await pilot.pause(0.2)
            if not isinstance(app.screen, (ApprovalScreen, PairedDashboardScreen)):
                await pilot.press("y")  # the confirmation of a run older than 5 s
            await wait_for(pilot, lambda: isinstance(app.screen, ApprovalScreen), timeout=60)
            assert dash.status == "cancelled"
            assert set(app.screen.review.results) <= {"toy.spin", "toy.sleepy"}

    run(scenario())
    history = History(root / "history.db")
    (summary,) = history.runs()
    history.close()
    assert summary.status == "cancelled"
    assert set(children_of(os.getpid())) <= before  # both side workers ended with the run
    assert not list(root.glob("trace-*.db*")), "each side's database is removed"
