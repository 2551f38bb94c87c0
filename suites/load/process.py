"""Run a Locust load test from tracetui without importing Locust.

This module owns the parent side of a load run: it validates the request,
starts the reference API server (uvicorn, ``tracetui.suites.api:create_app``) on a
free loopback port when no host is given, checks that an explicit host
answers before any user is spawned, runs ``python -m locust`` headless in
its own process group, reads the one-JSON-line-per-second stream written by
:mod:`tracetui.suites.load.locust_bridge` through a pipe, and always stops everything it
started (terminate, then kill after a grace period; also on Ctrl-C).

``import locust`` monkey-patches the standard library with gevent, so Locust
lives only in the child process; nothing here imports it (a test checks).
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import math
import os
import queue
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from tracetui.suites.load.cpu import CpuWatch

LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
PROFILES = ("low", "medium", "high")
WORKLOADS = {"crud": "Crud", "queries": "Query"}
USER_CLASSES = ("fast", "http")
MIN_USERS, MAX_USERS = 1, 1000
MIN_DURATION_S, MAX_DURATION_S = 1.0, 3600.0
SERVER_START_TIMEOUT_S = 30.0
STARTUP_GRACE_S = 60.0  # Locust import + user start-up, beyond the run's duration
STOP_GRACE_S = 5.0
WORKER_WAIT_S = 60
REACHABLE_TIMEOUT_S = 3.0
_PR_SET_PDEATHSIG = 1
_LIBC = ctypes.CDLL(None) if sys.platform.startswith("linux") else None

FD_ENV = "TRACETUI_LOAD_FD"
CLIENT_ENV = "TRACETUI_LOAD_CLIENT"
RUN_ID_ENV = "TRACETUI_LOAD_RUN_ID"
DB_URL_ENV = "TRACETUI_DB_URL"


class LoadRunError(RuntimeError):
    """Locust or the server it drives failed; the message carries their own words."""


class LoadTargetError(LoadRunError):
    """The host to load is not reachable (raised before any user is spawned)."""


class LoadCancelled(LoadRunError):
    """The run was cancelled by its caller; every process it started is stopped."""


@dataclass(frozen=True)
class LoadSummary:
    """The whole run, from the bridge's final line (latencies in seconds)."""

    host: str
    run_id: str
    started_server: bool
    users: int
    duration_s: float
    requests: int
    failures: int
    rps: float
    failure_ratio: float
    p50: float | None
    p95: float | None
    p99: float | None
    mean: float | None = None
    max: float | None = None
    creates_ok: int = 0
    deletes_ok: int = 0
    errors: tuple[str, ...] = ()
    user_classes: tuple[str, ...] = ()
    latencies: tuple[float, ...] = ()
    seconds: tuple[dict[str, Any], ...] = field(default=(), repr=False)  # without "recent"
    #: Cores the Locust process and the started server used (see tracetui.suites.load.cpu).
    client_cpu: float | None = None
    server_cpu: float | None = None

    @property
    def items_expected(self) -> int:
        """Items the run should have left in its projects (creates minus deletes)."""
        return self.creates_ok - self.deletes_ok


def validate(
    users: int,
    spawn_rate: float,
    duration_s: float,
    profile: str,
    user_class: str,
    workload: str,
    master: bool,
    expect_workers: int,
) -> None:
    """Raise ``ValueError`` naming the allowed range for any bad request."""
    if (
        isinstance(users, bool)
        or not isinstance(users, int)
        or not (MIN_USERS <= users <= MAX_USERS)
    ):
        raise ValueError(f"users must be an integer in {MIN_USERS}..{MAX_USERS}, got {users!r}")
    if not (MIN_DURATION_S <= float(duration_s) <= MAX_DURATION_S):
        raise ValueError(
            f"duration must be between {MIN_DURATION_S:g} s and {MAX_DURATION_S:g} s (1 h), "
            f"got {duration_s!r}"
        )
    if not (float(spawn_rate) > 0 and math.isfinite(float(spawn_rate))):
        raise ValueError(
            f"spawn rate must be a positive number of users per second, got {spawn_rate!r}"
        )
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {', '.join(PROFILES)}, got {profile!r}")
    if user_class not in USER_CLASSES:
        raise ValueError(f"user class must be one of {', '.join(USER_CLASSES)}, got {user_class!r}")
    if workload not in WORKLOADS:
        raise ValueError(f"workload must be one of {', '.join(WORKLOADS)}, got {workload!r}")
    if master and not (1 <= expect_workers <= 64):
        raise ValueError(f"master mode needs expect_workers in 1..64, got {expect_workers!r}")


