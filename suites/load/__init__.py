"""The ``load`` suite: Locust users against the reference trace API.

This package owns the load benchmarks (``load.crud[low|medium|high]``,
``load.queries[low|medium|high]`` and ``load.ramp[crud|queries]``, which
steps users up and reports the saturation point). Each is one pedantic round that runs
:func:`tracetui.suites.load.process.run_load` for the configured duration
(:func:`load_options` turns run options into one typed
:class:`~tracetui.suites.load.process.LoadOptions`), streams each
:class:`~tracetui.engine.core.events.LoadSecond` through ``ctx.reporter``
(it reaches the front ends as ``Progress.load``) and returns exact latencies, RPS and
failure counts, with the steady seconds' p95 and RPS as ``windows`` (the
replicates :mod:`tracetui.engine.judging.load_verdicts` tests). The Locust
users themselves are in ``locustfile.py`` (loaded
only by Locust: importing this package never imports ``locust``/``gevent``).

Run options (``ctx.options``): ``users`` (default 10), ``spawn_rate``
(default: all users within a second or two), ``duration`` seconds (default by
profile: smoke 5, standard 10, thorough 30), ``host`` (default: start the
reference API on the run's database on a free loopback port),
``user_class`` (``fast`` | ``http``), ``master`` with ``expect_workers``
(and ``master_port``, default 5557, ``master_bind_host``, default loopback)
for Locust's own distributed mode.

Outcome check: when tracetui started the server itself, the items left in
the run's projects must equal successful creates minus successful deletes
(give or take one per failed request, whose effect is unknown); otherwise an
:class:`~tracetui.engine.core.model.OutcomeError`. The run's projects are removed after it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from itertools import pairwise
from typing import Any

import sqlalchemy as sa
from tracetui.engine.core.events import LoadSecond
from tracetui.engine.core.extras import require_extra
from tracetui.engine.core.model import (
    Case,
    Context,
    Kind,
    OutcomeError,
    Pedantic,
    RoundDetail,
    Suite,
)
from tracetui.suites.load import cleanup as cleanup_module
from tracetui.suites.load.process import LoadOptions, LoadSummary, api_server, run_load

PROFILES = ["low", "medium", "high"]
DEFAULT_USERS = 10
DEFAULT_DURATION_S = {"smoke": 5.0, "standard": 10.0, "thorough": 30.0}
MIN_WINDOW_S = 0.9  # a shorter window (Locust stopping early) is not a replicate


def _require_load_stack(_ctx: Context) -> None:
    """Without ``tracetui[load]`` every load benchmark fails with the line naming it."""
    require_extra("load", "the load suite")


SUITE = Suite(
    "load",
    "HTTP load on the reference trace API with Locust: RPS, failures, exact p50/p95/p99",
    setup=_require_load_stack,
    extra="load",
)


@SUITE.benchmark(kind=Kind.LOAD, params=PROFILES)
def crud(ctx: Context, profile: str) -> Iterator[Case]:
    """Create, read, update, delete and list items; one project per user."""
    yield load_case(ctx, "crud", profile)


@SUITE.benchmark(kind=Kind.LOAD, params=PROFILES)
def queries(ctx: Context, profile: str) -> Iterator[Case]:
    """Filtered lists, counts, links and trace queries over a seeded graph per user."""
    yield load_case(ctx, "queries", profile)


#: Ramp steps (users) and seconds per step, by profile.
RAMP_STEPS: dict[str, tuple[tuple[int, ...], float]] = {
    "smoke": ((5, 10, 20), 2.0),
    "standard": ((10, 25, 50, 100, 200, 300), 5.0),
    "thorough": ((10, 25, 50, 75, 100, 150, 200, 300), 10.0),
}


@SUITE.benchmark(kind=Kind.LOAD, params=["crud", "queries"])
def ramp(ctx: Context, workload: str) -> Iterator[Case]:
    """Ramp users step by step (10 → 300 in standard) and find the saturation point."""
    yield ramp_case(ctx, workload)


def saturation_point(steps: list[tuple[int, float, float]]) -> int:
    """The user count past which p95 rises faster than throughput.

    ``steps`` are (users, rps, p95) in increasing users. Between two steps the
    relative growth of p95 is compared with the relative growth of RPS; the
    first step after which latency outgrows throughput is the saturation
    point (the last step when that never happens within the ramp).
    """
    for (users, rps, p95), (_, next_rps, next_p95) in pairwise(steps):
        if rps <= 0 or p95 <= 0:
            continue
        if next_p95 / p95 - 1 > next_rps / rps - 1:
            return users
    return steps[-1][0]


def reporter(ctx: Context, ramp_users: int | None = None) -> Callable[[LoadSecond], None]:
    """Forward Locust's seconds to the engine's live progress (typed, in ``Progress.load``)."""

    def on_second(second: LoadSecond) -> None:
        ctx.reporter.progress(
            ops_per_s=second.rps,
            latencies=second.recent,
            load=replace(second, recent=(), ramp_users=ramp_users),
        )

    return on_second


def ramp_case(ctx: Context, workload: str) -> Pedantic:
    """One round: one Locust run per step against one server, then the saturation point."""
    summaries: list[LoadSummary] = []

    def run() -> RoundDetail:
        opts = load_options(ctx.options, ctx.profile.name, workload=workload)
        cleanup_module.remove(ctx.engine, opts.host, cleanup_module.PREFIX)  # killed runs'
        steps, seconds = RAMP_STEPS.get(ctx.profile.name, RAMP_STEPS["standard"])
        if "users" in (ctx.options or {}):  # --users caps the ramp
            steps = tuple(u for u in steps if u <= opts.users) or (opts.users,)
        points: list[tuple[int, float, float]] = []
        with _target(ctx, opts.host) as (host, ours):
            for users in steps:
                step = LoadOptions(
                    users=users,
                    spawn_rate=float(users),
                    duration_s=seconds,
                    profile="high",
                    workload=workload,
                    user_class=opts.user_class,
                    host=host,
                )
                summary = run_load(step, ctx.db_url, reporter(ctx, ramp_users=users))
                summaries.append(summary)
                check_outcome(ctx, replace(summary, started_server=ours))
                points.append((users, summary.rps, summary.p95 or 0.0))
        saturation = saturation_point(points)
        at = next(p for p in points if p[0] == saturation)
        last = summaries[-1]
        return RoundDetail(
            ops=sum(s.requests for s in summaries),
            latencies=last.latencies,
            counters={
                "requests": sum(s.requests for s in summaries),
                "failures": sum(s.failures for s in summaries),
            },
            metrics={
                "saturation_users": float(saturation),
                "peak_rps": max(p[1] for p in points),
                "p95": at[2],
                "rps": at[1],
                **{f"rps_at_{u}": r for u, r, _ in points},
                **{f"p95_at_{u}": lat for u, _, lat in points},
            },
        )

    def cleanup() -> None:
        host = load_options(ctx.options, ctx.profile.name, workload=workload).host
        for summary in summaries:
            cleanup_module.remove(ctx.engine, host, cleanup_module.run_prefix(summary.run_id))

    return Pedantic(fn=run, teardown=cleanup)


@contextmanager
def _target(ctx: Context, host: str | None) -> Iterator[tuple[str, bool]]:
    """The given host, or the reference API started once for the whole ramp."""
    if host is not None:
        yield host, False
        return
    with api_server(ctx.db_url) as started:
        yield started, True


def load_options(
    options: Mapping[str, Any] | None,
    run_profile: str,
    *,
    workload: str = "crud",
    profile: str = "low",
) -> LoadOptions:
    """The Locust run that run options ask for (``ValueError`` for a bad value).

    ``options`` are a run's options (``ctx.options``: users, spawn_rate,
    duration, host, user_class, master, expect_workers, master_port,
    master_bind_host); ``run_profile`` (smoke, standard, thorough) sets the
    default duration. The command line validates with this too, before any
    benchmark starts.
    """
    options = options or {}
    users = int(options.get("users") or DEFAULT_USERS)
    duration = float(options.get("duration") or DEFAULT_DURATION_S.get(run_profile, 5.0))
    spawn_rate = float(options.get("spawn_rate") or max(1.0, min(float(users), 100.0)))
    return LoadOptions(
        users=users,
        spawn_rate=spawn_rate,
        duration_s=duration,
        profile=profile,
        workload=workload,
        user_class=str(options.get("user_class") or "fast"),
        host=options.get("host") or None,
        master=bool(options.get("master", False)),
        expect_workers=int(options.get("expect_workers") or 0),
        master_port=int(options.get("master_port") or 5557),
        master_bind_host=str(options.get("master_bind_host") or "127.0.0.1"),
    )


def load_case(ctx: Context, workload: str, profile: str) -> Pedantic:
    """One round: a Locust run for the configured duration, then the outcome check."""
    runs: list[LoadSummary] = []

    on_second = reporter(ctx)

    def run() -> RoundDetail:
        opts = load_options(ctx.options, ctx.profile.name, workload=workload, profile=profile)
        if not runs:  # what a killed run left (only a killed run leaves any)
            cleanup_module.remove(ctx.engine, opts.host, cleanup_module.PREFIX)
        summary = run_load(opts, ctx.db_url, on_second)
        runs.append(summary)
        check_outcome(ctx, summary)
        return round_detail(summary)

    def cleanup() -> None:
        for summary in runs:
            host = None if summary.started_server else summary.host
            cleanup_module.remove(ctx.engine, host, cleanup_module.run_prefix(summary.run_id))

    return Pedantic(fn=run, teardown=cleanup)


def steady_seconds(summary: LoadSummary) -> list[LoadSecond]:
    """The seconds a run is judged on: whole windows with every user running.

    A window shorter than ``MIN_WINDOW_S`` is left out, and so is one that
    ends while users are still being spawned; the last window ends when
    Locust stops its users (it reports none), and counts when it is whole.
    A second in which nothing answered has no p95 and is left out. Locust
    ends a ``-t 5s`` run 3.5–4 s after its users start (measured): three or
    four windows.
    """
    steady, previous_t = [], 0.0
    last = len(summary.seconds) - 1
    for index, second in enumerate(summary.seconds):
        span, previous_t = second.t - previous_t, second.t
        if span < MIN_WINDOW_S or (second.users < summary.users and index != last):
            continue
        if second.p95 is not None and second.p95 > 0 and second.rps > 0:
            steady.append(second)
    return steady


def round_detail(summary: LoadSummary) -> RoundDetail:
    steady = steady_seconds(summary)
    metrics = {"rps": summary.rps, "failure_ratio": summary.failure_ratio}
    for key in ("client_cpu", "server_cpu"):  # cores; client_cpu near 1: the client was the limit
        value = getattr(summary, key)
        if value is not None:
            metrics[key] = value
    for key in ("p50", "p95", "p99"):
        value = getattr(summary, key)
        if value is not None:
            metrics[key] = value
    return RoundDetail(
        ops=summary.requests,
        latencies=summary.latencies,
        counters={
            "users": summary.users,  # a condition of the run: verdicts compare like with like
            "requests": summary.requests,
            "failures": summary.failures,
            "creates_ok": summary.creates_ok,
            "deletes_ok": summary.deletes_ok,
        },
        metrics=metrics,
        # Per-second replicates: verdicts test p95 and RPS on these (judging.load_verdicts).
        windows={
            "p95": [s.p95 for s in steady if s.p95 is not None],
            "rps": [s.rps for s in steady],
        }
        if steady
        else {},
    )


def _run_projects(run_id: str) -> sa.Select[Any]:
    return cleanup_module.projects_named(cleanup_module.run_prefix(run_id))


def count_run_items(engine: sa.Engine, run_id: str) -> int:
    """Items in the projects a load run created (``load-<run id>-...``)."""
    items = sa.table("items", sa.column("id"), sa.column("project_id"))
    query = (
        sa.select(sa.func.count())
        .select_from(items)
        .where(items.c.project_id.in_(_run_projects(run_id)))
    )
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def delete_run_projects(engine: sa.Engine, run_id: str) -> None:
    """Remove a run's projects with their items and links (leave the database as found)."""
    cleanup_module.delete_in_database(engine, cleanup_module.run_prefix(run_id))


def check_outcome(ctx: Context, summary: LoadSummary) -> None:
    """Raise :class:`OutcomeError` for a run that proves nothing or lost writes."""
    if summary.requests == 0:
        raise OutcomeError(f"no request reached {summary.host} during the load run")
    if summary.failures == summary.requests:
        errors = "; ".join(summary.errors[:3]) or "no error text"
        raise OutcomeError(f"every request failed against {summary.host}: {errors}")
    if not summary.started_server:
        return  # someone else's server: its database is not necessarily ours
    found = count_run_items(ctx.engine, summary.run_id)
    expected = summary.items_expected
    slack = summary.failures  # a failed write may or may not have committed
    if abs(found - expected) > slack:
        raise OutcomeError(
            f"items in the database ({found}) != successful creates minus deletes "
            f"({summary.creates_ok} - {summary.deletes_ok} = {expected})"
            + (f", allowing {slack} failed requests" if slack else "")
        )
