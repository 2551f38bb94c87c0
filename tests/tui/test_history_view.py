"""The history view: past runs, a trend per benchmark, opening a run's approval."""

from __future__ import annotations

from textual.widgets import DataTable
from tracetui.tui.screens.approval import ApprovalScreen
from tracetui.tui.screens.history import HistoryScreen
from tracetui.tui.screens.picker import PickerScreen

from tests.tui.canned import CannedFactory
from tests.tui.conftest import SIZE, STEPS
from tests.tui.helpers import run, screen_text, wait_for


def test_runs_are_listed_and_open_into_their_approval(make_app, baselines):
    factory = CannedFactory(STEPS)
    run_ids = iter(["20251124-160000-aaaa", "20251124-170000-bbbb"])

    async def scenario():
        app = make_app(factory, run_id_factory=lambda: next(run_ids))
        async with app.run_test(size=SIZE) as pilot:
            for _ in range(2):
                await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen))
                await pilot.press("r")
                await wait_for(pilot, lambda: isinstance(app.screen, ApprovalScreen))
                await pilot.press("escape", "escape")  # approval -> dashboard -> picker
            await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen))
            await wait_for(pilot, lambda: "CRITICAL" in screen_text(app))  # known, read in a worker
            await pilot.press("h")
            await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen))
            runs = app.screen.query_one("#runs-table", DataTable)
            assert sorted(str(k.value) for k in runs.rows) == [
                "20251124-160000-aaaa",
                "20251124-170000-bbbb",
            ]
            row = [str(cell) for cell in runs.get_row("20251124-170000-bbbb")]
            assert row[3] == "0123456789"  # commit
            assert row[4:] == ["smoke", "sqlite", "5", "1", "1"]
            benches = app.screen.query_one("#run-benchmarks", DataTable)
            assert benches.row_count == 5
            await pilot.pause(0.1)
            assert "demo.lookup[10]: median per call over 2 runs" in screen_text(app)
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, ApprovalScreen))
            assert app.screen.review.run_id in {"20251124-160000-aaaa", "20251124-170000-bbbb"}
            assert app.screen.query_one(DataTable).row_count == 6

    run(scenario())


def test_a_past_run_of_a_suite_that_is_no_longer_registered_still_opens(
    make_app, baselines, monkeypatch
):
    from tracetui.engine.core import registry

    factory = CannedFactory(STEPS)

    async def scenario():
        app = make_app(factory)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen))
            await pilot.press("r")
            await wait_for(pilot, lambda: isinstance(app.screen, ApprovalScreen))
            await pilot.press("escape", "escape")
            await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen))
            # The demo suite disappears from the registry (renamed, uninstalled...).
            monkeypatch.setattr(registry, "suite_names", lambda: ["extra"])
            monkeypatch.setattr("tracetui.engine.recording.session.suite_names", lambda: ["extra"])
            await pilot.press("h")
            await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen))
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, ApprovalScreen))
            table = app.screen.query_one(DataTable)
            keys = [str(k.value) for k in table.rows]
            assert len(keys) == len(set(keys))
            assert "demo.lookup[100]" in keys and "extra.scan" in keys

    run(scenario())
