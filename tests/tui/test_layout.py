"""Whole-app behaviour: minimum size, key help, broken baseline files, the entry point."""

from __future__ import annotations

import inspect
from pathlib import Path

from textual.widgets import HelpPanel
from tracetui.tui.app import run_console
from tracetui.tui.screens.picker import PickerScreen
from tracetui.tui.screens.too_small import TooSmallScreen
from tracetui.tui.widgets.suite_tree import SuiteTree

from tests.tui.helpers import run, screen_text, wait_for


def test_a_too_small_terminal_shows_a_message_until_it_is_enlarged(make_app):
    async def scenario():
        app = make_app()
        async with app.run_test(size=(70, 20)) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, TooSmallScreen))
            assert "needs at least 80×24" in screen_text(app)
            assert "70×20" in screen_text(app)
            await pilot.resize_terminal(100, 22)
            await pilot.pause()
            assert "100×22" in screen_text(app)
            await pilot.resize_terminal(120, 40)
            await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen))
            await pilot.resize_terminal(79, 30)
            await wait_for(pilot, lambda: isinstance(app.screen, TooSmallScreen))

    run(scenario())


def test_question_mark_toggles_the_key_panel(make_app):
    async def scenario():
        app = make_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen))
            await pilot.press("question_mark")
            await pilot.pause()
            assert app.screen.query(HelpPanel)
            await pilot.pause(0.2)
            assert "Run selection" in screen_text(app)
            await pilot.press("question_mark")
            await pilot.pause()
            assert not app.screen.query(HelpPanel)

    run(scenario())


def test_a_broken_baseline_file_is_named_and_the_picker_still_opens(make_app, baselines: Path):
    (baselines / "extra.sqlite.toml").write_text('schema = 1\n[benchmarks."extra.scan"]\n')

    async def scenario():
        app = make_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen))
            errors = [n for n in app._notifications if n.severity == "error"]
            assert len(errors) == 1
            assert "extra.sqlite.toml" in errors[0].message
            assert errors[0].title == "Baseline file error"
            tree = app.screen.query_one(SuiteTree)
            assert set(tree.broken_suites) == {"extra"}
            app.clear_notifications()
            await pilot.pause()
            assert "⚠ baseline file error" in screen_text(app)

    run(scenario())


def test_run_console_has_the_signature_the_cli_calls():
    params = inspect.signature(run_console).parameters
    assert list(params) == [
        "db_url",
        "suites",
        "baselines_dir",
        "history_path",
        "profile",
        "against",
    ]
    assert params["against"].default is None  # launch without --against: the baselines
    assert inspect.signature(run_console).return_annotation in (int, "int")


def test_a_suite_that_fails_to_import_is_named_and_marked(make_app):
    from tracetui.tui.catalog import Catalog, load_catalog

    catalog = load_catalog()
    broken = Catalog(
        catalog.suites,
        {
            "bulk": "suite 'bulk' (tracetui.suites.bulk:SUITE) failed to load: "
            "No module named 'tracetui.suites.bulk'"
        },
    )

    async def scenario():
        app = make_app(catalog=broken)
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen))
            assert any(
                "tracetui.suites.bulk" in n.message and n.severity == "error"
                for n in app._notifications
            )
            app.clear_notifications()
            await pilot.pause()
            assert "bulk" in screen_text(app) and "✗ suite failed to load" in screen_text(app)

    run(scenario())
