"""The ``tracetui`` command line: headless runs, baselines, history, and the console.

Headless output is an API: the verdict table and listings go to stdout,
progress and diagnostics to stderr, and the exit code says what happened
(:class:`ExitCode`). Bad input is one line on stderr and exit 2, never a
traceback. This module parses and validates; :mod:`tracetui.cli.headless` runs.
It must stay importable without Textual: ``launch`` imports the console
only when it is called.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import click
from tracetui.cli import headless
from tracetui.cli.headless import ExitCode, StderrProgress, exit_code_for, info
from tracetui.engine.core.database import (
    DEFAULT_DB_URL,
    DatabaseConfigError,
    backend_name,
    check_connection,
    ensure_sqlite_folder,
    mask_url,
)
from tracetui.engine.core.plan import Plan
from tracetui.engine.core.profiles import PROFILES, UnknownProfile, get_profile
from tracetui.engine.core.registry import (
    SuiteLoadError,
    UnknownSelection,
    load_suites,
    select,
    suite_of,
)
from tracetui.engine.core.results import BenchmarkResult
from tracetui.engine.judging.baselines import (
    DEFAULT_DIR,
    BaselineError,
    BaselineStore,
    provenance_of,
)
from tracetui.engine.judging.verdicts import Level
from tracetui.engine.recording import history as history_mod
from tracetui.engine.recording.history import History
from tracetui.engine.recording.reports import format_seconds, render_table
from tracetui.engine.recording.session import RunRecorder, evaluate, load_references


class CliError(Exception):
    """A user-facing error: one line on stderr, then exit with ``code``."""

    def __init__(self, message: str, code: ExitCode = ExitCode.USAGE) -> None:
        super().__init__(message)
        self.code = code


def fail(message: str, code: ExitCode = ExitCode.USAGE) -> NoReturn:
    raise CliError(message, code)


def env_default(name: str, default: str) -> str:
    return os.environ.get(name) or default


# Options shared by several commands ------------------------------------------------

db_option = click.option(
    "--db",
    "db_url",
    default=lambda: env_default("TRACETUI_DB", DEFAULT_DB_URL),
    show_default=f"$TRACETUI_DB or {DEFAULT_DB_URL}",
    help="SQLAlchemy URL of the database the suites run against.",
)
baselines_option = click.option(
    "--baselines",
    "baselines_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help=f"Baselines folder [default: $TRACETUI_BASELINES or {DEFAULT_DIR}/].",
)
history_option = click.option(
    "--history",
    "history_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=lambda: env_default("TRACETUI_HISTORY", str(history_mod.DEFAULT_PATH)),
    show_default=f"$TRACETUI_HISTORY or {history_mod.DEFAULT_PATH}",
    help="Run-history database (SQLite).",
)


def resolve_baselines(path: Path | None) -> BaselineStore:
    """The baselines store; a folder named explicitly must exist."""
    if path is None:
        env = os.environ.get("TRACETUI_BASELINES")
        if env:
            path = Path(env)
        else:
            return BaselineStore(DEFAULT_DIR)
    if not path.is_dir():
        fail(f"baselines folder not found: {path}")
    return BaselineStore(path)


def connect_or_fail(db_url: str) -> None:
    """Check the database answers (creating the default SQLite folder first)."""
    try:
        if db_url == DEFAULT_DB_URL:
            ensure_sqlite_folder(db_url)
        check_connection(db_url)
    except DatabaseConfigError as exc:
        fail(str(exc))


def open_history(path: Path) -> History:
    try:
        return History(path)
    except Exception as exc:  # unreadable or not a database
        fail(f"cannot open history database {path}: {str(exc).splitlines()[0]}")


def parse_duration(text: str) -> float:
    """``10``, ``10s``, ``2m``, ``1h`` -> seconds."""
    units = {"s": 1, "m": 60, "h": 3600}
    value = text.strip().lower()
    scale = 1
    if value and value[-1] in units:
        scale = units[value[-1]]
        value = value[:-1]
    try:
        seconds = float(value) * scale
    except ValueError:
        fail(f"invalid duration {text!r} (use e.g. 10s, 2m)")
    return seconds


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


LOAD_USERS_RANGE = (1, 1000)
LOAD_DURATION_RANGE = (1.0, 3600.0)


@cli.command("run")
@click.argument("selection", nargs=-1)
@click.option("--ci", is_flag=True, help="Plain output for CI logs (no colour, no prompts).")
@db_option
@click.option(
    "--profile", default="standard", show_default=True, help=f"Run profile: {', '.join(PROFILES)}."
)
@click.option(
    "--json",
    "json_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write pytest-benchmark JSON here.",
)
@click.option(
    "--junit",
    "junit_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write JUnit XML here.",
)
@click.option(
    "--markdown",
    "markdown_path",
    type=click.Path(path_type=Path, dir_okay=False),
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
    "--spawn-rate", type=float, default=None, help="Load suite: users started per second."
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
    type=int,
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
    "--pytest",
    "pytest_paths",
    multiple=True,
    type=click.Path(exists=True),
    help="Run a user's own pytest-benchmark tests (repeatable) instead of suites.",
)
def run_command(
    selection: tuple[str, ...],
    ci: bool,
    db_url: str,
    profile: str,
    json_path: Path | None,
    junit_path: Path | None,
    markdown_path: Path | None,
    fail_on: str,
    baselines_dir: Path | None,
    history_path: Path,
    users: int | None,
    spawn_rate: float | None,
    duration: str | None,
    host: str | None,
    user_class: str | None,
    master: bool,
    expect_workers: int,
    master_bind_host: str | None,
    master_port: int | None,
    interleave: bool,
    profile_regressions: bool,
    noise_check: bool,
    pytest_paths: tuple[str, ...],
) -> None:
    """Run suites or benchmarks headless, judge them against baselines, exit by verdict.

    SELECTION is any mix of suite names and benchmark ids (default: every suite).
    """
    try:
        get_profile(profile)
    except UnknownProfile as exc:
        fail(str(exc))
    options = _load_options(users, spawn_rate, duration, host, user_class, master, expect_workers)
    if interleave:
        options["interleave"] = True
    if master:
        options.update(
            {
                k: v
                for k, v in (("master_bind_host", master_bind_host), ("master_port", master_port))
                if v is not None
            }
        )
    elif master_bind_host or master_port:
        fail("--master-bind-host and --master-port go with --master")
    fail_level = Level[fail_on.upper()]
    store = resolve_baselines(baselines_dir)
    if pytest_paths:
        code = _run_pytest(
            pytest_paths,
            selection,
            store,
            history_path,
            fail_level,
            json_path,
            junit_path,
            markdown_path,
        )
        raise SystemExit(int(code))
    try:
        ids = select(selection)
    except UnknownSelection as exc:
        fail(str(exc))
    if not ids:
        fail("nothing to run: the selection has no benchmarks")
    connect_or_fail(db_url)
    backend = backend_name(db_url)
    suites = list(dict.fromkeys(suite_of(b) for b in ids))
    if host is not None and "load" in suites:
        from tracetui.suites.load.process import LoadTargetError, check_reachable

        try:
            check_reachable(host)  # before any user spawns
        except LoadTargetError as exc:
            fail(str(exc))
    try:
        references, policy = load_references(store, suites, backend)
    except BaselineError as exc:
        fail(str(exc))
    plan = Plan(benchmark_ids=tuple(ids), profile=profile, db_url=db_url, options=options)
    if noise_check:
        from tracetui.engine.measuring.doctor import measure

        info("tracetui: " + measure(0.3).one_line())
    history = open_history(history_path)
    recorder = RunRecorder(plan.run_id, history)
    status = headless.stream_run(plan, [recorder, StderrProgress()])
    record = recorder.record
    verdicts = evaluate(record, references, policy, planned_suites=suites)
    if ci and status == "completed":
        verdicts = headless.confirm_doubtful(plan, recorder, verdicts, references, policy, suites)
    recorder.finish(verdicts)
    headless.report(record, verdicts, fail_level, json_path, junit_path, markdown_path)
    if profile_regressions and status == "completed":
        headless.profile_regressions(plan, recorder, verdicts, references)
    raise SystemExit(int(exit_code_for(verdicts, status, fail_level)))


def _load_options(
    users: int | None,
    spawn_rate: float | None,
    duration: str | None,
    host: str | None,
    user_class: str | None,
    master: bool,
    expect_workers: int,
) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if users is not None:
        lo, hi = LOAD_USERS_RANGE
        if not lo <= users <= hi:
            fail(f"--users {users} is out of range (allowed {lo}–{hi})")
        options["users"] = users
    if spawn_rate is not None:
        if spawn_rate <= 0:
            fail(f"--spawn-rate {spawn_rate} must be positive")
        options["spawn_rate"] = spawn_rate
    if duration is not None:
        seconds = parse_duration(duration)
        lo_d, hi_d = LOAD_DURATION_RANGE
        if not lo_d <= seconds <= hi_d:
            fail(f"--duration {duration} is out of range (allowed 1s–1h)")
        options["duration"] = seconds
    if host is not None:
        options["host"] = host
    if user_class is not None:
        options["user_class"] = user_class
    if master:
        if not 1 <= expect_workers <= 64:
            fail(f"--master needs --expect-workers in 1–64, got {expect_workers}")
        options["master"] = True
        options["expect_workers"] = expect_workers
    return options


def _run_pytest(
    paths, selection, store, history_path, fail_level, json_path, junit_path, markdown_path
) -> ExitCode:
    try:
        from tracetui.engine.interop.pytest_bridge import run_pytest
    except ImportError:
        fail("--pytest is not available in this installation")
    from tracetui.engine.core.plan import new_run_id

    run_id = new_run_id()
    history = open_history(history_path)
    recorder = RunRecorder(run_id, history, source="pytest")
    progress = StderrProgress()
    code = run_pytest(
        list(paths), lambda e: (recorder(e), progress(e)), run_id, extra_args=list(selection)
    )
    record = recorder.record
    try:
        references, policy = load_references(store, record.suites, record.backend or "pytest")
    except BaselineError as exc:
        fail(str(exc))
    verdicts = evaluate(record, references, policy)
    recorder.finish(verdicts)
    headless.report(record, verdicts, fail_level, json_path, junit_path, markdown_path)
    if not record.results and code not in (0, 5):
        return ExitCode.BENCHMARK_FAILED
    return exit_code_for(verdicts, record.status, fail_level)


# Baselines ---------------------------------------------------------------------------


@cli.group("baseline")
def baseline_group() -> None:
    """Show and accept baselines (TOML files under baselines/)."""


@baseline_group.command("accept")
@click.argument("selection", nargs=-1)
@click.option("--from-run", "run_id", default=None, help="Run id (default: the last run).")
@click.option(
    "--runs",
    "pool_runs",
    default=1,
    show_default=True,
    type=click.IntRange(1, 20),
    help="Pool each result with the same benchmark's earlier runs (up to N in all) "
    "to record the run-to-run noise; 5 is a good choice for committed baselines.",
)
@baselines_option
@history_option
def baseline_accept(
    selection: tuple[str, ...],
    run_id: str | None,
    pool_runs: int,
    baselines_dir: Path | None,
    history_path: Path,
) -> None:
    """Accept a run's results (all, or SUITE/ID…) as the new baselines."""
    store = resolve_baselines(baselines_dir)
    if not history_path.exists():
        fail(f"no history at {history_path}: run `tracetui run` first")
    history = open_history(history_path)
    run_id = run_id or history.latest_run_id()
    if run_id is None:
        fail(f"no run with results in {history_path}")
    run = history.get_run(run_id)
    if run is None:
        fail(f"unknown run {run_id!r} (see `tracetui history`)")
    results = history.results(run_id)
    if selection:
        wanted = set(selection)
        results = [
            r
            for r in results
            if r.id in wanted or r.suite in wanted or any(r.id.startswith(w + "[") for w in wanted)
        ]
        if not results:
            fail(f"run {run_id} has no results for {' '.join(selection)}")
    if not results:
        fail(f"run {run_id} has no results to accept")
    provenance = provenance_of(
        run_id, run.environment, profile=run.profile, accepted_by="tracetui baseline accept"
    )
    earlier: dict[str, list[BenchmarkResult]] = {}
    pooled_runs: set[str] = set()
    if pool_runs > 1:
        for result in results:
            found = history.results_for(
                result.id, backend=run.backend, before=run_id, limit=pool_runs - 1
            )
            earlier[result.id] = [r for _, r in found]
            pooled_runs.update(rid for rid, _ in found)
        if pooled_runs:
            provenance["pooled_runs"] = sorted(pooled_runs)
    try:
        changed = store.accept(results, backend=run.backend, provenance=provenance, earlier=earlier)
    except BaselineError as exc:
        fail(str(exc))
    pooled = f", pooled with {len(pooled_runs)} earlier run(s)" if pooled_runs else ""
    click.echo(f"accepted {len(results)} result(s) from run {run_id}{pooled}")
    for path in changed:
        click.echo(f"  wrote {path}")
    if not changed:
        click.echo("  no baseline file changed")


