"""The ``tracetui`` command line: headless runs, baselines, history, and the console.

Headless output is an API: the verdict table and listings go to stdout,
progress and diagnostics to stderr, and the exit code says what happened
(:class:`ExitCode`). Bad input is one line on stderr and exit 2, never a
traceback. The commands parse; :mod:`tracetui.cli.options` checks ``run``'s
options and :mod:`tracetui.cli.headless` runs them. ``baseline`` and
``history`` live in modules of their own. It must stay importable without
Textual: ``launch`` imports the console only when it is called.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
from tracetui.cli import headless, importing_done
from tracetui.cli.baseline_cmd import baseline_group
from tracetui.cli.common import (
    baselines_option,
    connect_or_fail,
    db_option,
    history_option,
    open_history,
    resolve_baselines,
)
from tracetui.cli.errors import fail, run_guarded
from tracetui.cli.headless import ExitCode, info
from tracetui.cli.history_cmd import history_command
from tracetui.cli.options import RunOptions
from tracetui.cli.params import PORT, OutputFile, PositiveNumber, ensure_can_serve
from tracetui.engine.core.database import DatabaseConfigError, backend_name, mask_url
from tracetui.engine.core.extras import require_extra
from tracetui.engine.core.plan import Plan
from tracetui.engine.core.profiles import PROFILES, UnknownProfile, get_profile
from tracetui.engine.core.registry import (
    UnknownSelection,
    load_suites,
    select,
    suite_of,
)
from tracetui.engine.recording.reports import format_seconds
from tracetui.engine.recording.session import load_references

# The command group -------------------------------------------------------------------


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="tracetui")
def cli() -> None:
    """tracetui — a terminal performance console for trace-management systems.

    \b
    Exit codes: 0 pass · 1 regression or budget broken · 2 usage/configuration
    error · 3 a benchmark failed to run · 130 interrupted.
    """


@cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def list_command(as_json: bool) -> None:
    """List suites and their benchmark ids."""
    suites = load_suites()
    if as_json:
        payload = {
            name: {
                "description": suite.description,
                "benchmarks": [
                    {"id": b.id, "kind": str(b.kind), "description": b.description}
                    for b in suite.benchmarks
                ],
            }
            for name, suite in suites.items()
        }
        click.echo(json.dumps(payload, indent=2))
        return
    for name, suite in suites.items():
        click.echo(f"{name} — {suite.description} ({len(suite.benchmarks)} benchmarks)")
        for b in suite.benchmarks:
            desc = f"  {b.description}" if b.description else ""
            click.echo(f"  {b.id:<46} {b.kind:<10}{desc}")


class RunCommand(click.Command):
    """``run``/``launch``: with ``--pytest``, arguments it does not know go to pytest as written."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        own = args[: args.index("--")] if "--" in args else args
        if "--pytest" in own:
            ctx.ignore_unknown_options = True
        return super().parse_args(ctx, args)


