"""Numbers a baseline or a policy may hold: malformed ones are input errors, not zeros.

A baseline whose median is NaN, infinite, negative or zero would silently
switch its gate off (every comparison INFO or INCONCLUSIVE); a budget on a
metric no result has would never be checked. Both are refused while the
file is read (the reader turns the ValueError into a BaselineError naming
the file, the benchmark and the key; nothing is written).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

#: Values that may legitimately be zero (a spread, a count, a ratio of failures).
MAY_BE_ZERO = frozenset(
    {"stddev", "iqr", "run_spread", "failure_ratio", "failures", "outliers", "retries"}
)

#: Metrics a budget may name (what BenchmarkResult.value can answer).
BUDGET_METRICS = frozenset(
    {
        "min",
        "max",
        "mean",
        "median",
        "stddev",
        "iqr",
        "p50",
        "p95",
        "p99",
        "ops",
        "rps",
        "failure_ratio",
        "items_per_s",
        "ops_per_s",
        "peak_rps",
        "saturation_users",
        "latency_p50",
        "latency_p95",
        "latency_p99",
    }
)


def number(key: str, raw: Any) -> float:
    """A finite, non-negative number; positive unless ``key`` may be zero."""
    if isinstance(raw, bool):
        raise ValueError(f"{key} = {raw!r} is not a number")
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ValueError(f"{key} = {raw!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"{key} = {raw} is not a finite number")
    last = key.rsplit(".", 1)[-1]
    if value < 0 or (value == 0 and last not in MAY_BE_ZERO):
        need = "non-negative" if last in MAY_BE_ZERO else "positive"
        raise ValueError(f"{key} = {raw} must be {need}")
    return value


def values(table: Mapping[str, Any], prefix: str) -> dict[str, float]:
    return {str(k): number(f"{prefix}.{k}", v) for k, v in table.items()}


def samples(raw: Any, key: str = "samples") -> tuple[float, ...]:
    return tuple(number(f"{key}[{i}]", x) for i, x in enumerate(raw))


def budgets(table: Mapping[str, Any]) -> dict[str, dict[str, float]]:
    """``[budgets."bench.id"] metric = ceiling``: known metrics, valid numbers."""
    out: dict[str, dict[str, float]] = {}
    for bid, budget in table.items():
        if not isinstance(budget, Mapping):
            raise ValueError(f"budgets.{bid!r} must be a table")
        for key in budget:
            if key not in BUDGET_METRICS:
                known = ", ".join(sorted(BUDGET_METRICS))
                raise ValueError(f"budgets.{bid!r}: unknown metric {key!r} (known: {known})")
        out[str(bid)] = values(budget, f"budgets.{bid!r}")
    return out
