"""The typed event stream between the worker process and its front ends.

One schema, used by CI, the console and the tests alike. Each event is a
small frozen dataclass with ``to_json``/``from_json``; on the wire it is
one JSON object per line with a ``"type"`` field naming the class.

Order in a run: ``RunStarted``, then per benchmark ``BenchmarkStarted``,
any number of ``Progress``, and ``BenchmarkFinished`` or
``BenchmarkFailed``; last ``RunFinished`` (status ``completed``,
``cancelled`` or ``crashed``).
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
class Progress(Event):
    """Live numbers, at most ~10 per second per benchmark.

    ``latencies`` are the latest per-op seconds (bounded, newest last);
    ``extra`` carries kind-specific live values (``users``, ``rps``,
    ``p95``, ``failures_per_s`` for load runs).
    """

    type: ClassVar[str] = "progress"
    benchmark_id: str
    round: int
    rounds_planned: int
    ops_per_s: float
    latencies: tuple[float, ...] = ()
    elapsed: float = 0.0
    extra: dict[str, float] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Progress:
        fields = {k: v for k, v in data.items() if k != "type"}
        fields["latencies"] = tuple(fields.get("latencies", ()))
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
    except KeyError as exc:
        raise ValueError(f"not a tracetui event: {str(line)[:80]}") from exc
    return cls.from_json(data)