@baseline_group.command("show")
@click.argument("suites", nargs=-1)
@click.option("--backend", default=None, help="Only this backend (sqlite, postgresql…).")
@baselines_option
def baseline_show(suites: tuple[str, ...], backend: str | None, baselines_dir: Path | None) -> None:
    """Print accepted baselines."""
    store = resolve_baselines(baselines_dir)
    files = store.all_files()
    shown = 0
    for path in files:
        suite, file_backend = path.name.split(".")[:2]
        if (suites and suite not in suites) or (backend and file_backend != backend):
            continue
        try:
            loaded = store.load(suite, file_backend)
        except BaselineError as exc:
            fail(str(exc))
        click.echo(f"{path} ({len(loaded.entries)} benchmarks)")
        for bid, entry in loaded.entries.items():
            median = entry.values.get("median")
            sql = entry.counters.get("sql_statements")
            prov = entry.provenance
            click.echo(
                f"  {bid:<46} median {format_seconds(median):>11}  rounds {entry.rounds:>3}"
                + (f"  SQL/op {sql:g}" if sql is not None else "")
                + f"  accepted {prov.get('accepted_at', '?')} run {prov.get('run_id', '?')}"
            )
        shown += 1
    if not shown:
        click.echo(f"no baselines in {store.root}/")


