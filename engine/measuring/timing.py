"""Measuring one benchmark: probe, calibration, warm-up, rounds, budget.

Runs inside the worker process. Every case is measured in one shape, a
round at a time (so that rounds of several benchmarks can interleave):

1. an untimed probe (:func:`~tracetui.engine.measuring.case_runner.probe`):
   SQL statements per operation, the main statement's plan and rows, peak
   memory for benchmarks that track it; counting perturbs time, so these
   calls are never timed;
2. calibration, for a :class:`~tracetui.engine.core.model.Timed` case only:
   iterations per round grow until a round lasts ``min_round_time``
   (pytest-benchmark style); a :class:`~tracetui.engine.core.model.Pedantic`
   round is one call with its own fresh setup;
3. warm-up: the probe (or the last calibration round) is the first warm
   round; more untimed rounds follow until ``warmup_rounds`` and
   ``warmup_time`` are both reached;
4. timed rounds (:func:`~tracetui.engine.measuring.case_runner.timed_round`)
   until :func:`_enough`.

The budget a profile's ``max_time`` caps is the benchmark's own time in its
measured rounds, each counted from its start (a pedantic round's setup) to
the end of its bookkeeping (teardown and live progress included); probe,
calibration and warm-up are not charged, and neither are other benchmarks'
rounds when rounds interleave. Load benchmarks are a single round without
probe or warm-up. Live progress goes out through ``emit`` between rounds,
never inside the timed region.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from tracetui.engine.core.events import LoadSecond, Progress
from tracetui.engine.core.model import Benchmark, Case, Context, Kind, Reporter, Timed
from tracetui.engine.core.profiles import Profile
from tracetui.engine.core.results import BenchmarkResult
from tracetui.engine.judging.stats import median_ci
from tracetui.engine.measuring import profiling
from tracetui.engine.measuring.case_runner import (
    Probe,
    Round,
    call_once,
    check_case,
    probe,
    timed_round,
)

timer = time.perf_counter
INTERLEAVED = "interleaved"  # evidence["method"] of results measured with alternating rounds
PROGRESS_INTERVAL = 0.1  # seconds between Progress events (10 per second at most)
MAX_LATENCIES = 4096  # per-op latencies kept in a result
LIVE_LATENCIES = 64  # per-op latencies sent in one Progress event
MAX_ITERATIONS = 1_000_000

Emit = Callable[[Any], None]


class _EmittingReporter(Reporter):
    """Lets a long round (a load run) stream live numbers as Progress events."""

    def __init__(self, run: _Run) -> None:
        self.run = run

    def progress(
        self,
        *,
        ops_per_s: float | None = None,
        latencies: Sequence[float] = (),
        extra: Mapping[str, float] | None = None,
        load: LoadSecond | None = None,
    ) -> None:
        run = self.run
        run.emit(
            Progress(
                benchmark_id=run.bench.id,
                round=len(run.samples) + 1,
                rounds_planned=run.planned,
                ops_per_s=float(ops_per_s or 0.0),
                latencies=tuple(float(x) for x in list(latencies)[-LIVE_LATENCIES:]),
                elapsed=run.spent + (timer() - run.round_started),
                extra={k: float(v) for k, v in (extra or {}).items()},
                load=load,
            )
        )


def planned_rounds(bench: Benchmark, ctx: Context) -> int:
    if bench.kind == Kind.LOAD:
        return 1
    return ctx.profile.max_rounds


def run_benchmark(bench: Benchmark, ctx: Context, emit: Emit) -> BenchmarkResult:
    """Set up, measure and tear down one benchmark; return its result.

    Exceptions from setup, the case or teardown propagate (the worker turns
    them into ``BenchmarkFailed``). The generator's teardown always runs.
    """
    gen = bench.open(ctx)
    try:
        run = _Run(bench, ctx, check_case(bench, next(gen)), emit)
        while not run.done:
            run.round()
        result = run.result()
        if ctx.options.get("cprofile") and bench.kind != Kind.LOAD:
            result = replace(
                result, evidence={**result.evidence, "profile": _profile_case(run.case, result)}
            )
    except BaseException:
        gen.close()
        raise
    for _ in gen:  # run the teardown after the yield
        raise RuntimeError(f"{bench.id}: a benchmark must yield exactly one case")
    return result


def _profile_case(case: Case, result: BenchmarkResult) -> str:
    """One untimed round under cProfile (after the timed rounds, before teardown)."""
    repeat = max(1, result.iterations) if isinstance(case, Timed) else 1
    rows = call_once(case, lambda call: profiling.profile_call(call, repeat=repeat))
    return profiling.dumps(rows)


class _Run:
    """One benchmark's measurement, a round at a time (the shape in the module docstring).

    ``spent`` is the benchmark's own time in measured rounds and their
    bookkeeping: the budget ``max_time`` caps, and the ``elapsed`` of its
    Progress events.
    """

    def __init__(self, bench: Benchmark, ctx: Context, case: Case, emit: Emit) -> None:
        self.bench, self.ctx, self.case, self.emit = bench, ctx, case, emit
        self.profile: Profile = ctx.profile
        self.single = bench.kind == Kind.LOAD
        self.planned = planned_rounds(bench, ctx)
        self.reporter = _EmittingReporter(self)
        self.probe = Probe() if self.single else probe(bench, case)
        self.iterations = self._calibrate() if isinstance(case, Timed) else 1
        if not self.single:
            self._warm_up()
        self.samples: list[float] = []
        self.latencies: list[float] = []
        self.counter_sums: dict[str, float] = {}
        self.metric_sums: dict[str, float] = {}
        self.windows: dict[str, list[float]] = {}
        self.ops_total = 0
        self.spent = 0.0
        self.round_started = timer()
        self.last_emit = timer()
        self.done = False

    def _calibrate(self) -> int:
        """Grow iterations until one round lasts min_round_time (pytest-benchmark style)."""
        iterations = 1
        while True:
            duration = timed_round(self.case, iterations).seconds
            if duration >= self.profile.min_round_time or iterations >= MAX_ITERATIONS:
                return iterations
            if duration <= 0:
                iterations *= 10
            else:
                iterations = max(
                    iterations * 2, int(iterations * self.profile.min_round_time / duration)
                )

    def _warm_up(self) -> None:
        """Short mutating rounds (one INSERT) take dozens of rounds before caches and the
        WAL settle (183 µs → 82 µs measured): warm up by time as well as by rounds."""
        warm_until = timer() + self.profile.warmup_time
        warmed = 1  # the probe (or the last calibration round)
        while warmed < self.profile.warmup_rounds or timer() < warm_until:
            timed_round(self.case, self.iterations)
            warmed += 1

    def round(self) -> None:
        """Time one round, account for it, report it live when due."""
        self.round_started = t0 = timer()
        self.ctx.reporter = self.reporter
        measured = timed_round(self.case, self.iterations)
        self._account(measured)
        now = timer()
        spent = self.spent + (now - t0)
        self.done = self.single or _enough(self.samples, spent, self.profile)
        if self.done or now - self.last_emit >= PROGRESS_INTERVAL:
            self.last_emit = now
            self.emit(self._progress(measured, spent))
        self.spent += timer() - t0

    def _account(self, measured: Round) -> None:
        self.samples.append(measured.per_call)
        self.ops_total += measured.ops(self.bench.items_per_op)
        detail = measured.detail
        if detail is None:
            return
        self.latencies.extend(detail.latencies)
        for k, v in detail.counters.items():
            self.counter_sums[k] = self.counter_sums.get(k, 0.0) + float(v)
        for k, v in detail.metrics.items():
            self.metric_sums[k] = self.metric_sums.get(k, 0.0) + float(v)
        for k, series in detail.windows.items():
            self.windows.setdefault(k, []).extend(float(x) for x in series)

    def _progress(self, measured: Round, spent: float) -> Progress:
        ops = measured.ops(self.bench.items_per_op)
        detail = measured.detail
        if detail is not None and detail.latencies:
            recent = tuple(detail.latencies[-LIVE_LATENCIES:])
        elif isinstance(self.case, Timed):
            recent = (measured.per_call,)  # per call
        else:
            recent = (measured.seconds / max(ops, 1),)  # per operation
        rounds = len(self.samples)
        return Progress(
            benchmark_id=self.bench.id,
            round=rounds,
            rounds_planned=1
            if self.single
            else expected_rounds(rounds, spent, self.profile, self.done),
            ops_per_s=ops / measured.per_call if measured.per_call > 0 else 0.0,
            latencies=recent,
            elapsed=spent,
            extra=_live_extra(self.samples),
        )

    def result(self) -> BenchmarkResult:
        counters = {**self.probe.counters, **self.counter_sums}
        metrics = {k: v / len(self.samples) for k, v in self.metric_sums.items()}
        if self.bench.kind == Kind.CONCURRENT and self.samples:
            total_time = sum(self.samples)
            metrics.setdefault("ops_per_s", self.ops_total / total_time if total_time else 0.0)
        latencies = self.latencies
        if len(latencies) > MAX_LATENCIES:
            step = len(latencies) / MAX_LATENCIES
            latencies = sorted(latencies)
            latencies = [latencies[int(i * step)] for i in range(MAX_LATENCIES)]
        return _result(
            self.bench,
            self.samples,
            self.iterations,
            counters=counters,
            latencies=latencies,
            metrics=metrics,
            evidence=dict(self.probe.evidence),
            windows=self.windows,
        )


def run_interleaved(
    benches: list[Benchmark], ctx: Context, emit: Emit
) -> list[BenchmarkResult | BaseException]:
    """Measure several micro benchmarks with their rounds interleaved.

    Every benchmark is set up, probed, calibrated and warmed up first; then
    one round of each in turn until all are done, so that a slow drift of
    the machine (a CPU frequency step, a neighbour waking up) spreads over
    all of them instead of landing on whichever ran at that moment. Returns
    a result or the exception per benchmark, in order; teardowns always run.
    """
    outcomes: list[BenchmarkResult | BaseException | None] = [None] * len(benches)
    gens: dict[int, Any] = {}
    runs: dict[int, _Run] = {}
    try:
        for i, bench in enumerate(benches):
            try:
                gens[i] = bench.open(ctx)
                case = next(gens[i])
                if not isinstance(case, Timed):
                    raise TypeError(f"{bench.id}: only Timed cases can be interleaved")
                runs[i] = _Run(bench, ctx, case, emit)
            except Exception as exc:
                outcomes[i] = exc
        while any(not r.done for r in runs.values()):
            for i, run in runs.items():
                if run.done:
                    continue
                try:
                    run.round()
                except Exception as exc:
                    outcomes[i] = exc
                    run.done = True
        for i, run in runs.items():
            if outcomes[i] is None:
                result = run.result()
                outcomes[i] = replace(result, evidence={**result.evidence, "method": INTERLEAVED})
    finally:
        for i in reversed(list(gens)):  # teardowns after the yield, last set up first
            try:
                for _ in gens[i]:
                    pass
            except Exception as exc:  # a failing teardown fails its benchmark
                if not isinstance(outcomes[i], BaseException):
                    outcomes[i] = exc
    return [o if o is not None else RuntimeError("not measured") for o in outcomes]


def relative_precision(samples: list[float]) -> float | None:
    """Half-width of the median's 95 % interval relative to the median."""
    if len(samples) < 3:
        return None
    low, high = median_ci(samples)
    mid = statistics.median(samples)
    return (high - low) / 2 / mid if mid > 0 else None


