"""Why is it slower? One untimed call of a benchmark under cProfile.

The top functions by cumulative time, as a small JSON-able table, so a
regressed benchmark can be shown beside the same table from an earlier
run (the fastest recent one in the history).
"""

from __future__ import annotations

import cProfile
import json
import pstats
from collections.abc import Callable, Sequence
from typing import Any

TOP = 15
_OWN_FRAMES = (
    "engine/measuring/timing.py",
    "engine/measuring/case_runner.py",
    "engine/measuring/profiling.py",
)  # tracetui's wrappers, not the work


def profile_call(call: Callable[[], object], *, repeat: int = 1) -> list[dict[str, Any]]:
    """Run ``call`` ``repeat`` times under cProfile; the top functions, most expensive first."""
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        for _ in range(repeat):
            call()
    finally:
        profiler.disable()
    stats = pstats.Stats(profiler)
    rows = []
    for (filename, line, func), (_cc, ncalls, tottime, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        if "_lsprof" in func or "cProfile" in filename or filename.endswith(_OWN_FRAMES):
            continue
        rows.append(
            {
                "function": f"{_short(filename)}:{line}({func})" if line else func,
                "calls": ncalls,
                "tottime": tottime / repeat,
                "cumtime": cumtime / repeat,
            }
        )
    rows.sort(key=lambda r: r["cumtime"], reverse=True)
    return rows[:TOP]


def _short(filename: str) -> str:
    for marker in ("site-packages/", "/work/", "/lib/python"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


def dumps(rows: Sequence[dict[str, Any]]) -> str:
    return json.dumps(list(rows), separators=(",", ":"))


def reference_for(
    history: Any, benchmark_id: str, baseline_commit: str | None
) -> tuple[list[dict[str, Any]] | None, str]:
    """The profile to compare with, and where it came from.

    The history's profile at the baseline's commit when there is one, else
    the fastest recent profiled run of the benchmark.
    """
    earlier = history.profiles(benchmark_id) if history is not None else []
    at_commit = [p for p in earlier if baseline_commit and p[1] == baseline_commit]
    chosen = at_commit or sorted(earlier, key=lambda p: p[2])
    if not chosen:
        return None, "no earlier profile in the history"
    run_id, _commit, _median, text = chosen[0]
    return json.loads(text), f"run {run_id}"


def compare(current: Sequence[dict[str, Any]], reference: Sequence[dict[str, Any]] | None) -> str:
    """A text table: current top functions with the reference's time beside them."""
    ref = {r["function"]: r for r in reference or ()}
    lines = [f"{'cumulative':>12} {'was':>12} {'calls':>8}  function"]
    for row in current:
        was = ref.get(row["function"])
        was_text = f"{was['cumtime'] * 1e3:.3f} ms" if was else ("new" if ref else "—")
        lines.append(
            f"{row['cumtime'] * 1e3:>9.3f} ms {was_text:>12} {row['calls']:>8}  {row['function']}"
        )
    return "\n".join(lines)
