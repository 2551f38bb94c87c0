"""One benchmark on the live dashboard: status line, sparklines, error line.

Sparklines redraw only when ``data`` gets a *new* list, so every update
assigns a fresh ``list(...)``.
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


class BenchmarkPanel(Vertical):
    """Live view of one planned benchmark."""

    def __init__(self, benchmark_id: str, *, per: str = "call") -> None:
        super().__init__(id=_panel_id(benchmark_id), classes="bench-panel -queued")
        self.benchmark_id = benchmark_id
        self.per = per  # what one latency sample and one unit of throughput count
        self.state = "queued"
        self.round_text = ""
        self.summary = ""
        self.snapshot: BenchSnapshot | None = None
        self.result: BenchmarkResult | None = None
        self.error = ""

    @staticmethod
    def dom_id(benchmark_id: str) -> str:
        return _panel_id(benchmark_id)

    def compose(self) -> ComposeResult:
        yield Static(self._header_text(), classes="bench-header")
        with Horizontal(classes="spark-row"):
            yield Label("ops/s", classes="spark-label")
            yield Sparkline([], classes="throughput")
            yield Label("latency", classes="spark-label")
            yield Sparkline([], classes="latency")
        with Horizontal(classes="load-row"):
            yield Label("rps", classes="spark-label")
            yield Sparkline([], classes="rps")
            yield Label("p95", classes="spark-label")
            yield Sparkline([], classes="p95")
            yield Label("fail/s", classes="spark-label")
            yield Sparkline([], classes="failures")
        yield Static("", classes="users-line")
        yield Static("", classes="error-line")

    def _header_text(self) -> Text:
        mark, style = STATE_MARKS[self.state]
        text = Text.assemble((f"{mark} ", style), (self.benchmark_id, "bold"))
        if self.round_text:
            text.append(f"  {self.round_text}", style="cyan")
        if self.summary:
            text.append(f"  {self.summary}")
        return text

    def _set_state(self, state: str) -> None:
        self.remove_class(f"-{self.state}")
        self.state = state
        self.add_class(f"-{state}")
        self.query_one(".bench-header", Static).update(self._header_text())

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
        self.query_one(".throughput", Sparkline).data = list(snap.ops_per_s)
        self.query_one(".latency", Sparkline).data = list(snap.latencies[-120:])
        if snap.is_load and not self.has_class("-load"):
            self.add_class("-load")
        if snap.is_load:
            extra = snap.extra
            self.query_one(".rps", Sparkline).data = list(extra.get("rps", ()))
            self.query_one(".p95", Sparkline).data = list(extra.get("p95", ()))
            self.query_one(".failures", Sparkline).data = list(extra.get("failures_per_s", ()))
            users = extra.get("users", ())
            rps = extra.get("rps", ())
            p95 = extra.get("p95", ())
            self.query_one(".users-line", Static).update(
                (f"users {users[-1]:.0f}" if users else "users —")
                + (f"   rps {rps[-1]:.1f}" if rps else "")
                + (f"   p95 {fmt.seconds(p95[-1])}" if p95 else "")
            )
        self.query_one(".bench-header", Static).update(self._header_text())

    def finish(self, result: BenchmarkResult) -> None:
        self.result = result
        self.round_text = f"{result.rounds} rounds"
        if result.kind == "load" and "p95" in result.metrics:
            m = result.metrics
            self.round_text = ""  # one Locust run: "1 rounds" says nothing
            self.summary = f"p95 {fmt.seconds(m['p95'])}/request  {m.get('rps', 0):.1f} requests/s"
            if m.get("failure_ratio"):
                self.summary += f"  failures {m['failure_ratio'] * 100:.1f} %"
            # The live line showed Locust's bucketed p95 and "users 0" after the stop: replace
            # it with the run's exact numbers.
            users = m.get("users") or m.get("saturation_users")
            line = f"users {users:.0f}   " if users else ""
            self.query_one(".users-line", Static).update(
                f"{line}exact p95 {fmt.seconds(m['p95'])}/request"
            )
        else:
            self.summary = (
                f"median {fmt.seconds(result.median)}/call  "
                f"{fmt.rate_of(result.items_per_second, self.per)}"
            )
        if "sql_statements" in result.counters:
            self.summary += f"  SQL/op {result.counters['sql_statements']:g}"
        live = len(self.snapshot.latencies) if self.snapshot else 0
        if result.samples and len(result.samples) > live:  # a short (smoke) run: every round
            self.query_one(".latency", Sparkline).data = list(result.samples)
        self._set_state("done")

    def fail(self, error: str) -> None:
        self.error = error
        self.round_text = ""
        self.summary = "failed"
        self.query_one(".error-line", Static).update(Text(error, style="red"))
        self.add_class("-has-error")
        if self.snapshot is None:
            self.add_class("-no-data")
        self._set_state("failed")

    def cancel(self) -> None:
        if self.state in ("queued", "running"):
            self.summary = "cancelled"
            self._set_state("cancelled")
