"""Immutable benchmark results and the statistics computed from them.

A :class:`BenchmarkResult` is a value: the samples (seconds per timed call,
one per round), how they were taken, deterministic counters and any extra
metrics. Descriptive statistics come from pytest-benchmark's own ``Stats``
(built fresh, since it caches); percentiles sit beside them in
:mod:`tracetui.engine.judging.stats`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from pytest_benchmark.stats import Stats
from tracetui.engine.judging import stats as statslib


@dataclass(frozen=True)
class BenchmarkResult:
    """Everything one benchmark measured in one run.

    ``samples`` are seconds per timed call, one per round (a micro round's
    time divided by its iterations). ``latencies`` are per-operation seconds
    measured inside rounds (concurrent and load suites), bounded.
    ``counters`` are deterministic (``sql_per_op``, ``peak_memory_bytes``,
    ``retries``...); ``metrics`` are measured values that are not times of a
    call (``rps``, ``failure_ratio``...); ``evidence`` holds the main SQL
    statement and its query plan; ``windows`` are named series of replicates
    measured within the run (a load run's per-second ``p95`` and ``rps``).
    """

    id: str
    suite: str
    name: str
    kind: str
    samples: tuple[float, ...]
    iterations: int = 1
    param: Any = None
    group: str | None = None
    items_per_op: int = 1
    latencies: tuple[float, ...] = ()
    counters: Mapping[str, float] = field(default_factory=dict)
    metrics: Mapping[str, float] = field(default_factory=dict)
    description: str = ""
    evidence: Mapping[str, str] = field(default_factory=dict)  # main statement and its plan
    #: What pytest-benchmark wrote for this test (``name``, ``fullname``, ``params``, ``param``,
    #: ``extra_info``, ``options`` and ``stats`` without ``data``), when it came from pytest.
    pytest: Mapping[str, Any] = field(default_factory=dict)
    windows: Mapping[str, tuple[float, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.samples:
            raise ValueError(f"{self.id}: a result needs at least one sample")

    @cached_property
    def stats(self) -> Stats:
        """pytest-benchmark's ``Stats`` over the samples (fresh, never updated)."""
        s = Stats()
        for value in self.samples:
            s.update(value)
        return s

    @property
    def rounds(self) -> int:
        return len(self.samples)

    @property
    def median(self) -> float:
        return self.stats.median

    @property
    def items_per_second(self) -> float:
        """Items processed per second at the median (ops/s for micro benchmarks)."""
        return self.items_per_op / self.median if self.median > 0 else float("inf")

    def value(self, metric: str) -> float:
        """A named metric: a ``Stats`` field, ``p95``/``p99``, or an extra metric."""
        if metric in self.metrics:
            return float(self.metrics[metric])
        if metric in ("p95", "p99"):
            return statslib.percentile(self.samples, float(metric[1:]))
        if metric in Stats.fields:
            return float(getattr(self.stats, metric))
        raise KeyError(f"{self.id}: no metric {metric!r}")

    def summary(self) -> dict[str, float]:
        """The numbers a baseline keeps and a report shows."""
        s = self.stats
        out = {
            "min": s.min,
            "max": s.max,
            "mean": s.mean,
            "median": s.median,
            "stddev": s.stddev,
            "iqr": s.iqr,
            "p95": self.value("p95"),
            "p99": self.value("p99"),
            "ops": s.ops,
        }
        if self.latencies:
            out["latency_p50"] = statslib.percentile(self.latencies, 50)
            out["latency_p95"] = statslib.percentile(self.latencies, 95)
            out["latency_p99"] = statslib.percentile(self.latencies, 99)
        out.update({k: float(v) for k, v in self.metrics.items()})
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "suite": self.suite,
            "name": self.name,
            "kind": self.kind,
            "param": self.param,
            "group": self.group,
            "samples": list(self.samples),
            "iterations": self.iterations,
            "items_per_op": self.items_per_op,
            "latencies": list(self.latencies),
            "counters": dict(self.counters),
            "metrics": dict(self.metrics),
            "description": self.description,
            "evidence": dict(self.evidence),
            **({"pytest": dict(self.pytest)} if self.pytest else {}),
            **({"windows": {k: list(v) for k, v in self.windows.items()}} if self.windows else {}),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BenchmarkResult:
        return cls(
            id=data["id"],
            suite=data["suite"],
            name=data["name"],
            kind=data["kind"],
            param=data.get("param"),
            group=data.get("group"),
            samples=tuple(float(x) for x in data["samples"]),
            iterations=int(data.get("iterations", 1)),
            items_per_op=int(data.get("items_per_op", 1)),
            latencies=tuple(float(x) for x in data.get("latencies", ())),
            counters=dict(data.get("counters", {})),
            metrics=dict(data.get("metrics", {})),
            description=data.get("description", ""),
            evidence=dict(data.get("evidence", {})),
            pytest=dict(data.get("pytest") or {}),
            windows={
                str(k): tuple(float(x) for x in v) for k, v in data.get("windows", {}).items()
            },
        )


def plain_number(value: float) -> int | float:
    """``value`` as pytest-benchmark's ``extra_info`` shows a count: 11 stays 11, 1.1 stays 1.1."""
    return int(value) if float(value).is_integer() else float(value)
