"""The concurrent suite, driven by hand on a real SQLite file.

Every benchmark runs one round as the engine would (setup, call, teardown,
finish the generator) and must leave the database as it found it; every
outcome check is shown to fail when the service underneath is broken.
"""

from __future__ import annotations

import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
import tracetui.suites.concurrent as concurrent
from tracetui.engine.core.database import make_engine
from tracetui.engine.core.model import Benchmark, Context, Kind, OutcomeError, RoundDetail
from tracetui.engine.core.profiles import PROFILES
from tracetui.suites.concurrent import SUITE, Gang, RetryCounter, Shape, with_retry
from tracetui.suites.trace.service import DuplicateLink, TraceService

from tests.trace_tables import row_counts

PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"


def _context(url: str) -> Iterator[Context]:
    engine = make_engine(url)
    context = Context(db_url=url, engine=engine, profile=PROFILES["smoke"])
    assert SUITE.setup is not None and SUITE.teardown is not None
    SUITE.setup(context)
    try:
        yield context
    finally:
        SUITE.teardown(context)
        engine.dispose()


@pytest.fixture
def ctx(tmp_path) -> Iterator[Context]:
    yield from _context(f"sqlite:///{tmp_path / 'trace.db'}")


@pytest.fixture
def pg_ctx() -> Iterator[Context]:
    """A throw-away PostgreSQL database on 127.0.0.1:5432, dropped afterwards."""
    psycopg = pytest.importorskip("psycopg")
    try:
        admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.skip(f"no PostgreSQL on 127.0.0.1:5432 ({str(exc).strip()[:80]})")
    name = f"tracetui_concurrent_{uuid.uuid4().hex[:10]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield from _context(f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}")
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def run_one_round(bench: Benchmark, ctx: Context) -> RoundDetail:
    """One round exactly as the engine runs a pedantic case; teardown always runs."""
    gen = bench.open(ctx)
    case = next(gen)
    try:
        args = (case.setup() or ()) if case.setup else ()
        try:
            detail = case.fn(*args)
        finally:
            if case.teardown:
                case.teardown(*args)
    finally:
        with pytest.raises(StopIteration):
            next(gen)
    assert isinstance(detail, RoundDetail)
    return detail


def smallest(name: str) -> Benchmark:
    candidates = [b for b in SUITE.benchmarks if b.name == name]
    assert candidates, f"no benchmark {name}"
    return min(candidates, key=lambda b: Shape.parse(b.param).ops)


def test_suite_has_at_least_eight_concurrent_benchmarks_with_shape_ids() -> None:
    names = {b.name for b in SUITE.benchmarks}
    assert len(names) >= 8
    assert {
        "concurrent.create_items[10x10]",
        "concurrent.create_items[100x10]",
        "concurrent.create_items[500x50]",
    } <= set(SUITE.ids())
    for bench in SUITE.benchmarks:
        assert bench.kind is Kind.CONCURRENT
        shape = Shape.parse(bench.param)
        assert bench.items_per_op == shape.ops
        assert bench.description


@pytest.mark.parametrize("bench", SUITE.benchmarks, ids=lambda b: b.id)
def test_every_benchmark_runs_a_checked_round_and_leaves_the_database_as_found(
    bench: Benchmark, ctx: Context
) -> None:
    before = row_counts(ctx.engine)
    detail = run_one_round(bench, ctx)
    shape = Shape.parse(bench.param)
    assert detail.ops == shape.ops
    assert len(detail.latencies) == shape.ops
    assert all(latency > 0 for latency in detail.latencies)
    assert detail.counters["retries"] >= 0
    assert row_counts(ctx.engine) == before


def test_racing_links_report_the_rejected_duplicates(ctx: Context) -> None:
    bench = smallest("create_links_racing")
    shape = Shape.parse(bench.param)
    detail = run_one_round(bench, ctx)
    assert detail.counters["duplicates_rejected"] == shape.ops - shape.per_thread


