"""The headless run: measure, judge, confirm doubtful verdicts, report, exit code.

What ``tracetui run`` does once its input is validated (:class:`RunOptions`).
One pipeline with two sources of results: a plan of registered suites run
in a worker process (:func:`run_suites`; Ctrl-C cancels cleanly) or a
user's own pytest-benchmark tests run by pytest (:func:`run_pytest_tests`).
Both feed the same tail (:func:`conclude`): verdicts against the baselines,
one more run for doubtful verdicts (``--ci``), the history, the verdict
table on stdout and the report files, profiles of regressions on request,
and the :class:`ExitCode`. Progress and diagnostics go to stderr.
"""

from __future__ import annotations

import enum
import json
import signal
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import click
from tracetui.engine.core.events import (
    BenchmarkFailed,
    BenchmarkFinished,
    BenchmarkStarted,
    Event,
    Progress,
    RunFinished,
    RunStarted,
)
from tracetui.engine.core.plan import Plan
from tracetui.engine.core.registry import suite_of
from tracetui.engine.judging.baselines import BaselineEntry, Policy
from tracetui.engine.judging.verdicts import Level, Verdict
from tracetui.engine.recording.history import History
from tracetui.engine.recording.reports import (
    format_seconds,
    plan_diff,
    render_table,
    summary_line,
    write_reports,
)
from tracetui.engine.recording.session import RunRecord, RunRecorder, estimate_machine, evaluate

if TYPE_CHECKING:
    from tracetui.cli.options import ReportPaths, RunOptions


def info(message: str) -> None:
    """A diagnostic line on stderr (stdout is the report)."""
    click.echo(message, err=True)


class ExitCode(enum.IntEnum):
    """What ``tracetui`` exits with (documented in the README)."""

    OK = 0  # every verdict passes
    REGRESSION = 1  # a regression at or above --fail-on, or a budget broken
    USAGE = 2  # bad input: usage, configuration, baseline file, database URL
    BENCHMARK_FAILED = 3  # a benchmark raised or failed its outcome check
    INTERNAL = 4  # a bug in tracetui (one line; TRACETUI_DEBUG=1 for the traceback)
    INTERRUPTED = 130  # Ctrl-C: finished results kept in history, no baseline written


class StderrProgress:
    """Progress on stderr: one line per finished benchmark (a CI log stays readable)."""

    current = ""

    def __call__(self, event: Event) -> None:
        if isinstance(event, RunStarted):
            env = event.environment
            info(
                f"tracetui run {event.run_id}: {len(event.benchmark_ids)} benchmarks, "
                f"profile {event.profile}, {event.db_url} "
                f"(python {env.get('python')}, sqlalchemy {env.get('sqlalchemy')}, "
                f"commit {(env.get('commit') or 'none')[:10]})"
            )
        elif isinstance(event, BenchmarkStarted):
            self.current = f"[{event.index + 1}/{event.total}] {event.benchmark_id}"
        elif isinstance(event, Progress) and event.load is not None:
            x = event.load  # a load run streams one line per second
            info(
                f"{self.current}: {event.elapsed:5.1f}s  users {x.users}  "
                f"{x.rps:.0f} req/s  p95 {format_seconds(x.p95)}  "
                f"failures {x.failures_per_s:.0f}/s"
            )
        elif isinstance(event, BenchmarkFinished) and event.result.kind == "load":
            m = event.result.metrics
            info(
                f"{self.current}: {m.get('rps', 0):.1f} req/s, p50 {format_seconds(m.get('p50'))}"
                f", p95 {format_seconds(m.get('p95'))}, p99 {format_seconds(m.get('p99'))}, "
                f"{event.result.counters.get('failures', 0):.0f} failures" + load_cpu_note(m)
            )
        elif isinstance(event, BenchmarkFinished):
            r = event.result
            sql = r.counters.get("sql_statements")
            extra = f", {sql:g} SQL/op" if sql is not None else ""
            info(
                f"{self.current}: median {format_seconds(r.median)} "
                f"({r.rounds} rounds × {r.iterations}{extra})"
            )
        elif isinstance(event, BenchmarkFailed):
            info(f"{self.current}: FAILED {event.error}")


def load_cpu_note(metrics: Mapping[str, float]) -> str:
    """``; CPU client 0.93 / server 0.41 cores`` and a warning when the client was the limit."""
    from tracetui.suites.load.cpu import client_bound

    client, server = metrics.get("client_cpu"), metrics.get("server_cpu")
    if client is None and server is None:
        return ""
    parts = [f"client {client:.2f}" if client is not None else "client ?"]
    parts.append(f"server {server:.2f}" if server is not None else "server ?")
    note = f"; CPU {' / '.join(parts)} cores"
    if client_bound(client):
        note += " — WARNING: the load client used nearly all of its core: it, not the server, "
        note += "set the pace (use Locust workers: --master --expect-workers N)"
    return note


