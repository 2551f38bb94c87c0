"""Canned event streams standing in for a worker process in the console tests.

A :class:`CannedRun` yields a fixed list of events; with ``pause_after``
it stops there until ``cancel()`` (then it ends the run as ``cancelled``,
exactly what a cancelled worker does) or ``resume()`` (it goes on), or a
bounded wait ends.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

from tracetui.engine.core.events import (
    BenchmarkFailed,
    BenchmarkFinished,
    BenchmarkStarted,
    Event,
    LoadSecond,
    Progress,
    RunFinished,
    RunStarted,
)
from tracetui.engine.core.plan import Plan
from tracetui.engine.core.results import BenchmarkResult

STARTED_AT = 1_764_000_000.0  # fixed: 2025-11-24 16:00 UTC
ENVIRONMENT = {"commit": "0123456789abcdef", "machine": "test-machine", "python": "3.11"}


def result(
    bid: str,
    median: float,
    *,
    spread: float = 0.02,
    sql: float | None = 2,
    kind: str = "micro",
    rounds: int = 12,
) -> BenchmarkResult:
    """A deterministic result whose samples centre on ``median``."""
    samples = tuple(median * (1 + spread * ((i % 5) - 2) / 2) for i in range(rounds))
    suite, rest = bid.split(".", 1)
    name = rest.split("[", 1)[0]
    counters = {"sql_statements": sql} if sql is not None else {}
    latencies = samples if kind == "load" else ()
    return BenchmarkResult(
        id=bid,
        suite=suite,
        name=name,
        kind=kind,
        samples=samples,
        counters=counters,
        latencies=latencies,
    )


@dataclass
class Step:
    """What happens to one benchmark in a canned run."""

    benchmark_id: str
    median: float = 0.001
    kind: str = "micro"
    error: str = ""
    sql: float | None = 2
    progress: int = 6


def events_for(plan: Plan, steps: list[Step]) -> list[Event]:
    out: list[Event] = [
        RunStarted(
            run_id=plan.run_id,
            benchmark_ids=plan.benchmark_ids,
            profile=plan.profile,
            backend="sqlite",
            db_url="sqlite:///.tracetui/trace.db",
            environment=ENVIRONMENT,
            started_at=STARTED_AT,
        )
    ]
    by_id = {s.benchmark_id: s for s in steps}
    for index, bid in enumerate(plan.benchmark_ids):
        step = by_id.get(bid, Step(bid))
        out.append(
            BenchmarkStarted(
                benchmark_id=bid,
                index=index,
                total=len(plan.benchmark_ids),
                kind=step.kind,
                rounds_planned=step.progress,
            )
        )
        for r in range(1, step.progress + 1):
            lat = tuple(step.median * (1 + 0.1 * ((r + i) % 3)) for i in range(4))
            load = None
            if step.kind == "load":
                load = LoadSecond(
                    t=float(r),
                    users=5 * r,
                    rps=40.0 * r,
                    p95=step.median * 1.5,
                    failures_per_s=float(r % 2),
                )
            out.append(
                Progress(
                    benchmark_id=bid,
                    round=r,
                    rounds_planned=step.progress,
                    ops_per_s=1 / step.median * (1 + 0.05 * (r % 4)),
                    latencies=lat,
                    elapsed=0.1 * r,
                    load=load,
                )
            )
        if step.error:
            out.append(BenchmarkFailed(benchmark_id=bid, error=step.error))
        else:
            out.append(BenchmarkFinished(result(bid, step.median, kind=step.kind, sql=step.sql)))
    out.append(RunFinished(run_id=plan.run_id, status="completed", duration=1.0))
    return out


@dataclass
class CannedRun:
    events: list[Event]
    pause_after: int | None = None  # index of the event after which the run waits for cancel
    cancelled: threading.Event = field(default_factory=threading.Event)
    resumed: threading.Event = field(default_factory=threading.Event)
    reached_pause: threading.Event = field(default_factory=threading.Event)

    def __iter__(self) -> Iterator[Event]:
        for index, event in enumerate(self.events):
            if isinstance(event, RunFinished) and self.cancelled.is_set():
                break
            yield event
            if index == self.pause_after:
                self.reached_pause.set()
                for _ in range(500):  # at most 10 s
                    if self.cancelled.wait(timeout=0.02) or self.resumed.is_set():
                        break
                if self.cancelled.is_set():
                    run_id = self.events[0].run_id  # type: ignore[attr-defined]
                    yield RunFinished(run_id=run_id, status="cancelled", duration=0.5)
                    return

    def cancel(self) -> None:
        self.cancelled.set()

    def resume(self) -> None:
        self.resumed.set()


class CannedFactory:
    """A ``run_factory`` for the app: builds a :class:`CannedRun` per plan."""

    def __init__(self, steps: list[Step], *, pause_after_finished: int | None = None) -> None:
        self.steps = steps
        self.pause_after_finished = pause_after_finished
        self.runs: list[CannedRun] = []
        self.plans: list[Plan] = []

    def __call__(self, plan: Plan) -> CannedRun:
        events = events_for(plan, self.steps)
        pause = None
        if self.pause_after_finished is not None:
            finished = [
                i
                for i, e in enumerate(events)
                if isinstance(e, BenchmarkFinished | BenchmarkFailed)
            ]
            pause = finished[self.pause_after_finished - 1]
        run = CannedRun(events, pause_after=pause)
        self.plans.append(plan)
        self.runs.append(run)
        return run
