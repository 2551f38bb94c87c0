"""The approval decision, independent of widgets.

A :class:`Review` holds one run's verdicts and results, the baselines they
were compared with, and the user's decision per benchmark. Only accepted
rows are ever handed to :meth:`tracetui.engine.judging.baselines.BaselineStore.accept`, so a
rejected (or undecided) benchmark leaves its baseline file byte-identical.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracetui.engine.core.results import BenchmarkResult
from tracetui.engine.judging import machine
from tracetui.engine.judging.baselines import (
    BaselineEntry,
    BaselineError,
    BaselineStore,
    provenance_of,
    replaces_stronger,
)
from tracetui.engine.judging.verdicts import Level, Verdict
from tracetui.engine.measuring.against import describe_environment
from tracetui.engine.recording.history import History
from tracetui.engine.recording.session import RunRecord
from tracetui.tui.bridge import judge


class Decision(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


@dataclass
class Review:
    run_id: str
    backend: str
    verdicts: list[Verdict]
    results: Mapping[str, BenchmarkResult]
    references: Mapping[str, BaselineEntry]
    provenance: Mapping[str, Any] = field(default_factory=dict)
    decisions: dict[str, Decision] = field(default_factory=dict)
    profile: str = ""
    noise: str = ""  # the machine's noise line measured before the run ("" if unknown)
    #: What the judging said of the machine first (the engine's machine factor note, "").
    machine: str = ""
    saved: set[str] = field(default_factory=set)  # accepted rows already written
    #: The baselines an acceptance would replace (default: ``references``; a paired run
    #: is judged against its base, not against these).
    stored: Mapping[str, BaselineEntry] = field(default_factory=dict)
    against: str = ""  # a paired run: "head … vs base …" ("" otherwise)

    def __post_init__(self) -> None:
        if not self.stored:
            self.stored = self.references
        for v in self.verdicts:
            self.decisions.setdefault(v.benchmark_id, Decision.PENDING)

    def unsaved(self) -> list[str]:
        """Accepted rows not written yet (rejecting writes nothing, so it is never unsaved)."""
        return [
            bid
            for bid, decision in self.decisions.items()
            if decision == Decision.ACCEPTED and bid not in self.saved
        ]

    def weakens_baseline(self, benchmark_id: str) -> str:
        """Why accepting this row would replace a baseline it should not lightly replace
        ("" if none): one reason, or several joined by "; ", after ``<id>: ``.

        A lighter profile (a smoke run over a standard baseline) or one run over a
        baseline pooled from several runs throws away evidence; a baseline measured on
        another machine (another fingerprint) is about to become this machine's. The
        user is asked either way.
        """
        entry = self.stored.get(benchmark_id)
        if entry is None:
            return ""
        result = self.results.get(benchmark_id)
        rounds = result.rounds if result is not None else None
        reasons = [
            replaces_stronger(entry, self.profile, rounds) if self.profile else "",
            machine.replaces_other_machine(entry.provenance, self.provenance),
        ]
        said = "; ".join(r for r in reasons if r)
        return f"{benchmark_id}: {said}" if said else ""

    def verdict(self, benchmark_id: str) -> Verdict:
        return next(v for v in self.verdicts if v.benchmark_id == benchmark_id)

    def can_accept(self, benchmark_id: str) -> bool:
        return benchmark_id in self.results

    def accept(self, benchmark_id: str) -> bool:
        """Mark a row accepted; False when it has no result to accept (failed, missing)."""
        if not self.can_accept(benchmark_id):
            return False
        self.decisions[benchmark_id] = Decision.ACCEPTED
        return True

    def reject(self, benchmark_id: str) -> None:
        self.decisions[benchmark_id] = Decision.REJECTED

    def accept_all_but_critical(self) -> list[str]:
        """Accept every row with a result that is not CRITICAL and not explicitly rejected.

        Rows that would replace a stronger baseline (:meth:`weakens_baseline`) are left
        for the user to accept one by one.
        """
        changed = []
        for v in self.verdicts:
            bid = v.benchmark_id
            if (
                not self.weakens_baseline(bid)
                and v.level != Level.CRITICAL
                and not v.budget_broken
                and self.can_accept(bid)
                and self.decisions[bid] == Decision.PENDING
            ):
                self.decisions[bid] = Decision.ACCEPTED
                changed.append(bid)
        return changed

    def accepted_results(self) -> list[BenchmarkResult]:
        return [
            self.results[bid]
            for bid, decision in self.decisions.items()
            if decision == Decision.ACCEPTED and bid in self.results
        ]

    def save(self, store: BaselineStore) -> list[Path]:
        """Write the accepted rows (only those) as baselines; the files that changed."""
        accepted = self.accepted_results()
        if not accepted:
            return []
        paths = store.accept(accepted, backend=self.backend, provenance=self.provenance)
        self.saved.update(r.id for r in accepted)
        return paths


def review_of_record(
    record: RunRecord,
    verdicts: list[Verdict],
    references: Mapping[str, BaselineEntry],
    noise: str = "",
    stored: Mapping[str, BaselineEntry] | None = None,
) -> Review:
    return Review(
        run_id=record.run_id,
        backend=record.backend,
        verdicts=list(verdicts),  # evaluate() gives one verdict per benchmark
        results=dict(record.results),
        references=dict(references),
        provenance=provenance_of(
            record.run_id, record.environment, accepted_by="tracetui launch", profile=record.profile
        ),
        profile=record.profile,
        noise=noise,
        machine=record.machine_note,
        stored=dict(references if stored is None else stored),
        against=describe_environment(record.environment),
    )


def review_from_history(history: History, run_id: str, store: BaselineStore) -> tuple[Review, str]:
    """A past run judged against today's baselines (a paired run keeps the verdicts on its
    base it was given); returns it and a baseline error ("")."""
    summary = history.get_run(run_id)
    if summary is None:
        raise KeyError(f"no run {run_id!r} in the history")
    results = history.results(run_id)
    stored = {v.benchmark_id: v for v in history.verdicts(run_id)}
    record = RunRecord(
        run_id=run_id,
        profile=summary.profile,
        backend=summary.backend,
        db_url=summary.db_url,
        benchmark_ids=tuple(dict.fromkeys([*(r.id for r in results), *stored])),
        environment=summary.environment,
        results={r.id: r for r in results},
        failures={bid: v.error for bid, v in stored.items() if v.level == Level.FAILED},
        status=summary.status,
    )
    if describe_environment(summary.environment):  # paired: judged on its base, as it was
        try:
            baselines, error = store.references(record.suites, record.backend), ""
        except BaselineError as exc:
            baselines, error = {}, str(exc)
        return review_of_record(record, list(stored.values()), {}, stored=baselines), error
    verdicts, references, error = judge(record, store)
    return review_of_record(record, verdicts, references), error


__all__ = [
    "BaselineError",
    "Decision",
    "Review",
    "review_from_history",
    "review_of_record",
]