# History -----------------------------------------------------------------------------


@cli.command("history")
@click.option("--limit", default=20, show_default=True, help="How many runs.")
@click.option("--run", "run_id", default=None, help="Show one run's verdicts.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@history_option
def history_command(limit: int, run_id: str | None, as_json: bool, history_path: Path) -> None:
    """Past runs (or one run's verdicts) from the history database."""
    if not history_path.exists():
        fail(f"no history at {history_path}")
    history = open_history(history_path)
    if run_id:
        if history.get_run(run_id) is None:
            fail(f"unknown run {run_id!r}")
        verdicts = history.verdicts(run_id)
        if as_json:
            from tracetui.engine.judging.stats import percentile

            stats = {  # per call, seconds: what a script comparing runs needs
                r.id: {
                    "mean": r.stats.mean,
                    "median": r.median,
                    "stddev": r.stats.stddev,
                    "p95": percentile(list(r.samples), 95),
                    "rounds": r.rounds,
                }
                for r in history.results(run_id)
                if r.samples
            }
            rows = [{**v.to_json(), "stats": stats.get(v.benchmark_id)} for v in verdicts]
            click.echo(json.dumps(rows, indent=2))
        else:
            click.echo(render_table(verdicts))
        return
    runs = history.runs(limit=limit)
    if as_json:
        click.echo(json.dumps([r.__dict__ for r in runs], indent=2, default=str))
        return
    click.echo(
        f"{'RUN':<22}  {'STARTED':<19}  {'STATUS':<9} {'PROFILE':<8} {'BACKEND':<10} "
        f"{'COMMIT':<10}  {'RESULTS':>7}  {'REGRESSIONS':>11}  {'FAILED':>6}"
    )
    for r in runs:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(r.started_at))
        click.echo(
            f"{r.run_id:<22}  {when:<19}  {r.status:<9} {r.profile:<8} {r.backend:<10} "
            f"{(r.commit or '-')[:10]:<10}  {r.result_count:>7}  "
            f"{r.regressions:>11}  {r.failures:>6}"
        )


