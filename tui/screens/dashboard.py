"""The live run: a panel per benchmark, the plan's progress and a larger plot.

The screen owns its run. A Textual thread worker iterates the run source
through :class:`tracetui.tui.bridge.EventPump` (never on the UI thread); the pump
posts typed messages here. Worker errors are handled in exactly one place,
:meth:`DashboardScreen.on_worker_state_changed`. ``escape``/``ctrl+c``
cancel the run; results that finished are kept (they are already in the
history, and they go to the approval screen).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static
from textual.worker import Worker, WorkerState
from textual_plotext import PlotextPlot
from tracetui.engine.core.events import (
    BenchmarkFailed,
    BenchmarkFinished,
    BenchmarkStarted,
    RunFinished,
    RunStarted,
)
from tracetui.engine.core.plan import Plan
from tracetui.engine.judging.baselines import BaselineStore
from tracetui.engine.judging.verdicts import Level
from tracetui.engine.recording.history import History
from tracetui.tui import format as fmt
from tracetui.tui.bridge import (
    BenchSnapshot,
    EngineEvent,
    EventPump,
    ProgressBatch,
    RunFactory,
    RunJudged,
    RunSource,
)
from tracetui.tui.host import close_help, console_of
from tracetui.tui.screens.confirm import ConfirmScreen
from tracetui.tui.widgets import plots
from tracetui.tui.widgets.bench_panel import BenchmarkPanel
from tracetui.tui.widgets.plan_progress import PlanProgress

PLOT_INTERVAL = 0.5  # s: the plot and the clock line redraw at most twice a second (CPU)
CONFIRM_AFTER = 5.0  # s: cancelling a run older than this asks first


class DashboardScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel_or_back", "Cancel run / back"),
        Binding("ctrl+c", "cancel_run", "Cancel run", show=False, priority=True),
        Binding("t", "toggle_plot", "Timeline/distribution"),
        Binding("up,k", "select_previous", "Prev", show=False),
        Binding("down,j", "select_next", "Next", show=False),
        Binding("f", "follow", "Follow current", show=False),
        Binding("v", "review", "Review"),
    ]

    def __init__(
        self,
        plan: Plan,
        *,
        run_factory: RunFactory,
        history: History | None,
        store: BaselineStore,
        clock: Callable[[], float],
        per: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.plan = plan
        self.per = dict(per or {})  # benchmark id -> what one latency sample is ("call", …)
        self.run_factory = run_factory
        self.history = history
        self.store = store
        self.clock = clock
        self.source: RunSource | None = None
        self.panels: dict[str, BenchmarkPanel] = {}
        self.last_finished: str | None = None
        self.running = True
        self.cancel_requested = False
        self.started_at = 0.0
        self.done: set[str] = set()
        self.failed: dict[str, str] = {}
        self.current: str | None = None
        self.current_fraction = 0.0
        self.selected: str | None = plan.benchmark_ids[0] if plan.benchmark_ids else None
        self.follow = True
        self.plot_mode = "timeline"
        self.series: dict[str, BenchSnapshot] = {}
        self.plot_dirty = True
        self.status = "starting"
        self.judged: RunJudged | None = None
        self.target = ""
        self.sub_title = f"run {self.plan.run_id} · profile {self.plan.profile}"

    # -- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with Vertical(id="dash-top"):
            yield Static("", id="run-line")
            yield Static(Text(console_of(self.app).noise_line, style="dim"), id="noise-line")
            yield PlanProgress(len(self.plan.benchmark_ids), id="plan-progress")
            yield Static("", id="time-line")
        yield VerticalScroll(id="panels", can_focus=False)
        yield PlotextPlot(id="dash-plot")
        yield Footer()

    def on_mount(self) -> None:
        """Paint the frame first (the key answers at once), then the panels, then run."""
        self.started_at = self.clock()
        self._update_lines()
        self.set_interval(PLOT_INTERVAL, self._tick)
        self.call_after_refresh(self._mount_panels_and_run)

    async def _mount_panels_and_run(self) -> None:
        self.panels = {
            bid: BenchmarkPanel(bid, per=self.per.get(bid, "call"))
            for bid in self.plan.benchmark_ids
        }
        await self.query_one("#panels", VerticalScroll).mount_all(self.panels.values())
        self._highlight_selected()
        self.pump()  # events arrive only once every panel exists

    def panel(self, benchmark_id: str) -> BenchmarkPanel:
        return self.panels[benchmark_id]

    # -- the run (thread worker) ----------------------------------------------------------

    @work(thread=True, exit_on_error=False, group="run", name="run")
    def pump(self) -> None:
        source = self.run_factory(self.plan)
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

    def on_engine_event(self, message: EngineEvent) -> None:
        event = message.event
        if isinstance(event, RunStarted):
            self.status = "running"
            self.target = f"{event.backend} · {event.db_url}"
        elif isinstance(event, BenchmarkStarted):
            self.current = event.benchmark_id
            self.current_fraction = 0.0
            self.panel(event.benchmark_id).start(event.rounds_planned)
            if self.follow:
                self._select(event.benchmark_id)
        elif isinstance(event, BenchmarkFinished):
            self.done.add(event.benchmark_id)
            self.current_fraction = 0.0
            self.panel(event.benchmark_id).finish(event.result)
            self.last_finished = event.benchmark_id
            self.plot_dirty = True
        elif isinstance(event, BenchmarkFailed):
            self.done.add(event.benchmark_id)
            self.failed[event.benchmark_id] = event.error
            self.current_fraction = 0.0
            self.panel(event.benchmark_id).fail(event.error)
            self.notify(
                f"{event.benchmark_id}: {event.error}",
                title="Benchmark failed",
                severity="error",
                markup=False,
            )
        elif isinstance(event, RunFinished):
            self.status = event.status
            self.running = False
            self.refresh_bindings()
            for bid in self.plan.benchmark_ids:
                self.panel(bid).cancel()
            if event.error:
                self.notify(
                    event.error, title=f"Run {event.status}", severity="error", markup=False
                )
        self._update_lines()

    def on_progress_batch(self, message: ProgressBatch) -> None:
        self.series.update(message.series)
        for bid, snap in message.series.items():
            panel = self.panel(bid)
            if panel.state == "running":
                panel.update_live(snap)
            if bid == self.current and snap.rounds_planned:
                # A load run reports from inside its (single) round: that round is not done.
                done_rounds = snap.round - 1 if snap.is_load else snap.round
                self.current_fraction = min(1.0, max(0, done_rounds) / snap.rounds_planned)
        self.plot_dirty = True  # the plot, the progress bar and the clock follow on the tick

    def on_run_judged(self, message: RunJudged) -> None:
        self.judged = message
        self.running = False
        self.refresh_bindings()
        record = message.record
        if self.status in ("starting", "running"):
            self.status = record.status
        if message.baseline_error:
            self.notify(
                message.baseline_error,
                title="Baseline file error",
                severity="error",
                timeout=15,
                markup=False,
            )
        regressions = sum(1 for v in message.verdicts if v.level.is_regression)
        failed = sum(1 for v in message.verdicts if v.level == Level.FAILED)
        self.notify(
            f"{len(record.results)} results, {regressions} regressions, {failed} failed",
            title=f"Run {record.status}",
            markup=False,
        )
        self._update_lines()
        if record.results or message.verdicts:
            self.action_review()

    # -- display --------------------------------------------------------------------------

    def _fraction(self) -> float:
        total = len(self.plan.benchmark_ids)
        if not total:
            return 1.0
        return min(
            1.0,
            (len(self.done) + (0 if self.current in self.done else self.current_fraction)) / total,
        )

    def _update_progress(self) -> None:
        total = len(self.plan.benchmark_ids)
        self.query_one("#plan-progress", PlanProgress).update_progress(
            self._fraction() * max(1, total)
        )

    def _update_lines(self) -> None:
        total = len(self.plan.benchmark_ids)
        line = Text.assemble(
            ("Status ", "bold"),
            (self.status, "cyan"),
            f"  {len(self.done)}/{total} done",
        )
        if self.failed:
            line.append(f"  {len(self.failed)} failed", style="bold red")
        line.append(f"  {self.target}", style="dim")  # last: cut first when narrow
        self.query_one("#run-line", Static).update(line, layout=False)  # height 1: no relayout
        self._update_progress()
        self._update_time()

    def _update_time(self) -> None:
        elapsed = self.clock() - self.started_at
        fraction = self._fraction()
        if self.running and fraction > 0:
            remaining = f"~{fmt.clock_span(elapsed * (1 - fraction) / fraction)}"
        elif self.running:
            remaining = "—"
        else:
            remaining = "0:00"
        line = Text(f"elapsed {fmt.clock_span(elapsed)}   remaining {remaining}")
        if self.running:
            line.append("   esc cancels (finished results are kept)", style="dim")
        elif self.judged is not None:
            line.append("   v reviews, esc goes back", style="dim")
        self.query_one("#time-line", Static).update(line, layout=False)

    def _tick(self) -> None:
        if self.running:
            self._update_time()
        if self.plot_dirty:
            self.plot_dirty = False
            self._update_progress()
            self._draw_plot()
            selected = self.panels.get(self.selected or "")
            if selected is not None:  # its rows may have grown (a load row): keep it in view
                selected.scroll_visible(animate=False)

    def _samples_of(self, bid: str) -> tuple[tuple[float, ...], tuple[float, ...], str]:
        """Latencies, live throughput, and what one latency counts, for ``bid``.

        A finished benchmark's own samples replace the live ones when there are more:
        its latencies (per op or request) if it has them, else its rounds (per call).
        """
        snap = self.series.get(bid)
        latencies: tuple[float, ...] = snap.latencies if snap else ()
        per = self.per.get(bid, "call")
        panel = self.panels.get(bid)
        if panel is not None and panel.result is not None:
            result = panel.result
            finished, finished_per = (
                (result.latencies, per) if result.latencies else (result.samples, "call")
            )
            if len(finished) > len(latencies):
                latencies, per = tuple(finished), finished_per
        return latencies, (snap.ops_per_s if snap else ()), per

    def _draw_plot(self) -> None:
        widget = self.query_one("#dash-plot", PlotextPlot)
        bid = self.selected
        if bid is None:
            return
        latencies, throughput, per = self._samples_of(bid)
        if self.follow and not latencies and not throughput and self.last_finished:
            # A benchmark that just started has nothing to draw: keep the last finished one
            # (short smoke benchmarks would otherwise always show an empty plot).
            bid = self.last_finished
            latencies, throughput, per = self._samples_of(bid)
        if self.plot_mode == "timeline":
            plots.latency_timeline(widget, bid, latencies, per=per, throughput=throughput)
        else:
            plots.latency_distribution(widget, bid, latencies, per=per)

    def _select(self, benchmark_id: str) -> None:
        self.selected = benchmark_id
        self._highlight_selected()
        self.plot_dirty = True

    def _highlight_selected(self) -> None:
        for panel in self.panels.values():
            panel.set_class(panel.benchmark_id == self.selected, "-selected")
            if panel.benchmark_id == self.selected:
                panel.scroll_visible(animate=False)

    # -- actions --------------------------------------------------------------------------

    def _move(self, step: int) -> None:
        ids = list(self.plan.benchmark_ids)
        if not ids:
            return
        index = ids.index(self.selected) if self.selected in ids else 0
        self.follow = False
        self._select(ids[(index + step) % len(ids)])

    def action_select_previous(self) -> None:
        self._move(-1)

    def action_select_next(self) -> None:
        self._move(1)

    def action_follow(self) -> None:
        self.follow = True
        if self.current:
            self._select(self.current)

    def action_toggle_plot(self) -> None:
        self.plot_mode = "distribution" if self.plot_mode == "timeline" else "timeline"
        self.plot_dirty = True

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Offer only the keys that work now: review after the run, cancel during it."""
        if action == "review":
            return self.judged is not None
        if action == "cancel_run":
            return self.running
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

    def action_cancel_or_back(self) -> None:
        if close_help(self):  # escape closes the key panel first; it never cancels
            return
        if self.running:
            self.action_cancel_run()
        else:
            self.app.pop_screen()

    def action_review(self) -> None:
        if self.judged is None:
            self.notify("The run is still going.", severity="warning", markup=False)
            return
        console_of(self.app).open_review_of_run(self.judged)

    def on_unmount(self) -> None:
        self.cancel_requested = True  # a run whose worker is still starting stops at once
        if self.running and self.source is not None:
            self.source.cancel()
