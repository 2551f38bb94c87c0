"""A pedantic benchmark measured one round at a time, for drivers that pace rounds.

:class:`~tracetui.engine.measuring.timing._TimedRun` already steps a
calibrated micro benchmark; this is its counterpart for a
:class:`~tracetui.engine.core.model.Pedantic` case (fresh untimed setup,
one timed call, untimed teardown per round). Counters are taken in untimed
probe rounds first, exactly as the sequential runner does, then the case
warms up by rounds and by time. The paired A/B driver calls ``round()``
when it is this side's turn.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tracetui.engine.core.model import Benchmark, Context, Kind, Pedantic, RoundDetail
from tracetui.engine.core.results import BenchmarkResult
from tracetui.engine.measuring.evidence import capture, plan_of
from tracetui.engine.measuring.timing import MAX_LATENCIES, peak_memory, timer


class PedanticSteps:
    def __init__(self, bench: Benchmark, ctx: Context, case: Pedantic) -> None:
        if bench.kind == Kind.LOAD:
            raise TypeError(f"{bench.id}: load benchmarks cannot be paced round by round")
        self.bench, self.case, self.profile = bench, case, ctx.profile
        self.samples: list[float] = []
        self.latencies: list[float] = []
        self.metric_sums: dict[str, float] = {}
        self.summed: dict[str, float] = {}
        value, captured = self._one(capture)
        ops = value.ops if isinstance(value, RoundDetail) and value.ops else bench.items_per_op
        per = ops if bench.kind == Kind.CONCURRENT else 1
        self.counters: dict[str, float] = {"sql_statements": float(captured.count) / per}
        self.evidence: dict[str, str] = plan_of(captured)
        if bench.track_memory:
            _, peak = self._one(peak_memory)
            self.counters["peak_memory_bytes"] = float(peak)
        warm_until = timer() + self.profile.warmup_time
        warmed = 1
        while warmed < self.profile.warmup_rounds or timer() < warm_until:
            self._one(_timed)
            warmed += 1

    def _one(self, measure: Callable[[Callable[[], object]], tuple[object, Any]]) -> Any:
        args = self.case.setup() if self.case.setup else None
        args = tuple(args) if args else ()
        try:
            return measure(lambda: self.case.fn(*args))
        finally:
            if self.case.teardown:
                self.case.teardown(*args)

    def round(self) -> None:
        value, duration = self._one(_timed)
        self.samples.append(duration)
        if isinstance(value, RoundDetail):
            self.latencies.extend(value.latencies[: max(0, MAX_LATENCIES - len(self.latencies))])
            for k, v in value.counters.items():
                self.summed[k] = self.summed.get(k, 0.0) + float(v)
            for k, v in value.metrics.items():
                self.metric_sums[k] = self.metric_sums.get(k, 0.0) + float(v)

    def result(self) -> BenchmarkResult:
        b = self.bench
        return BenchmarkResult(
            id=b.id,
            suite=b.suite,
            name=b.name,
            kind=str(b.kind),
            param=b.param,
            group=b.group,
            samples=tuple(self.samples),
            iterations=1,
            items_per_op=b.items_per_op,
            latencies=tuple(self.latencies),
            counters={**self.counters, **self.summed},
            metrics={k: v / len(self.samples) for k, v in self.metric_sums.items()},
            description=b.description,
            evidence=self.evidence,
        )


def _timed(call: Callable[[], object]) -> tuple[object, float]:
    t0 = timer()
    value = call()
    return value, timer() - t0