def _enough(samples: list[float], elapsed: float, profile: Profile) -> bool:
    """Stop at max_rounds; after min_rounds, once precise enough or out of time."""
    rounds = len(samples)
    if rounds >= profile.max_rounds:
        return True
    if rounds < profile.min_rounds:
        return False
    if profile.precision is not None:
        precision = relative_precision(samples)
        if precision is not None and precision <= profile.precision:
            return True
    return elapsed >= profile.max_time


def expected_rounds(done_rounds: int, elapsed: float, profile: Profile, done: bool) -> int:
    """How many rounds this benchmark will take, as far as can be told now.

    The time cap usually ends a benchmark before ``max_rounds``; adaptive
    profiles may end it sooner still, which the estimate cannot know.
    """
    if done or done_rounds == 0:
        return max(done_rounds, 1)
    by_time = math.ceil(profile.max_time / (elapsed / done_rounds)) if elapsed > 0 else 0
    estimate = min(profile.max_rounds, max(profile.min_rounds, by_time))
    return max(estimate, done_rounds + 1)


def _live_extra(samples: list[float]) -> dict[str, float]:
    precision = relative_precision(samples)
    return {} if precision is None else {"precision": precision}


def _result(
    bench: Benchmark,
    samples: list[float],
    iterations: int,
    *,
    counters: dict[str, float],
    latencies: list[float] | None = None,
    metrics: dict[str, float] | None = None,
    evidence: dict[str, str] | None = None,
    windows: Mapping[str, Sequence[float]] | None = None,
) -> BenchmarkResult:
    return BenchmarkResult(
        id=bench.id,
        suite=bench.suite,
        name=bench.name,
        kind=str(bench.kind),
        param=bench.param,
        group=bench.group,
        samples=tuple(samples),
        iterations=iterations,
        items_per_op=bench.items_per_op,
        latencies=tuple(latencies or ()),
        counters=counters,
        metrics=metrics or {},
        description=bench.description,
        evidence=evidence or {},
        windows={k: tuple(v) for k, v in (windows or {}).items()},
    )
