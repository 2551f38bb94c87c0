"""Helpers for Pilot tests: run a scenario, wait for a condition, read the screen as text."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable, Coroutine
from typing import TypeVar

from rich.console import Console
from textual.app import App
from textual.pilot import Pilot

T = TypeVar("T")


def screen_text(app: App[object]) -> str:
    """The current screen as text lines, rendered like ``export_screenshot`` does."""
    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        record=True,
        legacy_windows=False,
        safe_box=False,
    )
    console.print(
        app.screen._compositor.render_update(
            full=True, screen_stack=app._background_screens, simplify=True
        )
    )
    return console.export_text(styles=False)


async def wait_for(
    pilot: Pilot[object], predicate: Callable[[], bool], *, timeout: float = 10.0
) -> None:
    """Let the app run until ``predicate()`` holds (fails the test after ``timeout``)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await pilot.pause(0.02)
    await pilot.pause()  # let what the condition announced (a new screen) finish mounting


def run(coro: Coroutine[object, object, T]) -> T:
    """Run one Pilot scenario (the test suite has no async plugin)."""
    return asyncio.run(coro)