@cli.command("run", cls=RunCommand)
@click.argument("selection", nargs=-1, type=click.UNPROCESSED)
@click.option(
    "--ci",
    is_flag=True,
    help="Confirm doubtful verdicts before the exit code: run INCONCLUSIVE and "
    "regressed benchmarks once more (a regression must show again).",
)
@db_option
@click.option(
    "--profile", default="standard", show_default=True, help=f"Run profile: {', '.join(PROFILES)}."
)
@click.option(
    "--json",
    "json_path",
    type=OutputFile(),
    help="Write pytest-benchmark JSON here.",
)
@click.option(
    "--junit",
    "junit_path",
    type=OutputFile(),
    help="Write JUnit XML here.",
)
@click.option(
    "--markdown",
    "markdown_path",
    type=OutputFile(),
    help="Write a Markdown summary here.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["critical", "warning"]),
    default="critical",
    show_default=True,
    help="Lowest level that fails the run.",
)
@baselines_option
@history_option
@click.option("--users", type=int, default=None, help="Load suite: concurrent users (1–1000).")
@click.option(
    "--spawn-rate",
    type=PositiveNumber(),
    default=None,
    help="Load suite: users started per second.",
)
@click.option("--duration", default=None, help="Load suite: how long, e.g. 10s or 2m (1 s – 1 h).")
@click.option(
    "--host", default=None, help="Load suite: target URL (default: start the reference API)."
)
@click.option(
    "--user-class",
    type=click.Choice(["fast", "http"]),
    default=None,
    help="Load suite: Locust FastHttpUser or HttpUser.",
)
@click.option("--master", is_flag=True, help="Load suite: run Locust as a master.")
@click.option("--expect-workers", type=int, default=0, help="Load suite: workers to wait for.")
@click.option(
    "--master-bind-host",
    default=None,
    help="Load suite: address the master listens on (default 127.0.0.1; "
    "0.0.0.0 for workers on other hosts).",
)
@click.option(
    "--master-port",
    type=PORT,
    default=None,
    help="Load suite: port the master listens on (default 5557).",
)
@click.option(
    "--interleave",
    is_flag=True,
    help="Alternate the rounds of consecutive micro benchmarks of a suite, so that "
    "machine drift spreads over all of them. Caches are shared, so results "
    "compare only with baselines accepted from interleaved runs.",
)
@click.option(
    "--profile-regressions",
    is_flag=True,
    help="Re-run regressed benchmarks under cProfile and show their top functions.",
)
@click.option(
    "--noise-check/--no-noise-check",
    default=True,
    show_default=True,
    help="Measure this machine's noise for 0.3 s first and say what it can detect.",
)
@click.option(
    "--against",
    "against_rev",
    default=None,
    metavar="REV",
    help="Measure git revision REV beside the working tree (paired A/B) and judge the ratio.",
)
@click.option(
    "--pytest",
    "pytest_mode",
    is_flag=True,
    help="Run a user's own pytest-benchmark tests: the arguments (paths, node ids, -k, "
    "--benchmark-* …) go to pytest; after -- everything does.",
)
@click.option(
    "--backend",
    default=None,
    help="With --pytest: the backend label of the run and its baselines [default: pytest; "
    "for tracetui's own suites, that of --tracetui-db].",
)
def run_command(**values: Any) -> None:
    """Run suites or benchmarks headless, judge them against baselines, exit by verdict.

    SELECTION is any mix of suite names and benchmark ids (default: every suite).
    """
    source = click.get_current_context().get_parameter_source("profile")
    options = RunOptions.from_click(
        values, profile_given=source != click.core.ParameterSource.DEFAULT
    )
    store = resolve_baselines(options.baselines_dir)
    if options.pytest_mode:
        from tracetui.cli.pytest_run import run_pytest_suite

        history = open_history(options.history_path)
        if options.against_rev is not None:  # paired A/B of whole pytest runs
            raise SystemExit(int(_pytest_against(options, store, history)))
        raise SystemExit(int(run_pytest_suite(options, store=store, history=history)))
    if options.backend:
        fail("--backend goes with --pytest (a suite run takes its backend from --db)")
    try:
        ids = select(options.selection)
    except UnknownSelection as exc:
        fail(str(exc))
    if not ids:
        fail("nothing to run: the selection has no benchmarks")
    suites = list(dict.fromkeys(suite_of(b) for b in ids))
    known = load_suites()
    for name in suites:
        extra = known[name].extra
        if extra:
            require_extra(extra, f"the {name} suite")  # before anything is written
    connect_or_fail(options.db_url)
    if "load" in suites:  # the load suite's own rules, before any user spawns
        from tracetui.suites.load import load_options
        from tracetui.suites.load.process import LoadTargetError, check_reachable

        try:
            load = load_options(options.plan_options(), options.profile)
            if load.host is not None:
                check_reachable(load.host)
        except (ValueError, LoadTargetError) as exc:
            fail(str(exc))
    references, policy = load_references(store, suites, backend_name(options.db_url))
    if options.against_rev is not None:  # paired A/B against a git revision: cli.against
        from tracetui.cli.against import run_against

        code = run_against(
            options.against_rev,
            ids,
            profile=options.profile,
            db_url=options.db_url,
            options=options.plan_options(),
            policy=policy,
            history=open_history(options.history_path),
            fail_level=options.fail_on,
            paths=options.reports,
        )
        raise SystemExit(int(code))
    plan = Plan(
        benchmark_ids=tuple(ids),
        profile=options.profile,
        db_url=options.db_url,
        options=options.plan_options(),
    )
    history = open_history(options.history_path)
    raise SystemExit(int(headless.run_suites(plan, options, references, policy, history)))