def exit_code_for(verdicts: Sequence[Verdict], status: str, fail_on: Level) -> ExitCode:
    if status == "cancelled":
        return ExitCode.INTERRUPTED
    if status == "crashed" or any(v.level == Level.FAILED for v in verdicts):
        return ExitCode.BENCHMARK_FAILED
    if any(v.fails(fail_on) for v in verdicts):
        return ExitCode.REGRESSION
    return ExitCode.OK


def stream_run(plan: Plan, sinks: Sequence[Callable[[Event], None]]) -> str:
    """Run ``plan`` in a worker process feeding every event to ``sinks``; return its status.

    While it runs, the first Ctrl-C cancels cleanly (the benchmark in progress
    is torn down, finished results are kept); a second one kills the worker.
    """
    from tracetui.engine.measuring.runner import WorkerRun

    run = WorkerRun(plan)

    def on_sigint(_signum: int, _frame: object) -> None:
        if run.cancelled:
            run.kill()
        else:
            info("tracetui: cancelling… (Ctrl-C again to kill)")
            run.cancel()

    previous = signal.signal(signal.SIGINT, on_sigint)
    status = "crashed"
    try:
        for event in run:
            for sink in sinks:
                sink(event)
            if isinstance(event, RunFinished):
                status = event.status
                if status == "crashed" and event.error:
                    info(f"tracetui: worker crashed: {event.error}")
    except BaseException:
        run.kill()  # a sink failed (e.g. the history's disk is full): the worker stops too
        raise
    finally:
        signal.signal(signal.SIGINT, previous)
    return status


#: Runs these benchmarks once more, on their own; their record, or None when the
#: re-run did not complete. One per source of results: a plan, or pytest.
Rerun = Callable[[tuple[str, ...]], RunRecord | None]


def plan_rerun(plan: Plan) -> Rerun:
    """Re-runs of some of ``plan``'s benchmarks in a new worker process."""

    def rerun(ids: tuple[str, ...]) -> RunRecord | None:
        again = Plan(
            benchmark_ids=ids, profile=plan.profile, db_url=plan.db_url, options=plan.options
        )
        confirming = RunRecorder(again.run_id)
        if stream_run(again, [confirming, StderrProgress()]) != "completed":
            return None
        return confirming.record

    return rerun


def confirm_doubtful(
    rerun: Rerun,
    recorder: RunRecorder,
    verdicts: Sequence[Verdict],
    references: Mapping[str, BaselineEntry],
    policy: Policy,
) -> list[Verdict]:
    """Re-run doubtful benchmarks once, as an independent replicate, then decide.

    The re-run is another process at another moment: its rounds are not more
    rounds of the first run, so they are never pooled with them (pooling made
    unchanged code look significantly slower). A regression stands only if the
    re-run, judged on its own, shows one too, at the lower of the two levels
    (measured: 2 of 260 benchmark-runs flagged in A/A smoke runs without this);
    otherwise, and for INCONCLUSIVE first verdicts, the re-run's own verdict
    and result stand. The machine factor of the first run applies to both.
    The same rule for every source of results: a suite's plan or pytest.
    """
    doubtful = tuple(
        v.benchmark_id for v in verdicts if v.level == Level.INCONCLUSIVE or v.level.is_regression
    )
    if not doubtful:
        return list(verdicts)
    info(f"tracetui: re-running {len(doubtful)} doubtful benchmark(s) once to decide")
    again_record = rerun(doubtful)
    if again_record is None:
        return list(verdicts)
    record = recorder.record
    first = {v.benchmark_id: v for v in verdicts}
    # The first run's machine factor, not the re-run's: re-measured floors of a VM that
    # switched speed could agree on a factor the first run showed they do not share,
    # and a machine difference must never fail the build.
    first_machine = estimate_machine(record, references)
    fresh = evaluate(again_record, references, policy, planned_suites=(), machine=first_machine)
    decided: dict[str, Verdict] = {}
    for again in fresh:
        bid = again.benchmark_id
        if bid not in first or bid not in again_record.results:
            continue
        was = first[bid]
        if was.level.is_regression and again.level.is_regression:
            lower = min(was, again, key=lambda v: SEVERITY_RANK[v.level])
            decided[bid] = lower
            continue
        if was.level.is_regression:
            info(f"tracetui: {bid}: {was.level} not confirmed by the re-run ({again.level})")
        decided[bid] = again
        record.results[bid] = again_record.results[bid]
        if recorder.history:
            recorder.history.replace_result(record.run_id, record.results[bid])
    return [decided.get(v.benchmark_id, v) for v in verdicts]


