"""The typed event streams: worker process to front ends, Locust process to load suite.

One schema, used by CI, the console and the tests alike. Each event is a
small frozen dataclass with ``to_json``/``from_json``; on the wire it is
one JSON object per line with a ``"type"`` field naming the class, read
back with :func:`read_events`.

Order in a run: ``RunStarted``, then per benchmark ``BenchmarkStarted``,
any number of ``Progress``, and ``BenchmarkFinished`` or
``BenchmarkFailed``; last ``RunFinished`` (status ``completed``,
``cancelled`` or ``crashed``).

A Locust process (:mod:`tracetui.suites.load.locust_bridge`) speaks the
same way to the load suite's parent side (:mod:`tracetui.suites.load.process`):
one ``LoadSecond`` per second, then one ``LoadFinished``. A load
benchmark's ``Progress`` carries the latest ``LoadSecond`` in ``load``.
This module imports neither Locust nor gevent (the bridge imports it).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

from tracetui.engine.core.results import BenchmarkResult


@dataclass(frozen=True)
class Event:
    type: ClassVar[str] = "event"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["type"] = self.type
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Event:
        fields = {k: v for k, v in data.items() if k != "type"}
        return cls(**fields)

    def dumps(self) -> str:
        return json.dumps(self.to_json(), separators=(",", ":"))


@dataclass(frozen=True)
class RunStarted(Event):
    """The worker is up: what it will run, where, with which profile."""

    type: ClassVar[str] = "run_started"
    run_id: str
    benchmark_ids: tuple[str, ...]
    profile: str
    backend: str
    db_url: str  # password already masked
    environment: dict[str, Any] = field(default_factory=dict)
    started_at: float = 0.0

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunStarted:
        fields = {k: v for k, v in data.items() if k != "type"}
        fields["benchmark_ids"] = tuple(fields["benchmark_ids"])
        return cls(**fields)


@dataclass(frozen=True)
class BenchmarkStarted(Event):
    type: ClassVar[str] = "benchmark_started"
    benchmark_id: str
    index: int  # 0-based position in the plan
    total: int
    kind: str
    rounds_planned: int = 0


@dataclass(frozen=True)
class LoadSecond(Event):
    """One second of a Locust run (the last one may be shorter).

    Rates come from the change in Locust's request counters over the
    window; ``p50``/``p95``/``p99`` are the window's exact latencies in
    seconds (None when nothing answered in it); ``requests``, ``failures``,
    ``creates_ok`` and ``deletes_ok`` are totals so far; ``recent`` the
    window's first latencies (bounded). ``ramp_users`` is the step's target
    while the load suite ramps users (None otherwise).
    """

    type: ClassVar[str] = "load_second"
    t: float  # seconds since the test started
    users: int
    rps: float
    failures_per_s: float = 0.0
    requests: int = 0
    failures: int = 0
    p50: float | None = None
    p95: float | None = None
    p99: float | None = None
    creates_ok: int = 0
    deletes_ok: int = 0
    recent: tuple[float, ...] = ()
    ramp_users: int | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LoadSecond:
        fields = {k: v for k, v in data.items() if k != "type"}
        fields["recent"] = tuple(float(x) for x in fields.get("recent", ()))
        return cls(**fields)


@dataclass(frozen=True)
class LoadFinished(Event):
    """A whole Locust run, written once when Locust quits (latencies in seconds).

    Exact percentiles from an HDR histogram of every request, totals, the
    errors Locust saw (most frequent first), which user classes ran on which
    HTTP client (``CrudHighUser:fast``) and a bounded latency sample.
    """

    type: ClassVar[str] = "load_finished"
    duration_s: float
    requests: int
    failures: int
    rps: float
    failure_ratio: float
    p50: float | None = None
    p95: float | None = None
    p99: float | None = None
    mean: float | None = None
    max: float | None = None
    recorded: int = 0
    creates_ok: int = 0
    deletes_ok: int = 0
    errors: tuple[str, ...] = ()
    user_classes: tuple[str, ...] = ()
    latencies: tuple[float, ...] = ()

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LoadFinished:
        fields = {k: v for k, v in data.items() if k != "type"}
        for key in ("errors", "user_classes"):
            fields[key] = tuple(str(x) for x in fields.get(key, ()))
        fields["latencies"] = tuple(float(x) for x in fields.get("latencies", ()))
        return cls(**fields)


@dataclass(frozen=True)
class Progress(Event):
    """Live numbers, at most ~10 per second per benchmark.

    ``latencies`` are the latest per-op seconds (bounded, newest last);
    ``extra`` carries kind-specific live values (``precision``, the
    median's relative 95 % half-width so far); ``load`` a load run's latest
    second (its ``recent`` latencies are in ``latencies``).
    """

    type: ClassVar[str] = "progress"
    benchmark_id: str
    round: int
    rounds_planned: int
    ops_per_s: float
    latencies: tuple[float, ...] = ()
    elapsed: float = 0.0
    extra: dict[str, float] = field(default_factory=dict)
    load: LoadSecond | None = None

    def to_json(self) -> dict[str, Any]:
        data = super().to_json()
        if self.load is None:
            del data["load"]  # the common case stays as small as it was
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Progress:
        fields = {k: v for k, v in data.items() if k != "type"}
        fields["latencies"] = tuple(fields.get("latencies", ()))
        if fields.get("load") is not None:
            fields["load"] = LoadSecond.from_json(fields["load"])
        return cls(**fields)


@dataclass(frozen=True)
class BenchmarkFinished(Event):
    type: ClassVar[str] = "benchmark_finished"
    result: BenchmarkResult

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "result": self.result.to_json()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BenchmarkFinished:
        return cls(result=BenchmarkResult.from_json(data["result"]))

    @property
    def benchmark_id(self) -> str:
        return self.result.id


@dataclass(frozen=True)
class BenchmarkFailed(Event):
    type: ClassVar[str] = "benchmark_failed"
    benchmark_id: str
    error: str  # one line: "ExceptionType: message"
    details: str = ""  # traceback text, for logs and the detail view


@dataclass(frozen=True)
class RunFinished(Event):
    type: ClassVar[str] = "run_finished"
    run_id: str
    status: str  # completed | cancelled | crashed
    duration: float = 0.0
    error: str = ""


EVENT_TYPES: dict[str, type[Event]] = {
    cls.type: cls
    for cls in (
        RunStarted,
        BenchmarkStarted,
        Progress,
        BenchmarkFinished,
        BenchmarkFailed,
        RunFinished,
        LoadSecond,
        LoadFinished,
    )
}


def read_events(
    lines: Iterable[str], on_garbage: Callable[[str], None] | None = None
) -> Iterator[Event]:
    """Events from a stream of JSON lines; blank lines are skipped, others reported."""
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        try:
            yield parse_event(line)
        except ValueError:
            if on_garbage is not None:
                on_garbage(line)


def parse_event(line: str | dict[str, Any]) -> Event:
    """Decode one JSON line (or already-decoded dict) into its event."""
    data = json.loads(line) if isinstance(line, str) else line
    try:
        cls = EVENT_TYPES[data["type"]]
        return cls.from_json(data)
    except (KeyError, TypeError) as exc:  # no such type, not an object, fields that do not fit
        raise ValueError(f"not a tracetui event: {str(line)[:80]}") from exc