def _pytest_against(options: RunOptions, store: Any, history: Any) -> int:
    from tracetui.cli.against_pytest import run_pytest_against
    from tracetui.cli.pytest_run import pytest_args, split_paths

    paths, extra = split_paths(pytest_args(options.selection))
    return run_pytest_against(
        options.against_rev or "",
        paths,
        extra,
        profile=options.profile,
        policy=store.load_policy(),
        history=history,
        fail_level=options.fail_on,
        reports=options.reports,
    )


cli.add_command(baseline_group)
cli.add_command(history_command)


# Front ends and servers --------------------------------------------------------------


@cli.command("launch", cls=RunCommand)
@click.argument("pytest_args", nargs=-1, type=click.UNPROCESSED)
@click.option(
    "--pytest",
    "pytest_mode",
    is_flag=True,
    help="Your own pytest-benchmark tests instead of tracetui's suites: the arguments "
    "(paths, -k, -p …) go to pytest, which collects them for the picker.",
)
@db_option
@click.option("--suite", "suites", multiple=True, help="Preselect a suite (repeatable).")
@click.option(
    "--profile", default="smoke", show_default=True, help=f"Initial profile: {', '.join(PROFILES)}."
)
@click.option(
    "--against",
    "against_rev",
    default=None,
    metavar="REV",
    help="Preselect a git revision to compare with (paired A/B, as run --against; b changes it).",
)
@baselines_option
@history_option
def launch_command(
    pytest_args: tuple[str, ...],
    pytest_mode: bool,
    db_url: str,
    suites: tuple[str, ...],
    profile: str,
    against_rev: str | None,
    baselines_dir: Path | None,
    history_path: Path,
) -> None:
    """Open the console: pick, run, watch, review and approve."""
    try:
        get_profile(profile)
    except UnknownProfile as exc:
        fail(str(exc))
    if pytest_mode:
        store = resolve_baselines(baselines_dir)
        base = _launch_base(against_rev)
        from tracetui.cli.pytest_run import launch_pytest

        raise SystemExit(
            launch_pytest(
                pytest_args, store=store, history_path=history_path, profile=profile, against=base
            )
        )
    if pytest_args:
        fail(f"unexpected argument {pytest_args[0]!r} (pytest arguments go with --pytest)")
    known = load_suites()
    for name in suites:
        if name not in known:
            fail(f"unknown suite {name!r} (see `tracetui list`)")
    try:
        mask_url(db_url)
    except DatabaseConfigError as exc:
        fail(str(exc))
    store = resolve_baselines(baselines_dir)
    open_history(history_path).close()  # damaged, locked, in the way: one line, not a crash
    base = _launch_base(against_rev)
    from tracetui.tui.app import run_console

    raise SystemExit(
        run_console(
            db_url=db_url,
            suites=list(suites) or None,
            baselines_dir=store.root,
            history_path=history_path,
            profile=profile,
            against=base,
        )
    )


def _launch_base(against_rev: str | None) -> Any:
    """The checkout of ``launch --against REV`` (None without it), as run --against makes
    it: a bad REV is one line, exit 2."""
    if against_rev is None:
        return None
    from tracetui.engine.measuring.against import AgainstError, checkout

    try:
        return checkout(against_rev)
    except AgainstError as exc:
        fail(str(exc))


