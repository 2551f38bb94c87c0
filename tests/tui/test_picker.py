"""The suite picker: what it lists, what space and r do, profiles, the palette."""

from __future__ import annotations

import time
from pathlib import Path

from tracetui.engine.judging.verdicts import Level, Verdict
from tracetui.engine.recording.history import History
from tracetui.tui.screens.dashboard import DashboardScreen
from tracetui.tui.screens.picker import PickerScreen
from tracetui.tui.widgets.suite_tree import SuiteTree

from tests.tui.canned import CannedFactory, result
from tests.tui.conftest import SIZE, STEPS
from tests.tui.helpers import run, screen_text, wait_for


def test_picker_lists_suites_benchmarks_and_the_last_known_verdict(make_app, workdir: Path):
    history = History(workdir / "history.db")
    history.start_run(
        "old",
        profile="smoke",
        backend="sqlite",
        db_url="sqlite://",
        environment={},
        started_at=time.time() - 60,
    )
    history.add_result("old", result("demo.lookup[100]", 0.00125))
    history.finish_run("old", "completed", [Verdict("demo.lookup[100]", Level.WARNING)])
    history.close()

    async def scenario():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen))
            text = screen_text(app)
            assert "demo" in text and "extra" in text
            assert "lookup[100]" in text and "1.24 ms" in text and "WARNING" in text
            assert "never run" in text  # the others have no history yet
            assert "sqlite:///.tracetui/trace.db" in text
            assert "smoke" in text

    run(scenario())


def test_space_toggles_and_r_runs_exactly_the_selection(make_app):
    factory = CannedFactory(STEPS)

    async def scenario():
        app = make_app(factory, suites=[])
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen))
            tree = app.screen.query_one(SuiteTree)
            assert tree.selected == set()
            await pilot.press("r")  # nothing selected: a warning, no run
            assert not factory.plans
            assert any("Nothing selected" in n.message for n in app._notifications)
            await pilot.press("space")  # cursor on the demo suite: all of it
            assert len(tree.selected) == 5
            await pilot.press("j", "space")  # demo.lookup[10] off again
            assert "demo.lookup[10]" not in tree.selected
            await pilot.press("down", "down", "down", "down", "down", "down", "space")
            assert "extra.scan" in tree.selected
            await pilot.press("p")  # smoke -> standard
            await pilot.press("r")
            await wait_for(pilot, lambda: bool(factory.plans))
            assert any(isinstance(s, DashboardScreen) for s in app.screen_stack)
            (plan,) = factory.plans
            assert plan.benchmark_ids == (
                "demo.lookup[100]",
                "demo.create",
                "demo.browse",
                "demo.broken",
                "extra.scan",
            )
            assert plan.profile == "standard"
            assert plan.db_url == "sqlite:///.tracetui/trace.db"

    run(scenario())


def test_suites_given_on_the_command_line_start_selected(make_app):
    async def scenario():
        app = make_app(suites=["extra", "demo.lookup", "nope"])
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen))
            tree = app.screen.query_one(SuiteTree)
            assert tree.selected == {"extra.scan", "demo.lookup[10]", "demo.lookup[100]"}
            assert any("nope" in n.message for n in app._notifications)

    run(scenario())


def test_the_command_palette_lists_the_console_actions(make_app):
    async def scenario():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen))
            titles = [c.title for c in app.get_system_commands(app.screen)]
            assert {"Run selection", "Next profile", "History", "Key bindings"} <= set(titles)
            await pilot.press("ctrl+p")
            await pilot.pause()
            await pilot.press(*"run sel")
            await pilot.pause(0.3)
            assert "Run selection" in screen_text(app)

    run(scenario())


def test_the_database_url_is_shown_without_its_password(make_app):
    async def scenario():
        app = make_app(db_url="postgresql+psycopg://tracer:s3cret@127.0.0.1:5432/trace")
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen))
            text = screen_text(app)
            assert "s3cret" not in text
            assert "tracer:***@" in text
            assert "(postgresql)" in text
            shown = app.screen.query_one("#db-line").render()
            assert "postgresql+psycopg://tracer:***@127.0.0.1:5432/trace" in str(shown)

    run(scenario())
