"""The live run: a panel per benchmark, the plan's progress and a larger plot.

The run itself (its worker, failure, cancelling) is
:class:`tracetui.tui.screens.run_screen.RunScreen`'s; this screen turns its
events into the view and owns the keys that move in it. The widgets draw:
:mod:`tracetui.tui.widgets.run_status` the head lines,
:mod:`tracetui.tui.widgets.bench_panel` a benchmark,
:mod:`tracetui.tui.widgets.live_plot` the plot.

The screen draws at most twice a second: live numbers are kept as they arrive
and shown on the next tick, with the plot, the progress bar and the clock, in
one frame (they were two frames before, each a repaint of the dashboard).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from tracetui.engine.core.events import (
    BenchmarkFailed,
    BenchmarkFinished,
    BenchmarkStarted,
    Event,
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
    ProgressBatch,
    RunFactory,
    RunJudged,
)
from tracetui.tui.host import console_of
from tracetui.tui.screens.run_screen import RunScreen
from tracetui.tui.widgets.bench_panel import BenchmarkPanel
from tracetui.tui.widgets.live_plot import LivePlot, samples_of
from tracetui.tui.widgets.releasing import ScreenFooter, ScreenHeader
from tracetui.tui.widgets.run_status import RunStatus

PLOT_INTERVAL = 0.5  # s: the dashboard draws at most twice a second (CPU)


class DashboardScreen(RunScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
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
        super().__init__(plan, run_factory=run_factory, history=history, store=store, clock=clock)
        self.per = dict(per or {})  # benchmark id -> what one latency sample is ("call", …)
        self.panels: dict[str, BenchmarkPanel] = {}
        self.last_finished: str | None = None
        self.failed: dict[str, str] = {}
        self.current: str | None = None
        self.current_fraction = 0.0
        self.selected: str | None = plan.benchmark_ids[0] if plan.benchmark_ids else None
        self.follow = True
        self.series: dict[str, BenchSnapshot] = {}
        # What came since the last frame, in order: events, and the newest live numbers
        # between two events (benchmark id -> snapshot).
        self._unshown: list[Event | dict[str, BenchSnapshot]] = []
        self.plot_dirty = True
        self.judged: RunJudged | None = None
        self.target = ""
        self.sub_title = f"run {self.plan.run_id} · profile {self.plan.profile}"

    # -- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield ScreenHeader(show_clock=False)
        yield RunStatus(
            len(self.plan.benchmark_ids), console_of(self.app).noise_line, id="dash-top"
        )
        yield VerticalScroll(id="panels", can_focus=False)
        yield LivePlot(id="dash-plot")
        yield ScreenFooter()

    def on_mount(self) -> None:
        """Paint the frame first ("starting…": the key answers at once), then run."""
        self.started_at = self.clock()
        self._update_lines()
        self.set_interval(PLOT_INTERVAL, self._tick)
        self.call_after_refresh(self._run_and_mount_panels)

    async def _run_and_mount_panels(self) -> None:
        """Start the worker process (in the run thread), then mount the panels meanwhile.

        The worker needs a second or more to start; its events queue behind this
        handler, so none is handled before every panel exists.
        """
        self.pump()
        self.panels = {
            bid: BenchmarkPanel(bid, per=self.per.get(bid, "call"))
            for bid in self.plan.benchmark_ids
        }
        await self.query_one("#panels", VerticalScroll).mount_all(self.panels.values())
        self._highlight_selected()
        # Once the panels are on screen, while the worker starts (nothing waits for the UI):
        self.call_after_refresh(console_of(self.app).settle_heap)

    def panel(self, benchmark_id: str) -> BenchmarkPanel:
        return self.panels[benchmark_id]

    def on_engine_event(self, message: EngineEvent) -> None:
        """Take the event in; its panel shows it on the next frame (the run's start and
        end at once). A benchmark's start and end drawn one by one were a frame each,
        several a second in a smoke run: most of the console's CPU."""
        event = message.event
        if isinstance(event, BenchmarkStarted):
            self.current = event.benchmark_id
            self.current_fraction = 0.0
        elif isinstance(event, BenchmarkFinished | BenchmarkFailed):
            self.done.add(event.benchmark_id)
            self.current_fraction = 0.0
        self._unshown.append(event)
        self.plot_dirty = True
        if isinstance(event, BenchmarkFailed):
            self.failed[event.benchmark_id] = event.error
            self.notify(
                f"{event.benchmark_id}: {event.error}",
                title="Benchmark failed",
                severity="error",
                markup=False,
            )
        elif isinstance(event, RunStarted):
            self.status = "running"
            self.target = f"{event.backend} · {event.db_url}"
            self._update_lines()
        elif isinstance(event, RunFinished):
            self.status = event.status
            self.running = False
            self.refresh_bindings()
            self._tick()  # the last events and the status lines, at once
            for bid in self.plan.benchmark_ids:
                self.panel(bid).cancel()
            if event.error:
                self.notify(
                    event.error, title=f"Run {event.status}", severity="error", markup=False
                )

    def on_progress_batch(self, message: ProgressBatch) -> None:
        self.series.update(message.series)
        last = self._unshown[-1] if self._unshown else None
        if isinstance(last, dict):  # live numbers since the last event: keep the newest
            last.update(message.series)
        else:
            self._unshown.append(dict(message.series))
        self.plot_dirty = True  # panels, plot, progress bar and clock follow on the tick

    def _show_unshown(self) -> None:
        """Put what came since the last frame into the panels, in the order it came."""
        unshown, self._unshown = self._unshown, []
        for item in unshown:
            if isinstance(item, dict):
                self._show_live(item)
            elif isinstance(item, BenchmarkStarted):
                self.panel(item.benchmark_id).start(item.rounds_planned)
                if self.follow:
                    self._select(item.benchmark_id)
            elif isinstance(item, BenchmarkFinished):
                self.panel(item.benchmark_id).finish(item.result)
                self.last_finished = item.benchmark_id
            elif isinstance(item, BenchmarkFailed):
                self.panel(item.benchmark_id).fail(item.error)

    def _show_live(self, snapshots: Mapping[str, BenchSnapshot]) -> None:
        for bid, snap in snapshots.items():
            panel = self.panel(bid)
            if panel.state == "running":
                panel.update_live(snap)
            if bid == self.current and snap.rounds_planned:
                # A load run reports from inside its (single) round: that round is not done.
                done_rounds = snap.round - 1 if snap.is_load else snap.round
                self.current_fraction = min(1.0, max(0, done_rounds) / snap.rounds_planned)

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
            f"{fmt.counted(len(record.results), 'result')}, "
            f"{fmt.counted(regressions, 'regression')}, {failed} failed",
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

    @property
    def _status(self) -> RunStatus:
        return self.query_one("#dash-top", RunStatus)

    def _update_lines(self) -> None:
        status = "starting…" if self.status == "starting" else self.status
        self._status.show_status(status, len(self.done), len(self.failed), self.target)
        self._status.show_progress(self._fraction())
        self._update_time()

    def _update_time(self) -> None:
        self._status.show_clock(
            self.clock() - self.started_at,
            self._fraction(),
            running=self.running,
            judged=self.judged is not None,
        )

    def _tick(self) -> None:
        """One frame of everything that changed: events, live numbers, progress, plot, clock."""
        if self.plot_dirty:
            self.plot_dirty = False
            self._show_unshown()
            self._update_lines()
            self._status.show_progress(self._fraction())
            self._draw_plot()
            selected = self.panels.get(self.selected or "")
            if selected is not None:  # its rows may have grown (a load row): keep it in view
                selected.scroll_visible(animate=False)
        if self.running:
            self._update_time()

    def _samples_of(self, bid: str) -> tuple[tuple[float, ...], tuple[float, ...], str]:
        panel = self.panels.get(bid)
        return samples_of(
            self.series.get(bid), panel.result if panel else None, self.per.get(bid, "call")
        )

    def _draw_plot(self) -> None:
        bid = self.selected
        if bid is None:
            return
        samples = self._samples_of(bid)
        if self.follow and not samples[0] and not samples[1] and self.last_finished:
            # A benchmark that just started has nothing to draw: keep the last finished one
            # (short smoke benchmarks would otherwise always show an empty plot).
            bid = self.last_finished
            samples = self._samples_of(bid)
        self.query_one("#dash-plot", LivePlot).draw(bid, samples)

    def _select(self, benchmark_id: str) -> None:
        self.selected = benchmark_id
        self._highlight_selected()
        self.plot_dirty = True

    def _highlight_selected(self) -> None:
        for panel in self.panels.values():  # a header line repaints if its mark changes
            panel.show_selected(panel.benchmark_id == self.selected)
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
        self.query_one("#dash-plot", LivePlot).toggle_mode()
        self.plot_dirty = True

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Offer only the keys that work now: review after the run, cancel during it."""
        if action == "review":
            return self.judged is not None
        return super().check_action(action, parameters)

    def action_review(self) -> None:
        if self.judged is None:
            self.notify("The run is still going.", severity="warning", markup=False)
            return
        console_of(self.app).open_review_of_run(self.judged)