# --------------------------------------------------------------------------- broken services


def _lossy_create_item(monkeypatch: pytest.MonkeyPatch) -> None:
    original = TraceService.create_item
    calls = iter(range(10**6))
    lock = threading.Lock()

    def create_item(self: TraceService, project_id: int, **fields: Any) -> int:
        with lock:
            n = next(calls)
        if n == 3:
            return -1  # claims success, writes nothing
        return original(self, project_id, **fields)

    monkeypatch.setattr(TraceService, "create_item", create_item)


def _update_that_forgets_one(monkeypatch: pytest.MonkeyPatch) -> None:
    original = TraceService.update_item
    forgotten: list[int] = []

    def update_item(self: TraceService, item_id: int, **fields: Any) -> bool:
        if not forgotten:
            forgotten.append(item_id)
            return True
        return original(self, item_id, **fields)

    monkeypatch.setattr(TraceService, "update_item", update_item)


def _naive_increment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Read, wait until every thread has read, write: updates are certainly lost."""
    bench = smallest("increment_same_item")
    barrier = threading.Barrier(Shape.parse(bench.param).threads, timeout=30)
    service_of: dict[int, TraceService] = {}

    def increment(engine: sa.Engine, item_id: int) -> int:
        service = service_of.setdefault(id(engine), TraceService(engine))
        value = int(service.get_item(item_id)["title"]) + 1
        barrier.wait()
        service.update_item(item_id, title=str(value))
        return value

    monkeypatch.setattr(concurrent, "increment_counter", increment)


def _half_transfer(monkeypatch: pytest.MonkeyPatch) -> None:
    original = concurrent.transfer

    def transfer(engine: sa.Engine, item_ids: list[int], deltas: list[int]) -> list[int]:
        return original(engine, item_ids[:1], deltas[:1])  # the other row never moves

    monkeypatch.setattr(concurrent, "transfer", transfer)


def _miscounting(monkeypatch: pytest.MonkeyPatch) -> None:
    original = TraceService.count_items
    monkeypatch.setattr(
        TraceService, "count_items", lambda self, pid, **kw: original(self, pid, **kw) + 1
    )


def _link_that_vanishes(monkeypatch: pytest.MonkeyPatch) -> None:
    original = TraceService.create_link
    dropped: list[tuple[int, int]] = []

    def create_link(self: TraceService, source: int, target: int, link_type: str) -> int:
        if not dropped:
            dropped.append((source, target))
            return -1
        return original(self, source, target, link_type)

    monkeypatch.setattr(TraceService, "create_link", create_link)


def _duplicates_claimed_as_created(monkeypatch: pytest.MonkeyPatch) -> None:
    original = TraceService.create_link

    def create_link(self: TraceService, source: int, target: int, link_type: str) -> int:
        try:
            return original(self, source, target, link_type)
        except DuplicateLink:
            return -1

    monkeypatch.setattr(TraceService, "create_link", create_link)


def _delete_that_keeps_one(monkeypatch: pytest.MonkeyPatch) -> None:
    original = TraceService.delete_item
    kept: list[int] = []

    def delete_item(self: TraceService, item_id: int) -> bool:
        if not kept:
            kept.append(item_id)
            return True
        return original(self, item_id)

    monkeypatch.setattr(TraceService, "delete_item", delete_item)


def _stale_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    original = TraceService.get_item

    def get_item(self: TraceService, item_id: int) -> dict[str, Any] | None:
        row = original(self, item_id)
        return None if row is None else {**row, "title": "stale"}

    monkeypatch.setattr(TraceService, "get_item", get_item)


BREAKAGES: dict[str, Callable[[pytest.MonkeyPatch], None]] = {
    "create_items": _lossy_create_item,
    "update_items_disjoint": _update_that_forgets_one,
    "increment_same_item": _naive_increment,
    "lock_contention": _half_transfer,
    "query_items": _miscounting,
    "create_links": _link_that_vanishes,
    "create_links_racing": _duplicates_claimed_as_created,
    "delete_items": _delete_that_keeps_one,
    "mixed_crud": _stale_reads,
}


def test_every_benchmark_has_a_breakage_test() -> None:
    assert {b.name for b in SUITE.benchmarks} == set(BREAKAGES)


@pytest.mark.parametrize("name", sorted(BREAKAGES))
def test_a_broken_service_fails_the_outcome_check_and_still_cleans_up(
    name: str, ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = row_counts(ctx.engine)
    BREAKAGES[name](monkeypatch)
    with pytest.raises(OutcomeError, match=name):
        run_one_round(smallest(name), ctx)
    monkeypatch.undo()
    assert row_counts(ctx.engine) == before


# --------------------------------------------------------------------------- PostgreSQL

PG_BENCHMARKS = ["create_items", "increment_same_item", "lock_contention", "create_links_racing"]


@pytest.mark.postgres
@pytest.mark.parametrize("name", PG_BENCHMARKS)
def test_row_locking_benchmarks_hold_on_postgresql(name: str, pg_ctx: Context) -> None:
    before = row_counts(pg_ctx.engine)
    detail = run_one_round(smallest(name), pg_ctx)
    assert detail.ops == Shape.parse(smallest(name).param).ops
    assert row_counts(pg_ctx.engine) == before


@pytest.mark.postgres
def test_lost_updates_are_caught_on_postgresql(
    pg_ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    _naive_increment(monkeypatch)
    with pytest.raises(OutcomeError, match="lost updates"):
        run_one_round(smallest("increment_same_item"), pg_ctx)


# --------------------------------------------------------------------------- machinery


def _locked() -> sa.exc.OperationalError:
    return sa.exc.OperationalError(
        "UPDATE items", {}, sqlite3.OperationalError("database is locked")
    )


def test_lock_errors_are_retried_and_counted() -> None:
    failures = iter([_locked(), _locked()])
    retries = RetryCounter()

    def op() -> str:
        error = next(failures, None)
        if error is not None:
            raise error
        return "done"

    assert with_retry(op, retries) == "done"
    assert retries.value == 2


def test_other_errors_are_not_retried_and_retries_are_bounded() -> None:
    retries = RetryCounter()
    with pytest.raises(ValueError):
        with_retry(lambda: (_ for _ in ()).throw(ValueError("bad")), retries)
    assert retries.value == 0

    def always_locked() -> None:
        raise _locked()

    with pytest.raises(sa.exc.OperationalError):
        with_retry(always_locked, retries)
    assert retries.value == concurrent.MAX_ATTEMPTS - 1


def test_a_gang_that_never_runs_releases_its_threads() -> None:
    before = threading.active_count()
    gang = Gang(5, 3, lambda t, m: t * m)
    assert threading.active_count() == before + 5
    gang.close()
    assert threading.active_count() == before


def test_a_gang_runs_every_op_once_and_reraises_failures() -> None:
    gang = Gang(4, 3, lambda t, m: (t, m))
    latencies = gang.run()
    assert len(latencies) == 12
    assert gang.results == [[(t, m) for m in range(3)] for t in range(4)]

    def fail(t: int, m: int) -> None:
        if t == 2 and m == 1:
            raise RuntimeError("op failed")

    with pytest.raises(RuntimeError, match="op failed"):
        Gang(4, 3, fail).run()


@pytest.mark.parametrize("bad", ["10", "x10", "10x0", "15x10", "5x10", "axb"])
def test_bad_shapes_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        Shape.parse(bad)


def test_an_in_memory_database_is_refused() -> None:
    engine = make_engine("sqlite://")
    context = Context(db_url="sqlite://", engine=engine, profile=PROFILES["smoke"])
    try:
        with pytest.raises(ValueError, match="in-memory"):
            SUITE.setup(context)  # type: ignore[misc]
    finally:
        engine.dispose()
