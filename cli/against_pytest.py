"""``tracetui run --pytest PATH --against REV``: a user's pytest-benchmark tests, A/B.

pytest-benchmark runs a test's rounds inside one pytest process, so the
pairing here is by whole runs: K pairs of runs (smoke 3, standard 4,
thorough 6), base and head next to each other in time, the first side
flipping from pair to pair (B H, H B, …). Each run is pytest in that side's
tree (``python -m pytest`` puts the tree first on ``sys.path``; a package
installed elsewhere is imported from there, on both sides). A pair's
statistic is head median / base median; the verdict is the paired ratio
over the K pairs (:mod:`tracetui.engine.judging.paired`), as for suites.
As for suites, a test whose interval after K pairs still holds a level's
edge (WARNING or CRITICAL) gets more pairs, up to 2K, of pytest runs on its
node ids alone (each side's own, from its first run).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
from tracetui.cli.against import AgainstError, checkout, describe
from tracetui.cli.headless import ExitCode, exit_code_for, info, report
from tracetui.cli.options import ReportPaths
from tracetui.cli.pytest_run import node_ids
from tracetui.engine.core.events import BenchmarkFinished, Event, RunFinished, RunStarted
from tracetui.engine.core.plan import new_run_id
from tracetui.engine.core.profiles import get_profile
from tracetui.engine.core.results import BenchmarkResult
from tracetui.engine.judging.paired import paired_verdict, straddles
from tracetui.engine.judging.verdicts import Level, Verdict
from tracetui.engine.measuring.paired import pairs_for
from tracetui.engine.recording.history import History
from tracetui.engine.recording.session import RunRecorder


def _one_run(
    paths: Sequence[str], tree: Path, extra: Sequence[str]
) -> tuple[dict[str, BenchmarkResult], RunStarted | None, str]:
    from tracetui.engine.interop.pytest_bridge import run_pytest

    results: dict[str, BenchmarkResult] = {}
    started: list[RunStarted] = []
    status = ["crashed"]

    def collect(event: Event) -> None:
        if isinstance(event, BenchmarkFinished):
            results[event.result.id] = event.result
        elif isinstance(event, RunStarted):
            started.append(event)
        elif isinstance(event, RunFinished):
            status[0] = event.status if results or event.status != "crashed" else event.error

    run_pytest(list(paths), collect, new_run_id(), extra_args=list(extra), cwd=tree)
    return results, (started[0] if started else None), status[0]


def _verdict_of(
    bid: str, runs: dict[str, list[dict[str, BenchmarkResult]]], policy: Any, k: int = 0
) -> Verdict:
    """``bid``'s verdict on the pairs so far (each pair: head median / base median); a base
    that missed it in any of the first ``k`` pairs judges it as new."""
    head_runs = [r[bid] for r in runs["head"] if bid in r]
    base_runs = [r[bid] for r in runs["base"] if bid in r]
    paired = len(head_runs) == len(base_runs) >= k
    return paired_verdict(
        bid,
        [[r.median] for r in head_runs] if paired else [],
        [[r.median] for r in base_runs] if paired else [],
        head_runs[-1],
        base_runs[-1] if paired else None,
        policy.thresholds_for(bid),
        base_error="" if paired else "not measured by every base run",
    )


def run_pytest_against(
    rev: str,
    paths: Sequence[str],
    extra: Sequence[str],
    *,
    profile: str,
    policy: Any,
    history: History,
    fail_level: Level,
    reports: ReportPaths,
) -> ExitCode:
    try:
        base = checkout(rev)
    except AgainstError as exc:
        info(f"tracetui: {exc}")
        return ExitCode.USAGE
    relative = []
    for path in paths:
        rel = Path(path).resolve().relative_to(base.top) if Path(path).is_absolute() else None
        rel = rel or (Path.cwd() / path).resolve().relative_to(base.top)
        if not (base.tree / rel).exists():
            info(f"tracetui: --against {rev} ({base.commit[:10]}): base has no {rel}")
            return ExitCode.USAGE
        relative.append(str(rel))
    k = pairs_for(get_profile(profile))
    info(f"tracetui: paired A/B of pytest runs, {describe(base)}: {k} pairs of runs")
    sides = {"base": base.tree, "head": base.top}
    runs: dict[str, list[dict[str, BenchmarkResult]]] = {"base": [], "head": []}
    first: dict[str, RunStarted] = {}  # each side's first run: its rootdir and node ids
    targets = {"base": relative, "head": relative}
    pair, doubtful = 0, 0
    while pair < 2 * k:
        if pair >= k:  # the extra pairs: only the tests still undecided
            undecided = [
                bid
                for bid in runs["head"][0]
                if straddles(_verdict_of(bid, runs, policy), policy.thresholds_for(bid))
            ]
            targets = {
                name: node_ids(first[name].environment, undecided) if name in first else []
                for name in sides
            }
            if not undecided or not all(targets.values()):
                break
            doubtful = len(undecided)
        for name in ("base", "head") if pair % 2 == 0 else ("head", "base"):
            results, started, status = _one_run(targets[name], sides[name], extra)
            if not results:
                info(f"tracetui: --against {rev}: the {name} pytest run measured nothing: {status}")
                return ExitCode.BENCHMARK_FAILED
            runs[name].append(results)
            if started is not None:
                first.setdefault(name, started)
            of = f"{pair + 1}/{k}" if pair < k else f"{pair + 1}/{2 * k}, extra"
            info(f"[pair {of}] {name}: {len(results)} benchmarks")
        pair += 1
    head_start = first.get("head")
    run_id = new_run_id()
    recorder = RunRecorder(run_id, history, source="pytest")
    ids = tuple(runs["head"][0])
    recorder(
        RunStarted(
            run_id=run_id,
            benchmark_ids=ids,
            profile="pytest",
            backend=head_start.backend if head_start else "pytest",
            db_url="",
            environment={
                **(head_start.environment if head_start else {}),
                "against": {"rev": rev, "commit": base.commit, "pairs": k},
            },
        )
    )
    verdicts: list[Verdict] = []
    for bid in ids:
        recorder(BenchmarkFinished(result=[r[bid] for r in runs["head"] if bid in r][-1]))
        verdicts.append(_verdict_of(bid, runs, policy, k))
    recorder(RunFinished(run_id=run_id, status="completed"))
    recorder.finish(verdicts)
    more = f", {pair - k} more for {doubtful} undecided" if pair > k else ""
    click.echo(f"paired A/B: {describe(base)}, {k} pairs of pytest runs{more}")
    report(recorder.record, verdicts, fail_level, reports)
    return exit_code_for(verdicts, "completed", fail_level)
