"""Is this the machine the baselines were measured on? If not, by what factor?

A stored baseline is a number from one machine at one moment. When the
run's fingerprint (what decides speed: CPU model and count, Python, OS and
architecture, backend and its version) differs from the one the baseline
recorded, or when the run's floors (the raw sqlite3 benchmarks: no
SQLAlchemy, no service, only the machine) moved beyond their noise, the
machine factor is estimated from the floors (geometric mean of their
current/baseline medians) and divided out of the time references, and the
user is told so first. When the floors cannot give a factor (there are
none, or they disagree among themselves: a VM switching speed between
benchmarks, reads and writes slowed by different factors), the factor is the
median ratio of the whole run's benchmarks (most code did not change, so the
median is the machine's) and time verdicts are relative to it but cannot fail
the build: they are reported, capped at INCONCLUSIVE, and the benchmarks slower
than the machine explains are named. Exact evidence (SQL statements per
operation, plans) gates as always.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from tracetui.engine.core.results import BenchmarkResult
from tracetui.engine.judging.verdicts import Level, Reference, Verdict

#: Values in seconds: a slower machine multiplies them by its factor.
TIME_METRICS = frozenset({"median", "mean", "min", "max", "p95", "p99", "stddev"})

#: Benchmarks whose time is the machine's alone (no code under test of ours).
FLOOR_MARK = "raw_sqlite3"
#: Floors move this much run to run on one machine (measured: ±3–13 % here, busy).
FLOOR_NOISE = 0.15
#: Floors that disagree by more than this (largest / smallest ratio) give no factor.
FLOOR_AGREEMENT = 1.5
#: Kinds whose times scale with the machine (a load run's latency is not a floor's).
SCALED_KINDS = frozenset({"micro", "workload", "concurrent"})
#: Benchmarks a whole-run factor needs: with fewer, one changed benchmark is the median.
RUN_FACTOR_MIN = 5


def is_floor(benchmark_id: str) -> bool:
    return FLOOR_MARK in benchmark_id


@dataclass(frozen=True)
class MachineFactor:
    """``factor`` = this machine's times / the baseline machine's (None: not measurable)."""

    factor: float | None
    other_machine: bool  # the fingerprints differ
    floors: int  # how many floors measured it (for a whole-run factor: benchmarks)
    why: str  # "another machine", "the floors moved" or "the floors disagree"
    spread: tuple[float, float] | None = None  # smallest and largest floor ratio
    from_run: bool = False  # the factor is the whole run's median ratio, not the floors'

    @property
    def gating(self) -> bool:
        """Whether time verdicts judged with this factor may fail the build: only with a
        factor the floors agree on."""
        return self.factor is not None and not self.from_run

    def note(self) -> str:
        where = "another machine" if self.other_machine else "this machine as it is now"
        if self.factor is not None and self.from_run:
            floors = (
                f"the floors disagree, ×{self.spread[0]:.2f} to ×{self.spread[1]:.2f}"
                if self.spread is not None
                else "no raw sqlite3 floors in this run"
            )
            return (
                f"baseline measured on {where}: this one ×{self.factor:.2f}, the median of "
                f"{self.floors} benchmarks ({floors}); time verdicts are relative to it and "
                "cannot fail the build; for a gate use --against"
            )
        if self.factor is None and self.spread is not None:
            low, high = self.spread
            return (
                f"baseline measured on {where}: the floors disagree (×{low:.2f} to ×{high:.2f} "
                f"over {self.floors} raw sqlite3 benchmarks), so no single machine factor "
                "applies: time verdicts cannot fail the build; for a gate use --against"
            )
        if self.factor is None:
            return (
                "baseline measured on another machine and this run has no floors "
                "(raw sqlite3 benchmarks) to measure it: time verdicts cannot fail the "
                "build; for a gate use --against"
            )
        head = (
            "baseline measured on another machine"
            if self.other_machine
            else "the floors moved since the baseline was measured"
        )
        return (
            f"{head}: this one ×{self.factor:.2f} on the floors ({self.floors} raw sqlite3 "
            "benchmarks); time verdicts are relative to it; for a gate use --against"
        )

    def adjust(self, reference: Reference, kind: str) -> Reference:
        """The reference as if measured on this machine (times × factor)."""
        if self.factor is None or kind not in SCALED_KINDS:
            return reference
        f = self.factor
        values = {
            k: v * f if k in TIME_METRICS else v / f if k == "ops" else v
            for k, v in reference.values.items()
        }
        return replace(reference, values=values, samples=tuple(s * f for s in reference.samples))


def baseline_fingerprint(references: Mapping[str, Any]) -> str | None:
    """The fingerprint most baselines of this comparison were accepted with, if any."""
    prints = [e.provenance.get("fingerprint") for e in references.values()]
    prints = [p for p in prints if p]
    return statistics.mode(prints) if prints else None


def estimate(
    results: Mapping[str, BenchmarkResult],
    references: Mapping[str, Any],
    fingerprint: str | None,
) -> MachineFactor | None:
    """The machine factor to divide out, or None when this is the baseline's machine
    and its floors did not move beyond their noise."""
    recorded = baseline_fingerprint(references)
    other = recorded is not None and fingerprint is not None and recorded != fingerprint
    ratios = _ratios(results, references, lambda bid, _result: is_floor(bid))
    if not ratios:
        if not other:
            return None
        return _from_run(results, references, other, "another machine", None) or MachineFactor(
            None, True, 0, "another machine"
        )
    factor = math.exp(statistics.fmean(math.log(r) for r in ratios))
    agree = all(r > 1 for r in ratios) or all(r < 1 for r in ratios)
    moved = agree and abs(math.log(factor)) > math.log1p(FLOOR_NOISE)
    if not (other or moved):
        return None
    if max(ratios) / min(ratios) > FLOOR_AGREEMENT:
        # The floors disagree (measured under heavy I/O contention: ×1.6 to ×12 for
        # four raw sqlite3 benchmarks; on a VM switching speed, ×1.38 to ×2.56 with
        # every baseline × 0.6): no floor describes this machine; the run as a whole may.
        spread = (min(ratios), max(ratios))
        return _from_run(
            results, references, other, "the floors disagree", spread
        ) or MachineFactor(None, other, len(ratios), "the floors disagree", spread)
    return MachineFactor(
        factor, other, len(ratios), "another machine" if other else "the floors moved"
    )


def _ratios(
    results: Mapping[str, BenchmarkResult],
    references: Mapping[str, Any],
    keep: Callable[[str, BenchmarkResult], bool],
) -> list[float]:
    """current / baseline median of each result ``keep`` admits that has a baseline median
    (zero or negative medians are left out)."""
    ratios = []
    for bid, result in results.items():
        entry = references.get(bid)
        if not keep(bid, result) or entry is None or "median" not in entry.values:
            continue
        base = float(entry.values["median"])
        if base > 0 and result.median > 0:
            ratios.append(result.median / base)
    return ratios


def _from_run(
    results: Mapping[str, BenchmarkResult],
    references: Mapping[str, Any],
    other: bool,
    why: str,
    spread: tuple[float, float] | None,
) -> MachineFactor | None:
    """The median current/baseline ratio of every time-scaled benchmark of the run, or
    None with fewer than :data:`RUN_FACTOR_MIN` of them."""
    ratios = _ratios(results, references, lambda _bid, result: result.kind in SCALED_KINDS)
    if len(ratios) < RUN_FACTOR_MIN:
        return None
    return MachineFactor(statistics.median(ratios), other, len(ratios), why, spread, from_run=True)


def not_gating(verdict: Verdict) -> Verdict:
    """A time regression measured against another machine, with no factor to divide out,
    is reported but cannot fail the build; exact evidence and budgets still can."""
    exact = verdict.sql_regressed or verdict.plan_changed or verdict.budget_broken
    if verdict.level.is_regression and not exact:
        return replace(verdict, level=Level.INCONCLUSIVE)
    return verdict


def _short_cpu(model: str) -> str:
    """``Intel(R) Xeon(R) Platinum 8272CL CPU @ 2.60GHz`` → ``Intel Xeon Platinum 8272CL``."""
    for noise in ("(R)", "(TM)", "(tm)", " CPU", " Processor"):
        model = model.replace(noise, "")
    return " ".join(model.split("@", 1)[0].split())


def describe_machine(environment: Mapping[str, Any]) -> str:
    """What the fingerprint hashes, in a few words: ``2 × Intel Xeon …, CPython 3.12.3,
    Linux 6.8.0 x86_64, sqlite 3.45.1`` ("" when the environment says none of it)."""
    parts = []
    cpu = _short_cpu(str(environment.get("cpu") or ""))
    count = environment.get("cpu_count")
    if cpu or count:
        parts.append(f"{count} × {cpu}" if cpu and count else cpu or f"{count} CPUs")
    python = environment.get("python")
    if python:
        parts.append(f"{environment.get('python_implementation') or 'Python'} {python}")
    system = " ".join(str(environment[k]) for k in ("system", "arch") if environment.get(k))
    if system:
        parts.append(system)
    backend = environment.get("backend")
    if backend:
        version = environment.get("driver_version")
        parts.append(f"{backend} {version}" if version else str(backend))
    return ", ".join(parts)


def replaces_other_machine(old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
    """Why accepting would replace a baseline measured on another machine ("" if it would
    not). ``old`` is the stored baseline's provenance, ``new`` the accepted run's
    provenance (or environment); a baseline without a fingerprint says nothing."""
    before, after = old.get("fingerprint"), new.get("fingerprint")
    if not before or not after or before == after:
        return ""

    def said(side: Mapping[str, Any]) -> str:
        return str(side.get("fingerprint_desc") or describe_machine(side) or side["fingerprint"])

    return f"replaces a baseline measured on another machine ({said(old)} → this one {said(new)})"
