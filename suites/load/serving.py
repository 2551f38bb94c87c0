"""The processes of a load run: the reference API server, process groups, reachability.

This module owns starting and stopping what a load run needs besides Locust:
the reference API (uvicorn, ``tracetui.suites.api:create_app``) on a free
loopback port, the check that an explicit host answers before any user is
spawned, and stopping a process with its whole group (terminate, then kill
after a grace period). Every child is started in its own session and, on
Linux, dies with the process that started it. Nothing here imports Locust.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import IO, Any

SERVER_START_TIMEOUT_S = 30.0
STOP_GRACE_S = 5.0
REACHABLE_TIMEOUT_S = 3.0
DB_URL_ENV = "TRACETUI_DB_URL"
_PR_SET_PDEATHSIG = 1
_LIBC = ctypes.CDLL(None) if sys.platform.startswith("linux") else None


class LoadRunError(RuntimeError):
    """Locust or the server it drives failed; the message carries their own words."""


class LoadTargetError(LoadRunError):
    """The host to load is not reachable (raised before any user is spawned)."""


class LoadCancelled(LoadRunError):
    """The run was cancelled by its caller; every process it started is stopped."""


def stop_process(proc: subprocess.Popen[Any], grace_s: float = STOP_GRACE_S) -> None:
    """Terminate ``proc``'s process group, then kill it if it outlives the grace."""
    if proc.poll() is None:
        _signal_group(proc, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=grace_s)
    _signal_group(proc, signal.SIGKILL)  # stragglers in the group (the process may be gone)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=grace_s)


def _signal_group(proc: subprocess.Popen[Any], sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)  # started with start_new_session: pgid == pid


def die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Linux: the child gets SIGTERM if the process that started it dies (even by SIGKILL)."""
    if _LIBC is not None:
        _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def output_tail(handle: IO[bytes], limit: int = 4000) -> str:
    handle.flush()
    handle.seek(0)
    text = handle.read().decode("utf-8", "replace").strip()
    return text[-limit:]


def check_reachable(host: str, timeout_s: float = REACHABLE_TIMEOUT_S) -> None:
    """Raise :class:`LoadTargetError` naming ``host`` unless it answers HTTP."""
    if not host.startswith(("http://", "https://")):
        raise LoadTargetError(f"load target {host!r} is not an http:// or https:// URL")
    url = host.rstrip("/") + "/health"
    try:
        with urllib.request.urlopen(url, timeout=timeout_s):
            return
    except urllib.error.HTTPError:
        return  # it answered: reachable, even without a /health endpoint
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise LoadTargetError(f"load target {host} is not reachable: {reason}") from None


@contextlib.contextmanager
def api_server(
    db_url: str, *, timeout_s: float = SERVER_START_TIMEOUT_S, pids: list[int] | None = None
) -> Iterator[str]:
    """Serve ``tracetui.suites.api:create_app`` for ``db_url`` on a free loopback port.

    Yields the base URL once ``GET /health`` answers; always stops the server.
    A server that is gone when the caller is done (killed, crashed) raises
    :class:`LoadRunError`: a load run against a dead server measured nothing.
    """
    port = free_port()
    host = f"http://127.0.0.1:{port}"
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "tracetui.suites.api:create_app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    env = {**os.environ, DB_URL_ENV: db_url}
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            env=env,
            start_new_session=True,
            preexec_fn=die_with_parent,
        )
        if pids is not None:
            pids.append(proc.pid)
        try:
            _wait_healthy(proc, host, timeout_s, log)
            yield host
            if proc.poll() is not None:  # it died under load: nothing measured is the API's
                raise LoadRunError(
                    f"the API server at {host} {_exit_reason(proc.returncode)} during the "
                    f"load run:\n{output_tail(log) or '(no output)'}"
                )
        finally:
            stop_process(proc)


def _exit_reason(code: int) -> str:
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"was killed by {signal.Signals(-code).name}"
    return f"exited ({code})"


def _wait_healthy(proc: subprocess.Popen[Any], host: str, timeout_s: float, log: IO[bytes]) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        if proc.poll() is not None:
            raise LoadRunError(
                f"the API server exited ({proc.returncode}) before it answered:\n{output_tail(log)}"
            )
        try:
            with urllib.request.urlopen(host + "/health", timeout=1.0) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            raise LoadRunError(
                f"the API server at {host} did not answer GET /health within "
                f"{timeout_s:g} s:\n{output_tail(log)}"
            )
        time.sleep(0.1)
