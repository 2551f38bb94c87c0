"""``tracetui baseline accept|show``: the only commands that write or print baselines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from tracetui.cli.common import (
    baselines_option,
    history_option,
    open_history,
    resolve_baselines,
)
from tracetui.cli.errors import fail
from tracetui.cli.headless import info
from tracetui.engine.core.names import printable
from tracetui.engine.core.results import BenchmarkResult
from tracetui.engine.judging import machine
from tracetui.engine.judging.baselines import (
    BaselineError,
    BaselineStore,
    provenance_of,
    replaces_stronger,
)
from tracetui.engine.recording.reports import format_seconds


@click.group("baseline")
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
@click.option(
    "--allow-incomplete",
    is_flag=True,
    help="Accept from a run that did not complete (cancelled, crashed, interrupted).",
)
@baselines_option
@history_option
def baseline_accept(
    selection: tuple[str, ...],
    run_id: str | None,
    pool_runs: int,
    allow_incomplete: bool,
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
    if run.status != "completed" and not allow_incomplete:
        of = f" of {run.planned}" if run.planned else ""
        fail(
            f"run {run_id} is {run.status} ({run.result_count}{of} result(s)): its results "
            "are partial; accept them anyway with --allow-incomplete"
        )
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
        warnings = replacement_warnings(store, results, run.backend, provenance, pooled_runs)
        changed = store.accept(results, backend=run.backend, provenance=provenance, earlier=earlier)
    except BaselineError as exc:
        fail(str(exc))
    for line in warnings:  # said, not refused: accepting is the user's explicit decision
        info(f"tracetui: {line}")
    pooled = f", pooled with {len(pooled_runs)} earlier run(s)" if pooled_runs else ""
    click.echo(f"accepted {len(results)} result(s) from run {run_id}{pooled}")
    for path in changed:
        click.echo(f"  wrote {path}")
    if not changed:
        click.echo("  no baseline file changed")


def replacement_warnings(
    store: BaselineStore,
    results: list[BenchmarkResult],
    backend: str,
    provenance: dict[str, Any],
    pooled_runs: set[str],
) -> list[str]:
    """One line per baseline file and reason: the ids whose accepted baseline this run
    replaces although it was measured on another machine, or pooled from more or longer
    runs (the approval screen's reasons, from the same functions)."""
    grouped: dict[tuple[Path, str], list[str]] = {}
    by_suite: dict[str, list[BenchmarkResult]] = {}
    for result in results:
        by_suite.setdefault(result.suite, []).append(result)
    for suite, suite_results in sorted(by_suite.items()):
        try:
            loaded = store.load(suite, backend)
        except BaselineError:
            continue  # accept refuses it next, with its own reason
        for result in suite_results:
            entry = loaded.entries.get(result.id)
            if entry is None:
                continue
            reasons = [machine.replaces_other_machine(entry.provenance, provenance)]
            if not pooled_runs:  # a pooled acceptance is not one short run
                profile = str(provenance.get("profile") or "")
                reasons.append(replaces_stronger(entry, profile) if profile else "")
            for reason in filter(None, reasons):
                grouped.setdefault((loaded.path, reason), []).append(result.id)
    return [
        printable(f"⚠ {path}: {', '.join(ids)}: {reason}")
        for (path, reason), ids in grouped.items()
    ]


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
            line = (
                f"  {bid:<46} median {format_seconds(median):>11}  rounds {entry.rounds:>3}"
                + (f"  SQL/op {sql:g}" if sql is not None else "")
                + f"  accepted {prov.get('accepted_at', '?')} run {prov.get('run_id', '?')}"
            )
            click.echo(printable(line))  # ids and provenance from a file: no raw newlines
        shown += 1
    if not shown:
        click.echo(f"no baselines in {store.root}/")
