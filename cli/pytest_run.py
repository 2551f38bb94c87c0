"""``tracetui run --pytest``: a user's own pytest-benchmark tests as a judged tracetui run.

Every argument after ``--pytest`` that is not one of ``tracetui run``'s own
options goes to pytest as written (paths, node ids, ``-k``, ``-m``, ``-x``,
``--benchmark-*``); after ``--`` everything goes to pytest. pytest runs in a
subprocess (:mod:`tracetui.engine.interop.pytest_bridge`); its output is kept
in ``<history folder>/logs/`` when the run does not pass.

Outcomes (the README's exit codes):

- pytest refused to run (usage error, collection error) or selected no
  benchmark test: pytest's own reason on one line, exit 2, the run ``failed``;
- pytest crashed (internal error, killed): exit 3, the run ``crashed``;
- Ctrl-C: exit 130, the run ``cancelled``;
- otherwise the verdicts decide (a benchmark that raised is FAILED, exit 3).

With ``--ci``, doubtful verdicts are confirmed as for suites
(:func:`~tracetui.cli.headless.confirm_doubtful`): pytest runs again on the
node ids of those benchmarks only (:func:`pytest_rerun`), and that run is
judged on its own.

The run's history row is always closed, whatever happens here.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import click
from tracetui.cli.headless import ExitCode, Rerun, StderrProgress, conclude, info
from tracetui.cli.options import RunOptions
from tracetui.engine.core.profiles import get_profile
from tracetui.engine.interop.pytest_bridge import profile_args
from tracetui.engine.interop.pytest_stream import SOURCE
from tracetui.engine.judging.baselines import BaselineStore
from tracetui.engine.recording.history import History
from tracetui.engine.recording.importer import DEFAULT_BACKEND
from tracetui.engine.recording.session import RunRecord, RunRecorder, load_references


def pytest_args(args: Sequence[str]) -> list[str]:
    """The user's arguments for pytest: a first ``--`` (the older spelling) is dropped."""
    out = list(args)
    if "--" in out:
        out.remove("--")
    return [arg for arg in out if arg != "--pytest"]


def run_pytest_suite(options: RunOptions, *, store: BaselineStore, history: History) -> ExitCode:
    """Run pytest with the user's arguments, then :func:`~tracetui.cli.headless.conclude`."""
    from tracetui.engine.core.plan import new_run_id
    from tracetui.engine.interop.pytest_bridge import run_pytest

    run_id = new_run_id()
    log = history.path.parent / "logs" / f"pytest-{run_id}.log"
    recorder = RunRecorder(run_id, history)  # the source is the one the stream names
    progress = StderrProgress()
    profile = get_profile(options.profile) if options.profile_given else None
    extra = [*(profile_args(profile) if profile else []), *pytest_args(options.selection)]
    record = recorder.record
    finished = False
    try:
        code = run_pytest(
            [],
            lambda e: (recorder(e), progress(e)),
            run_id,
            extra,
            log=log,
            backend=options.backend,
        )
        if record.status == "completed" and not record.benchmark_ids:
            record.status = "failed"
            record.error = "pytest selected no benchmark test (a test that uses `benchmark`)"
        if record.status != "completed":
            recorder.finish(())
            finished = True
            return _refused(record, code, log)
        references, policy = load_references(store, record.suites, record.backend)
        rerun = pytest_rerun(record.environment, extra, options.backend, log)
        result = conclude(recorder, record.status, options, references, policy, rerun=rerun)
        finished = True
        if result == ExitCode.OK:
            with contextlib.suppress(OSError):
                log.unlink()
        else:
            info(f"tracetui: pytest's output: {log}")
        return result
    except KeyboardInterrupt:
        record.status = "cancelled" if record.status == "running" else record.status
        raise
    finally:
        if not finished:  # an error of ours: the run must not stay "running"
            record.status = record.status if record.status != "running" else "crashed"
            if not recorder.started:
                history.start_run(
                    run_id,
                    profile="pytest",
                    backend=options.backend or DEFAULT_BACKEND,
                    db_url="",
                    environment={},
                    source=SOURCE,
                )
                recorder.started = True
            recorder.finish(())


#: pytest-benchmark options a re-run of a few benchmarks leaves out: they write files
#: (which must keep what the first run wrote) or gate on saved runs. Name -> how many
#: arguments after it are its values when it has no ``=``: 1, "?" (one, optional), "+"
#: (one or more) or 0 (a flag), as argparse reads them.
LEFT_OUT: dict[str, int | str] = {
    "--benchmark-json": 1,
    "--benchmark-save": 1,
    "--benchmark-autosave": 0,
    "--benchmark-save-data": 0,
    "--benchmark-compare": "?",
    "--benchmark-compare-fail": "+",
    "--benchmark-histogram": "?",
    "--benchmark-cprofile-dump": "?",
}