SEVERITY_RANK = {Level.CRITICAL: 2, Level.WARNING: 1}


def profile_regressions(plan, recorder, verdicts, references) -> None:
    """Re-run regressed benchmarks once under cProfile; show their top functions.

    Each table is set beside the same benchmark's profile from the history:
    the run at the baseline's commit when there is one, else the fastest
    recent profiled run. The profile is kept with this run's result.
    """
    regressed = tuple(v.benchmark_id for v in verdicts if v.level.is_regression)
    if not regressed:
        return
    from tracetui.engine.measuring import profiling

    info(f"tracetui: profiling {len(regressed)} regressed benchmark(s) under cProfile")
    profiled = RunRecorder(plan.run_id + "-profile")
    stream_run(
        Plan(
            benchmark_ids=regressed,
            profile="smoke",
            db_url=plan.db_url,
            options={**plan.options, "cprofile": True},
        ),
        [profiled],
    )
    record, history = recorder.record, recorder.history
    for bid in regressed:
        result = profiled.record.results.get(bid)
        if result is None or "profile" not in result.evidence:
            continue
        current = json.loads(result.evidence["profile"])
        entry = references.get(bid)
        reference, source = profiling.reference_for(
            history, bid, entry.provenance.get("commit") if entry else None
        )
        click.echo(f"\nwhy is {bid} slower? top functions (cumulative, per call) vs {source}:")
        click.echo(profiling.compare(current, reference))
        if bid in record.results and history:
            kept = replace(
                record.results[bid],
                evidence={**record.results[bid].evidence, "profile": result.evidence["profile"]},
            )
            record.results[bid] = kept
            history.replace_result(record.run_id, kept)


def report(
    record: RunRecord, verdicts: Sequence[Verdict], fail_level: Level, paths: ReportPaths
) -> None:
    if record.machine_note:
        click.echo(record.machine_note)  # first: every time verdict below depends on it
    if verdicts:
        click.echo(render_table(verdicts))
    for v in verdicts:
        if v.plan_changed:
            click.echo(f"\nquery plan of {v.benchmark_id} changed:\n{plan_diff(v)}")
    click.echo(summary_line(record, verdicts))
    for path in write_reports(
        record,
        verdicts,
        fail_on=fail_level,
        json_path=paths.json,
        junit_path=paths.junit,
        markdown_path=paths.markdown,
    ):
        info(f"tracetui: wrote {path}")
    if record.status == "cancelled":
        info("tracetui: run cancelled; finished results kept in history, no baseline written")


# The pipeline ---------------------------------------------------------------------------


def run_suites(
    plan: Plan,
    options: RunOptions,
    references: Mapping[str, BaselineEntry],
    policy: Policy,
    history: History,
) -> ExitCode:
    """Run a plan of registered benchmarks in a worker process, then :func:`conclude`."""
    if options.noise_check:
        from tracetui.engine.measuring.doctor import measure

        info("tracetui: " + measure(0.3).one_line())
    recorder = RunRecorder(plan.run_id, history)
    status = stream_run(plan, [recorder, StderrProgress()])
    return conclude(recorder, status, options, references, policy, plan=plan)


def conclude(
    recorder: RunRecorder,
    status: str,
    options: RunOptions,
    references: Mapping[str, BaselineEntry],
    policy: Policy,
    *,
    plan: Plan | None = None,
    rerun: Rerun | None = None,
) -> ExitCode:
    """The tail of every run: judge, confirm (``--ci``), record, report, profile, exit code.

    ``plan`` is what can be run again in a worker (re-runs and profiles);
    ``rerun`` re-runs benchmarks of another source (pytest's own tests, which
    are not profiled); without either the first verdicts stand.
    """
    record = recorder.record
    planned = plan.benchmark_ids if plan is not None else record.benchmark_ids
    suites = list(dict.fromkeys(suite_of(bid) for bid in planned))
    verdicts = evaluate(record, references, policy, planned_suites=suites)
    again = plan if plan is not None and status == "completed" else None
    if rerun is None and plan is not None:
        rerun = plan_rerun(plan)
    if status == "completed" and rerun is not None and options.confirm_doubtful:
        verdicts = confirm_doubtful(rerun, recorder, verdicts, references, policy)
    recorder.finish(verdicts)
    report(record, verdicts, options.fail_on, options.reports)
    if again is not None and options.profile_regressions:
        profile_regressions(again, recorder, verdicts, references)
    return exit_code_for(verdicts, status, options.fail_on)