@cli.command("serve")
@db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8000, show_default=True, type=PORT, help="Port to bind.")
@click.option(
    "--workers",
    default=None,
    type=click.IntRange(min=1),
    help="Server processes [default: 1 on SQLite, 2 on PostgreSQL: what measured best].",
)
@click.option(
    "--token",
    envvar="TRACETUI_API_TOKEN",
    default=None,
    help="Require 'Authorization: Bearer TOKEN' ($TRACETUI_API_TOKEN); needed beyond loopback.",
)
def serve_command(
    db_url: str, host: str, port: int, workers: int | None, token: str | None
) -> None:
    """Serve the reference trace system's HTTP API (uvicorn, uvloop, httptools)."""
    require_extra("load", "tracetui serve")
    from tracetui.suites.api_server import (
        ServeConfigError,
        check_exposure,
        check_workers,
        default_workers,
        serve,
    )

    try:
        check_exposure(host, token)
        if workers is not None:
            check_workers(workers)
    except ServeConfigError as exc:
        fail(str(exc))
    connect_or_fail(db_url)
    ensure_can_serve(host, port)
    workers = workers if workers is not None else default_workers(db_url)
    info(
        f"tracetui: serving the trace API on http://{host}:{port} ({mask_url(db_url)}, "
        f"{workers} worker{'s' if workers != 1 else ''}{', token required' if token else ''})"
    )
    try:
        serve(db_url, host=host, port=port, workers=workers, token=token)
    except SystemExit as exc:
        if exc.code:  # uvicorn exits 1 when it cannot start (it logged why): not a regression
            fail(f"the API server on {host}:{port} could not start")
        raise


@cli.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--backend",
    default=None,
    help="Backend label of the imported runs (sqlite, postgresql…) [default: the one "
    "tracetui wrote into the file, else pytest, as `run --pytest` uses].",
)
@history_option
def import_command(files: tuple[Path, ...], backend: str | None, history_path: Path) -> None:
    """Import pytest-benchmark JSON files or storage folders (.benchmarks/) into the history.

    Each file becomes one run, all or nothing; a bad file is refused with one
    line (exit 2) and the others are still imported.
    """
    from tracetui.engine.recording.importing import import_files

    missing = [str(f) for f in files if not f.exists()]
    if missing:
        fail(f"no such file or folder: {', '.join(missing)}")
    summary = import_files(list(files), open_history(history_path), backend=backend)
    for _, reason in summary.refused:  # the reason names the file
        info(f"tracetui: error: {reason}")
    for path, run_id in summary.skipped:
        info(f"tracetui: {path} was imported before as run {run_id}")
    if not summary.imported and not summary.skipped and not summary.refused:
        fail(f"no pytest-benchmark JSON files in {', '.join(map(str, files))}")
    click.echo(summary.line())
    if summary.refused:
        raise SystemExit(int(ExitCode.USAGE))


@cli.command("doctor")
@click.option("--seconds", default=3.0, show_default=True, help="How long to measure.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def doctor_command(seconds: float, as_json: bool) -> None:
    """Measure this machine's noise and the smallest regression it can detect."""
    from tracetui.engine.measuring.doctor import measure

    if not 0.5 <= seconds <= 60:
        fail(f"--seconds {seconds} is out of range (allowed 0.5–60)")
    report = measure(seconds)
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2))
        return
    click.echo(
        f"timer          perf_counter, resolution {format_seconds(report.timer_resolution)}"
        f", overhead {format_seconds(report.timer_overhead)} per call"
    )
    click.echo(
        f"CPUs           {report.cpu_count}, load {report.load_average:.2f}, governor "
        f"{report.governor or 'unknown'}, isolated {report.isolated_cpus or 'none'}"
    )
    click.echo(
        f"spread         single rounds ±{report.round_spread / 2:.1%} (IQR/2), "
        f"run-to-run medians ±{report.run_spread:.1%}"
    )
    click.echo(
        f"detectable     regressions above ≈{report.detectable:.0%} can be told from noise here"
    )
    for line in report.warnings:
        click.echo(f"warning        {line}")
    for line in report.advice:
        click.echo(f"advice         {line}")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: every fault becomes one line on stderr and its exit code (cli.errors)."""
    importing_done()  # Ctrl-C is KeyboardInterrupt again, for run_guarded
    return run_guarded(
        lambda: cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="tracetui",
            standalone_mode=False,
        )
    )


if __name__ == "__main__":
    sys.exit(main())
