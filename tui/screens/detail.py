"""One benchmark in depth: baseline vs new distributions and the trend over history."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Header, Static
from textual_plotext import PlotextPlot

from engine.history import History
from tui import format as fmt
from tui.review import Review
from tui.widgets import plots


class DetailScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", "Back")]

    def __init__(self, review: Review, benchmark_id: str, *, history: History | None) -> None:
        super().__init__()
        self.review = review
        self.benchmark_id = benchmark_id
        self.history = history
        self.sub_title = f"detail {self.benchmark_id}"

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static(self._summary(), id="detail-summary")
        with Horizontal(id="detail-plots"):
            yield PlotextPlot(id="detail-distributions")
            yield PlotextPlot(id="detail-trend")
        yield Footer()

    def _summary(self) -> Text:
        v = self.review.verdict(self.benchmark_id)
        text = Text.assemble((v.benchmark_id, "bold"), "  ")
        text.append_text(fmt.level_text(v.level))
        text.append(
            f"\n{v.metric}: baseline {fmt.metric_value(v.baseline, v.unit)}"
            f" → new {fmt.metric_value(v.current, v.unit)}  change "
        )
        text.append_text(fmt.change(v.change))
        text.append(f"   significance {fmt.significance(v)}   SQL/op ")
        text.append_text(fmt.sql_per_op(v))
        if v.budget is not None:
            text.append(
                f"   budget {fmt.metric_value(v.budget, v.unit)}",
                style="bold red" if v.budget_broken else "",
            )
        if v.error:
            text.append(f"\n{v.error}", style="red")
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
        entry = self.review.references.get(self.benchmark_id)
        result = self.review.results.get(self.benchmark_id)
        baseline = list(entry.samples) if entry else []
        current: list[float] = []
        if result is not None:
            current = list(
                result.latencies if result.kind == "load" and result.latencies else result.samples
            )
        plots.baseline_vs_new(
            self.query_one("#detail-distributions", PlotextPlot),
            self.benchmark_id,
            baseline,
            current,
        )
        points = self.history.trend(self.benchmark_id) if self.history else []
        plots.trend(self.query_one("#detail-trend", PlotextPlot), self.benchmark_id, points)

    def action_back(self) -> None:
        self.app.pop_screen()
