"""Run a Locust load test from tracetui without importing Locust.

This module owns the parent side of a load run: it validates the request
(:class:`LoadOptions`), starts the reference API server on a free loopback
port when no host is given, checks that an explicit host answers before any
user is spawned (both in :mod:`tracetui.suites.load.serving`), runs
``python -m locust`` headless in its own process group, reads the typed events written by
:mod:`tracetui.suites.load.locust_bridge` through a pipe (one
:class:`~tracetui.engine.core.events.LoadSecond` per second, one
:class:`~tracetui.engine.core.events.LoadFinished`, with the engine's own
:func:`~tracetui.engine.core.events.read_events`), and always stops everything
it started (terminate, then kill after a grace period; also on Ctrl-C).

``import locust`` monkey-patches the standard library with gevent, so Locust
lives only in the child process; nothing here imports it (a test checks).
"""

from __future__ import annotations

import math
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from tracetui.engine.core.events import Event, LoadFinished, LoadSecond, read_events
from tracetui.suites.load.cpu import CpuWatch
from tracetui.suites.load.serving import (
    STOP_GRACE_S,
    LoadCancelled,
    LoadRunError,
    LoadTargetError,
    api_server,
    check_reachable,
    die_with_parent,
    output_tail,
    stop_process,
)

__all__ = [  # what callers of a load run need, wherever it is defined
    "LoadCancelled",
    "LoadOptions",
    "LoadRunError",
    "LoadSummary",
    "LoadTargetError",
    "api_server",
    "check_reachable",
    "run_load",
]

LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
PROFILES = ("low", "medium", "high")
WORKLOADS = {"crud": "Crud", "queries": "Query"}
USER_CLASSES = ("fast", "http")
MIN_USERS, MAX_USERS = 1, 1000
MIN_DURATION_S, MAX_DURATION_S = 1.0, 3600.0
STARTUP_GRACE_S = 60.0  # Locust import + user start-up, beyond the run's duration
WORKER_WAIT_S = 60

FD_ENV = "TRACETUI_LOAD_FD"
CLIENT_ENV = "TRACETUI_LOAD_CLIENT"
RUN_ID_ENV = "TRACETUI_LOAD_RUN_ID"


@dataclass(frozen=True)
class LoadOptions:
    """What one Locust run is asked to do; a bad value raises ``ValueError`` on construction.

    ``workload`` and ``profile`` pick the locustfile's user class
    (``CrudHighUser``); ``user_class`` its HTTP client (``fast`` | ``http``);
    ``host`` None starts the reference API on the run's database.
    ``master=True`` runs Locust's own master on ``master_bind_host:master_port``
    (loopback unless told otherwise: bind ``0.0.0.0`` for workers on other
    hosts) and waits (up to a minute) for ``expect_workers`` workers started
    with ``locust -f suites/load/locustfile.py --worker --master-host 127.0.0.1``
    (plus ``--master-port`` when not 5557, and the same ``TRACETUI_LOAD_CLIENT``).
    ``locustfile`` None is the reference one.
    """

    users: int
    spawn_rate: float
    duration_s: float
    profile: str = "low"
    workload: str = "crud"
    user_class: str = "fast"
    host: str | None = None
    master: bool = False
    expect_workers: int = 0
    master_port: int = 5557
    master_bind_host: str = "127.0.0.1"
    locustfile: Path | None = None

    def __post_init__(self) -> None:
        users = self.users
        if isinstance(users, bool) or not isinstance(users, int):
            raise ValueError(f"users must be an integer in {MIN_USERS}..{MAX_USERS}, got {users!r}")
        if not (MIN_USERS <= users <= MAX_USERS):
            raise ValueError(f"users must be an integer in {MIN_USERS}..{MAX_USERS}, got {users!r}")
        if not (MIN_DURATION_S <= float(self.duration_s) <= MAX_DURATION_S):
            raise ValueError(
                f"duration must be between {MIN_DURATION_S:g} s and {MAX_DURATION_S:g} s (1 h), "
                f"got {self.duration_s!r}"
            )
        if not (float(self.spawn_rate) > 0 and math.isfinite(float(self.spawn_rate))):
            raise ValueError(
                f"spawn rate must be a positive number of users per second, got {self.spawn_rate!r}"
            )
        for name, value, allowed in (
            ("profile", self.profile, PROFILES),
            ("user class", self.user_class, USER_CLASSES),
            ("workload", self.workload, tuple(WORKLOADS)),
        ):
            if value not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
        if self.master and not (1 <= self.expect_workers <= 64):
            raise ValueError(
                f"master mode needs expect_workers in 1..64, got {self.expect_workers!r}"
            )

    @property
    def locustfile_path(self) -> Path:
        return Path(self.locustfile) if self.locustfile is not None else LOCUSTFILE


@dataclass(frozen=True)
class LoadSummary:
    """The whole run as the parent saw it: the bridge's totals plus where and how it ran."""

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
    seconds: tuple[LoadSecond, ...] = field(default=(), repr=False)  # without "recent"
    #: Cores the Locust process and the started server used (see tracetui.suites.load.cpu).
    client_cpu: float | None = None
    server_cpu: float | None = None

    @classmethod
    def of(
        cls,
        finished: LoadFinished,
        *,
        host: str,
        run_id: str,
        started_server: bool,
        users: int,
        seconds: tuple[LoadSecond, ...] = (),
        client_cpu: float | None = None,
        server_cpu: float | None = None,
    ) -> LoadSummary:
        return cls(
            host=host,
            run_id=run_id,
            started_server=started_server,
            users=users,
            duration_s=finished.duration_s,
            requests=finished.requests,
            failures=finished.failures,
            rps=finished.rps,
            failure_ratio=finished.failure_ratio,
            p50=finished.p50,
            p95=finished.p95,
            p99=finished.p99,
            mean=finished.mean,
            max=finished.max,
            creates_ok=finished.creates_ok,
            deletes_ok=finished.deletes_ok,
            errors=finished.errors,
            user_classes=finished.user_classes,
            latencies=finished.latencies,
            seconds=seconds,
            client_cpu=client_cpu,
            server_cpu=server_cpu,
        )

    @property
    def items_expected(self) -> int:
        """Items the run should have left in its projects (creates minus deletes)."""
        return self.creates_ok - self.deletes_ok


