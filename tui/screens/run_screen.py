"""A screen that owns one run: its worker, its failure, its cancelling.

:class:`RunScreen` starts the run in a Textual thread worker (the worker
process is spawned there, never on the UI thread) that iterates it through
:class:`tracetui.tui.bridge.EventPump`, which posts typed messages to the screen.
Worker errors are handled in exactly one place,
:meth:`RunScreen.on_worker_state_changed`. ``escape``/``ctrl+c`` cancel: at
once in the first seconds, after one question later; ``escape`` closes the key
panel first and never cancels from there. A screen that goes away cancels its
run. What the run looks like is the subclass's (:class:`DashboardScreen`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual import work
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.worker import Worker, WorkerState
from tracetui.engine.core.plan import Plan
from tracetui.engine.judging.baselines import BaselineStore
from tracetui.engine.recording.history import History
from tracetui.tui import format as fmt
from tracetui.tui.bridge import EventPump, RunFactory, RunSource
from tracetui.tui.host import close_help
from tracetui.tui.screens.confirm import ConfirmScreen

CONFIRM_AFTER = 5.0  # s: cancelling a run older than this asks first


class RunScreen(Screen[None]):
    """The run's lifecycle; subclasses draw it (``_update_lines``) and count ``done``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # One key, two meanings, each offered only when it is what escape does now.
        Binding("escape", "cancel_by_escape", "Cancel run"),
        Binding("escape", "back", "Back"),
        Binding("ctrl+c", "cancel_run", "Cancel run", show=False, priority=True),
    ]

    def __init__(
        self,
        plan: Plan,
        *,
        run_factory: RunFactory,
        history: History | None,
        store: BaselineStore,
        clock: Callable[[], float],
    ) -> None:
        super().__init__()
        self.plan = plan
        self.run_factory = run_factory
        self.history = history
        self.store = store
        self.clock = clock
        self.source: RunSource | None = None
        self.running = True
        self.cancel_requested = False
        self.started_at = 0.0
        self.status = "starting"
        self.done: set[str] = set()

    def _update_lines(self) -> None:
        """Show ``status`` (the subclass draws)."""

    # -- the run (thread worker) ----------------------------------------------------------

    @work(thread=True, exit_on_error=False, group="run", name="run")
    def pump(self) -> None:
        source = self.run_factory(self.plan)  # spawns the worker process: not on the UI thread
        self.source = source
        if self.cancel_requested:
            source.cancel()
        EventPump(
            source,
            run_id=self.plan.run_id,
            post=self.post_message,
            history=self.history,
            store=self.store,
        ).run()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place where a failed run worker is reported."""
        if event.worker.name != "run" or event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        self.running = False
        self.refresh_bindings()
        self.status = "crashed"
        self.notify(
            f"The run stopped: {type(error).__name__}: {error}",
            title="Run error",
            severity="error",
            timeout=10,
            markup=False,
        )
        self._update_lines()

    # -- cancelling -----------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Offer cancelling only while the run goes on, and going back only after it."""
        if action in ("cancel_run", "cancel_by_escape"):
            return self.running
        if action == "back":
            return not self.running
        return True

    def action_cancel_run(self) -> None:
        """Cancel, asking first once the run has been going for a few seconds."""
        if not self.running or self.cancel_requested:
            return
        if self.clock() - self.started_at < CONFIRM_AFTER:
            self._cancel_now()
            return
        if isinstance(self.app.screen, ConfirmScreen):
            return
        elapsed = fmt.clock_span(self.clock() - self.started_at)
        self.app.push_screen(
            ConfirmScreen(
                f"Cancel this run ({elapsed} in, {len(self.done)}/{len(self.plan.benchmark_ids)}"
                " benchmarks done)? Finished results are kept.",
                [("y", "Cancel the run"), ("n", "Keep running")],
                default="n",
            ),
            self._cancel_answered,
        )

    def _cancel_answered(self, answer: str | None) -> None:
        if answer == "y":
            self._cancel_now()

    def _cancel_now(self) -> None:
        if not self.running:
            return
        self.cancel_requested = True
        self.status = "cancelling"
        if self.source is not None:
            self.source.cancel()
        self.notify(
            "Cancelling: the benchmark in progress is torn down; finished results are kept.",
            title="Cancel",
            markup=False,
        )
        self._update_lines()

    def action_cancel_by_escape(self) -> None:
        if not close_help(self):  # escape closes the key panel first; it never cancels
            self.action_cancel_run()

    def action_back(self) -> None:
        if not close_help(self):
            self.app.pop_screen()

    def on_unmount(self) -> None:
        self.cancel_requested = True  # a run whose worker is still starting stops at once
        if self.running and self.source is not None:
            self.source.cancel()
