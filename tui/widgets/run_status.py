"""The dashboard's head: the run's status line, the noise check, the plan's progress, the clock.

Four fixed-height lines: an update never asks for a layout, and a line repaints
only when its text changes (the clock is asked twice a second and moves once;
the progress bar moves only when a round or a benchmark ends).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static
from tracetui.tui import format as fmt
from tracetui.tui.widgets.plan_progress import PlanProgress


class RunStatus(Vertical):
    """Status and counts, the noise line, the progress bar, elapsed and remaining time."""

    def __init__(self, total: int, noise_line: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.total = total
        self.noise_line = noise_line
        self._shown: dict[str, Text] = {}
        self._progress: float | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="run-line")
        yield Static(Text(self.noise_line, style="dim"), id="noise-line")
        yield PlanProgress(self.total, id="plan-progress")
        yield Static("", id="time-line")

    def _put(self, line_id: str, text: Text) -> None:
        if self._shown.get(line_id) != text:
            self._shown[line_id] = text
            self.query_one(f"#{line_id}", Static).update(text, layout=False)  # height 1

    def show_status(self, status: str, done: int, failed: int, target: str) -> None:
        line = Text.assemble(("Status ", "bold"), (status, "cyan"), f"  {done}/{self.total} done")
        if failed:
            line.append(f"  {failed} failed", style="bold red")
        line.append(f"  {target}", style="dim")  # last: cut first when narrow
        self._put("run-line", line)

    def show_progress(self, fraction: float) -> None:
        progress = fraction * max(1, self.total)
        if progress != self._progress:
            self._progress = progress
            self.query_one(PlanProgress).update_progress(progress)

    def show_clock(self, elapsed: float, fraction: float, *, running: bool, judged: bool) -> None:
        if running and fraction > 0:
            remaining = f"~{fmt.clock_span(elapsed * (1 - fraction) / fraction)}"
        elif running:
            remaining = "—"
        else:
            remaining = "0:00"
        line = Text(f"elapsed {fmt.clock_span(elapsed)}   remaining {remaining}")
        if running:
            line.append("   esc cancels (finished results are kept)", style="dim")
        elif judged:
            line.append("   v reviews, esc goes back", style="dim")
        self._put("time-line", line)
