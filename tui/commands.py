"""The command palette's commands: what a user would type, beyond the screen's keys.

Run a suite, run the last selection again, open a past run, switch profile or
database, and the current screen's own actions.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from textual.app import SystemCommand
from textual.screen import Screen
from tracetui.engine.core.database import mask_url
from tracetui.engine.core.profiles import PROFILES
from tracetui.tui import format as fmt
from tracetui.tui.screens.approval import ApprovalScreen
from tracetui.tui.screens.dashboard import DashboardScreen
from tracetui.tui.screens.picker import PickerScreen

if TYPE_CHECKING:
    from tracetui.tui.app import ConsoleApp


def console_commands(app: ConsoleApp, screen: Screen[object]) -> Iterator[SystemCommand]:
    if isinstance(screen, PickerScreen):
        yield SystemCommand("Run selection", "Run the selected benchmarks", screen.action_run)
        yield SystemCommand(
            "Next profile", "smoke → standard → thorough", screen.action_cycle_profile
        )
        yield SystemCommand("Select all / none", "Toggle every benchmark", screen.action_select_all)
        yield SystemCommand(
            "Compare with a revision",
            "Measure a git revision beside the working tree (paired A/B), like run --against",
            app.ask_revision,
        )
        if app.against is not None:
            yield SystemCommand(
                "Compare with the baselines",
                f"Stop comparing with {app.against.rev}",
                lambda: app.set_against(""),
            )
    if isinstance(screen, DashboardScreen) and screen.running:
        yield SystemCommand(
            "Cancel run", "Stop the run; finished results are kept", screen.action_cancel_run
        )
    if isinstance(screen, ApprovalScreen):
        yield SystemCommand(
            "Accept all but CRITICAL",
            "Mark non-critical rows accepted",
            screen.action_accept_all,
        )
        yield SystemCommand(
            "Save accepted baselines", "Write only the accepted rows", screen.action_save
        )
    if app.catalog is not None and not app.run_in_progress():
        for name in app.catalog.suites:
            ids = app.catalog.benchmark_ids(name)
            yield SystemCommand(
                f"Run suite {name}",
                f"{fmt.counted(len(ids), 'benchmark')}, profile {app.profile}",
                lambda ids=ids: app.start_run(ids, app.profile),
            )
        if app.last_selection is not None:
            ids_again, profile_again = app.last_selection
            yield SystemCommand(
                "Run the last selection again",
                f"{fmt.counted(len(ids_again), 'benchmark')}, profile {profile_again}",
                app.run_again,
            )
    for name in PROFILES:
        yield SystemCommand(
            f"Profile {name}",
            "Use this profile for the next run",
            lambda name=name: app.switch_profile(name),
        )
    for url in app.known_databases():
        if url != app.db_url:
            yield SystemCommand(
                f"Database {mask_url(url)}",
                "Run against this database",
                lambda url=url: app.switch_database(url),
            )
    if app.history is not None:
        for run in app.history.runs(limit=10):
            yield SystemCommand(
                f"Open run {run.run_id}",
                f"{run.status}, {run.profile}, {run.backend}, {run.result_count} results",
                lambda run_id=run.run_id: app.open_review_of_history(run_id),
            )
    yield SystemCommand("History", "Past runs and trends", app.open_history)
    yield SystemCommand("Key bindings", "Show or hide the key panel", app.action_toggle_help)
