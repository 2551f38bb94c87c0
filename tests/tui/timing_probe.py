"""Record how long the UI thread is busy at a stretch (a test helper, not a timing test).

:class:`LoopProbe` wraps :meth:`asyncio.Handle._run`, which runs one step of
the event loop (a callback, one step of a task: every message handler runs
inside one) and records its wall time and the UI thread's CPU time, and the
message pumps' ``_on_message`` to name the handler (wall time, awaits included).
It only records; tests decide what to do with the numbers.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from textual.message_pump import MessagePump


@dataclass
class LoopProbe:
    steps: list[float] = field(default_factory=list)  # wall seconds per loop step
    cpu_steps: list[float] = field(default_factory=list)  # UI-thread CPU seconds per step
    handlers: dict[str, float] = field(default_factory=dict)  # "Class.handler" -> max seconds
    slowest: tuple[float, str] = (0.0, "")  # the slowest step and what it ran
    busiest: tuple[float, list[str]] = (0.0, [])  # most CPU in one step, its handlers
    _in_step: list[str] = field(default_factory=list)

    @property
    def max_step(self) -> float:
        return max(self.steps, default=0.0)

    @property
    def max_cpu_step(self) -> float:
        """The most CPU one step used on the UI thread: unlike wall time, a busy machine
        (other processes, the worker, a thread holding the GIL) does not inflate it."""
        return max(self.cpu_steps, default=0.0)

    def slowest_handlers(self, n: int = 5) -> list[tuple[str, float]]:
        return sorted(self.handlers.items(), key=lambda kv: -kv[1])[:n]

    @contextmanager
    def watching(self) -> Iterator[LoopProbe]:
        run_step = asyncio.Handle._run
        on_message = MessagePump._on_message
        probe = self

        def timed_step(handle: asyncio.Handle) -> None:
            t0, c0 = time.perf_counter(), time.thread_time()
            probe._in_step = []
            try:
                run_step(handle)
            finally:
                took = time.perf_counter() - t0
                probe.steps.append(took)
                cpu = time.thread_time() - c0
                probe.cpu_steps.append(cpu)
                if cpu > probe.busiest[0]:
                    probe.busiest = (cpu, probe._in_step)
                if took > probe.slowest[0]:
                    probe.slowest = (took, repr(handle)[:200])

        async def timed_on_message(pump: MessagePump, message) -> None:  # type: ignore[no-untyped-def]
            probe._in_step.append(f"{type(pump).__name__}.{message.handler_name}")
            t0 = time.perf_counter()
            try:
                await on_message(pump, message)
            finally:
                key = f"{type(pump).__name__}.{message.handler_name}"
                inner = getattr(message, "event", None)  # an engine event: name it
                if inner is not None and not isinstance(inner, str):
                    key += f"({type(inner).__name__})"
                took = time.perf_counter() - t0
                if took > probe.handlers.get(key, 0.0):
                    probe.handlers[key] = took

        asyncio.Handle._run = timed_step  # type: ignore[method-assign]
        MessagePump._on_message = timed_on_message  # type: ignore[method-assign]
        try:
            yield self
        finally:
            asyncio.Handle._run = run_step  # type: ignore[method-assign]
            MessagePump._on_message = on_message  # type: ignore[method-assign]
