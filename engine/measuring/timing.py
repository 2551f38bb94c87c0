"""Measuring one benchmark: calibration, warm-up, rounds, counters.

Runs inside the worker process. A :class:`~tracetui.engine.core.model.Timed` case is
calibrated like pytest-benchmark does it (iterations per round grow until a
round lasts ``min_round_time``); a :class:`~tracetui.engine.core.model.Pedantic` case
gets a fresh setup and exactly one timed call per round. Deterministic
counters (SQL statements per call, peak Python memory) are taken in an
untimed probe before the timed rounds so that counting never perturbs
timing. Live progress goes out through ``emit`` between rounds, never
inside the timed region.
"""

from __future__ import annotations

import math
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from tracetui.engine.core.events import Progress
from tracetui.engine.core.model import (
    Benchmark,
    Case,
    Context,
    Kind,
    Pedantic,
    Reporter,
    RoundDetail,
    Timed,
)
from tracetui.engine.core.profiles import Profile
from tracetui.engine.core.results import BenchmarkResult
from tracetui.engine.judging.stats import median_ci
from tracetui.engine.measuring import profiling
from tracetui.engine.measuring.evidence import capture, plan_of

timer = time.perf_counter
INTERLEAVED = "interleaved"  # evidence["method"] of results measured with alternating rounds
PROGRESS_INTERVAL = 0.1  # seconds between Progress events (10 per second at most)
MAX_LATENCIES = 4096  # per-op latencies kept in a result
LIVE_LATENCIES = 64  # per-op latencies sent in one Progress event

Emit = Callable[[Any], None]


def peak_memory(fn: Callable[[], object]) -> tuple[object, int]:
    """Call ``fn`` once under tracemalloc; return its value and peak bytes allocated."""
    already = tracemalloc.is_tracing()
    if not already:
        tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    try:
        value = fn()
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        if not already:
            tracemalloc.stop()
    return value, max(0, peak)


