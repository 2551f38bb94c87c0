"""Shown instead of a broken layout when the terminal is under the minimum size."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import ModalScreen
from textual.widgets import Static

MIN_WIDTH = 80
MIN_HEIGHT = 24


class TooSmallScreen(ModalScreen[None]):
    def compose(self) -> ComposeResult:
        yield Static("", id="too-small-message")

    def show_size(self, width: int, height: int) -> None:
        self.query_one("#too-small-message", Static).update(
            f"The terminal is {width}×{height}; tracetui needs at least "
            f"{MIN_WIDTH}×{MIN_HEIGHT}.\nEnlarge the window (ctrl+q quits)."
        )

    def on_mount(self) -> None:
        self.show_size(self.app.size.width, self.app.size.height)
