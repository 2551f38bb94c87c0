"""One benchmark on the live dashboard: status line, sparklines, error line.

A panel is one widget that draws all of its lines in one ``render`` (the
sparklines with Textual's own ``SparklineRenderable``). It was a container of
seven widgets (header, two labels, two sparklines, their rows): 24 panels were
~170 widgets to mount, style and lay out at the start of a run, and every
update touched several of them.

Nothing a run does to a panel asks for a restyle: the state (queued, running,
done …) and the selection are drawn in the header line (a mark, a bar and the id
in reverse), not CSS classes (a class change restyles the panel, 15–30 ms here).
The sparkline row is there from the start (blank while queued), so a start
changes no height; a panel asks for a layout only when it gains lines (the load
rows, once per load benchmark, or an error).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import ClassVar

from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.app import RenderResult as WidgetRenderResult
from textual.renderables.sparkline import Sparkline as SparklineRenderable
from textual.widget import Widget
from tracetui.engine.core.results import BenchmarkResult
from tracetui.tui import format as fmt
from tracetui.tui.bridge import BenchSnapshot

STATE_MARKS = {
    "queued": ("·", "dim"),
    "running": ("▶", "bold cyan"),
    "done": ("✓", "bold green"),
    "failed": ("✗", "bold red"),
    "cancelled": ("■", "yellow"),
}

LABEL_WIDTH = 8  # "latency " and "fail/s  " line up under each other
SPARK_ROW = (("ops/s", "throughput"), ("latency", "latency"))
LOAD_ROW = (("rps", "rps"), ("p95", "p95"), ("fail/s", "failures"))


def _panel_id(benchmark_id: str) -> str:
    safe = "".join(c if c.isalnum() else "-" for c in benchmark_id)
    return f"bench-{safe}"


class SparkRow:
    """One line of labelled sparklines sharing the width: ``label ▁▃▅█ label ▂▇▅``.

    A sparkline draws a point a column at most: stretched, 3 points were 3 flat blocks
    across the panel, and none a row of lowest bars, which reads as a benchmark at its
    minimum; fewer than two points draw nothing. The labels are blank until ``shown``.
    """

    def __init__(
        self,
        sparks: Sequence[tuple[str, Sequence[float]]],
        *,
        shown: bool,
        label_style: Style,
        min_style: Style,
        max_style: Style,
    ) -> None:
        self.sparks = sparks
        self.shown = shown
        self.label_style = label_style
        self.min_style = min_style
        self.max_style = max_style

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        count = len(self.sparks)
        spare = max(count, options.max_width - count * (LABEL_WIDTH + 1))
        for index, (label, data) in enumerate(self.sparks):  # the width shared as 1fr does
            width = spare // count + (1 if index < spare % count else 0)
            yield Segment((label if self.shown else "").ljust(LABEL_WIDTH), self.label_style)
            # A point a column at most (3 points are 3 bars); one point is no line at all
            # (Textual draws it as a full block; the header line has the number).
            drawn = min(width, len(data)) if len(data) > 1 else 0
            if drawn:
                spark = SparklineRenderable(
                    data,
                    width=drawn,
                    min_color=self.min_style.color,  # type: ignore[arg-type]
                    max_color=self.max_style.color,  # type: ignore[arg-type]
                )
                yield from console.render(spark, options.update(width=drawn, height=1))
            yield Segment(" " * (width - drawn))
            yield Segment(" ")
        yield Segment.line()


class BenchmarkPanel(Widget):
    """Live view of one planned benchmark."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "bench-panel--label",
        "bench-panel--spark-min",
        "bench-panel--spark-max",
    }

    def __init__(self, benchmark_id: str, *, per: str = "call") -> None:
        super().__init__(id=_panel_id(benchmark_id), classes="bench-panel")
        self.benchmark_id = benchmark_id
        self.per = per  # what one latency sample and one unit of throughput count
        self.state = "queued"
        self.round_text = ""
        self.summary = ""
        self.snapshot: BenchSnapshot | None = None
        self.result: BenchmarkResult | None = None
        self.error = ""
        self.selected = False
        self.started = False  # the sparkline labels show from the benchmark's start
        self.is_load = False
        self.users_line = ""
        self.series: dict[str, tuple[float, ...]] = {}  # sparkline -> the points it draws

    @staticmethod
    def dom_id(benchmark_id: str) -> str:
        return _panel_id(benchmark_id)

    # -- drawing ----------------------------------------------------------------------------

    def _header_text(self) -> Text:
        mark, style = STATE_MARKS[self.state]
        bar = ("▌", "bold") if self.selected else (" ", "")
        name_style = "bold reverse" if self.selected else "bold"
        text = Text.assemble(
            bar,
            (f"{mark} ", style),
            (self.benchmark_id, name_style),
            no_wrap=True,
            overflow="ellipsis",
        )
        if self.round_text:
            text.append(f"  {self.round_text}", style="cyan")
        if self.summary:
            text.append(f"  {self.summary}")
        return text

    def _row(self, names: Iterable[tuple[str, str]], *, shown: bool) -> SparkRow:
        min_color = self.get_component_rich_style("bench-panel--spark-min")
        max_color = self.get_component_rich_style("bench-panel--spark-max")
        return SparkRow(
            [(label, self.series.get(key, ())) for label, key in names],
            shown=shown,
            label_style=self.get_component_rich_style("bench-panel--label"),
            min_style=min_color,
            max_style=max_color,
        )

    def render(self) -> WidgetRenderResult:
        lines: list[Text | SparkRow] = [self._header_text()]
        if not (self.state == "failed" and self.snapshot is None):  # no numbers: no row
            lines.append(self._row(SPARK_ROW, shown=self.started))
        if self.is_load:
            lines.append(self._row(LOAD_ROW, shown=True))
            muted = self.get_component_rich_style("bench-panel--label")
            lines.append(Text(self.users_line, style=muted, no_wrap=True, overflow="ellipsis"))
        if self.error:
            lines.append(Text(self.error, style="red"))
        return Group(*lines)

    def _redraw(self, *, more_lines: bool = False) -> None:
        """Repaint in place; lay out again only when the panel gained lines."""
        self.refresh(layout=more_lines)

    # -- what the dashboard tells it --------------------------------------------------------

    def show_selected(self, selected: bool) -> None:
        """Mark (or unmark) this panel as the one the plot shows: its header line only."""
        if selected != self.selected:
            self.selected = selected
            self._redraw()

    def start(self, rounds_planned: int) -> None:
        self.round_text = f"round 0/{rounds_planned}" if rounds_planned else ""
        self.state = "running"
        self.started = True
        self._redraw()

    def update_live(self, snap: BenchSnapshot) -> None:
        self.snapshot = snap
        planned = f"/{snap.rounds_planned}" if snap.rounds_planned else ""
        self.round_text = f"round {snap.round}{planned}"
        last_ops = snap.ops_per_s[-1] if snap.ops_per_s else None
        last_lat = snap.latencies[-1] if snap.latencies else None
        self.summary = f"{fmt.rate_of(last_ops, self.per)}  last {fmt.seconds(last_lat)}/{self.per}"
        precision = snap.extra.get("precision", ())
        if precision:
            self.summary += f"  ±{precision[-1] * 100:.1f} %"
        self.series["throughput"] = tuple(snap.ops_per_s)
        self.series["latency"] = tuple(snap.latencies[-120:])
        gained_lines = snap.is_load and not self.is_load
        if snap.is_load:
            self.is_load = True
            extra = snap.extra
            for key, name in (("rps", "rps"), ("p95", "p95"), ("failures", "failures_per_s")):
                self.series[key] = tuple(extra.get(name, ()))
            users, rps, p95 = extra.get("users", ()), extra.get("rps", ()), extra.get("p95", ())
            self.users_line = (
                (f"users {users[-1]:.0f}" if users else "users —")
                + (f"   rps {rps[-1]:.1f}" if rps else "")
                + (f"   p95 {fmt.seconds(p95[-1])} (live, bucketed)" if p95 else "")
            )
        self._redraw(more_lines=gained_lines)

    def finish(self, result: BenchmarkResult) -> None:
        self.result = result
        self.round_text = f"{result.rounds} rounds"
        if result.kind == "load" and "p95" in result.metrics:
            m = result.metrics
            self.round_text = ""  # one Locust run: "1 rounds" says nothing
            self.summary = f"p95 {fmt.seconds(m['p95'])}/request  {m.get('rps', 0):.1f} requests/s"
            if m.get("failure_ratio"):
                self.summary += f"  failures {m['failure_ratio'] * 100:.1f} %"
            if self.is_load:  # the live line said Locust's bucketed p95 and "users 0" at the stop
                users = m.get("users") or m.get("saturation_users")
                line = f"users {users:.0f}   " if users else ""
                self.users_line = f"{line}exact p95 {fmt.seconds(m['p95'])}/request"
        else:
            self.summary = (
                f"median {fmt.seconds(result.median)}/call  "
                f"{fmt.rate_of(result.items_per_second, self.per)}"
            )
        if "sql_statements" in result.counters:
            self.summary += f"  SQL/op {result.counters['sql_statements']:g}"
        live = len(self.snapshot.latencies) if self.snapshot else 0
        if result.samples and len(result.samples) > live:  # a short (smoke) run: every round
            self.series["latency"] = tuple(result.samples)
        self.state = "done"
        self._redraw()

    def fail(self, error: str) -> None:
        self.error = error
        self.round_text = ""
        self.summary = "failed"
        self.state = "failed"
        self._redraw(more_lines=True)

    def cancel(self) -> None:
        if self.state in ("queued", "running"):
            self.summary = "cancelled"
            self.state = "cancelled"
            self._redraw()
