"""One case, driven once: the untimed probe and one timed round.

This module owns the only code that calls a benchmark's case. Everything
that runs a case goes through it: the engine's measuring loop
(:mod:`tracetui.engine.measuring.timing`), its cProfile round, the pytest
plugin (whose rounds pytest-benchmark times, but whose probe is this one),
and the tests that drive every suite by hand. So a round means the same
thing everywhere:

- a :class:`~tracetui.engine.core.model.Timed` round is ``iterations``
  calls of ``fn`` back to back;
- a :class:`~tracetui.engine.core.model.Pedantic` round is a fresh
  ``setup()``, exactly one call, and the ``teardown`` (always, also when
  the call raises). Only the call is timed.

The probe is untimed (counting perturbs time): one call under SQLAlchemy's
statement events (statements, the main statement's plan and rows) and, for
benchmarks that track memory, one more under tracemalloc. Statements are
per operation: a concurrent round is many operations (its
:class:`~tracetui.engine.core.model.RoundDetail` says how many), any other
call is one. Results are frozen values.
"""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from tracetui.engine.core.model import Benchmark, Case, Kind, Pedantic, RoundDetail, Timed
from tracetui.engine.measuring.evidence import capture, plan_of

timer = time.perf_counter
T = TypeVar("T")


@dataclass(frozen=True)
class Probe:
    """What the untimed probe call found.

    ``counters``: ``sql_statements`` per operation (and ``peak_memory_bytes``
    when the benchmark tracks memory); ``evidence``: the main statement, its
    plan and rows (empty when there is none or no plan could be had);
    ``value``: what the probed call returned.
    """

    counters: Mapping[str, float] = field(default_factory=dict)
    evidence: Mapping[str, str] = field(default_factory=dict)
    value: object = None


@dataclass(frozen=True)
class Round:
    """One timed round: its wall time and, for a pedantic call, what it returned.

    ``value`` is the pedantic call's return value (None for a timed round,
    whose calls' values are not kept); ``detail`` the same value when it is
    a :class:`~tracetui.engine.core.model.RoundDetail`.
    """

    seconds: float
    iterations: int = 1
    value: object = None

    @property
    def detail(self) -> RoundDetail | None:
        return self.value if isinstance(self.value, RoundDetail) else None

    @property
    def per_call(self) -> float:
        """Seconds per call (the sample a round contributes)."""
        return self.seconds / self.iterations

    def ops(self, default: int) -> int:
        """Operations the round did: the detail's count, else ``default``."""
        detail = self.detail
        return detail.ops if detail is not None and detail.ops is not None else default


def check_case(bench: Benchmark, case: object) -> Case:
    """The case a benchmark yielded, or ``TypeError`` naming what it yielded instead."""
    if isinstance(case, Timed | Pedantic):
        return case
    raise TypeError(f"{bench.id}: yielded {type(case).__name__}, expected Timed or Pedantic")


def call_once(case: Case, measure: Callable[[Callable[[], object]], T]) -> T:
    """Hand ``measure`` one call of the case (a pedantic one with its own setup and teardown)."""
    if isinstance(case, Timed):
        return measure(case.fn)
    args = case.setup() if case.setup else None
    args = tuple(args) if args else ()
    try:
        return measure(lambda: case.fn(*args))
    finally:
        if case.teardown:
            case.teardown(*args)


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


def probe(bench: Benchmark, case: Case, *, plan: bool = True) -> Probe:
    """The untimed probe: SQL statements per operation, the plan, peak memory.

    ``plan=False`` skips explaining the main statement (the statement count
    is the same).
    """
    value, captured = call_once(case, capture)
    ops = value.ops if isinstance(value, RoundDetail) and value.ops else bench.items_per_op
    per = ops if bench.kind == Kind.CONCURRENT else 1
    counters = {"sql_statements": float(captured.count) / per}
    if bench.track_memory:
        _, peak = call_once(case, peak_memory)
        counters["peak_memory_bytes"] = float(peak)
    return Probe(counters=counters, evidence=plan_of(captured) if plan else {}, value=value)


def _timed(call: Callable[[], object]) -> tuple[object, float]:
    t0 = timer()
    value = call()
    return value, timer() - t0


def timed_round(case: Case, iterations: int = 1) -> Round:
    """One timed round: ``iterations`` calls of a timed case, or one pedantic call."""
    if isinstance(case, Timed):
        fn, loop = case.fn, range(iterations)
        t0 = timer()
        for _ in loop:
            fn()
        return Round(timer() - t0, iterations)
    value, seconds = call_once(case, _timed)
    return Round(seconds, 1, value)
