"""One benchmark on the live dashboard: status line, sparklines, error line.

Live updates never ask for a layout (every line has a fixed height): a relayout
of the whole dashboard several times a second was most of the console's CPU.

A queued benchmark is one line: its sparkline row is mounted with the panel but
hidden (CSS, until the panel is ``-live``), so a start is one class change: the
same restyle and layout as the selection moving to it, not a mount a frame later
with a layout of its own (a full reflow and repaint of the screen each, three per
benchmark before). The load row and the error line are mounted only when needed.
The state (queued, running, done …) is the header's mark, not a CSS class: a
class change restyles the panel and everything in it (15–30 ms here), so only
``-live`` (the sparklines shown, once) is a class; finishing or cancelling a
panel repaints its header line and nothing else. Sparklines redraw only
when ``data`` gets a *new* list, so every update assigns a fresh ``list(...)``.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
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


def _sparks(row_class: str, names: list[tuple[str, str]], into: dict[str, Sparkline]) -> Horizontal:
    """A row of labelled sparklines; each is also kept in ``into`` (by class) for updates."""
    children: list[Label | Sparkline] = []
    for label, css in names:
        spark = into[css] = Sparkline([], classes=css)
        children += [Label(label, classes="spark-label"), spark]
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
        self._load = False
        self._sparklines: dict[str, Sparkline] = {}
        self._users_line = Static("", classes="users-line")
        self._spark_row = _sparks(
            "spark-row", [("ops/s", "throughput"), ("latency", "latency")], self._sparklines
        )

    @staticmethod
    def dom_id(benchmark_id: str) -> str:
        return _panel_id(benchmark_id)

    def compose(self) -> ComposeResult:
        yield Static(self._header_text(), classes="bench-header")
        yield self._spark_row  # hidden until the panel is -live (console.tcss)

    def _ensure_load(self) -> None:
        if not self._load:
            self._load = True
            self.add_class("-load")
            names = [("rps", "rps"), ("p95", "p95"), ("fail/s", "failures")]
            self.mount(_sparks("load-row", names, self._sparklines), self._users_line)

    def _spark(self, css: str) -> Sparkline:
        return self._sparklines[css]

    def _header_text(self) -> Text:
        mark, style = STATE_MARKS[self.state]
        text = Text.assemble((f"{mark} ", style), (self.benchmark_id, "bold"))
        if self.round_text:
            text.append(f"  {self.round_text}", style="cyan")
        if self.summary:
            text.append(f"  {self.summary}")
        return text

    def _set_state(self, state: str, *, live: bool = False) -> None:
        """The new state in the header (and ``-live``, showing the sparklines: a restyle
        the first time only)."""
        if live:
            self.add_class("-live")
        self.state = state
        self.query_one(".bench-header", Static).update(self._header_text(), layout=False)

    def start(self, rounds_planned: int) -> None:
        self.round_text = f"round 0/{rounds_planned}" if rounds_planned else ""
        self._set_state("running", live=True)

    def update_live(self, snap: BenchSnapshot) -> None:
        self.add_class("-live")  # a no-op once started
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
        self.query_one(".bench-header", Static).update(self._header_text(), layout=False)

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
        self._set_state("done", live=True)

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
