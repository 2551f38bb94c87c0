"""The bridge from the engine's event stream to Textual messages.

A run is any iterable of :mod:`tracetui.engine.core.events` with a ``cancel()`` method
(:class:`tracetui.engine.measuring.runner.WorkerRun` in real use, a canned list in tests).
:class:`EventPump` is what a Textual *thread* worker runs: it iterates the
run (blocking), records every event in the history through
:class:`tracetui.engine.recording.session.RunRecorder`, judges the run at the end and hands
everything to the UI with ``post_message`` only (never
``call_from_thread``, which blocks the reader).

High-rate ``Progress`` events are folded into :class:`LiveSeries` and
posted at most ``max_rate`` times a second as a :class:`ProgressBatch`
that carries the *whole* bounded series of every running benchmark: a
newer batch replaces an older pending one (``can_replace``) without
losing a point. Every other event flushes the pending batch first, so
order is kept; a batch held back by the rate is posted at most one interval
later even if the run says nothing more (a paired pytest run reports all its
tests at once, then runs pytest for seconds).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from textual.message import Message
from tracetui.engine.core.events import (
    BenchmarkFailed,
    BenchmarkFinished,
    Event,
    Progress,
    RunFinished,
)
from tracetui.engine.core.plan import Plan
from tracetui.engine.judging.baselines import BaselineEntry, BaselineError, BaselineStore, Policy
from tracetui.engine.judging.verdicts import Verdict
from tracetui.engine.recording.history import History
from tracetui.engine.recording.session import RunRecord, RunRecorder, evaluate, load_references

SERIES_LENGTH = 120  # points kept per live series (one sparkline's worth)
LATENCY_LENGTH = 400  # latest per-op latencies kept for the plot


class RunSource(Protocol):
    """What the console needs from a running plan."""

    def __iter__(self) -> Iterator[Event]: ...

    def cancel(self) -> None: ...


RunFactory = Callable[[Plan], RunSource]


@runtime_checkable
class PairedSource(Protocol):
    """A run that judges itself: a paired A/B run's verdicts are on its own base
    (:class:`tracetui.engine.measuring.against.PairedRun`), not on stored baselines."""

    def verdicts(self, policy: Policy) -> list[Verdict]: ...


def worker_run_factory(log_path: Path) -> RunFactory:
    """The real thing: each plan runs in its own worker process, stderr to a log."""

    def start(plan: Plan) -> RunSource:
        from tracetui.engine.measuring.runner import WorkerRun

        return WorkerRun(plan, stderr=log_path)

    return start


@dataclass(frozen=True)
class BenchSnapshot:
    """An immutable copy of one benchmark's live numbers."""

    benchmark_id: str
    round: int
    rounds_planned: int
    elapsed: float
    ops_per_s: tuple[float, ...]
    latencies: tuple[float, ...]
    extra: Mapping[str, tuple[float, ...]] = field(default_factory=dict)
    is_load: bool = False  # the latest Progress carried a load run's second


class LiveSeries:
    """Bounded live series per benchmark, fed with ``Progress`` events."""

    def __init__(self) -> None:
        self._ops: dict[str, deque[float]] = {}
        self._latencies: dict[str, deque[float]] = {}
        self._extra: dict[str, dict[str, deque[float]]] = {}
        self._last: dict[str, Progress] = {}

    def add(self, event: Progress) -> None:
        bid = event.benchmark_id
        self._ops.setdefault(bid, deque(maxlen=SERIES_LENGTH)).append(float(event.ops_per_s))
        self._latencies.setdefault(bid, deque(maxlen=LATENCY_LENGTH)).extend(event.latencies)
        extra = self._extra.setdefault(bid, {})
        values = dict(event.extra)
        if event.load is not None:  # series of the load view, named after the typed fields
            load = event.load
            values.update(users=load.users, rps=load.rps, failures_per_s=load.failures_per_s)
            if load.p95 is not None:
                values["p95"] = load.p95
        for key, value in values.items():
            extra.setdefault(key, deque(maxlen=SERIES_LENGTH)).append(float(value))
        self._last[bid] = event

    def forget(self, benchmark_id: str) -> None:
        """Stop carrying a benchmark that ended (the UI keeps its last snapshot)."""
        for table in (self._ops, self._latencies, self._extra, self._last):
            table.pop(benchmark_id, None)

    def snapshot(self) -> dict[str, BenchSnapshot]:
        return {
            bid: BenchSnapshot(
                benchmark_id=bid,
                round=last.round,
                rounds_planned=last.rounds_planned,
                elapsed=last.elapsed,
                ops_per_s=tuple(self._ops[bid]),
                latencies=tuple(self._latencies[bid]),
                extra={k: tuple(v) for k, v in self._extra[bid].items()},
                is_load=last.load is not None,
            )
            for bid, last in self._last.items()
        }


