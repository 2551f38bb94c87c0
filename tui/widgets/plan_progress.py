"""The plan's progress as one fixed-height line: a bar and a percentage.

Textual's ProgressBar re-lays out the whole screen on every update (its
percentage is a Label); this line repaints itself only.
"""

from __future__ import annotations

from rich.console import Group
from rich.progress_bar import ProgressBar as RichBar
from rich.table import Table
from rich.text import Text
from textual.widgets import Static


class PlanProgress(Static):
    DEFAULT_CSS = "PlanProgress { height: 1; }"

    def __init__(self, total: float, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.total = max(1.0, float(total))
        self.progress = 0.0

    def on_mount(self) -> None:
        self.update_progress(self.progress)

    def on_resize(self) -> None:
        self.update_progress(self.progress)

    def update_progress(self, progress: float) -> None:
        self.progress = min(progress, self.total)
        width = max(10, self.size.width - 6) if self.size.width else 40
        line = Table.grid(expand=True)
        line.add_column(ratio=1)
        line.add_column(width=5, justify="right")
        line.add_row(
            RichBar(total=self.total, completed=self.progress, width=width),
            Text(f"{100 * self.progress / self.total:.0f}%"),
        )
        self.update(Group(line), layout=False)