def locust_class_name(workload: str, profile: str) -> str:
    """``CrudHighUser`` for ("crud", "high") — the locustfile's class names."""
    return f"{WORKLOADS[workload]}{profile.capitalize()}User"


def run_load(
    options: LoadOptions,
    db_url: str,
    on_second: Callable[[LoadSecond], None],
    *,
    cancel: Callable[[], bool] | None = None,
    run_id: str | None = None,
    pids: list[int] | None = None,
) -> LoadSummary:
    """Run Locust headless for ``options.duration_s`` and return the exact summary.

    ``options.host`` None starts the reference API for ``db_url`` (and stops
    it); an explicit host must answer first (:class:`LoadTargetError`).
    ``on_second`` receives each :class:`~tracetui.engine.core.events.LoadSecond`.
    ``cancel`` is polled a few times a second; when it returns True every
    process is stopped and :class:`LoadCancelled` raised. ``pids`` (if given)
    collects the ids of the processes started, for callers that audit them.
    """
    run_id = run_id or uuid.uuid4().hex[:8]
    pids = pids if pids is not None else []  # the server's pid, for its CPU
    if options.host is not None:
        check_reachable(options.host)
        return _run_locust(options, options.host, False, on_second, cancel, run_id, pids)
    with api_server(db_url, pids=pids) as started:
        return _run_locust(options, started, True, on_second, cancel, run_id, pids)


def locust_command(options: LoadOptions, host: str) -> list[str]:
    """``python -m locust … --headless`` for ``options`` against ``host``."""
    cmd = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(options.locustfile_path),
        "--headless",
        "-u",
        str(options.users),
        "-r",
        f"{float(options.spawn_rate):g}",
        "-t",
        f"{math.ceil(options.duration_s)}s",
        "--host",
        host,
        "--only-summary",
        "--exit-code-on-error",
        "0",
        "--stop-timeout",
        "2",
    ]
    if options.master:
        cmd += [
            "--master",
            "--master-bind-host",
            options.master_bind_host,
            "--master-bind-port",
            str(options.master_port),
            "--expect-workers",
            str(options.expect_workers),
            "--expect-workers-max-wait",
            str(WORKER_WAIT_S),
        ]
    if options.locustfile_path.resolve() == LOCUSTFILE:
        cmd.append(locust_class_name(options.workload, options.profile))
    return cmd


def _run_locust(
    options: LoadOptions,
    host: str,
    started_server: bool,
    on_second: Callable[[LoadSecond], None],
    cancel: Callable[[], bool] | None,
    run_id: str,
    pids: list[int] | None,
) -> LoadSummary:
    cmd = locust_command(options, host)
    read_fd, write_fd = os.pipe()
    env = {
        **os.environ,
        FD_ENV: str(write_fd),
        CLIENT_ENV: options.user_class,
        RUN_ID_ENV: run_id,
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("TRACETUI_LOAD_JSON", None)
    seconds: list[LoadSecond] = []
    finished: LoadFinished | None = None
    duration_s = options.duration_s
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
                preexec_fn=die_with_parent,
            )
        finally:
            os.close(write_fd)
        if pids is not None:
            pids.append(proc.pid)
        events: queue.Queue[Event | None] = queue.Queue()
        reader = threading.Thread(target=_read_events, args=(read_fd, events), daemon=True)
        reader.start()
        deadline = (
            time.monotonic()
            + duration_s
            + STARTUP_GRACE_S
            + (WORKER_WAIT_S if options.master else 0)
        )
        try:
            while True:
                if cancel is not None and cancel():
                    raise LoadCancelled("load run cancelled")
                try:
                    event = events.get(timeout=0.2)
                except queue.Empty:
                    if time.monotonic() > deadline:
                        raise LoadRunError(
                            f"Locust did not finish within {duration_s:g} s + "
                            f"{STARTUP_GRACE_S:g} s; stopped it.\n{output_tail(err)}"
                        ) from None
                    continue
                if event is None:  # the pipe closed: Locust has exited (or is exiting)
                    break
                if isinstance(event, LoadFinished):
                    finished = event
                elif isinstance(event, LoadSecond):
                    seconds.append(replace(event, recent=()))
                    on_second(event)
            code = proc.wait(timeout=STOP_GRACE_S * 2)
        finally:
            stop_process(proc)
            reader.join(timeout=STOP_GRACE_S)
        watch.stop()
        if code != 0 or finished is None:
            message = output_tail(err) or output_tail(out) or "(no output)"
            raise LoadRunError(f"Locust exited with code {code} without a result:\n{message}")
    return LoadSummary.of(
        finished,
        host=host,
        run_id=run_id,
        started_server=started_server,
        users=options.users,
        seconds=tuple(seconds),
        client_cpu=None if options.master else watch.client_cores,  # a master's users: elsewhere
        server_cpu=watch.server_cores,
    )


def _read_events(fd: int, events: queue.Queue[Event | None]) -> None:
    """The bridge's events from the pipe (lines that are not events are skipped)."""
    with os.fdopen(fd, "r", encoding="utf-8", errors="replace") as stream:
        for event in read_events(stream):
            events.put(event)
    events.put(None)
