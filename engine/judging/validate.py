"""Numbers a baseline or a policy may hold: malformed ones are input errors, not zeros.

A baseline whose median is NaN, infinite, negative or zero would silently
switch its gate off (every comparison INFO or INCONCLUSIVE); a budget on a
metric no result has would never be checked. Both are refused while the
file is read: this module checks a baseline entry's numbers, the policy
reader its budgets; the reader turns the ValueError into a BaselineError
naming the file, the benchmark and the key, and nothing is written.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

#: Values that may legitimately be zero (a spread, a count, a ratio of failures).
MAY_BE_ZERO = frozenset(
    {"stddev", "iqr", "run_spread", "failure_ratio", "failures", "outliers", "retries"}
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