def rerun_options(args: Sequence[str]) -> list[str]:
    """The user's pytest options without paths, node ids and the options of :data:`LEFT_OUT`."""
    kept: list[str] = []
    rest = list(args)
    while rest:
        arg = rest.pop(0)
        name, eq, _ = arg.partition("=")
        if name not in LEFT_OUT:
            kept.append(arg)
            continue
        values = 0 if eq else LEFT_OUT[name]
        if values == 1 and rest:
            rest.pop(0)
        elif values in ("?", "+"):
            while rest and not rest[0].startswith("-"):
                rest.pop(0)
                if values == "?":
                    break
    return split_paths(kept)[1]


def pytest_rerun(
    environment: Mapping[str, Any], extra: Sequence[str], backend: str | None, log: Path
) -> Rerun:
    """Re-runs of some benchmarks of a pytest run: pytest on their node ids only.

    Node ids are the first run's (its rootdir and ``pytest_nodeids``), as
    absolute paths from the same working directory, with the user's options
    (``-p``, ``-c``, ``--benchmark-*`` rounds) but none that writes files.
    """
    from tracetui.engine.core.plan import new_run_id
    from tracetui.engine.interop.pytest_against import node_ids
    from tracetui.engine.interop.pytest_bridge import run_pytest

    rootdir = str(environment.get("pytest_rootdir") or Path.cwd())
    options = rerun_options(extra)

    def rerun(ids: tuple[str, ...]) -> RunRecord | None:
        nodes = node_ids(environment, ids)
        if not nodes:
            return None
        recorder = RunRecorder(new_run_id(), source="pytest")
        progress = StderrProgress()
        args = [*options, f"--rootdir={rootdir}", *nodes]
        run_pytest(
            [],
            lambda e: (recorder(e), progress(e)),
            recorder.record.run_id,
            args,
            log=log,
            backend=backend,
        )
        return recorder.record if recorder.record.status == "completed" else None

    return rerun


def _refused(record: RunRecord, code: int, log: Path) -> ExitCode:
    """pytest did not run the benchmarks: say why in one line; the exit code by status."""
    from tracetui.engine.recording.reports import summary_line

    click.echo(summary_line(record, []))
    if record.status == "cancelled":
        return ExitCode.INTERRUPTED
    info(f"tracetui: error: {record.error or f'pytest exited with code {code}'}")
    if log.exists() and log.stat().st_size:
        info(f"tracetui: pytest's output: {log}")
    if record.status == "failed":
        return ExitCode.USAGE
    return ExitCode.BENCHMARK_FAILED


def launch_pytest(
    args: Sequence[str],
    *,
    store: BaselineStore,
    history_path: Path,
    profile: str,
    against: Any = None,
) -> int:
    """``tracetui launch --pytest ARGS``: collect with pytest, then open the console on it
    (``against``: the checkout of ``--against REV``, runs then paired A/B with it)."""
    from tracetui.engine.interop.pytest_collect import CollectError, collect
    from tracetui.tui.app import ConsoleApp
    from tracetui.tui.pytest_catalog import (
        pytest_catalog,
        pytest_paired_factory,
        pytest_run_factory,
    )

    paths, options = split_paths(pytest_args(args))
    info(f"tracetui: collecting {' '.join(paths) or '.'} with pytest…")
    try:
        collected = collect(paths, options)
    except CollectError as exc:
        info(f"tracetui: error: {exc}")
        return int(ExitCode.USAGE)
    log = history_path.parent / "logs" / "console.log"
    app = ConsoleApp(  # the console of tracetui's suites, on pytest's catalog and runs
        db_url="sqlite://",
        baselines_dir=store.root,
        history_path=history_path,
        profile=profile,
        catalog=pytest_catalog(collected),
        run_factory=pytest_run_factory(collected, log),
        against=against,
        paired_factory=pytest_paired_factory(collected, log),
        freeze_heap=True,
    )
    code = app.run()
    return code if isinstance(code, int) else 0


def split_paths(args: Sequence[str]) -> tuple[list[str], list[str]]:
    """Paths and node ids (arguments that name something on disk) apart from pytest options.

    A value of an option (``-k expr``, ``-p name``) stays with its option.
    """
    paths: list[str] = []
    options: list[str] = []
    for index, arg in enumerate(args):
        previous = args[index - 1] if index else ""
        takes_value = previous.startswith("-") and "=" not in previous and len(previous) == 2
        target = arg.split("::")[0]
        looks_like_path = target.endswith(".py") or "::" in arg or Path(target).exists()
        if not arg.startswith("-") and not takes_value and looks_like_path:
            paths.append(arg)
        else:
            options.append(arg)
    return paths, options