# Front ends and servers --------------------------------------------------------------


@cli.command("launch")
@db_option
@click.option("--suite", "suites", multiple=True, help="Preselect a suite (repeatable).")
@click.option(
    "--profile", default="smoke", show_default=True, help=f"Initial profile: {', '.join(PROFILES)}."
)
@baselines_option
@history_option
def launch_command(
    db_url: str,
    suites: tuple[str, ...],
    profile: str,
    baselines_dir: Path | None,
    history_path: Path,
) -> None:
    """Open the console: pick, run, watch, review and approve."""
    try:
        get_profile(profile)
    except UnknownProfile as exc:
        fail(str(exc))
    known = load_suites()
    for name in suites:
        if name not in known:
            fail(f"unknown suite {name!r} (see `tracetui list`)")
    try:
        mask_url(db_url)
    except DatabaseConfigError as exc:
        fail(str(exc))
    store = resolve_baselines(baselines_dir)
    from tracetui.tui.app import run_console

    raise SystemExit(
        run_console(
            db_url=db_url,
            suites=list(suites) or None,
            baselines_dir=store.root,
            history_path=history_path,
            profile=profile,
        )
    )


@cli.command("serve")
@db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to bind.")
def serve_command(db_url: str, host: str, port: int) -> None:
    """Serve the reference trace system's HTTP API (uvicorn)."""
    connect_or_fail(db_url)
    from tracetui.suites.api import serve

    info(f"tracetui: serving the trace API on http://{host}:{port} ({mask_url(db_url)})")
    serve(db_url, host=host, port=port)


