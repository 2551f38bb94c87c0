"""One SVG snapshot per screen, from Textual's own ``export_screenshot``.

Everything on screen is fixed (canned events, fixed run id and start time,
a frozen clock, fixed baseline provenance, relative paths), so the SVG is
compared byte for byte with ``tests/tui/snapshots/<name>.svg``. To accept a
deliberate change of the console's look, run with
``TRACETUI_UPDATE_SNAPSHOTS=1`` and review the SVG diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tracetui.tui.screens.approval import ApprovalScreen
from tracetui.tui.screens.confirm import ConfirmScreen
from tracetui.tui.screens.dashboard import DashboardScreen
from tracetui.tui.screens.detail import DetailScreen
from tracetui.tui.screens.history import HistoryScreen
from tracetui.tui.screens.picker import PickerScreen
from tracetui.tui.screens.too_small import TooSmallScreen

from tests.tui.canned import CannedFactory
from tests.tui.conftest import STEPS
from tests.tui.helpers import run, screen_text, wait_for

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("TRACETUI_UPDATE_SNAPSHOTS") == "1"
TEXT_DIR = os.environ.get("TRACETUI_SCREENSHOT_DIR")  # also write text + SVG captures there


#: Every screen at the smallest supported terminal and at a common large one.
SIZES = [pytest.param((120, 40), id="120x40"), pytest.param((80, 24), id="80x24")]


def check(app, name: str) -> None:
    name = f"{name}-{app.size.width}x{app.size.height}"
    svg = app.export_screenshot(title="tracetui")
    path = SNAPSHOTS / f"{name}.svg"
    if TEXT_DIR:
        Path(TEXT_DIR, f"{name}.txt").write_text(screen_text(app))
        Path(TEXT_DIR, f"{name}.svg").write_text(svg)
    if UPDATE:
        path.write_text(svg)
    if not path.exists():
        pytest.fail(f"no snapshot {path}: run with TRACETUI_UPDATE_SNAPSHOTS=1 and review it")
    assert svg == path.read_text(), f"{name} looks different from {path}"


async def settle(app, pilot) -> None:
    app.clear_notifications()
    await pilot.pause(0.7)  # plots redraw on a 0.5 s tick


@pytest.mark.parametrize("size", SIZES)
def test_picker_snapshot(make_app, baselines, size):
    async def scenario():
        app = make_app()
        async with app.run_test(size=size) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen))
            await pilot.press("j")
            await settle(app, pilot)
            check(app, "picker")

    run(scenario())


@pytest.mark.parametrize("size", SIZES)
def test_dashboard_snapshot(make_app, baselines, size):
    factory = CannedFactory(STEPS, pause_after_finished=4)

    async def scenario():
        app = make_app(factory)
        async with app.run_test(size=size) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen))
            await pilot.press("r")
            await wait_for(
                pilot, lambda: bool(factory.runs) and factory.runs[0].reached_pause.is_set()
            )
            dash = app.screen
            assert isinstance(dash, DashboardScreen)
            await wait_for(pilot, lambda: len(dash.done) == 4 and not dash.plot_dirty)
            await settle(app, pilot)
            check(app, "dashboard")
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, ApprovalScreen))

    run(scenario())


@pytest.mark.parametrize("size", SIZES)
def test_approval_detail_and_history_snapshots(make_app, baselines, size):
    async def scenario():
        app = make_app()
        async with app.run_test(size=size) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen))
            await pilot.press("r")
            await wait_for(pilot, lambda: isinstance(app.screen, ApprovalScreen))
            await pilot.press("a", "a")
            await settle(app, pilot)
            check(app, "approval")
            await pilot.press("up", "enter")
            await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen))
            await settle(app, pilot)
            check(app, "detail")
            await pilot.press("escape", "escape")  # two accepted rows unsaved: it asks
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            check(app, "unsaved")
            await pilot.press("d", "escape")  # discard, then back from the dashboard
            await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen))
            await pilot.press("h")
            await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen))
            await settle(app, pilot)
            check(app, "history")

    run(scenario())


def test_too_small_snapshot(make_app):
    async def scenario():
        app = make_app()
        async with app.run_test(size=(60, 16)) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, TooSmallScreen))
            await settle(app, pilot)
            check(app, "too_small")

    run(scenario())