def locust_class_name(workload: str, profile: str) -> str:
    """``CrudHighUser`` for ("crud", "high") — the locustfile's class names."""
    return f"{WORKLOADS[workload]}{profile.capitalize()}User"


# -- processes -------------------------------------------------------------


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


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Linux: the child gets SIGTERM if the process that started it dies (even by SIGKILL)."""
    if _LIBC is not None:
        _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _tail(handle: IO[bytes], limit: int = 4000) -> str:
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
            preexec_fn=_die_with_parent,
        )
        if pids is not None:
            pids.append(proc.pid)
        try:
            _wait_healthy(proc, host, timeout_s, log)
            yield host
        finally:
            stop_process(proc)


def _wait_healthy(proc: subprocess.Popen[Any], host: str, timeout_s: float, log: IO[bytes]) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        if proc.poll() is not None:
            raise LoadRunError(
                f"the API server exited ({proc.returncode}) before it answered:\n{_tail(log)}"
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
                f"{timeout_s:g} s:\n{_tail(log)}"
            )
        time.sleep(0.1)


# -- the run ---------------------------------------------------------------


def run_load(
    host: str | None,
    db_url: str,
    users: int,
    spawn_rate: float,
    duration_s: float,
    profile: str,
    on_second: Callable[[dict[str, Any]], None],
    user_class: str = "fast",
    master: bool = False,
    expect_workers: int = 0,
    *,
    workload: str = "crud",
    locustfile: str | Path | None = None,
    cancel: Callable[[], bool] | None = None,
    run_id: str | None = None,
    pids: list[int] | None = None,
    master_port: int = 5557,
    master_bind_host: str = "127.0.0.1",
) -> LoadSummary:
    """Run Locust headless for ``duration_s`` and return the exact summary.

    ``host`` None starts the reference API for ``db_url`` (and stops it).
    ``on_second`` receives each per-second line (see :mod:`tracetui.suites.load.locust_bridge`).
    ``cancel`` is polled a few times a second; when it returns True every
    process is stopped and :class:`LoadCancelled` raised. ``pids`` (if given)
    collects the ids of the processes started, for callers that audit them.

    ``master=True`` runs Locust's own master on ``master_bind_host:master_port``
    (loopback unless told otherwise: bind ``0.0.0.0`` for workers on other hosts); it
    waits (up to a minute) for ``expect_workers`` workers started with
    ``locust -f suites/load/locustfile.py --worker --master-host 127.0.0.1``
    (plus ``--master-port`` when not 5557, and the same
    ``TRACETUI_LOAD_CLIENT``).
    """
    validate(users, spawn_rate, duration_s, profile, user_class, workload, master, expect_workers)
    run_id = run_id or uuid.uuid4().hex[:8]
    pids = pids if pids is not None else []  # the server's pid, for its CPU
    if host is not None:
        check_reachable(host)
        return _run_locust(
            host,
            False,
            users,
            spawn_rate,
            duration_s,
            profile,
            on_second,
            user_class,
            master,
            expect_workers,
            workload,
            locustfile,
            cancel,
            run_id,
            pids,
            master_port,
            master_bind_host,
        )
    with api_server(db_url, pids=pids) as started:
        return _run_locust(
            started,
            True,
            users,
            spawn_rate,
            duration_s,
            profile,
            on_second,
            user_class,
            master,
            expect_workers,
            workload,
            locustfile,
            cancel,
            run_id,
            pids,
            master_port,
            master_bind_host,
        )


def locust_command(
    host: str,
    users: int,
    spawn_rate: float,
    duration_s: float,
    profile: str,
    workload: str,
    locustfile: str | Path,
    master: bool,
    expect_workers: int,
    master_port: int = 5557,
    master_bind_host: str = "127.0.0.1",
) -> list[str]:
    cmd = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(locustfile),
        "--headless",
        "-u",
        str(users),
        "-r",
        f"{float(spawn_rate):g}",
        "-t",
        f"{math.ceil(duration_s)}s",
        "--host",
        host,
        "--only-summary",
        "--exit-code-on-error",
        "0",
        "--stop-timeout",
        "2",
    ]
    if master:
        cmd += [
            "--master",
            "--master-bind-host",
            master_bind_host,
            "--master-bind-port",
            str(master_port),
            "--expect-workers",
            str(expect_workers),
            "--expect-workers-max-wait",
            str(WORKER_WAIT_S),
        ]
    if locustfile == LOCUSTFILE or Path(locustfile).resolve() == LOCUSTFILE:
        cmd.append(locust_class_name(workload, profile))
    return cmd


def _run_locust(
    host: str,
    started_server: bool,
    users: int,
    spawn_rate: float,
    duration_s: float,
    profile: str,
    on_second: Callable[[dict[str, Any]], None],
    user_class: str,
    master: bool,
    expect_workers: int,
    workload: str,
    locustfile: str | Path | None,
    cancel: Callable[[], bool] | None,
    run_id: str,
    pids: list[int] | None,
    master_port: int,
    master_bind_host: str = "127.0.0.1",
) -> LoadSummary:
    path = Path(locustfile) if locustfile is not None else LOCUSTFILE
    cmd = locust_command(
        host,
        users,
        spawn_rate,
        duration_s,
        profile,
        workload,
        path,
        master,
        expect_workers,
        master_port,
        master_bind_host,
    )
    read_fd, write_fd = os.pipe()
    env = {
        **os.environ,
        FD_ENV: str(write_fd),
        CLIENT_ENV: user_class,
        RUN_ID_ENV: run_id,
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("TRACETUI_LOAD_JSON", None)
    seconds: list[dict[str, Any]] = []
    summary: dict[str, Any] | None = None
    watch = CpuWatch(pids[0] if started_server and pids else None)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        try:
            proc = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                env=env,
                pass_fds=(write_fd,),
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        finally:
            os.close(write_fd)
        if pids is not None:
            pids.append(proc.pid)
        lines: queue.Queue[str | None] = queue.Queue()
        reader = threading.Thread(target=_read_lines, args=(read_fd, lines), daemon=True)
        reader.start()
        deadline = (
            time.monotonic() + duration_s + STARTUP_GRACE_S + (WORKER_WAIT_S if master else 0)
        )
        try:
            while True:
                if cancel is not None and cancel():
                    raise LoadCancelled("load run cancelled")
                try:
                    raw = lines.get(timeout=0.2)
                except queue.Empty:
                    if time.monotonic() > deadline:
                        raise LoadRunError(
                            f"Locust did not finish within {duration_s:g} s + "
                            f"{STARTUP_GRACE_S:g} s; stopped it.\n{_tail(err)}"
                        ) from None
                    continue
                if raw is None:  # the pipe closed: Locust has exited (or is exiting)
                    break
                line = _parse(raw)
                if line is None:
                    continue
                if line.get("type") == "summary":
                    summary = line
                elif line.get("type") == "second":
                    seconds.append({k: v for k, v in line.items() if k != "recent"})
                    on_second(line)
            code = proc.wait(timeout=STOP_GRACE_S * 2)
        finally:
            stop_process(proc)
            reader.join(timeout=STOP_GRACE_S)
        watch.stop()
        if code != 0 or summary is None:
            message = _tail(err) or _tail(out) or "(no output)"
            raise LoadRunError(f"Locust exited with code {code} without a result:\n{message}")
    return LoadSummary(
        host=host,
        run_id=run_id,
        started_server=started_server,
        users=users,
        duration_s=float(summary.get("duration_s", duration_s)),
        requests=int(summary["requests"]),
        failures=int(summary["failures"]),
        rps=float(summary["rps"]),
        failure_ratio=float(summary["failure_ratio"]),
        p50=summary.get("p50"),
        p95=summary.get("p95"),
        p99=summary.get("p99"),
        mean=summary.get("mean"),
        max=summary.get("max"),
        creates_ok=int(summary.get("creates_ok", 0)),
        deletes_ok=int(summary.get("deletes_ok", 0)),
        errors=tuple(summary.get("errors", ())),
        user_classes=tuple(summary.get("user_classes", ())),
        latencies=tuple(float(x) for x in summary.get("latencies", ())),
        seconds=tuple(seconds),
        client_cpu=None if master else watch.client_cores,  # a master's users run elsewhere
        server_cpu=watch.server_cores,
    )


def _read_lines(fd: int, lines: queue.Queue[str | None]) -> None:
    with os.fdopen(fd, "r", encoding="utf-8", errors="replace") as stream:
        for raw in stream:
            lines.put(raw)
    lines.put(None)


def _parse(raw: str) -> dict[str, Any] | None:
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
