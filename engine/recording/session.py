"""One run from a front end's point of view: record events, judge results.

:class:`RunRecorder` folds the event stream into a :class:`RunRecord`
(writing each result to the history as it arrives, so a cancelled run keeps
what finished). :func:`evaluate` turns a record into verdicts against the
baselines and the policy. Both front ends (the headless CLI and the
console) use exactly these two, so they can never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tracetui.engine.core.events import (
    BenchmarkFailed,
    BenchmarkFinished,
    Event,
    RunFinished,
    RunStarted,
)
from tracetui.engine.core.registry import SuiteLoadError, benchmarks_of, suite_names, suite_of
from tracetui.engine.core.results import BenchmarkResult
from tracetui.engine.judging import machine as machine_mod
from tracetui.engine.judging.baselines import (
    POLICY_FILE,
    BaselineEntry,
    BaselineError,
    BaselineStore,
    Policy,
)
from tracetui.engine.judging.verdicts import Level, RegressionCheck, Verdict, failed, missing
from tracetui.engine.recording.history import History


@dataclass
class RunRecord:
    """What a run produced so far."""

    run_id: str
    profile: str = ""
    backend: str = ""
    db_url: str = ""
    benchmark_ids: tuple[str, ...] = ()
    environment: Mapping[str, Any] = field(default_factory=dict)
    results: dict[str, BenchmarkResult] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    status: str = "running"
    error: str = ""
    duration: float = 0.0
    machine_note: str = ""  # set by evaluate() when the baseline's machine differs

    @property
    def suites(self) -> list[str]:
        return list(dict.fromkeys(suite_of(b) for b in self.benchmark_ids))


class RunRecorder:
    """Feed it every event; it keeps the record and the history in step.

    The run's history ``source`` is the one its stream names
    (``RunStarted.environment["source"]``: ``pytest`` for a run pytest streamed,
    whichever front end started it), else ``source``.
    """

    def __init__(self, run_id: str, history: History | None = None, *, source: str = "run") -> None:
        self.record = RunRecord(run_id=run_id)
        self.history = history
        self.source = source
        self.started = False

    def __call__(self, event: Event) -> None:
        rec = self.record
        if isinstance(event, RunStarted):
            rec.profile, rec.backend, rec.db_url = event.profile, event.backend, event.db_url
            rec.benchmark_ids = event.benchmark_ids
            rec.environment = event.environment
            self.started = True
            if self.history:
                self.history.start_run(
                    rec.run_id,
                    profile=event.profile,
                    backend=event.backend,
                    db_url=event.db_url,
                    environment=event.environment,
                    source=source_of(event, self.source),
                    started_at=event.started_at or None,
                    planned=len(event.benchmark_ids),
                )
        elif isinstance(event, BenchmarkFinished):
            rec.results[event.result.id] = event.result
            if self.history:
                self.history.add_result(rec.run_id, event.result)
        elif isinstance(event, BenchmarkFailed):
            rec.failures[event.benchmark_id] = event.error
            if self.history:
                self.history.add_failure(rec.run_id, event.benchmark_id, event.error)
        elif isinstance(event, RunFinished):
            rec.status = event.status
            rec.error = event.error
            rec.duration = event.duration

    def finish(self, verdicts: Iterable[Verdict]) -> None:
        """Close the run in the history with its status (an empty run too: never "running")."""
        if self.history and self.started:
            self.history.finish_run(self.record.run_id, self.record.status, verdicts)


def source_of(event: RunStarted, default: str = "run") -> str:
    """The history source a run's stream names for itself, else ``default``."""
    named = event.environment.get("source")
    return named if isinstance(named, str) and named else default


