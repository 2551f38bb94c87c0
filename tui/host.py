"""The typed interface the screens use to reach the console application.

Screens never import :mod:`tracetui.tui.app` (it imports them); they call
:func:`console_of` and get a :class:`ConsoleHost`, so every call into the
App is checked by the type checker instead of ``# type: ignore``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

from textual.app import App
from textual.screen import Screen

if TYPE_CHECKING:
    from tracetui.tui.bridge import RunFactory, RunJudged
    from tracetui.tui.catalog import LastKnown


@runtime_checkable
class ConsoleHost(Protocol):
    """What a screen may ask of the console."""

    db_url: str
    backend: str
    run_factory: RunFactory
    noise_line: str

    def start_run(self, benchmark_ids: list[str], profile: str) -> None: ...

    def open_history(self) -> None: ...

    def open_review_of_run(self, judged: RunJudged) -> None: ...

    def open_review_of_history(self, run_id: str) -> None: ...

    def load_known(self, apply: KnownSink) -> None: ...

    def settle_heap(self) -> None: ...


@runtime_checkable
class RevisionHost(Protocol):
    """A console that can compare runs with a git revision (:mod:`tracetui.tui.against`)."""

    def against_text(self) -> str: ...

    def ask_revision(self) -> None: ...


class KnownSink(Protocol):
    def __call__(self, known: dict[str, LastKnown]) -> None: ...


def console_of(app: App[object]) -> ConsoleHost:
    """The running console; a screen mounted in another App is a programming error."""
    if not isinstance(app, ConsoleHost):
        raise TypeError(f"{type(app).__name__} is not the tracetui console")
    return app


def revision_host(app: App[object]) -> RevisionHost | None:
    """The console's base-revision choice, if this App offers one."""
    return app if isinstance(app, RevisionHost) else None


def close_help(screen: Screen[object]) -> bool:
    """Close the key panel if it is open (``escape`` closes panels before anything else)."""
    from textual.widgets import HelpPanel

    if not screen.query(HelpPanel):
        return False
    screen.app.action_hide_help_panel()
    return True