@cli.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@history_option
def import_command(file: Path, history_path: Path) -> None:
    """Import a pytest-benchmark JSON file into the history."""
    from tracetui.engine.recording.importer import ImportFormatError, import_pytest_benchmark_json

    if not file.exists():
        fail(f"no such file: {file}")
    history = open_history(history_path)
    try:
        run_id = import_pytest_benchmark_json(file, history)
    except ImportFormatError as exc:
        fail(str(exc))
    click.echo(f"imported {file} as run {run_id}")


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
    """Entry point: every user error becomes one line on stderr and its exit code."""
    try:
        cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="tracetui",
            standalone_mode=False,
        )
    except CliError as exc:
        click.echo(f"tracetui: error: {exc}", err=True)
        return int(exc.code)
    except click.UsageError as exc:
        message = exc.format_message().splitlines()[0] if exc.format_message() else str(exc)
        click.echo(f"tracetui: error: {message}", err=True)
        return int(ExitCode.USAGE)
    except click.Abort:
        click.echo("tracetui: interrupted", err=True)
        return int(ExitCode.INTERRUPTED)
    except (SuiteLoadError, BaselineError, DatabaseConfigError) as exc:
        click.echo(f"tracetui: error: {exc}", err=True)
        return int(ExitCode.USAGE)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BrokenPipeError:  # `tracetui list | head`
        return int(ExitCode.OK)
    return int(ExitCode.OK)


if __name__ == "__main__":
    sys.exit(main())
