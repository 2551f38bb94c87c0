"""The live view of a paired A/B run: the dashboard, naming both commits.

A paired run measures every benchmark once per process pair (pair 1 of all
benchmarks, then pair 2 …), so a benchmark finishes only in the last pair;
its panel's "round k/K" is the pair. Progress counts pairs measured, not
benchmarks finished. Everything else is :class:`DashboardScreen`'s.
"""

from __future__ import annotations

from typing import Any

from tracetui.engine.core.plan import Plan
from tracetui.tui.screens.dashboard import DashboardScreen


class PairedDashboardScreen(DashboardScreen):
    def __init__(self, plan: Plan, *, against: str, pairs: int, **kwargs: Any) -> None:
        super().__init__(plan, **kwargs)
        self.against = against
        self.pairs = max(1, pairs)
        self.sub_title = f"{self.sub_title} · A/B {against}"

    def _fraction(self) -> float:
        ids = self.plan.benchmark_ids
        if not ids:
            return 1.0
        measured = sum(
            self.pairs
            if bid in self.done
            else min(self.pairs, self.series[bid].round)
            if bid in self.series
            else 0
            for bid in ids
        )
        return min(1.0, measured / (self.pairs * len(ids)))