class EngineEvent(Message):
    """Any event but ``Progress``, in stream order."""

    def __init__(self, event: Event) -> None:
        super().__init__()
        self.event = event


class ProgressBatch(Message):
    """The live series of every running benchmark; a newer batch replaces an older one."""

    def __init__(self, series: dict[str, BenchSnapshot]) -> None:
        super().__init__()
        self.series = series

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ProgressBatch)


class RunJudged(Message):
    """The run is over and judged: its record, verdicts and the baselines used."""

    def __init__(
        self,
        record: RunRecord,
        verdicts: list[Verdict],
        references: Mapping[str, BaselineEntry],
        baseline_error: str = "",
        stored: Mapping[str, BaselineEntry] | None = None,
    ) -> None:
        super().__init__()
        self.record = record
        self.verdicts = verdicts
        self.references = references
        self.baseline_error = baseline_error
        #: The baselines an acceptance would replace (a paired run judges without them).
        self.stored = references if stored is None else stored


def judge(
    record: RunRecord, store: BaselineStore
) -> tuple[list[Verdict], dict[str, BaselineEntry], str]:
    """Verdicts for a record; a broken baseline file judges against nothing (all NEW).

    Returns the verdicts, the references used and the baseline error text ("" if none).
    """
    error = ""
    try:
        references, policy = load_references(store, record.suites, record.backend)
    except BaselineError as exc:
        references, policy, error = {}, Policy(), str(exc)
    # evaluate() skips MISSING detection for a suite that cannot load.
    return evaluate(record, references, policy), references, error


def judge_paired(
    record: RunRecord, store: BaselineStore, source: PairedSource
) -> tuple[list[Verdict], dict[str, BaselineEntry], str]:
    """A paired run's own verdicts (thresholds from the policy), the stored baselines an
    acceptance would replace, and the baseline error text ("" if none)."""
    try:
        stored, policy = load_references(store, record.suites, record.backend)
    except BaselineError as exc:
        return source.verdicts(Policy()), {}, str(exc)
    return source.verdicts(policy), stored, ""


class EventPump:
    """Reads a run to its end (in a thread) and posts what the UI needs to ``target``."""

    def __init__(
        self,
        source: RunSource,
        *,
        run_id: str,
        post: Callable[[Message], object],
        history: History | None,
        store: BaselineStore,
        max_rate: float = 2.0,  # batches a second: enough for a sparkline, cheap for the UI
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.source = source
        self.post = post
        self.recorder = RunRecorder(run_id, history)
        self.store = store
        self.interval = 1.0 / max_rate
        self.clock = clock
        self.series = LiveSeries()
        self._dirty = False
        self._last_post = float("-inf")
        self._lock = threading.Lock()  # the series, between the reader and the late flush
        self._late: threading.Timer | None = None

    def _add(self, event: Progress) -> None:
        with self._lock:
            self.series.add(event)
            self._dirty = True
        if self.clock() - self._last_post >= self.interval:
            self._flush()
        elif self._late is None or not self._late.is_alive():
            self._late = threading.Timer(self.interval, self._flush)
            self._late.daemon = True
            self._late.start()

    def _flush(self) -> None:
        with self._lock:
            if self._dirty:
                self.post(ProgressBatch(self.series.snapshot()))
                self._dirty = False
                self._last_post = self.clock()

    def _forget(self, benchmark_id: str) -> None:
        with self._lock:
            self.series.forget(benchmark_id)

    def run(self) -> RunJudged:
        """Iterate the source to its end, then judge and post :class:`RunJudged`.

        An exception from the source is re-raised after the run is judged (the
        results that finished are kept), so the worker's error handler sees it.
        """
        crash: Exception | None = None
        finished = False
        try:
            for event in self.source:
                if isinstance(event, Progress):
                    self._add(event)
                    continue
                self._flush()
                if isinstance(event, BenchmarkFinished | BenchmarkFailed):
                    self._forget(event.benchmark_id)
                self.recorder(event)
                self.post(EngineEvent(event))
                if isinstance(event, RunFinished):
                    finished = True
        except Exception as exc:
            crash = exc
            self.recorder.record.error = f"{type(exc).__name__}: {exc}"
        if self._late is not None:
            self._late.cancel()
        self._flush()
        if not finished:
            self.recorder.record.status = "crashed"
        record = self.recorder.record
        if isinstance(self.source, PairedSource):
            verdicts, stored, error = judge_paired(record, self.store, self.source)
            judged = RunJudged(record, verdicts, {}, error, stored=stored)
        else:
            verdicts, references, error = judge(record, self.store)
            judged = RunJudged(record, verdicts, references, error)
        self.recorder.finish(verdicts)
        self.post(judged)
        if crash is not None:
            raise crash
        return judged
