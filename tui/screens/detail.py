"""One benchmark in depth: baseline vs new distributions, the trend over history,
the query-plan diff when the plan changed, and (``p``) why it is slower: one
untimed call under cProfile in the engine's worker process, set beside the
history's earlier profile.

``enter`` answers with the summary at once: the two plots (plotext figures, the
screen's costliest paint, 100–150 ms at 120×40) are drawn after the first frame,
the trend once a thread worker has read it from the history.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import Worker, WorkerState
from tracetui.engine.core.events import BenchmarkFailed, BenchmarkFinished
from tracetui.engine.core.plan import Plan
from tracetui.engine.measuring import profiling
from tracetui.engine.recording.history import History
from tracetui.engine.recording.reports import plan_diff
from tracetui.tui import format as fmt
from tracetui.tui.bridge import RunSource
from tracetui.tui.host import close_help, console_of
from tracetui.tui.review import Review
from tracetui.tui.widgets import plots
from tracetui.tui.widgets.releasing import ScreenFooter, ScreenHeader


class DetailScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("p", "profile", "Why slower? (cProfile)"),
    ]

    class Profiled(Message):
        """A profiling run ended: its top functions, or why there are none."""

        def __init__(self, rows: list[dict[str, Any]] | None, error: str) -> None:
            super().__init__()
            self.rows = rows
            self.error = error

    def __init__(self, review: Review, benchmark_id: str, *, history: History | None) -> None:
        super().__init__()
        self.review = review
        self.benchmark_id = benchmark_id
        self.history = history
        self.sub_title = f"detail {self.benchmark_id}"
        self.profile_source: RunSource | None = None
        self.closed = False

    def compose(self) -> ComposeResult:
        yield ScreenHeader(show_clock=False)
        yield Static(self._summary(), id="detail-summary")
        with Horizontal(id="detail-plots"):
            yield Static("drawing the plots…", id="detail-plots-wait")
        yield Static(
            "p profiles one call under cProfile" if self.can_profile() else "",
            id="detail-profile",
        )
        yield ScreenFooter()

    def _summary(self) -> Text:
        v = self.review.verdict(self.benchmark_id)
        text = Text.assemble((v.benchmark_id, "bold"), "  ")
        text.append_text(fmt.level_text(v.level))
        text.append(
            f"\n{fmt.metric_label(v.metric)}: "
            f"baseline {fmt.metric_value(v.baseline, v.unit, v.metric)}"
            f" → new {fmt.metric_value(v.current, v.unit, v.metric)}  change "
        )
        text.append_text(fmt.change(v.change))
        text.append(f"   significance {fmt.significance(v)}   SQL/op ")
        text.append_text(fmt.sql_per_op(v))
        if v.budget is not None:
            text.append(
                f"   budget {fmt.metric_value(v.budget, v.unit, v.metric)}",
                style="bold red" if v.budget_broken else "",
            )
        if v.error:
            text.append(f"\n{v.error}", style="red")
        result = self.review.results.get(self.benchmark_id)
        evidence = result.evidence if result is not None else {}
        if "statement" in evidence:
            entry = self.review.references.get(self.benchmark_id)
            before = entry.evidence.get("rows") if entry is not None else None
            rows = evidence.get("rows", "?")
            text.append(f"\nmain statement touches {rows} rows", style="bold")
            if before is not None and before != rows:
                text.append(f" (baseline {before})", style="yellow")
            text.append(f": {evidence['statement'][:90]}", style="dim")
        if v.plan_changed:
            text.append("\nquery plan changed:", style="bold yellow")
            for line in plan_diff(v).splitlines()[2:]:
                style = "red" if line.startswith("-") else "green" if line.startswith("+") else ""
                text.append(f"\n  {line}", style=style)
        entry = self.review.references.get(self.benchmark_id)
        if entry is not None and entry.provenance:
            prov = entry.provenance
            text.append(
                f"\nbaseline accepted {prov.get('accepted_at', '?')} from run "
                f"{prov.get('run_id', '?')} (commit {str(prov.get('commit', '?'))[:10]})",
                style="dim",
            )
        return text

    def on_mount(self) -> None:
        self.call_after_refresh(self._draw_distributions)

    async def _draw_distributions(self) -> None:
        entry = self.review.references.get(self.benchmark_id)
        result = self.review.results.get(self.benchmark_id)
        baseline = list(entry.samples) if entry else []
        current: list[float] = []
        if result is not None:
            current = list(
                result.latencies if result.kind == "load" and result.latencies else result.samples
            )
        await self.query_one("#detail-plots-wait", Static).remove()
        distributions, trend = plots.Plot(id="detail-distributions"), plots.Plot(id="detail-trend")
        await self.query_one("#detail-plots", Horizontal).mount_all((distributions, trend))
        plots.baseline_vs_new(distributions, self.benchmark_id, baseline, current)
        self._trend_placeholder("reading the history…")
        self.read_trend()

    def _trend_placeholder(self, message: str) -> None:
        trend = self.query_one("#detail-trend", plots.Plot)
        plots.placeholder(trend, self.benchmark_id, "median over runs", message)

    @work(thread=True, exit_on_error=False, group="trend", exclusive=True)
    def read_trend(self) -> None:
        points = (
            self.history.trend(self.benchmark_id, backend=self.review.backend)
            if self.history
            else []
        )
        if not self.closed:
            self.app.call_from_thread(self._draw_trend, points)

    def _draw_trend(self, points: list[Any]) -> None:
        if self.closed:
            return
        entry = self.review.references.get(self.benchmark_id)
        plots.trend(
            self.query_one("#detail-trend", plots.Plot),
            self.benchmark_id,
            points,
            baseline=entry.values.get("median") if entry else None,
            spread=entry.values.get("run_spread", 0.0) if entry else 0.0,
        )

    def action_back(self) -> None:
        if not close_help(self):
            self.app.pop_screen()

    def can_profile(self) -> bool:
        """cProfile says something only for in-process code: not for load (Locust) runs."""
        result = self.review.results.get(self.benchmark_id)
        return result is not None and result.kind != "load"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.can_profile() if action == "profile" else True

    def on_unmount(self) -> None:
        """Popping the screen stops its profiling worker process."""
        self.closed = True
        if self.profile_source is not None:
            self.profile_source.cancel()

    def action_profile(self) -> None:
        if not self.can_profile():
            return
        self.query_one("#detail-profile", Static).update(
            f"profiling {self.benchmark_id} under cProfile in the worker process…"
        )
        self.profile_in_worker()

    @work(thread=True, exit_on_error=False, group="profile", exclusive=True)
    def profile_in_worker(self) -> None:
        """One smoke run with cProfile on, in the engine's worker process."""
        console = console_of(self.app)
        plan = Plan(
            benchmark_ids=(self.benchmark_id,),
            profile="smoke",
            db_url=console.db_url,
            options={"cprofile": True},
        )
        rows, error = None, "the run ended without a profile"
        source = self.profile_source = console.run_factory(plan)
        if self.closed:  # popped while the process was starting
            source.cancel()
        for event in source:
            if isinstance(event, BenchmarkFinished) and "profile" in event.result.evidence:
                rows, error = json.loads(event.result.evidence["profile"]), ""
            elif isinstance(event, BenchmarkFailed):
                error = event.error
        self.profile_source = None
        if not self.closed:
            self.post_message(self.Profiled(rows, error))

    def on_detail_screen_profiled(self, message: Profiled) -> None:
        panel = self.query_one("#detail-profile", Static)
        if message.rows is None:
            panel.update(Text(f"no profile: {message.error}", style="red"))
            return
        entry = self.review.references.get(self.benchmark_id)
        reference, source = profiling.reference_for(
            self.history, self.benchmark_id, entry.provenance.get("commit") if entry else None
        )
        panel.update(
            f"why is it slower? top functions, cumulative per call, vs {source}\n"
            + profiling.compare(message.rows, reference)
        )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place where this screen's workers' errors are shown."""
        if event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        if event.worker.group == "profile":
            self.query_one("#detail-profile", Static).update(
                Text(f"profiling failed: {type(error).__name__}: {error}", style="red")
            )
        elif event.worker.group == "trend":
            self._trend_placeholder(f"history unreadable: {error}")
