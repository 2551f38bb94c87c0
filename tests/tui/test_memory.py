"""Closed screens are not kept by the App (the console stays open all day).

Textual's Header (the App's title watchers) and textual-plotext's PlotextPlot (the
App's theme signal) registered every dashboard and review with the App and never
let go. The console's ScreenHeader and Plot unregister when they are removed.
"""

from __future__ import annotations

import weakref
from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from tracetui.tui.screens.approval import ApprovalScreen
from tracetui.tui.screens.dashboard import DashboardScreen
from tracetui.tui.screens.picker import PickerScreen
from tracetui.tui.widgets.live_plot import LivePlot
from tracetui.tui.widgets.releasing import ScreenFooter, ScreenHeader

from tests.tui.canned import CannedFactory
from tests.tui.conftest import SIZE, STEPS
from tests.tui.helpers import run, wait_for


def test_closed_screens_are_not_held_by_the_apps_theme_signal_or_title_watchers(
    make_app, baselines
):
    async def scenario() -> None:
        app = make_app(CannedFactory(STEPS))
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen))
            await pilot.press("r")
            await wait_for(pilot, lambda: isinstance(app.screen, ApprovalScreen), timeout=60)
            (dash,) = [s for s in app.screen_stack if isinstance(s, DashboardScreen)]
            plot = weakref.ref(dash.query_one(LivePlot))
            headers = [weakref.ref(dash.query_one(ScreenHeader))]
            headers.append(weakref.ref(app.screen.query_one(ScreenHeader)))
            del dash
            await pilot.press("escape")  # the review goes back to the dashboard
            await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
            await pilot.press("escape")  # the finished dashboard goes back to the picker
            await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen))
            await pilot.pause(0.3)
            # What the App keeps for the whole session (Textual's own bookkeeping):
            subscribed = list(app.theme_changed_signal._subscriptions.keys())
            watching = [node for node, _ in getattr(app, "__watchers", {}).get("title", [])]
            assert plot() not in subscribed
            assert not [ref() for ref in headers if ref() in watching]

    run(scenario())


def test_a_recomposed_footer_lets_go_of_the_keys_it_showed_before() -> None:
    """The picker's Footer re-composes on every return to it and lives all session: the
    keys it replaced must not stay registered as watchers of its ``compact`` flag (stock
    Footer: 12 more FooterKeys alive per run)."""

    class Keys(App[None]):
        BINDINGS: ClassVar[list[BindingType]] = [Binding("x", "bell", "Ring")]

        def compose(self) -> ComposeResult:
            yield ScreenFooter()

    async def scenario() -> None:
        app = Keys()
        async with app.run_test(size=SIZE) as pilot:
            footer = app.query_one(ScreenFooter)
            for _ in range(3):
                footer.refresh(recompose=True)
                await pilot.pause(0.1)
            watching = [node for node, _ in getattr(footer, "__watchers", {}).get("compact", [])]
            shown = set(footer.query("*"))
            assert watching, "the footer's keys watch its compact flag"
            assert all(node in shown for node in watching), (len(watching), len(shown))

    run(scenario())
