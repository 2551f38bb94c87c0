"""Exact load statistics from inside a Locust process, one JSON line per second.

This module runs ONLY inside a Locust process (it is imported by
``suites/load/locustfile.py``); it imports ``gevent`` and ``locust`` and must
never be imported by the engine, the CLI or the console, which read its
output instead (see :mod:`tracetui.suites.load.process`).

It listens to ``events.request`` and records every request's own latency
(Locust measures it with ``perf_counter``) into HDR histograms, because
Locust's own percentiles are bucketed. It speaks tracetui's typed event
schema (:mod:`tracetui.engine.core.events`, one JSON line per event): once
per second a :class:`~tracetui.engine.core.events.LoadSecond`::

    {"t": 3.0, "users": 10, "rps": 412.0, "failures_per_s": 0.0, "requests": 1234,
     "failures": 0, "p50": 0.0021, "p95": 0.0049, "p99": 0.0071, "creates_ok": 310,
     "deletes_ok": 71, "recent": [0.0019, ...], "ramp_users": null, "type": "load_second"}

and when Locust quits one :class:`~tracetui.engine.core.events.LoadFinished`
with the whole run's percentiles, totals and a bounded latency sample. Rates
come from the change in Locust's ``num_requests``/``num_failures``
(``current_rps`` lags). Latencies are in seconds.

It also owns the run id (``TRACETUI_LOAD_RUN_ID``, else random) that the
locustfile puts in project names; a master sends its own to the workers.

Where the lines go: the file descriptor named by ``TRACETUI_LOAD_FD`` (the
parent's pipe), else stdout; ``TRACETUI_LOAD_JSON=off`` silences them for a
plain ``locust -f`` run. In ``--master``/``--worker`` mode workers ship their
histograms and counters to the master with Locust's own report messages and
the master writes the lines (its windows then follow the workers' report
interval).
"""

from __future__ import annotations

import os
import random
import sys
import time
import uuid
from typing import IO, Any

import gevent
from hdrh.histogram import HdrHistogram
from locust import FastHttpUser, HttpUser, events
from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner
from tracetui.engine.core.events import Event, LoadFinished, LoadSecond

FD_ENV = "TRACETUI_LOAD_FD"
SWITCH_ENV = "TRACETUI_LOAD_JSON"
RUN_ID_ENV = "TRACETUI_LOAD_RUN_ID"
_RUN_ID_MESSAGE = "tracetui_run_id"
CREATE_NAME = "POST /items"
DELETE_NAME = "DELETE /items/{id}"

LOWEST_US = 1
HIGHEST_US = 60_000_000
SIGNIFICANT_DIGITS = 3
SAMPLE_LIMIT = 2000  # latencies kept for the whole run (reservoir)
RECENT_LIMIT = 100  # latencies per second line
INTERVAL_S = 1.0
MIN_PARTIAL_S = 0.2  # a shorter tail at the end of a run is not worth a line
_REPORT_KEY = "tracetui"


def _histogram() -> HdrHistogram:
    return HdrHistogram(LOWEST_US, HIGHEST_US, SIGNIFICANT_DIGITS)


def _percentiles(hist: HdrHistogram) -> dict[str, Any]:
    if hist.get_total_count() == 0:
        return {"p50": None, "p95": None, "p99": None}
    return {f"p{p}": hist.get_value_at_percentile(p) / 1e6 for p in (50, 95, 99)}


