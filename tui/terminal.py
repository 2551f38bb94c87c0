"""The console's terminal driver: Textual's Linux driver, with ``esc`` answered at once.

In a terminal without the kitty keyboard protocol (xterm, tmux, screen, most
SSH sessions) the Escape key is a lone ESC byte, which is also how every
escape sequence (arrows, function keys, the mouse) begins. Textual's driver
hands it to its parser, which holds it for ``ESCDELAY`` (100 ms) in case more
follows, and only looks again when its input loop's ``select(0.1)`` times out:
every ``esc`` reached the console 100–200 ms late (measured in tmux: 123–137 ms
key to frame, of which the console's own part was 20–30 ms).

:class:`ConsoleDriver` holds a lone ESC itself, for :data:`ESCAPE_WAIT`: if
nothing follows, it is the Escape key, delivered then; if more input comes, the
ESC goes in front of it to Textual's parser as before. A terminal that sends a
sequence sends it in one write, so its bytes arrive together; an ESC read alone
was typed alone. Terminals with the kitty protocol (Textual enables it) send an
unambiguous Escape and never take this path. ``ESCDELAY`` still governs the
parser's own hold of an ESC that arrives with other bytes (a rare split read).

The input loop is a copy of Textual's ``LinuxDriver.run_input_thread`` (8.x)
with the hold added; :func:`console_driver` falls back to Textual's own driver
where that loop's parts are not there (another platform, another Textual).
"""

from __future__ import annotations

import os
import selectors
import sys
from codecs import getincrementaldecoder

from textual import events
from textual.driver import Driver

ESC = "\x1b"
ESCAPE_WAIT = 0.03  # s: how long a lone ESC waits for the rest of a sequence
IDLE_POLL = 0.1  # s: Textual's input poll (its parser's timeouts are checked this often)

Ready = list[tuple[selectors.SelectorKey, int]]  # what ``select`` returns


class EscapeHold:
    """A lone ESC byte waiting to be told apart from the start of a sequence."""

    def __init__(self, wait: float = ESCAPE_WAIT) -> None:
        self.wait = wait
        self.held = False

    def timeout(self, idle: float) -> float:
        """How long the input loop may sleep: short while an ESC is held."""
        return min(self.wait, idle) if self.held else idle

    def take(self, data: str) -> str:
        """What to give the parser of ``data`` just read: a lone ESC is held (nothing yet),
        and a held ESC goes in front of whatever follows it."""
        if self.held:
            self.held = False
            return ESC + data
        if data == ESC:
            self.held = True
            return ""
        return data

    def expire(self) -> bool:
        """Nothing followed the held ESC in time: it was the Escape key."""
        expired, self.held = self.held, False
        return expired


def console_driver() -> type[Driver] | None:
    """The driver class the console runs with (``None``: Textual chooses)."""
    if sys.platform == "win32" or os.environ.get("TEXTUAL_DRIVER"):
        return None
    try:
        from textual._parser import ParseError
        from textual._xterm_parser import XTermParser
        from textual.drivers.linux_driver import LinuxDriver
    except ImportError:  # another Textual: its own driver, with its own Escape delay
        return None

    class ConsoleDriver(LinuxDriver):
        """Textual's Linux driver whose input loop delivers a lone ESC after ``ESCAPE_WAIT``."""

        def run_input_thread(self) -> None:
            selector = selectors.SelectSelector()
            selector.register(self.fileno, selectors.EVENT_READ)
            parser = XTermParser(self._debug)
            decode = getincrementaldecoder("utf-8")().decode
            hold = EscapeHold()

            def process(ready: Ready, final: bool = False) -> None:
                if not ready and hold.expire():
                    self.process_message(events.Key("escape", ESC))
                for index, (_key, mask) in enumerate(ready):
                    if mask & selectors.EVENT_READ:
                        last = index == len(ready) - 1
                        data = decode(os.read(self.fileno, 1024 * 4), final=final and last)
                        if not data:  # stdin is a pipe that closed
                            break
                        chunk = hold.take(data)
                        for message in parser.feed(chunk) if chunk else ():  # "": end of input
                            self.process_message(message)
                for message in parser.tick():
                    self.process_message(message)

            try:
                while not self.exit_event.is_set():
                    process(selector.select(hold.timeout(IDLE_POLL)))
                selector.unregister(self.fileno)
                process(selector.select(IDLE_POLL), final=True)
            finally:
                selector.close()
                try:
                    for _message in parser.feed(""):
                        pass
                except (EOFError, ParseError):
                    pass

    return ConsoleDriver