def evaluate(
    record: RunRecord,
    references: Mapping[str, BaselineEntry],
    policy: Policy,
    *,
    planned_suites: Iterable[str] | None = None,
    floors: Mapping[str, BenchmarkResult] | None = None,
    machine: machine_mod.MachineFactor | str | None = "estimate",
) -> list[Verdict]:
    """A verdict per planned benchmark, plus MISSING for baselines whose benchmark is gone.

    Order follows the plan. MISSING is reported only within suites that
    were planned, for baseline entries no registered benchmark has (for a
    pytest run: of modules pytest collected whole, not deselected). The
    machine factor (:mod:`tracetui.engine.judging.machine`) is estimated from
    the record's floors, or from ``floors`` (an earlier run's results) for a
    re-run that measured none. A given ``machine`` (an earlier run's estimate, None
    for "same machine") is used as it is instead.
    """
    verdicts: list[Verdict] = []
    if isinstance(machine, str):
        machine = estimate_machine(record, references, floors)
    record.machine_note = machine.note() if machine else ""
    unexplained: list[str] = []  # time regressions beyond a factor that cannot gate
    for bid in record.benchmark_ids:
        if bid in record.results:
            result = record.results[bid]
            check = RegressionCheck(policy.thresholds_for(bid), policy.budgets_for(bid))
            entry = references.get(bid)
            reference = entry.reference if entry else None
            if reference is not None and machine is not None:
                reference = machine.adjust(reference, result.kind)
            verdict = check.check(result, reference)
            if machine is not None and not machine.gating:
                capped = machine_mod.not_gating(verdict)
                named = capped.level is not verdict.level and not machine_mod.is_floor(bid)
                if named and verdict.change is not None:
                    unexplained.append(f"{bid} {verdict.change * 100:+.0f} %")
                verdict = capped
            verdicts.append(verdict)
        elif bid in record.failures:
            verdicts.append(failed(bid, record.failures[bid]))
    if unexplained and machine is not None and machine.factor is not None:
        record.machine_note += (
            "\nslower than the machine factor explains (not gating): " + ", ".join(unexplained)
        )
    suites = set(planned_suites if planned_suites is not None else record.suites)
    known: set[str] = set()
    for name in sorted(suites & set(suite_names())):
        try:
            known.update(benchmarks_of([name]))
        except SuiteLoadError:
            suites.discard(name)  # a suite that cannot load cannot say what is missing
    judged = set(record.results) | set(record.failures)
    for bid, entry in references.items():
        if (
            suite_of(bid) in suites
            and bid not in known
            and bid not in judged
            and _may_be_missing(record.environment, bid)
        ):
            verdicts.append(missing(bid, entry.reference))
    return verdicts


def estimate_machine(
    record: RunRecord,
    references: Mapping[str, BaselineEntry],
    floors: Mapping[str, BenchmarkResult] | None = None,
) -> machine_mod.MachineFactor | None:
    """The machine factor of this record's run (its floors, or ``floors``) against these
    references; None when this is the baselines' machine as it was."""
    return machine_mod.estimate(
        {**(floors or {}), **record.results}, references, record.environment.get("fingerprint")
    )


def load_references(
    store: BaselineStore, suites: Iterable[str], backend: str
) -> tuple[dict[str, BaselineEntry], Policy]:
    """Baselines of these suites for this backend and the policy (raises BaselineError).

    A budget or threshold naming a benchmark that a planned, registered suite
    does not have is a typo, refused before anything runs.
    """
    suites = list(suites)
    policy = store.load_policy()
    registered = set(suites) & set(suite_names())
    if registered:
        known = set(benchmarks_of(sorted(registered)))
        for kind, ids in (
            ("budget", policy.budgets),
            ("threshold", policy.benchmark_thresholds),
        ):
            for bid in ids:
                if suite_of(bid) in registered and bid not in known:
                    raise BaselineError(
                        f"{store.root / POLICY_FILE}: {kind} for unknown benchmark {bid!r} "
                        "(see `tracetui list`)"
                    )
    return store.references(suites, backend), policy


def count_levels(verdicts: Iterable[Verdict]) -> dict[Level, int]:
    counts: dict[Level, int] = {}
    for v in verdicts:
        counts[v.level] = counts.get(v.level, 0) + 1
    return counts


def _may_be_missing(environment: Mapping[str, Any], benchmark_id: str) -> bool:
    """Whether a baselined test not run was asked for (always, unless pytest says otherwise).

    A pytest run's environment says what pytest collected: node ids named
    (nothing else was asked for), the modules collected and the tests
    ``-k``/``-m`` deselected.
    """
    if "pytest_scope" not in environment:
        return True
    if environment.get("pytest_node_ids_given"):
        return False
    if benchmark_id in set(environment.get("pytest_deselected") or ()):
        return False
    return any(benchmark_id.startswith(f"{module}.") for module in environment["pytest_scope"])
