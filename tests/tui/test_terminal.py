"""The console's driver delivers a lone Escape itself and leaves sequences to Textual."""

from __future__ import annotations

import asyncio
import os
import queue
import sys
import threading
import tty

import pytest
from textual import events
from textual.app import App
from tracetui.tui.terminal import ESC, EscapeHold, console_driver


def test_a_lone_escape_is_held_briefly_and_what_follows_joins_it():
    hold = EscapeHold(wait=0.03)
    assert hold.take("j") == "j" and hold.timeout(0.1) == 0.1  # nothing held: Textual's poll
    assert hold.take(ESC) == "" and hold.timeout(0.1) == 0.03  # held: look again soon
    assert hold.take("[A") == ESC + "[A"  # the rest of a sequence: the parser gets it whole
    assert not hold.expire()
    hold.take(ESC)
    assert hold.expire() and not hold.expire()  # nothing followed: one Escape key


@pytest.mark.skipif(sys.platform == "win32", reason="a pty")
def test_the_driver_turns_terminal_bytes_into_keys_on_a_pty():
    driver_class = console_driver()
    assert driver_class is not None
    received: queue.Queue[events.Key] = queue.Queue()

    class Recording(driver_class):  # type: ignore[misc, valid-type]
        def process_message(self, message: object) -> None:
            if isinstance(message, events.Key):
                received.put(message)

    async def make_driver() -> Recording:  # a driver is made on the app's event loop
        return Recording(App())

    leader, follower = os.openpty()
    tty.setraw(follower)  # as the driver sets the terminal: bytes as they come, no lines
    driver = asyncio.run(make_driver())
    driver.fileno = follower
    thread = threading.Thread(target=driver.run_input_thread, daemon=True)
    thread.start()
    try:
        os.write(leader, b"\x1b")  # the Escape key, alone
        assert received.get(timeout=10).key == "escape"
        os.write(leader, b"\x1b[A")  # an arrow: one sequence, not Escape then "[" and "A"
        assert received.get(timeout=10).key == "up"
        os.write(leader, b"j")
        assert received.get(timeout=10).key == "j"
        assert received.empty()
    finally:
        driver.exit_event.set()
        thread.join(timeout=10)
        os.close(leader)
        os.close(follower)
    assert not thread.is_alive()
