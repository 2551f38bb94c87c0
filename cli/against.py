"""``tracetui run SELECTION --against REV``: the base revision measured beside the head.

The run itself is :class:`tracetui.engine.measuring.against.PairedRun` (the
console runs the same one): this module checks the base out, feeds the run's
events to the history, judges on the paired ratios, reports naming both
commits and returns the exit code. Every failure of the git side is one line
and exit code 2.
"""

from __future__ import annotations

from typing import Any

import click
from tracetui.cli.headless import ExitCode, exit_code_for, info, report
from tracetui.cli.options import ReportPaths
from tracetui.engine.core.database import backend_name, describe_target, parse_url
from tracetui.engine.core.plan import Plan
from tracetui.engine.judging.verdicts import Level
from tracetui.engine.measuring.against import (
    PROTOCOL_MARK,
    WORKTREES,
    AgainstError,
    Checkout,
    PairedRun,
    checkout,
    describe,
    refused,
    side_url,
)
from tracetui.engine.measuring.paired import MissingBenchmarks, SideDatabaseError, SideError
from tracetui.engine.recording.history import History
from tracetui.engine.recording.session import RunRecorder

__all__ = [
    "PROTOCOL_MARK",
    "WORKTREES",
    "AgainstError",
    "Checkout",
    "checkout",
    "describe",
    "run_against",
    "side_url",
]


def run_against(
    rev: str,
    ids: list[str],
    *,
    profile: str,
    db_url: str,
    options: dict[str, Any],
    policy: Any,
    history: History,
    fail_level: Level,
    paths: ReportPaths,
) -> ExitCode:
    """The whole paired run; returns the exit code (AgainstError → one line, exit 2)."""
    why = refused(ids)
    if why:
        info(f"tracetui: {why}")
        return ExitCode.USAGE
    try:
        base_checkout = checkout(rev)
    except AgainstError as exc:
        info(f"tracetui: {exc}")
        return ExitCode.USAGE
    plan = Plan(benchmark_ids=tuple(ids), profile=profile, db_url=db_url, options=options)
    run = PairedRun(base_checkout, plan, say=info, policy=policy)
    k = run.pairs
    info(f"tracetui: paired A/B, {describe(base_checkout)}: {len(ids)} benchmarks × {k} pairs")
    base, head = run.sides()
    if base.own_database and backend_name(db_url) == "postgresql":
        names = " and ".join(parse_url(s.db_url).database or "" for s in (base, head))
        info(
            f"tracetui: base and head each in a database of their own on the server of "
            f"{describe_target(db_url)}: {names} (dropped after the run)"
        )
    recorder = RunRecorder(plan.run_id, history)
    try:
        for event in run:
            recorder(event)
    except MissingBenchmarks as exc:
        info(f"tracetui: --against {rev} ({base_checkout.commit[:10]}): {exc}")
        return ExitCode.USAGE
    except SideDatabaseError as exc:
        info(f"tracetui: error: --against {rev}: {exc}")
        return ExitCode.USAGE
    except SideError as exc:
        info(f"tracetui: --against {rev}: {exc}")
        return ExitCode.BENCHMARK_FAILED
    verdicts = run.verdicts(policy)
    recorder.finish(verdicts)
    if run.failure:
        info(f"tracetui: --against {rev}: {run.failure}")
        return ExitCode.BENCHMARK_FAILED
    click.echo(f"paired A/B: {describe(base_checkout)}, {run.pairs} process pairs")
    report(recorder.record, verdicts, fail_level, paths)
    return exit_code_for(verdicts, run.status, fail_level)
