"""Running a user's own pytest-benchmark tests as a tracetui run.

This module owns ``tracetui run --pytest PATH...``: :func:`run_pytest`
starts ``python -m pytest PATHS --benchmark-only -p tracetui.engine.interop.pytest_stream``
as a SUBPROCESS in a session of its own (never ``pytest.main()`` in the
caller: pytest captures file descriptors 1 and 2 and would swallow a
console), hands it the write end of a pipe through
:data:`tracetui.engine.interop.pytest_stream.FD_ENV`, and passes every event the plugin
writes there to ``emit``. The events are the engine's own, so verdicts, the
history and the console's dashboard work unchanged.

pytest's own terminal output goes to ``log`` (a file, appended) or is
discarded. The last event is always a ``RunFinished`` whose status follows
pytest's exit code: ``completed`` (0, 1: tests ran, some may have failed),
``failed`` (2 collection errors, 4 usage error, 5 nothing collected) with
pytest's own reason (:func:`pytest_reason`) in ``error``, ``crashed``
(3 internal error, a signal), ``cancelled`` on Ctrl-C. Ctrl-C in the caller
interrupts pytest (SIGINT), waits briefly, then kills its process group:
nothing outlives the call, and the call returns 130.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from tracetui.engine.core.events import Event, RunFinished, RunStarted, read_events
from tracetui.engine.core.profiles import Profile
from tracetui.engine.interop.pytest_stream import BACKEND_ENV, FD_ENV, RUN_ID_ENV
from tracetui.engine.recording.importer import DEFAULT_BACKEND

STOP_GRACE_S = 10.0
# Where another interpreter finds ``tracetui`` when it is not installed there:
# the folder that holds the installed ``tracetui/`` (none for an editable install,
# whose import hook lives in the installing environment only).
_PACKAGE = Path(__file__).resolve().parents[2]
_TRACETUI_ROOT = str(_PACKAGE.parent) if _PACKAGE.name == "tracetui" else ""


def profile_args(profile: Profile) -> list[str]:
    """A tracetui profile as pytest-benchmark options (rounds, time per round, warm-up)."""
    return [
        f"--benchmark-min-rounds={profile.min_rounds}",
        f"--benchmark-max-time={profile.max_time}",
        f"--benchmark-min-time={profile.min_round_time}",
        "--benchmark-warmup=on",
        f"--benchmark-warmup-iterations={max(1, profile.warmup_rounds)}",
    ]


def pytest_command(
    paths: Sequence[str], extra_args: Iterable[str] = (), *, python: str = sys.executable
) -> list[str]:
    """The command line of the pytest subprocess."""
    return [
        python,
        "-m",
        "pytest",
        *paths,
        "--benchmark-only",
        "-p",
        "tracetui.engine.interop.pytest_stream",
        *extra_args,
    ]


def pytest_reason(output: str) -> str:
    """The line of pytest's output that says why it failed (a usage or collection error).

    ``pytest: error: unrecognized arguments: --x`` for a usage error,
    ``ERROR test_x.py - ModuleNotFoundError: …`` for a collection error,
    ``ERROR: file or directory not found: x`` …; else the last line that says "error".
    """
    lines = [line.rstrip() for line in output.splitlines() if line.strip("=_ ").strip()]
    usage = [line for line in lines if ": error: " in line and not line.startswith("E ")]
    if usage:  # argparse: "ERROR: usage: ..." then "__main__.py: error: ..."
        message = usage[-1].partition(": error: ")[2]
        return f"pytest: error: {message}"[:300]
    said = [line for line in lines if line.startswith("ERROR: ") and "usage:" not in line]
    if said:  # "ERROR: file or directory not found: x", a plugin's UsageError
        return said[-1][:300]
    summary = [line for line in lines if line.startswith("ERROR ")]  # short test summary
    raised = [
        line.removeprefix("INTERNALERROR> ")[1:].strip()
        for line in lines
        if line.startswith(("E   ", "INTERNALERROR> E "))
    ]
    if summary:
        first = summary[0]
        if " - " not in first and raised:
            first = f"{first} - {raised[-1]}"
        return first[:300]
    if raised:
        return raised[-1][:300]
    errors = [line.strip("=_ ").strip() for line in lines if "error" in line.lower()]
    meaningful = [line.strip("=_ ").strip() for line in lines]
    return (errors or meaningful or [""])[-1][:300]


def _tail(log_path: Path, start: int = 0) -> str:
    try:
        with open(log_path, "rb") as handle:
            handle.seek(start)
            text = handle.read().decode(errors="replace")
    except OSError:
        return ""
    return pytest_reason(text)


#: pytest's exit codes -> the status of the run they end.
_STATUS_OF_CODE = {
    0: "completed",
    1: "completed",
    2: "failed",
    3: "crashed",
    4: "failed",
    5: "failed",
}


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGINT the pytest process, then SIGKILL its group after a grace period."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(process.pid, signal.SIGINT)
    try:
        process.wait(timeout=STOP_GRACE_S)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def run_pytest(
    paths: list[str],
    emit: Callable[[Event], None],
    run_id: str,
    extra_args: Sequence[str] = (),
    *,
    cwd: str | Path | None = None,
    log: Path | None = None,
    python: str = sys.executable,
    backend: str | None = None,
    on_process: Callable[[subprocess.Popen[bytes]], None] | None = None,
) -> int:
    """Run pytest-benchmark tests in a subprocess, streaming engine events; return its exit code.

    ``paths`` and ``extra_args`` go to pytest as given (``-k``,
    ``--benchmark-min-rounds=...``, ``--benchmark-json=...`` all work).
    ``python`` is the interpreter of the project under test (it needs
    pytest-benchmark; tracetui's ``engine`` is put on its path).
    ``backend`` labels the run in the history and the baselines (default: the
    database backend for tracetui's own benchmarks, else ``pytest``).
    ``on_process`` receives the pytest process once it runs (to stop it from
    another thread: :func:`stop`).
    The last event passed to ``emit`` is always a :class:`RunFinished`.
    """
    env = {**os.environ, FD_ENV: "", RUN_ID_ENV: run_id, "PYTHONUNBUFFERED": "1"}
    env.pop(BACKEND_ENV, None)
    if backend:
        env[BACKEND_ENV] = backend
    if python != sys.executable and _TRACETUI_ROOT:
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (env.get("PYTHONPATH", ""), _TRACETUI_ROOT) if p
        )
    read_fd, write_fd = os.pipe()
    env[FD_ENV] = str(write_fd)
    own_log = log is None
    if log is None:
        handle, name = tempfile.mkstemp(prefix="tracetui-pytest-", suffix=".log")
        os.close(handle)
        log = Path(name)
    else:
        log.parent.mkdir(parents=True, exist_ok=True)
    log_start = log.stat().st_size if log.exists() else 0
    started = False
    cancelled = False
    last: RunFinished | None = None
    try:
        with open(log, "ab") as log_file:
            try:
                process = subprocess.Popen(
                    pytest_command(paths, extra_args, python=python),
                    stdin=subprocess.DEVNULL,
                    stdout=log_file,
                    stderr=subprocess.STDOUT,
                    pass_fds=(write_fd,),
                    cwd=cwd,
                    env=env,
                    start_new_session=True,
                )
            finally:
                os.close(write_fd)
            if on_process is not None:
                on_process(process)
            try:
                with os.fdopen(read_fd, "r", encoding="utf-8") as events:
                    read_fd = -1
                    for event in read_events(events):
                        if isinstance(event, RunFinished):
                            last = event  # held back until pytest has exited
                            continue
                        started = started or isinstance(event, RunStarted)
                        emit(event)
                code = process.wait()
            except KeyboardInterrupt:  # Ctrl-C: pytest stops, the run ends "cancelled"
                stop(process)
                cancelled, code = True, 130
            except BaseException:
                stop(process)
                raise
        if not started:
            emit(
                RunStarted(
                    run_id=run_id,
                    benchmark_ids=(),
                    profile="pytest",
                    backend=backend or DEFAULT_BACKEND,
                    db_url="",
                )
            )
        duration = last.duration if last else 0.0
        if cancelled or (last is not None and last.status == "cancelled"):
            last = RunFinished(run_id=run_id, status="cancelled", duration=duration)
        elif last is None or last.status != "completed" or code not in (0, 1):
            reason = _tail(log, log_start)
            error = f"pytest exited with code {code}" + (f": {reason}" if reason else "")
            if code == 5:
                error = "pytest selected no test" + (f" ({reason})" if reason else "")
            status = _STATUS_OF_CODE.get(code, "crashed")
            last = RunFinished(run_id=run_id, status=status, duration=duration, error=error)
        emit(last)
        return code
    finally:
        if read_fd >= 0:
            os.close(read_fd)
        if own_log:
            with contextlib.suppress(OSError):
                log.unlink()
