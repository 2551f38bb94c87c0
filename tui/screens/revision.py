"""The base revision to compare with: a small input for a git revision (``b`` on the
picker, or "Compare with a revision" in the palette).

Enter dismisses with what was typed (stripped; "" clears the revision), escape
with None (nothing changes). The console checks the revision out and says in
one line what is wrong with a bad one (:meth:`tracetui.tui.app.ConsoleApp.set_against`),
exactly as ``tracetui run --against REV`` does.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static


class RevisionScreen(ModalScreen[str | None]):
    """Ask for a git revision; ``current`` is shown and preselected for editing."""

    DEFAULT_CSS = """
    RevisionScreen { align: center middle; background: $background 60%; }
    #revision-box { width: 64; height: auto; padding: 1 2; border: thick $primary;
                    background: $surface; }
    #revision-title { height: auto; margin-bottom: 1; }
    #revision-hint { height: auto; margin-top: 1; color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]
    AUTO_FOCUS = "#revision-input"

    def __init__(self, current: str = "") -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="revision-box"):
            yield Static(
                Text.assemble(
                    ("Compare with a revision", "bold"),
                    "\nthe base is measured beside the working tree, in pairs",
                ),
                id="revision-title",
            )
            yield Input(
                value=self.current,
                placeholder="git revision: HEAD, main, origin/main, a1b2c3d…",
                id="revision-input",
            )
            yield Static("enter sets it · empty enter clears it · esc keeps it", id="revision-hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)
