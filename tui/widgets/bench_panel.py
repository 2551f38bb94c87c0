"""One benchmark on the live dashboard: status line, sparklines, error line.

Nothing a run does to a panel asks for a restyle or a layout: every line has a
fixed height and its text is repainted in place. A layout of the whole
dashboard (13–20 ms at 120×40) was most of the console's CPU: before, each
benchmark cost three (its sparkline row shown by a class, and the selection, a
class with a border, moving off one panel and onto the next).

- The sparkline row is there from the start (empty while queued), so a start
  changes no height.
- The state (queued, running, done …) and the selection are drawn in the
  header line (a mark, a bar and the id in reverse), not CSS classes: a class
  change restyles the panel and everything in it (15–30 ms here).
- The load row and the error line are mounted only when needed (a layout each,
  once per load benchmark or failure).

Sparklines redraw only when ``data`` gets a *new* list, so every update assigns
a fresh ``list(...)``.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult, RenderResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Label, Sparkline, Static
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


def _panel_id(benchmark_id: str) -> str:
    safe = "".join(c if c.isalnum() else "-" for c in benchmark_id)
    return f"bench-{safe}"


class PanelSparkline(Sparkline):
    """A sparkline that draws nothing without data (Textual's draws a row of lowest bars,
    which reads as a benchmark at its minimum)."""

    def render(self) -> RenderResult:
        return "" if not self.data else super().render()


class SparkLabel(Label):
    """A sparkline's label: blank until its benchmark reports, then its text (a repaint)."""

    def __init__(self, text: str, *, shown: bool) -> None:
        super().__init__(text if shown else "", classes="spark-label")
        self.text = text

    def show(self) -> None:
        self.update(self.text, layout=False)  # fixed width (console.tcss)


def _sparks(
    row_class: str, names: list[tuple[str, str]], into: dict[str, Sparkline], *, shown: bool
) -> Horizontal:
    """A row of labelled sparklines (labels blank unless ``shown``); each sparkline is also
    kept in ``into`` (by class) for updates."""
    children: list[Label | Sparkline] = []
    for label, css in names:
        spark = into[css] = PanelSparkline([], classes=css)
        children += [SparkLabel(label, shown=shown), spark]
    return Horizontal(*children, classes=row_class)


class BenchmarkPanel(Vertical):
    """Live view of one planned benchmark."""

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
        self._load = False
        self._sparklines: dict[str, Sparkline] = {}
        self._users_line = Static("", classes="users-line")
        self._spark_row = _sparks(
            "spark-row",
            [("ops/s", "throughput"), ("latency", "latency")],
            self._sparklines,
            shown=False,
        )

    @staticmethod
    def dom_id(benchmark_id: str) -> str:
        return _panel_id(benchmark_id)

    def compose(self) -> ComposeResult:
        yield Static(self._header_text(), classes="bench-header")
        yield self._spark_row  # empty until the benchmark reports

    def _ensure_load(self) -> None:
        if not self._load:
            self._load = True
            self.add_class("-load")
            names = [("rps", "rps"), ("p95", "p95"), ("fail/s", "failures")]
            row = _sparks("load-row", names, self._sparklines, shown=True)
            self.mount(row, self._users_line)

    def _spark(self, css: str) -> Sparkline:
        return self._sparklines[css]

    def _header_text(self) -> Text:
        mark, style = STATE_MARKS[self.state]
        bar = ("▌", "bold") if self.selected else (" ", "")
        name_style = "bold reverse" if self.selected else "bold"
        text = Text.assemble(bar, (f"{mark} ", style), (self.benchmark_id, name_style))
        if self.round_text:
            text.append(f"  {self.round_text}", style="cyan")
        if self.summary:
            text.append(f"  {self.summary}")
        return text

    def _show_header(self) -> None:
        self.query_one(".bench-header", Static).update(self._header_text(), layout=False)

    def _set_state(self, state: str) -> None:
        self.state = state
        self._show_header()
        if state in ("running", "done"):
            for label in self._spark_row.query(SparkLabel):
                label.show()

    def show_selected(self, selected: bool) -> None:
        """Mark (or unmark) this panel as the one the plot shows: its header line only."""
        if selected != self.selected:
            self.selected = selected
            self._show_header()

    def start(self, rounds_planned: int) -> None:
        self.round_text = f"round 0/{rounds_planned}" if rounds_planned else ""
        self._set_state("running")

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
        self._spark("throughput").data = list(snap.ops_per_s)
        self._spark("latency").data = list(snap.latencies[-120:])
        if snap.is_load:
            self._ensure_load()
            extra = snap.extra
            self._spark("rps").data = list(extra.get("rps", ()))
            self._spark("p95").data = list(extra.get("p95", ()))
            self._spark("failures").data = list(extra.get("failures_per_s", ()))
            users = extra.get("users", ())
            rps = extra.get("rps", ())
            p95 = extra.get("p95", ())
            self._users_line.update(
                (f"users {users[-1]:.0f}" if users else "users —")
                + (f"   rps {rps[-1]:.1f}" if rps else "")
                + (f"   p95 {fmt.seconds(p95[-1])} (live, bucketed)" if p95 else ""),
                layout=False,  # one line, fixed height: no relayout of the screen
            )
        self._show_header()

    def finish(self, result: BenchmarkResult) -> None:
        self.result = result
        self.round_text = f"{result.rounds} rounds"
        if result.kind == "load" and "p95" in result.metrics:
            m = result.metrics
            self.round_text = ""  # one Locust run: "1 rounds" says nothing
            self.summary = f"p95 {fmt.seconds(m['p95'])}/request  {m.get('rps', 0):.1f} requests/s"
            if m.get("failure_ratio"):
                self.summary += f"  failures {m['failure_ratio'] * 100:.1f} %"
            if self._load:  # the live line said Locust's bucketed p95 and "users 0" at the stop
                users = m.get("users") or m.get("saturation_users")
                line = f"users {users:.0f}   " if users else ""
                self._users_line.update(f"{line}exact p95 {fmt.seconds(m['p95'])}/request")
        else:
            self.summary = (
                f"median {fmt.seconds(result.median)}/call  "
                f"{fmt.rate_of(result.items_per_second, self.per)}"
            )
        if "sql_statements" in result.counters:
            self.summary += f"  SQL/op {result.counters['sql_statements']:g}"
        live = len(self.snapshot.latencies) if self.snapshot else 0
        if result.samples and len(result.samples) > live:  # a short (smoke) run: every round
            self._spark("latency").data = list(result.samples)
        self._set_state("done")

    def fail(self, error: str) -> None:
        self.error = error
        self.round_text = ""
        self.summary = "failed"
        self.mount(Static(Text(error, style="red"), classes="error-line"))
        self.add_class("-has-error")
        if self.snapshot is None:
            self.add_class("-no-data")
        self._set_state("failed")

    def cancel(self) -> None:
        if self.state in ("queued", "running"):
            self.summary = "cancelled"
            self._set_state("cancelled")