class Recorder:
    """Latencies and counters of this process (or, on a master, of its workers)."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.total = _histogram()
        self.window = _histogram()
        self.since_report = _histogram()  # worker side: not yet sent to the master
        self.sample: list[float] = []
        self.seen = 0
        self.recent: list[float] = []
        self.counters: dict[str, int] = {"creates_ok": 0, "deletes_ok": 0}
        self.unreported: dict[str, int] = {"creates_ok": 0, "deletes_ok": 0}
        self.started = time.monotonic()

    def record(self, seconds: float) -> None:
        micros = min(max(round(seconds * 1e6), LOWEST_US), HIGHEST_US)
        self.total.record_value(micros)
        self.window.record_value(micros)
        self.since_report.record_value(micros)
        self._keep(seconds)

    def _keep(self, seconds: float) -> None:
        self.seen += 1
        if len(self.sample) < SAMPLE_LIMIT:
            self.sample.append(round(seconds, 6))
        else:
            slot = random.randrange(self.seen)
            if slot < SAMPLE_LIMIT:
                self.sample[slot] = round(seconds, 6)
        if len(self.recent) < RECENT_LIMIT:
            self.recent.append(round(seconds, 6))

    def count(self, key: str) -> None:
        self.counters[key] = self.counters.get(key, 0) + 1
        self.unreported[key] = self.unreported.get(key, 0) + 1

    # -- master/worker --------------------------------------------------
    def report(self) -> dict[str, Any]:
        """What a worker sends with its next stats report (then forgets)."""
        data = {
            "hist": self.since_report.encode().decode("ascii"),
            "sample": self.recent,
            "counters": dict(self.unreported),
        }
        self.since_report.reset()
        self.recent = []
        self.unreported = dict.fromkeys(self.unreported, 0)
        return data

    def merge(self, data: dict[str, Any]) -> None:
        """Add one worker report (master side)."""
        hist = HdrHistogram.decode(data["hist"].encode("ascii"))
        self.total.add(hist)
        self.window.add(hist)
        for seconds in data.get("sample", []):
            self._keep(float(seconds))
        for key, value in data.get("counters", {}).items():
            self.counters[key] = self.counters.get(key, 0) + int(value)

    # -- lines ----------------------------------------------------------
    def second(self, environment: Environment, rps: float, fps: float) -> LoadSecond:
        stats = environment.stats.total
        line = LoadSecond(
            t=round(time.monotonic() - self.started, 3),
            users=environment.runner.user_count if environment.runner else 0,
            rps=round(rps, 3),
            failures_per_s=round(fps, 3),
            requests=stats.num_requests,
            failures=stats.num_failures,
            **_percentiles(self.window),
            creates_ok=self.counters.get("creates_ok", 0),
            deletes_ok=self.counters.get("deletes_ok", 0),
            recent=tuple(self.recent),
        )
        self.window.reset()
        self.recent = []
        return line

    def summary(self, environment: Environment) -> LoadFinished:
        stats = environment.stats.total
        elapsed = max(time.monotonic() - self.started, 1e-9)
        recorded = self.total.get_total_count()
        return LoadFinished(
            duration_s=round(elapsed, 3),
            requests=stats.num_requests,
            failures=stats.num_failures,
            rps=round(stats.num_requests / elapsed, 3),
            failure_ratio=stats.num_failures / stats.num_requests if stats.num_requests else 0.0,
            **_percentiles(self.total),
            mean=self.total.get_mean_value() / 1e6 if recorded else None,
            max=self.total.get_max_value() / 1e6 if recorded else None,
            recorded=recorded,
            creates_ok=self.counters.get("creates_ok", 0),
            deletes_ok=self.counters.get("deletes_ok", 0),
            errors=tuple(_errors(environment)),
            user_classes=tuple(_user_classes(environment)),
            latencies=tuple(self.sample),
        )


def _errors(environment: Environment, limit: int = 10) -> list[str]:
    entries = sorted(environment.stats.errors.values(), key=lambda e: -e.occurrences)
    return [f"{e.method} {e.name}: {e.error} (x{e.occurrences})" for e in entries[:limit]]


def _user_classes(environment: Environment) -> list[str]:
    """``CrudHighUser:fast`` — which users ran, and on which HTTP client."""
    names = []
    for cls in environment.user_classes or ():
        client = (
            "fast"
            if issubclass(cls, FastHttpUser)
            else ("http" if issubclass(cls, HttpUser) else "other")
        )
        names.append(f"{cls.__name__}:{client}")
    return sorted(names)


def _open_output() -> IO[str] | None:
    if os.environ.get(SWITCH_ENV, "").lower() in {"off", "0", "no"}:
        return None
    fd = os.environ.get(FD_ENV)
    if fd:
        return os.fdopen(int(fd), "w", buffering=1, closefd=False)
    return sys.stdout


class Bridge:
    """Wires a :class:`Recorder` to Locust's events and writes the lines."""

    def __init__(self) -> None:
        self.recorder = Recorder()
        self.environment: Environment | None = None
        self.output: IO[str] | None = None
        self.ticker: gevent.Greenlet | None = None
        self.summarised = False
        self._last: tuple[float, int, int] = (time.monotonic(), 0, 0)
        self.run_id = os.environ.get(RUN_ID_ENV) or uuid.uuid4().hex[:8]

    def emit(self, event: Event) -> None:
        if self.output is None:
            return
        try:
            self.output.write(event.dumps() + "\n")
            self.output.flush()
        except (BrokenPipeError, OSError, ValueError):  # parent gone: keep Locust running
            self.output = None

    @property
    def is_worker(self) -> bool:
        return isinstance(getattr(self.environment, "runner", None), WorkerRunner)

    @property
    def is_master(self) -> bool:
        return isinstance(getattr(self.environment, "runner", None), MasterRunner)

    # -- event handlers -------------------------------------------------
    def on_init(self, environment: Environment, **_kw: Any) -> None:
        self.environment = environment
        if self.is_worker:
            environment.runner.register_message(_RUN_ID_MESSAGE, self.on_run_id)
        else:
            self.output = _open_output()

    def on_run_id(self, msg: Any, **_kw: Any) -> None:
        """Worker side: adopt the master's run id (project names must match the run)."""
        self.run_id = str(msg.data)

    def on_request(
        self,
        request_type: str,
        name: str,
        response_time: float | None,
        exception: BaseException | None = None,
        **_kw: Any,
    ) -> None:
        if self.is_master:
            return
        if response_time is not None:
            self.recorder.record(response_time / 1000.0)
        if exception is None:
            if name == CREATE_NAME:
                self.recorder.count("creates_ok")
            elif name == DELETE_NAME:
                self.recorder.count("deletes_ok")

    def on_test_start(self, environment: Environment, **_kw: Any) -> None:
        self.recorder.reset()
        self.summarised = False
        if self.is_master:  # sent before the spawn messages, so users see it on start
            environment.runner.send_message(_RUN_ID_MESSAGE, self.run_id)
        if not self.is_worker and self.ticker is None:
            self.ticker = gevent.spawn(self._tick, environment)

    def on_report_to_master(self, client_id: str, data: dict[str, Any], **_kw: Any) -> None:
        data[_REPORT_KEY] = self.recorder.report()

    def on_worker_report(self, client_id: str, data: dict[str, Any], **_kw: Any) -> None:
        if _REPORT_KEY in data:
            self.recorder.merge(data[_REPORT_KEY])

    def on_test_stop(self, environment: Environment, **_kw: Any) -> None:
        if self.ticker is not None:
            self.ticker.kill(block=False)
            self.ticker = None
            if time.monotonic() - self._last[0] >= MIN_PARTIAL_S:
                self._emit_second(environment)  # the last, partial second

    def on_quitting(self, environment: Environment, **_kw: Any) -> None:
        self.on_test_stop(environment)
        if not self.is_worker and not self.summarised:
            self.summarised = True
            self.emit(self.recorder.summary(environment))

    def _tick(self, environment: Environment) -> None:
        stats = environment.stats.total
        self._last = (time.monotonic(), stats.num_requests, stats.num_failures)
        next_at = self._last[0] + INTERVAL_S
        while True:
            gevent.sleep(max(0.0, next_at - time.monotonic()))
            next_at += INTERVAL_S
            self._emit_second(environment)

    def _emit_second(self, environment: Environment) -> None:
        """One line for the time since the previous one (rates from Locust's counters)."""
        stats = environment.stats.total
        now, requests, failures = time.monotonic(), stats.num_requests, stats.num_failures
        last, last_requests, last_failures = self._last
        elapsed = max(now - last, 1e-9)
        self._last = (now, requests, failures)
        rps = (requests - last_requests) / elapsed
        fps = (failures - last_failures) / elapsed
        self.emit(self.recorder.second(environment, rps, fps))


BRIDGE = Bridge()


def run_id() -> str:
    """The run's tag (``TRACETUI_LOAD_RUN_ID``, or the master's on a worker)."""
    return BRIDGE.run_id


def install() -> Bridge:
    """Register the listeners once per process (idempotent)."""
    if not getattr(install, "done", False):
        events.init.add_listener(BRIDGE.on_init)
        events.request.add_listener(BRIDGE.on_request)
        events.test_start.add_listener(BRIDGE.on_test_start)
        events.test_stop.add_listener(BRIDGE.on_test_stop)
        events.quitting.add_listener(BRIDGE.on_quitting)
        events.report_to_master.add_listener(BRIDGE.on_report_to_master)
        events.worker_report.add_listener(BRIDGE.on_worker_report)
        install.done = True  # type: ignore[attr-defined]
    return BRIDGE


install()
