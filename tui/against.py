"""The console's "compare with a revision": the base a run is measured beside.

:class:`AgainstChoice` is the part of the console application that holds the
base revision (``b`` on the picker, the palette, ``tracetui launch --against
REV``), checks it out in a worker exactly as ``tracetui run --against`` does
(:func:`tracetui.engine.measuring.against.checkout`: a bad revision is one
line and nothing changes) and opens a paired run's dashboard. The run is
:class:`tracetui.engine.measuring.against.PairedRun`, the CLI's own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from textual import work
from textual.app import App
from tracetui.engine.core.plan import Plan
from tracetui.engine.core.profiles import get_profile
from tracetui.engine.measuring.against import (
    AgainstError,
    Checkout,
    PairedRun,
    checkout,
    describe,
)
from tracetui.engine.measuring.paired import pairs_for
from tracetui.tui.bridge import RunSource
from tracetui.tui.screens.paired_dashboard import PairedDashboardScreen
from tracetui.tui.screens.picker import PickerScreen
from tracetui.tui.screens.revision import RevisionScreen

DEFAULT_LOG = Path(".tracetui/worker.log")

#: Builds the paired run of a plan against a checked-out base (real: PairedRun).
PairedFactory = Callable[[Checkout, Plan], RunSource]


def paired_run_factory(log_path: Path) -> PairedFactory:
    """The run ``tracetui run --against`` makes, side workers' stderr to the log. The base
    is checked out again when the run starts (in the run's worker thread: cached by
    commit, and the head's uncommitted changes are seen as they are now)."""

    def start(base: Checkout, plan: Plan) -> RunSource:
        return PairedRun(checkout(base.rev, base.top), plan, stderr=log_path)

    return start


class AgainstChoice(App[int]):
    """The base revision of the console's runs (None: runs compare with the baselines)."""

    against: Checkout | None = None
    paired_factory: PairedFactory

    def against_text(self) -> str:
        """The picker's status: what runs are compared with ("" for the baselines)."""
        if self.against is None:
            return ""
        return f"{self.against.rev} = {self.against.commit[:10]} (paired A/B)"

    def paired_dashboard(
        self, base: Checkout, plan: Plan, common: Mapping[str, Any]
    ) -> PairedDashboardScreen:
        factory = self.paired_factory
        return PairedDashboardScreen(
            plan,
            against=describe(base),
            pairs=pairs_for(get_profile(plan.profile)),
            run_factory=lambda p: factory(base, p),
            **common,
        )

    def ask_revision(self) -> None:
        current = self.against.rev if self.against is not None else ""
        self.push_screen(RevisionScreen(current), self._revision_answered)

    def _revision_answered(self, rev: str | None) -> None:
        if rev is not None:
            self.set_against(rev)

    def set_against(self, rev: str) -> None:
        """Compare the next runs with ``rev`` ("" compares with the baselines again).
        The revision is checked out in a worker; a bad one is one line, nothing changes."""
        if not rev:
            self.against = None
            self._show_against()
            self.notify("Runs compare with the baselines again.", markup=False)
            return
        self._check_revision_in_worker(rev)

    @work(thread=True, exit_on_error=False, group="revision", exclusive=True)
    def _check_revision_in_worker(self, rev: str) -> None:
        try:
            found: Checkout | str = checkout(rev)
        except AgainstError as exc:
            found = str(exc)
        self.call_from_thread(self._revision_checked, found)

    def _revision_checked(self, found: Checkout | str) -> None:
        if isinstance(found, str):
            self.notify(
                found, title="Not a revision to compare with", severity="error", markup=False
            )
            return
        self.against = found
        self._show_against()
        self.notify(f"Runs compare {describe(found)}.", markup=False)

    def _show_against(self) -> None:
        for screen in self.screen_stack:
            if isinstance(screen, PickerScreen):
                screen.show_against()
