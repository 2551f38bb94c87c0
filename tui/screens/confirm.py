"""A small modal question with a few lettered answers (cancel the run? save first?)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ConfirmScreen(ModalScreen[str]):
    """Ask ``question``; dismiss with the key of the chosen answer (``escape`` → ``default``).

    ``choices`` are ``(key, label)`` pairs; pressing the key or its button answers.
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "choose_default", "Stay")]

    def __init__(self, question: str, choices: list[tuple[str, str]], *, default: str) -> None:
        super().__init__()
        self.question = question
        self.choices = choices
        self.default = default
        self.AUTO_FOCUS = f"#confirm-{default}"  # focused once the buttons are mounted

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(Text(self.question), id="confirm-question")
            with Horizontal(id="confirm-buttons"):
                for key, label in self.choices:
                    yield Button(
                        f"{label} ({key})",
                        id=f"confirm-{key}",
                        variant="primary" if key == self.default else "default",
                    )

    def on_key(self, event: events.Key) -> None:
        for key, _label in self.choices:
            if event.key == key or event.character == key:
                event.stop()
                self.dismiss(key)
                return

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(str(event.button.id).removeprefix("confirm-"))

    def action_choose_default(self) -> None:
        self.dismiss(self.default)
