"""The console against a real worker process: a tiny suite runs, is cancelled, never blocks.

The toy suite (tests/fixtures/toy_suite.py) runs through the same
``worker_run_factory`` that ``tracetui launch`` uses, so these tests cover
the pipe, the event pump thread and the history together.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from tracetui.engine.core import registry
from tracetui.engine.recording.history import History
from tracetui.tui import app as app_module
from tracetui.tui import bridge
from tracetui.tui import review as review_module
from tracetui.tui.app import ConsoleApp
from tracetui.tui.screens.approval import ApprovalScreen
from tracetui.tui.screens.confirm import ConfirmScreen
from tracetui.tui.screens.dashboard import DashboardScreen
from tracetui.tui.screens.picker import PickerScreen

from tests.tui.helpers import run, screen_text, wait_for
from tests.tui.timing_probe import LoopProbe

ROOT = Path(__file__).resolve().parents[2]
TOY = "tests.fixtures.toy_suite:SUITE"

#: What may not run on the UI thread: every history read of past results and every
#: judging step. Each took 0.5–6.6 s on the UI thread before the console moved them into
#: workers; the test proves they stay there by the thread they ran on, not by a duration
#: (durations depend on how busy the shared machine is; the probe's numbers are printed
#: for the note only).
SLOW_ON_THE_UI = (
    (History, "results"),
    (History, "results_for"),
    (History, "trend"),
    (History, "verdicts"),
    (History, "profiles"),
    (app_module, "last_known"),
    (bridge, "judge"),
    (review_module, "judge"),
)


def record_ui_thread_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Wrap each :data:`SLOW_ON_THE_UI` callable; return the names of those called on the UI."""
    on_ui: list[str] = []
    ui_thread = threading.main_thread()  # Textual's run_test loop runs on the main thread

    for owner, name in SLOW_ON_THE_UI:
        original = getattr(owner, name)

        def watched(*args, __original=original, __name=name, **kwargs):
            if threading.current_thread() is ui_thread:
                on_ui.append(__name)
            return __original(*args, **kwargs)

        monkeypatch.setattr(owner, name, watched)
    return on_ui


@pytest.fixture
def toy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(registry.SUITES_ENV, TOY)
    monkeypatch.setenv("PYTHONPATH", str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    monkeypatch.syspath_prepend(str(ROOT))
    monkeypatch.setattr(registry, "suite_names", lambda: ["toy"])
    registry.load_suite.cache_clear()
    yield tmp_path
    registry.load_suite.cache_clear()


def console(tmp: Path, suites: list[str]) -> ConsoleApp:
    return ConsoleApp(
        db_url=f"sqlite:///{tmp / 'trace.db'}",
        suites=suites,
        baselines_dir=tmp / "baselines",
        history_path=tmp / "history.db",
        profile="smoke",
        noise=None,
    )


def test_a_real_tiny_suite_runs_to_the_review_without_blocking_the_ui(
    toy: Path, monkeypatch: pytest.MonkeyPatch
):
    on_ui = record_ui_thread_calls(monkeypatch)
    app = console(toy, ["toy.spin", "toy.batch[10]", "toy.threads"])
    probe = LoopProbe()

    async def scenario():
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen))
            with probe.watching():
                await pilot.press("r")
                await wait_for(pilot, lambda: isinstance(app.screen, ApprovalScreen), timeout=60)
            review = app.screen.review
            assert set(review.results) == {"toy.spin", "toy.batch[10]", "toy.threads"}
            assert "toy.batch[10]" in screen_text(app) and "NEW" in screen_text(app)

    run(scenario())
    history = History(toy / "history.db")
    (summary,) = history.runs()
    assert summary.status == "completed" and summary.result_count == 3
    history.close()
    print(  # the record the note quotes
        f"\nUI loop: {len(probe.steps)} steps, max {probe.max_step * 1e3:.0f} ms wall, "
        f"{probe.max_cpu_step * 1e3:.0f} ms CPU; slowest handlers "
        + ", ".join(f"{k} {v * 1e3:.0f} ms" for k, v in probe.slowest_handlers())
        + f"; busiest step ran: {', '.join(dict.fromkeys(probe.busiest[1]))[:300]}",
        file=sys.stderr,
    )
    assert on_ui == []  # no history read or judging ran on the UI thread


def test_escape_cancels_a_real_run_and_the_worker_process_ends(
    toy: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("TOY_SLEEP", "0.3")  # toy.sleepy: 0.3 s a call, 5+ rounds
    app = console(toy, ["toy.spin", "toy.sleepy"])  # run in catalog order: sleepy last

    async def scenario():
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen))
            await pilot.press("r")
            dash = app.screen
            assert isinstance(dash, DashboardScreen)
            await wait_for(pilot, lambda: dash.current == "toy.sleepy", timeout=60)
            await pilot.press("escape")  # cancels (asking first if the run is over 5 s old)
            await pilot.pause(0.1)
            if isinstance(app.screen, ConfirmScreen):  # a slow machine took > 5 s to get here
                await pilot.press("y")
            await wait_for(pilot, lambda: isinstance(app.screen, ApprovalScreen), timeout=30)
            assert dash.status == "cancelled"
            assert dash.panel("toy.sleepy").state == "cancelled"
            assert dash.source is not None
            assert dash.source.process.poll() is not None  # the worker process is gone
            assert set(app.screen.review.results) == {"toy.spin"}

    run(scenario())
    history = History(toy / "history.db")
    (summary,) = history.runs()
    assert summary.status == "cancelled"
    assert [r.id for r in history.results(summary.run_id)] == ["toy.spin"]
    history.close()
