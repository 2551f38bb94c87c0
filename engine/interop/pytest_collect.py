"""A user's pytest-benchmark tests for the console: collect them, run a selection live.

:func:`collect` asks pytest itself (``--collect-only -q`` in a subprocess,
with tracetui's stream plugin) which tests use the ``benchmark`` fixture,
under which tracetui ids (:func:`tracetui.engine.recording.importer.identity`)
and node ids. :class:`PytestRun` runs the tests of a :class:`Plan` (its ids
mapped back to node ids, its profile mapped onto pytest-benchmark's options)
and is iterated like :class:`~tracetui.engine.measuring.runner.WorkerRun`:
the same events, so the console's dashboard, review and approval work as
for tracetui's own suites. ``cancel()`` interrupts pytest (a second call kills it).
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import subprocess
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tracetui.engine.core.events import Event, RunFinished, RunStarted
from tracetui.engine.core.plan import Plan
from tracetui.engine.core.profiles import get_profile
from tracetui.engine.interop.pytest_bridge import profile_args, run_pytest


class CollectError(Exception):
    """pytest could not collect the tests (its reason, one line)."""


@dataclass(frozen=True)
class Collected:
    """Benchmark tests pytest collected: tracetui id -> node id (collection order)."""

    rootdir: Path
    nodeids: dict[str, str] = field(default_factory=dict)
    args: tuple[str, ...] = ()  # the user's own pytest options (paths excluded)


def collect(
    paths: Sequence[str], args: Sequence[str] = (), *, cwd: Path | None = None
) -> Collected:
    """The benchmark tests under ``paths``; raises :class:`CollectError` with pytest's reason."""
    events: list[Event] = []
    run_pytest([*paths], events.append, "collect", [*args, "--collect-only", "-q"], cwd=cwd)
    finished = events[-1]
    assert isinstance(finished, RunFinished)
    if finished.status != "completed":
        raise CollectError(finished.error or f"pytest could not collect {' '.join(paths)}")
    started = next(e for e in events if isinstance(e, RunStarted))
    nodeids = dict(started.environment.get("pytest_nodeids") or {})
    if not nodeids:
        raise CollectError(f"no test under {' '.join(paths)} uses the `benchmark` fixture")
    rootdir = Path(started.environment.get("pytest_rootdir") or cwd or Path.cwd())
    return Collected(rootdir=rootdir, nodeids=nodeids, args=tuple(args))


_END = object()


class PytestRun:
    """The tests of ``plan`` run by pytest; iterate it for the events."""

    def __init__(self, plan: Plan, collected: Collected, *, log: Path | None = None) -> None:
        self.plan = plan
        self.collected = collected
        self.log = log
        self.cancelled = False
        self._process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    def _arguments(self) -> list[str]:
        nodeids = [self.collected.nodeids[b] for b in self.plan.benchmark_ids]
        return [*profile_args(get_profile(self.plan.profile)), *self.collected.args, *nodeids]

    def __iter__(self) -> Iterator[Event]:
        events: queue.Queue[object] = queue.Queue()

        def work() -> None:
            try:
                run_pytest(
                    [],
                    events.put,
                    self.plan.run_id,
                    self._arguments(),
                    cwd=self.collected.rootdir,
                    log=self.log,
                    on_process=self._started,
                )
            except BaseException as exc:  # handed to the reader, re-raised there
                events.put(exc)
            finally:
                events.put(_END)

        thread = threading.Thread(target=work, name="tracetui-pytest", daemon=True)
        thread.start()
        try:
            while (item := events.get()) is not _END:
                if isinstance(item, BaseException):
                    raise item
                yield item  # type: ignore[misc]
        finally:
            if thread.is_alive():  # the reader stopped early: pytest must not outlive it
                self.cancel()
            thread.join(timeout=30)

    def _started(self, process: subprocess.Popen[bytes]) -> None:
        with self._lock:
            self._process = process
            if self.cancelled:
                self._signal(signal.SIGINT)

    def _signal(self, sig: signal.Signals) -> None:
        process = self._process
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            if sig == signal.SIGKILL:
                os.killpg(process.pid, sig)
            else:
                os.kill(process.pid, sig)

    def cancel(self) -> None:
        """Interrupt pytest (its finished results are kept); a second call kills it."""
        with self._lock:
            again = self.cancelled
            self.cancelled = True
            self._signal(signal.SIGKILL if again else signal.SIGINT)
