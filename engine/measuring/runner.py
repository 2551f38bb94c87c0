"""Running a plan in a worker process and reading its events.

The parent (CLI or console) never runs timed code: it spawns
``python -m tracetui.engine.measuring.worker`` in a session of its own, sends the plan on
stdin and iterates the JSON-line events it writes. ``cancel()`` asks the
worker to stop (SIGINT: it tears down the benchmark in progress and
reports ``cancelled``) and kills it if it does not stop within a grace
period, so no process outlives its run.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from tracetui.engine.core.events import Event, RunFinished, read_events
from tracetui.engine.core.plan import Plan

CANCEL_GRACE_SECONDS = 10.0


class WorkerRun:
    """One plan running in its own worker process; iterate it for events.

    ``stderr`` is where the worker's own output goes: ``None`` inherits the
    parent's (headless mode), a path appends to a log file (the console,
    which owns the terminal). Iteration always ends with one
    :class:`RunFinished`, synthesised as ``crashed`` if the worker died
    without one.
    """

    def __init__(
        self, plan: Plan, *, stderr: Path | None = None, python: str = sys.executable
    ) -> None:
        self.plan = plan
        self._stderr_path = stderr
        self._stderr_file: IO[bytes] | None = None
        self._cancelled = threading.Event()
        self._killer: threading.Timer | None = None
        if stderr is not None:
            stderr.parent.mkdir(parents=True, exist_ok=True)
            self._stderr_file = open(stderr, "ab")  # noqa: SIM115 - closed in close()
        self.process = subprocess.Popen(
            [python, "-m", "tracetui.engine.measuring.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr_file,
            start_new_session=True,  # the terminal's Ctrl-C reaches the parent only
            text=True,
            encoding="utf-8",
            bufsize=1,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(plan.to_json()) + "\n")
        self.process.stdin.close()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def __iter__(self) -> Iterator[Event]:
        assert self.process.stdout is not None
        finished = False
        try:
            for event in read_events(self.process.stdout, self._garbage):
                if isinstance(event, RunFinished):
                    finished = True
                yield event
        finally:
            code = self.process.wait()
            self.close()
        if not finished:
            status = "cancelled" if self.cancelled else "crashed"
            yield RunFinished(
                run_id=self.plan.run_id,
                status=status,
                error=""
                if self.cancelled
                else f"worker exited with code {code}" + self._stderr_tail(),
            )

    @staticmethod
    def _garbage(line: str) -> None:
        print(f"tracetui: worker wrote a non-event line: {line[:120]}", file=sys.stderr)

    def _stderr_tail(self) -> str:
        if self._stderr_path is None or not self._stderr_path.exists():
            return ""
        lines = self._stderr_path.read_text(errors="replace").strip().splitlines()
        return f": {lines[-1]}" if lines else ""

    def cancel(self) -> None:
        """Ask the worker to stop; kill it after a grace period. Safe to call twice."""
        if self.process.poll() is not None:
            return
        self._cancelled.set()
        try:
            os.kill(self.process.pid, signal.SIGINT)
        except ProcessLookupError:
            return
        if self._killer is None:
            self._killer = threading.Timer(CANCEL_GRACE_SECONDS, self.kill)
            self._killer.daemon = True
            self._killer.start()

    def kill(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)

    def close(self) -> None:
        if self._killer is not None:
            self._killer.cancel()
        if self.process.poll() is None:
            self.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
        if self._stderr_file is not None:
            self._stderr_file.close()
            self._stderr_file = None
