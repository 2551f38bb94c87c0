"""``tracetui run --pytest PATH --against REV``: a user's pytest-benchmark tests, A/B.

The run is :class:`tracetui.engine.interop.pytest_against.PairedPytestRun`
(K pairs of whole pytest runs, more for undecided tests), the console's own;
this module checks the paths exist on both sides, records the run's events
in the history, prints the report and returns the exit code.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
from tracetui.cli.against import AgainstError, checkout, describe
from tracetui.cli.headless import ExitCode, exit_code_for, info, report
from tracetui.cli.options import ReportPaths
from tracetui.engine.core.profiles import get_profile
from tracetui.engine.interop.pytest_against import PairedPytestRun, SideMeasuredNothing
from tracetui.engine.judging.verdicts import Level
from tracetui.engine.measuring.paired import pairs_for
from tracetui.engine.recording.history import History
from tracetui.engine.recording.session import RunRecorder


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
    run = PairedPytestRun(base, relative, extra, pairs=k, policy=policy, say=info)
    recorder = RunRecorder(run.run_id, history, source="pytest")
    try:
        for event in run:
            recorder(event)
    except SideMeasuredNothing as exc:
        info(f"tracetui: --against {rev}: {exc}")
        return ExitCode.BENCHMARK_FAILED
    if run.status == "crashed":
        recorder.finish(())
        info(f"tracetui: --against {rev}: {run.failure}")
        return ExitCode.BENCHMARK_FAILED
    verdicts = run.verdicts(policy)
    recorder.finish(verdicts)
    click.echo(f"paired A/B: {describe(base)}, {run.summary()}")
    report(recorder.record, verdicts, fail_level, reports)
    return exit_code_for(verdicts, run.status, fail_level)
