"""Every registered benchmark, driven once by hand against a scratch PostgreSQL database.

For each suite: a scratch database, a :class:`~tracetui.engine.core.model.Context`, the
suite's ``setup`` once; then for each benchmark its generator is opened, its
case is driven by the engine's own case runner (the untimed probe, then one
timed round; a Pedantic call each time with its own setup and teardown) with
the suite's own outcome checks, and its teardown after the ``yield`` must
leave the trace tables as it found them.
Load benchmarks run one short Locust round each (2 users, 2 s) against a
reference API started on the scratch database.

Known PostgreSQL problems of a suite are marked ``xfail`` in
:data:`KNOWN_PROBLEMS` with the reason (the suite owners fix them).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest
import sqlalchemy as sa
from tracetui.engine.core.database import make_engine
from tracetui.engine.core.model import Benchmark, Context, Kind, Pedantic
from tracetui.engine.core.pg import scratch_database
from tracetui.engine.core.profiles import get_profile
from tracetui.engine.core.registry import all_benchmarks, load_suites
from tracetui.engine.measuring.case_runner import check_case, probe, timed_round

#: benchmark id -> why it fails on PostgreSQL today (xfail, strict: a fix must remove it).
KNOWN_PROBLEMS: dict[str, str] = {}
LOAD_OPTIONS = {"users": 2, "spawn_rate": 2, "duration": 2}
LOAD_IDS = {"load.crud[low]", "load.queries[low]"}  # one per workload keeps this bounded
TRACE_TABLES = ("projects", "items", "links")


def _selected() -> list[Any]:
    params = []
    for bench in all_benchmarks().values():
        if bench.kind == Kind.LOAD and bench.id not in LOAD_IDS:
            continue
        marks = [pytest.mark.timeout(180)]
        if bench.id in KNOWN_PROBLEMS:
            marks.append(pytest.mark.xfail(reason=KNOWN_PROBLEMS[bench.id], strict=True))
        params.append(pytest.param(bench.id, id=bench.id, marks=marks))
    return params


class SuiteDatabases:
    """One scratch database and set-up context per suite, dropped at the end of the session."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.stack = ExitStack()
        self.contexts: dict[str, Context] = {}

    def context(self, suite_name: str) -> Context:
        if suite_name not in self.contexts:
            suite = load_suites()[suite_name]
            url = self.stack.enter_context(scratch_database(self.admin_url))
            engine = make_engine(url)
            self.stack.callback(engine.dispose)
            options = LOAD_OPTIONS if suite_name == "load" else {}
            ctx = Context(db_url=url, engine=engine, profile=get_profile("smoke"), options=options)
            if suite.setup:
                suite.setup(ctx)
            if suite.teardown:
                self.stack.callback(suite.teardown, ctx)
            self.contexts[suite_name] = ctx
        return self.contexts[suite_name]

    def close(self) -> None:
        self.stack.close()


@pytest.fixture(scope="module")
def databases(pg_admin_url: str) -> Iterator[SuiteDatabases]:
    dbs = SuiteDatabases(pg_admin_url)
    try:
        yield dbs
    finally:
        dbs.close()


def row_counts(engine: sa.Engine) -> dict[str, int]:
    """Rows per trace table (0 for a table not created yet: the load server creates them)."""
    inspector = sa.inspect(engine)
    with engine.connect() as conn:
        return {
            t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one()
            if inspector.has_table(t)
            else 0
            for t in TRACE_TABLES
        }


def drive_once(bench: Benchmark, ctx: Context) -> list[object]:
    """The engine's probe and one timed round of the case, then its teardown; their values.

    Load benchmarks get only the round (the engine never probes them). The
    value of a timed round is not kept, so a Timed case gives one value.
    """
    values: list[object] = []
    gen = bench.open(ctx)
    try:
        case = check_case(bench, next(gen))
        if bench.kind != Kind.LOAD:
            values.append(probe(bench, case).value)
        measured = timed_round(case)
        if isinstance(case, Pedantic):
            values.append(measured.value)
    except BaseException:
        gen.close()
        raise
    leftover = list(gen)
    assert leftover == [], f"{bench.id} yielded more than one case"
    return values


@pytest.mark.parametrize("benchmark_id", _selected())
def test_benchmark_runs_on_postgresql(benchmark_id: str, databases: SuiteDatabases) -> None:
    bench = all_benchmarks()[benchmark_id]
    ctx = databases.context(bench.suite)
    assert ctx.backend == "postgresql"
    before = row_counts(ctx.engine)
    values = drive_once(bench, ctx)
    assert values
    if bench.kind in (Kind.CONCURRENT, Kind.LOAD):
        detail = values[-1]
        assert getattr(detail, "ops", 0), f"{benchmark_id} reported no operations"
    if bench.kind == Kind.LOAD:
        assert detail.counters["requests"] > 0
        assert detail.counters["failures"] == 0
    assert row_counts(ctx.engine) == before, "the benchmark did not leave the tables as found"