class _EmittingReporter(Reporter):
    """Lets a long round (a load run) stream live numbers as Progress events."""

    def __init__(self, emit: Emit, bench: Benchmark, rounds_planned: int, start: float) -> None:
        self.emit = emit
        self.bench = bench
        self.rounds_planned = rounds_planned
        self.start = start
        self.round = 0

    def progress(self, *, ops_per_s=None, latencies=(), extra=None) -> None:  # type: ignore[override]
        self.emit(
            Progress(
                benchmark_id=self.bench.id,
                round=self.round,
                rounds_planned=self.rounds_planned,
                ops_per_s=float(ops_per_s or 0.0),
                latencies=tuple(float(x) for x in list(latencies)[-LIVE_LATENCIES:]),
                elapsed=timer() - self.start,
                extra={k: float(v) for k, v in (extra or {}).items()},
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
    case: Case = next(gen)
    try:
        result = _measure(bench, ctx, case, emit)
        if ctx.options.get("cprofile") and bench.kind != Kind.LOAD:
            result = replace(
                result, evidence={**result.evidence, "profile": _profile_case(case, result)}
            )
    except BaseException:
        gen.close()
        raise
    for _ in gen:  # run the teardown after the yield
        raise RuntimeError(f"{bench.id}: a benchmark must yield exactly one case")
    return result


def _profile_case(case: Case, result: BenchmarkResult) -> str:
    """One untimed round under cProfile (after the timed rounds, before teardown)."""
    if isinstance(case, Timed):
        return profiling.dumps(profiling.profile_call(case.fn, repeat=max(1, result.iterations)))
    args = case.setup() if case.setup else None
    args = tuple(args) if args else ()
    try:
        return profiling.dumps(profiling.profile_call(lambda: case.fn(*args)))
    finally:
        if case.teardown:
            case.teardown(*args)


def _measure(bench: Benchmark, ctx: Context, case: Case, emit: Emit) -> BenchmarkResult:
    if isinstance(case, Timed):
        return _measure_timed(bench, ctx, case, emit)
    if isinstance(case, Pedantic):
        return _measure_pedantic(bench, ctx, case, emit)
    raise TypeError(f"{bench.id}: yielded {type(case).__name__}, expected Timed or Pedantic")


def _probe(bench: Benchmark, call: Callable[[], object]) -> tuple[dict[str, float], dict[str, str]]:
    """Untimed calls: SQL statements and the main statement's plan (and peak memory)."""
    _, captured = capture(call)
    counters = {"sql_statements": float(captured.count)}
    if bench.track_memory:
        _, peak = peak_memory(call)
        counters["peak_memory_bytes"] = float(peak)
    return counters, plan_of(captured)


class _TimedRun:
    """One Timed benchmark's measurement, a round at a time (so rounds can interleave).

    ``spent`` is the benchmark's own time in timed rounds and their bookkeeping,
    so that interleaved benchmarks each get their full time budget.
    """

    def __init__(self, bench: Benchmark, ctx: Context, case: Timed, emit: Emit) -> None:
        self.bench, self.profile, self.fn, self.emit = bench, ctx.profile, case.fn, emit
        self.counters, self.evidence = _probe(bench, self.fn)
        self.iterations = self._calibrate()
        self._warm_up()
        self.samples: list[float] = []
        self.spent = 0.0
        self.last_emit = timer()
        self.done = False

    def _calibrate(self) -> int:
        """Grow iterations until one round lasts min_round_time (pytest-benchmark style)."""
        iterations = 1
        while True:
            t0 = timer()
            for _ in range(iterations):
                self.fn()
            duration = timer() - t0
            if duration >= self.profile.min_round_time or iterations >= 1_000_000:
                return iterations
            if duration <= 0:
                iterations *= 10
            else:
                iterations = max(
                    iterations * 2, int(iterations * self.profile.min_round_time / duration)
                )

    def _warm_up(self) -> None:
        warm_until = timer() + self.profile.warmup_time
        warmed = 0
        while warmed < self.profile.warmup_rounds or timer() < warm_until:
            for _ in range(self.iterations):
                self.fn()
            warmed += 1

    def round(self) -> None:
        """Time one round; report it live when due."""
        fn, loop = self.fn, range(self.iterations)
        t0 = timer()
        for _ in loop:
            fn()
        t1 = timer()
        per_call = (t1 - t0) / self.iterations
        self.samples.append(per_call)
        self.done = _enough(self.samples, self.spent + (t1 - t0), self.profile)
        if self.done or t1 - self.last_emit >= PROGRESS_INTERVAL:
            self.last_emit = t1
            self.emit(
                Progress(
                    benchmark_id=self.bench.id,
                    round=len(self.samples),
                    rounds_planned=expected_rounds(
                        len(self.samples), self.spent + (t1 - t0), self.profile, self.done
                    ),
                    ops_per_s=self.bench.items_per_op / per_call if per_call > 0 else 0.0,
                    latencies=(per_call,),
                    elapsed=self.spent + (t1 - t0),
                    extra=_live_extra(self.samples),
                )
            )
        self.spent += timer() - t0

    def result(self) -> BenchmarkResult:
        return _result(
            self.bench,
            self.samples,
            self.iterations,
            counters=self.counters,
            evidence=self.evidence,
        )


def _measure_timed(bench: Benchmark, ctx: Context, case: Timed, emit: Emit) -> BenchmarkResult:
    run = _TimedRun(bench, ctx, case, emit)
    while not run.done:
        run.round()
    return run.result()


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
    runs: dict[int, _TimedRun] = {}
    try:
        for i, bench in enumerate(benches):
            try:
                gens[i] = bench.open(ctx)
                case = next(gens[i])
                if not isinstance(case, Timed):
                    raise TypeError(f"{bench.id}: only Timed cases can be interleaved")
                runs[i] = _TimedRun(bench, ctx, case, emit)
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


def _measure_pedantic(
    bench: Benchmark, ctx: Context, case: Pedantic, emit: Emit
) -> BenchmarkResult:
    profile = ctx.profile
    single = bench.kind == Kind.LOAD
    rounds_planned = planned_rounds(bench, ctx)
    start = timer()
    reporter = _EmittingReporter(emit, bench, rounds_planned, start)
    ctx.reporter = reporter

    def one_round(
        measure: Callable[[Callable[[], object]], tuple[object, Any]],
    ) -> tuple[object, Any]:
        """Fresh setup, ``measure`` one call, teardown (always)."""
        args = case.setup() if case.setup else None
        args = tuple(args) if args else ()
        try:
            return measure(lambda: case.fn(*args))
        finally:
            if case.teardown:
                case.teardown(*args)

    def timed(call: Callable[[], object]) -> tuple[object, float]:
        t0 = timer()
        value = call()
        return value, timer() - t0

    counters: dict[str, float] = {}
    evidence: dict[str, str] = {}
    if not single:
        # Probe rounds: counters are exact but counting perturbs time, so never time them.
        value, captured = one_round(capture)
        ops = value.ops if isinstance(value, RoundDetail) and value.ops else bench.items_per_op
        # A concurrent round is many operations: report statements per operation.
        per = ops if bench.kind == Kind.CONCURRENT else 1
        counters["sql_statements"] = float(captured.count) / per
        evidence = plan_of(captured)
        if bench.track_memory:
            _, peak = one_round(peak_memory)
            counters["peak_memory_bytes"] = float(peak)
        # Warm up by time as well as rounds: short mutating rounds (one INSERT) take
        # dozens of rounds before caches and the WAL settle (183 µs → 82 µs measured).
        warm_until = timer() + profile.warmup_time
        warmed = 1  # the probe round counts
        while warmed < profile.warmup_rounds or timer() < warm_until:
            one_round(timed)
            warmed += 1
    samples: list[float] = []
    latencies: list[float] = []
    summed: dict[str, float] = {}
    metric_sums: dict[str, float] = {}
    ops_total = 0
    last_emit = start
    while True:
        reporter.round = len(samples) + 1
        value, duration = one_round(timed)
        samples.append(duration)
        ops = bench.items_per_op
        if isinstance(value, RoundDetail):
            ops = value.ops if value.ops is not None else ops
            latencies.extend(value.latencies)
            for k, v in value.counters.items():
                summed[k] = summed.get(k, 0.0) + float(v)
            for k, v in value.metrics.items():
                metric_sums[k] = metric_sums.get(k, 0.0) + float(v)
        ops_total += ops
        now = timer()
        done = single or _enough(samples, now - start, profile)
        if done or now - last_emit >= PROGRESS_INTERVAL:
            last_emit = now
            recent = (
                tuple(value.latencies[-LIVE_LATENCIES:])
                if isinstance(value, RoundDetail) and value.latencies
                else (duration / max(ops, 1),)
            )
            emit(
                Progress(
                    benchmark_id=bench.id,
                    round=len(samples),
                    rounds_planned=1
                    if single
                    else expected_rounds(len(samples), now - start, profile, done),
                    ops_per_s=ops / duration if duration > 0 else 0.0,
                    latencies=recent,
                    elapsed=now - start,
                    extra=_live_extra(samples),
                )
            )
        if done:
            break
    counters.update(summed)
    metrics = {k: v / len(samples) for k, v in metric_sums.items()}
    if bench.kind == Kind.CONCURRENT and samples:
        total_time = sum(samples)
        metrics.setdefault("ops_per_s", ops_total / total_time if total_time else 0.0)
    if len(latencies) > MAX_LATENCIES:
        step = len(latencies) / MAX_LATENCIES
        latencies = sorted(latencies)
        latencies = [latencies[int(i * step)] for i in range(MAX_LATENCIES)]
    return _result(
        bench,
        samples,
        1,
        counters=counters,
        latencies=latencies,
        metrics=metrics,
        evidence=evidence,
    )


def _result(
    bench: Benchmark,
    samples: list[float],
    iterations: int,
    *,
    counters: dict[str, float],
    latencies: list[float] | None = None,
    metrics: dict[str, float] | None = None,
    evidence: dict[str, str] | None = None,
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
    )
