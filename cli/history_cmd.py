"""``tracetui history``: past runs, or one run's verdicts, from the history database."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click
from tracetui.cli.common import history_option, open_history
from tracetui.cli.errors import fail
from tracetui.engine.recording.reports import render_table


@click.command("history")
@click.option(
    "--limit", default=20, show_default=True, type=click.IntRange(min=1), help="How many runs."
)
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
        f"{'RUN':<22}  {'STARTED':<19}  {'STATUS':<11} {'PROFILE':<8} {'BACKEND':<10} "
        f"{'COMMIT':<10}  {'RESULTS':>7}  {'REGRESSIONS':>11}  {'FAILED':>6}"
    )
    for r in runs:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(r.started_at))
        click.echo(
            f"{r.run_id:<22}  {when:<19}  {r.status:<11} {r.profile:<8} {r.backend:<10} "
            f"{(r.commit or '-')[:10]:<10}  {r.result_count:>7}  "
            f"{r.regressions:>11}  {r.failures:>6}"
        )
