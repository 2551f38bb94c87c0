"""The ``concurrent`` suite: T threads x M operations against the trace service.

This module owns the concurrent benchmarks and the machinery they share: a
*gang* of threads started untimed and released together by a barrier, a
bounded retry with backoff for "database is locked" / serialization
failures (every retry counted), and the outcome checks. Every benchmark is
:attr:`Kind.CONCURRENT` with a :class:`Pedantic` case:

- ``setup()`` (untimed) creates the round's own project and data and starts
  the threads, parked on the barrier;
- the timed call releases them, each thread runs its M operations through
  :class:`~tracetui.suites.trace.service.TraceService` timing every one with
  ``time.perf_counter``, then it CHECKS THE OUTCOME (no lost update, no
  missing or duplicate row) and raises :class:`OutcomeError` if it is wrong —
  a wrong result is a failed benchmark, never a fast one. The check is one or
  two aggregate queries and is part of the round's wall time;
- ``teardown()`` deletes the round's project (items and links cascade).

Parameters are ``"NxT"``: N operations per round on T threads (N/T each), so
``create_items[100x10]`` creates 100 items on 10 threads (``[100x1]`` is the
single-thread reference). The engine pool is sized to T
(``make_engine(url, pool_size=T)``), one engine per thread count kept in
``ctx.state`` and disposed in the suite teardown; its idle connections are
closed after each benchmark so that pools do not pile up on PostgreSQL.

On SQLite writers queue on the busy timeout set by
:func:`tracetui.engine.core.database.make_engine`; what still fails with "database is
locked" (or, on PostgreSQL, a deadlock or serialization failure) is retried
here with bounded, jittered backoff and reported as the ``retries`` counter.
The whole suite takes about 10 s with ``--profile smoke``.

The counter benchmarks keep an integer in an item's title and increment it
read-modify-write in one transaction that reads and writes atomically:
``BEGIN IMMEDIATE`` on SQLite, ``SELECT ... FOR UPDATE`` elsewhere. The
service layer has no such operation, so it is written here in Core against
the same schema.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import sqlalchemy as sa
from tracetui.engine.core.database import make_engine
from tracetui.engine.core.model import Context, Kind, OutcomeError, Pedantic, RoundDetail, Suite
from tracetui.suites.trace.schema import (
    ITEM_TYPES,
    LINK_TYPES,
    STATUSES,
    create_schema,
    items_table,
    links_table,
)

#: Attempts per operation before a lock error is final, and the backoff bounds (s).
MAX_ATTEMPTS = 12
BACKOFF_START = 0.001
BACKOFF_CAP = 0.05
#: Lock/serialization errors worth retrying (SQLite messages, PostgreSQL SQLSTATEs).
_RETRYABLE_MESSAGES = (
    "database is locked",
    "database table is locked",
    "deadlock detected",
    "could not serialize access",
)
_RETRYABLE_SQLSTATES = {"40001", "40P01", "55P03"}

R = TypeVar("R")


# --------------------------------------------------------------------------- shapes


@dataclass(frozen=True)
class Shape:
    """``"NxT"``: N operations per round on T threads."""

    ops: int
    threads: int

    @classmethod
    def parse(cls, param: str) -> Shape:
        ops_text, _, threads_text = str(param).partition("x")
        ops, threads = int(ops_text), int(threads_text)
        if threads < 1 or ops < threads or ops % threads:
            raise ValueError(f"shape {param!r}: N must be a positive multiple of T")
        return cls(ops, threads)

    @property
    def per_thread(self) -> int:
        return self.ops // self.threads


def _ops(param: str) -> int:
    return Shape.parse(param).ops


# --------------------------------------------------------------------------- retries


class RetryCounter:
    """A thread-safe count of retried operations."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.value = 0

    def add(self) -> None:
        with self._lock:
            self.value += 1


def is_retryable(exc: BaseException) -> bool:
    """A lock timeout, deadlock or serialization failure anywhere in the chain."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if getattr(current, "sqlstate", None) in _RETRYABLE_SQLSTATES:
            return True
        if isinstance(current, sa.exc.DBAPIError | OSError) or type(current).__module__.startswith(
            ("sqlite3", "psycopg")
        ):
            text = str(current).lower()
            if any(marker in text for marker in _RETRYABLE_MESSAGES):
                return True
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__
    return False


def with_retry(op: Callable[[], R], retries: RetryCounter) -> R:
    """Run ``op``, retrying lock errors with jittered exponential backoff (bounded)."""
    delay = BACKOFF_START
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            return op()
        except Exception as exc:
            if attempt == MAX_ATTEMPTS or not is_retryable(exc):
                raise
            retries.add()
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, BACKOFF_CAP)
    raise AssertionError("unreachable")  # pragma: no cover


# --------------------------------------------------------------------------- threads


class Gang:
    """T threads started untimed, released together, each running M operations.

    ``op(t, m)`` is operation m of thread t; its return value is kept in
    :attr:`results` (``results[t][m]``) for the outcome check, and its latency
    in :meth:`run`'s answer. An exception stops that thread and is re-raised
    by :meth:`run`.
    """

    def __init__(self, threads: int, per_thread: int, op: Callable[[int, int], Any]) -> None:
        self._per_thread = per_thread
        self._op = op
        self._barrier = threading.Barrier(threads + 1)
        self._latencies: list[list[float]] = [[] for _ in range(threads)]
        self.results: list[list[Any]] = [[] for _ in range(threads)]
        self._errors: list[BaseException] = []
        self._threads = [
            threading.Thread(target=self._work, args=(t,), name=f"concurrent-{t}", daemon=True)
            for t in range(threads)
        ]
        for thread in self._threads:
            thread.start()

    def _work(self, t: int) -> None:
        try:
            self._barrier.wait()
        except threading.BrokenBarrierError:
            return
        latencies, results = self._latencies[t], self.results[t]
        for m in range(self._per_thread):
            start = time.perf_counter()
            try:
                result = self._op(t, m)
            except BaseException as exc:  # reported by run(), in the caller's thread
                self._errors.append(exc)
                return
            latencies.append(time.perf_counter() - start)
            results.append(result)

    def run(self) -> list[float]:
        """Release the threads, wait for all of them; per-operation latencies (s)."""
        self._barrier.wait()
        for thread in self._threads:
            thread.join()
        if self._errors:
            raise self._errors[0]
        return [value for per_thread in self._latencies for value in per_thread]

    def close(self) -> None:
        """Release parked threads if :meth:`run` never came (a failed setup)."""
        self._barrier.abort()
        for thread in self._threads:
            thread.join()


# --------------------------------------------------------------------------- rounds


@dataclass
class Round:
    """One round's data: its project, its threads, its retry count, extras."""

    project_id: int
    gang: Gang | None = None
    retries: RetryCounter = field(default_factory=RetryCounter)
    data: dict[str, Any] = field(default_factory=dict)

    def detail(self, shape: Shape, latencies: Sequence[float], **counters: float) -> RoundDetail:
        return RoundDetail(
            ops=shape.ops,
            latencies=list(latencies),
            counters={"retries": self.retries.value, **counters},
        )


@dataclass(frozen=True)
class Pool:
    """An engine whose pool fits T threads, and the service on it."""

    engine: sa.Engine
    service: Any


def _pool(ctx: Context, threads: int) -> Pool:
    """The :class:`Pool` for ``threads`` (one per thread count, kept in ``ctx.state``)."""
    from tracetui.suites.trace.service import TraceService

    pools: dict[int, Pool] = ctx.state.setdefault("concurrent_pools", {})
    if threads not in pools:
        engine = make_engine(ctx.db_url, pool_size=threads)
        pools[threads] = Pool(engine, TraceService(engine))
    return pools[threads]


def _project_name(benchmark: str) -> str:
    return f"concurrent.{benchmark}.{uuid.uuid4().hex[:12]}"


def _item_fields(i: int, title: str | None = None) -> dict[str, Any]:
    """The fields of the i-th item a benchmark creates (service input, not an insert row)."""
    return {
        "type": ITEM_TYPES[i % len(ITEM_TYPES)],
        "title": title if title is not None else f"item {i}",
        "status": STATUSES[i % len(STATUSES)],
        "priority": i % 5 + 1,
    }


def _rounds(
    pool: Pool,
    shape: Shape,
    benchmark: str,
    prepare: Callable[[Round], Callable[[int, int], Any]],
    check: Callable[[Round], dict[str, float] | None],
) -> Iterator[Pedantic]:
    """Yield the case every benchmark runs: fresh project per round, gang, check, cleanup.

    ``prepare(round)`` creates the round's data (untimed) and returns the
    operation; ``check(round)`` raises :class:`OutcomeError` on a wrong
    outcome and may return extra counters. When the benchmark ends, the
    pool's idle connections are closed (the engine stays usable): T-sized
    pools must not pile up against PostgreSQL's ``max_connections``.
    """
    service = pool.service

    def setup() -> tuple[Round]:
        rnd = Round(service.create_project(_project_name(benchmark)))
        try:
            op = prepare(rnd)
            rnd.gang = Gang(shape.threads, shape.per_thread, op)
        except BaseException:
            service.delete_project(rnd.project_id)
            raise
        return (rnd,)

    def call(rnd: Round) -> RoundDetail:
        assert rnd.gang is not None
        latencies = rnd.gang.run()
        extra = check(rnd) or {}
        return rnd.detail(shape, latencies, **extra)

    def teardown(rnd: Round) -> None:
        if rnd.gang is not None:
            rnd.gang.close()
        service.delete_project(rnd.project_id)

    try:
        yield Pedantic(call, setup=setup, teardown=teardown)
    finally:
        pool.service.close()  # the main thread's connection, too
        pool.engine.dispose()


# --------------------------------------------------------------------------- SQL helpers


def project_titles(engine: sa.Engine, project_id: int) -> list[str]:
    items = items_table
    with engine.connect() as conn:
        rows = conn.execute(sa.select(items.c.title).where(items.c.project_id == project_id))
        return [row[0] for row in rows]


def project_links(engine: sa.Engine, project_id: int) -> list[tuple[int, int, str]]:
    """Every link whose source item belongs to the project."""
    items, links = items_table, links_table
    query = (
        sa.select(links.c.source_id, links.c.target_id, links.c.link_type)
        .join(items, items.c.id == links.c.source_id)
        .where(items.c.project_id == project_id)
    )
    with engine.connect() as conn:
        return [(row[0], row[1], row[2]) for row in conn.execute(query)]


def increment_counter(engine: sa.Engine, item_id: int) -> int:
    """Add one to the integer kept in an item's title, atomically; the new value."""
    return transfer(engine, (item_id,), (1,))[0]


def transfer(engine: sa.Engine, item_ids: Sequence[int], deltas: Sequence[int]) -> list[int]:
    """Add ``deltas`` to the counters of ``item_ids`` in ONE transaction.

    Rows are locked in id order (no deadlock between two transfers): SQLite
    takes the write lock up front with ``BEGIN IMMEDIATE``; other backends
    lock the rows with ``SELECT ... FOR UPDATE``.
    """
    items = items_table
    order = sorted(range(len(item_ids)), key=lambda i: item_ids[i])
    values: dict[int, int] = {}
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            for i in order:
                item_id = item_ids[i]
                current = conn.execute(
                    sa.select(items.c.title).where(items.c.id == item_id).with_for_update()
                ).scalar_one()
                values[item_id] = int(current) + deltas[i]
                conn.execute(
                    sa.update(items).where(items.c.id == item_id).values(title=str(values[item_id]))
                )
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
    return [values[item_id] for item_id in item_ids]


def counter_values(engine: sa.Engine, item_ids: Sequence[int]) -> list[int]:
    items = items_table
    with engine.connect() as conn:
        query = sa.select(items.c.id, items.c.title).where(items.c.id.in_(item_ids))
        rows = {item_id: title for item_id, title in conn.execute(query)}
    return [int(rows[item_id]) for item_id in item_ids]


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise OutcomeError(message)


def _expect_exact_titles(found: Sequence[str], expected: set[str], what: str) -> None:
    counts = Counter(found)
    duplicates = sorted(t for t, n in counts.items() if n > 1)
    missing = sorted(expected - counts.keys())
    unexpected = sorted(counts.keys() - expected)
    _expect(
        not duplicates and not missing and not unexpected,
        f"{what}: {len(missing)} missing, {len(duplicates)} duplicated, "
        f"{len(unexpected)} unexpected rows (e.g. {(missing + duplicates + unexpected)[:3]})",
    )


# --------------------------------------------------------------------------- the suite


def _setup(ctx: Context) -> None:
    if ctx.engine.dialect.name == "sqlite" and ctx.engine.url.database in (None, "", ":memory:"):
        raise ValueError("the concurrent suite needs a database file, not an in-memory SQLite")
    create_schema(ctx.engine)
    ctx.state.setdefault("concurrent_pools", {})


def _teardown(ctx: Context) -> None:
    for pool in ctx.state.pop("concurrent_pools", {}).values():
        pool.engine.dispose()


SUITE = Suite(
    "concurrent",
    "T threads x M operations through the trace service: throughput, per-op latency, "
    "lock retries, with every round's outcome checked (no lost or duplicate rows)",
    setup=_setup,
    teardown=_teardown,
)


@SUITE.benchmark(
    kind=Kind.CONCURRENT, params=["10x10", "100x1", "100x10", "500x50"], items_per_op=_ops
)
def create_items(ctx: Context, param: str) -> Iterator[Pedantic]:
    """Create items concurrently into one project; every item exactly once."""
    shape = Shape.parse(param)
    pool = _pool(ctx, shape.threads)
    service = pool.service

    def prepare(rnd: Round) -> Callable[[int, int], Any]:
        def op(t: int, m: int) -> int:
            i = t * shape.per_thread + m
            row = _item_fields(i, title=f"t{t}-m{m}")
            return with_retry(lambda: service.create_item(rnd.project_id, **row), rnd.retries)

        return op

    def check(rnd: Round) -> None:
        expected = {f"t{t}-m{m}" for t in range(shape.threads) for m in range(shape.per_thread)}
        titles = project_titles(pool.engine, rnd.project_id)
        _expect_exact_titles(titles, expected, "create_items")
        ids = [i for per_thread in rnd.gang.results for i in per_thread] if rnd.gang else []
        _expect(len(set(ids)) == shape.ops, f"create_items: {len(set(ids))} distinct ids returned")

    yield from _rounds(pool, shape, "create_items", prepare, check)


@SUITE.benchmark(kind=Kind.CONCURRENT, params=["100x10", "400x20"], items_per_op=_ops)
def update_items_disjoint(ctx: Context, param: str) -> Iterator[Pedantic]:
    """Each thread updates its own items (no shared rows); every update lands."""
    shape = Shape.parse(param)
    pool = _pool(ctx, shape.threads)
    service = pool.service

    def prepare(rnd: Round) -> Callable[[int, int], Any]:
        ids = service.bulk_create_items(rnd.project_id, [_item_fields(i) for i in range(shape.ops)])
        rnd.data["ids"] = ids
        rnd.data["token"] = token = uuid.uuid4().hex[:8]

        def op(t: int, m: int) -> bool:
            item_id = ids[t * shape.per_thread + m]
            return with_retry(
                lambda: service.update_item(item_id, title=f"{token}-{item_id}", status="done"),
                rnd.retries,
            )

        return op

    def check(rnd: Round) -> None:
        ids, token = rnd.data["ids"], rnd.data["token"]
        titles = project_titles(pool.engine, rnd.project_id)
        _expect_exact_titles(titles, {f"{token}-{i}" for i in ids}, "update_items_disjoint")
        assert rnd.gang is not None
        refused = sum(1 for per_thread in rnd.gang.results for ok in per_thread if not ok)
        _expect(refused == 0, f"update_items_disjoint: {refused} updates reported no such item")

    yield from _rounds(pool, shape, "update_items_disjoint", prepare, check)


@SUITE.benchmark(kind=Kind.CONCURRENT, params=["100x10", "200x20"], items_per_op=_ops)
def increment_same_item(ctx: Context, param: str) -> Iterator[Pedantic]:
    """All threads increment ONE counter (read-modify-write); no update may be lost."""
    shape = Shape.parse(param)
    pool = _pool(ctx, shape.threads)
    service = pool.service

    def prepare(rnd: Round) -> Callable[[int, int], Any]:
        (item_id,) = service.bulk_create_items(rnd.project_id, [_item_fields(0, title="0")])
        rnd.data["item_id"] = item_id
        engine = pool.engine
        return lambda t, m: with_retry(lambda: increment_counter(engine, item_id), rnd.retries)

    def check(rnd: Round) -> None:
        (value,) = counter_values(pool.engine, [rnd.data["item_id"]])
        _expect(
            value == shape.ops,
            f"increment_same_item: counter is {value} after {shape.ops} increments "
            f"({shape.ops - value} lost updates)",
        )

    yield from _rounds(pool, shape, "increment_same_item", prepare, check)


@SUITE.benchmark(kind=Kind.CONCURRENT, params=["200x20"], items_per_op=_ops)
def lock_contention(ctx: Context, param: str) -> Iterator[Pedantic]:
    """High lock contention: every op moves one unit between the SAME two hot rows."""
    shape = Shape.parse(param)
    pool = _pool(ctx, shape.threads)
    service = pool.service

    def prepare(rnd: Round) -> Callable[[int, int], Any]:
        hot = service.bulk_create_items(
            rnd.project_id, [_item_fields(0, "0"), _item_fields(1, "0")]
        )
        rnd.data["hot"] = hot
        engine = pool.engine

        def op(t: int, m: int) -> list[int]:
            ids = hot if (t + m) % 2 == 0 else hot[::-1]
            return with_retry(lambda: transfer(engine, ids, (-1, 1)), rnd.retries)

        return op

    def check(rnd: Round) -> None:
        first, second = counter_values(pool.engine, rnd.data["hot"])
        forward = sum(
            1 for t in range(shape.threads) for m in range(shape.per_thread) if (t + m) % 2 == 0
        )
        expected = shape.ops - 2 * forward  # first row: +1 per backward move, -1 per forward
        _expect(
            first + second == 0 and first == expected,
            f"lock_contention: hot rows are ({first}, {second}), expected ({expected}, "
            f"{-expected}) after {shape.ops} transfers",
        )

    yield from _rounds(pool, shape, "lock_contention", prepare, check)


@SUITE.benchmark(kind=Kind.CONCURRENT, params=["200x10"], items_per_op=_ops)
def query_items(ctx: Context, param: str) -> Iterator[Pedantic]:
    """Concurrent reads (filters, counts, lookups) on a 500-item project; answers exact."""
    shape = Shape.parse(param)
    pool = _pool(ctx, shape.threads)
    service = pool.service
    size = 500

    def prepare(rnd: Round) -> Callable[[int, int], Any]:
        ids = service.bulk_create_items(rnd.project_id, [_item_fields(i) for i in range(size)])
        rnd.data["ids"] = ids
        pid = rnd.project_id
        queries: list[Callable[[int], Any]] = [
            lambda k: len(service.list_items(pid, status=STATUSES[k % 5], limit=size)),
            lambda k: service.count_items(pid, type=ITEM_TYPES[k % 5]),
            lambda k: sum(service.count_by_status(pid).values()),
            lambda k: (service.get_item(ids[k % size]) or {}).get("title"),
            lambda k: len(service.list_items(pid, priority=k % 5 + 1, limit=20, offset=40)),
        ]

        def op(t: int, m: int) -> Any:
            k = t * shape.per_thread + m
            return with_retry(lambda: queries[k % len(queries)](k), rnd.retries)

        return op

    def expected_answer(k: int) -> Any:
        per_value = size // 5
        return [per_value, per_value, size, f"item {k % size}", 20][k % 5]

    def check(rnd: Round) -> None:
        assert rnd.gang is not None
        wrong = [
            (k, answer, expected_answer(k))
            for t, per_thread in enumerate(rnd.gang.results)
            for m, answer in enumerate(per_thread)
            if answer != expected_answer(k := t * shape.per_thread + m)
        ]
        _expect(
            not wrong, f"query_items: {len(wrong)} wrong answers (op, got, expected): {wrong[:3]}"
        )

    yield from _rounds(pool, shape, "query_items", prepare, check)


@SUITE.benchmark(kind=Kind.CONCURRENT, params=["100x10"], items_per_op=_ops)
def create_links(ctx: Context, param: str) -> Iterator[Pedantic]:
    """Create distinct links concurrently between existing items; every link once."""
    shape = Shape.parse(param)
    pool = _pool(ctx, shape.threads)
    service = pool.service

    def prepare(rnd: Round) -> Callable[[int, int], Any]:
        ids = service.bulk_create_items(rnd.project_id, [_item_fields(i) for i in range(shape.ops)])
        triples = [
            (ids[i], ids[(i + 1) % len(ids)], LINK_TYPES[i % len(LINK_TYPES)])
            for i in range(shape.ops)
        ]
        rnd.data["triples"] = triples

        def op(t: int, m: int) -> int:
            src, tgt, kind = triples[t * shape.per_thread + m]
            return with_retry(lambda: service.create_link(src, tgt, kind), rnd.retries)

        return op

    def check(rnd: Round) -> None:
        found = Counter(project_links(pool.engine, rnd.project_id))
        expected = set(rnd.data["triples"])
        _expect(
            found.keys() == expected and all(n == 1 for n in found.values()),
            f"create_links: {len(expected - found.keys())} missing, "
            f"{sum(n - 1 for n in found.values())} duplicated, "
            f"{len(found.keys() - expected)} unexpected links",
        )

    yield from _rounds(pool, shape, "create_links", prepare, check)


@SUITE.benchmark(kind=Kind.CONCURRENT, params=["100x10"], items_per_op=_ops)
def create_links_racing(ctx: Context, param: str) -> Iterator[Pedantic]:
    """All threads race to create the SAME links: exactly one row per triple wins."""
    from tracetui.suites.trace.service import DuplicateLink

    shape = Shape.parse(param)
    pool = _pool(ctx, shape.threads)
    service = pool.service
    distinct = shape.per_thread  # thread t's op m creates triple m: T racers per triple

    def prepare(rnd: Round) -> Callable[[int, int], Any]:
        ids = service.bulk_create_items(
            rnd.project_id, [_item_fields(i) for i in range(distinct + 1)]
        )
        triples = [(ids[m], ids[m + 1], LINK_TYPES[m % len(LINK_TYPES)]) for m in range(distinct)]
        rnd.data["triples"] = triples

        def op(t: int, m: int) -> bool:
            try:
                with_retry(lambda: service.create_link(*triples[m]), rnd.retries)
            except DuplicateLink:
                return False
            return True

        return op

    def check(rnd: Round) -> dict[str, float]:
        assert rnd.gang is not None
        found = Counter(project_links(pool.engine, rnd.project_id))
        expected = set(rnd.data["triples"])
        wins = Counter(
            m for per_thread in rnd.gang.results for m, won in enumerate(per_thread) if won
        )
        _expect(
            found.keys() == expected and all(n == 1 for n in found.values()),
            f"create_links_racing: {len(expected - found.keys())} triples missing, "
            f"{sum(n - 1 for n in found.values())} duplicate rows",
        )
        _expect(
            all(wins[m] == 1 for m in range(distinct)),
            "create_links_racing: a triple was reported created "
            f"{max(wins.values(), default=0)} times or never (wins per triple: {dict(wins)})",
        )
        return {"duplicates_rejected": shape.ops - distinct}

    yield from _rounds(pool, shape, "create_links_racing", prepare, check)


@SUITE.benchmark(kind=Kind.CONCURRENT, params=["100x10"], items_per_op=_ops)
def delete_items(ctx: Context, param: str) -> Iterator[Pedantic]:
    """Each thread deletes its own items; exactly those disappear, the rest stay."""
    shape = Shape.parse(param)
    pool = _pool(ctx, shape.threads)
    service = pool.service
    keep = 20

    def prepare(rnd: Round) -> Callable[[int, int], Any]:
        rows = [_item_fields(i, title=f"doomed {i}") for i in range(shape.ops)]
        rows += [_item_fields(i, title=f"kept {i}") for i in range(keep)]
        ids = service.bulk_create_items(rnd.project_id, rows)

        def op(t: int, m: int) -> bool:
            item_id = ids[t * shape.per_thread + m]
            return with_retry(lambda: service.delete_item(item_id), rnd.retries)

        return op

    def check(rnd: Round) -> None:
        assert rnd.gang is not None
        titles = project_titles(pool.engine, rnd.project_id)
        _expect_exact_titles(titles, {f"kept {i}" for i in range(keep)}, "delete_items")
        refused = sum(1 for per_thread in rnd.gang.results for ok in per_thread if not ok)
        _expect(refused == 0, f"delete_items: {refused} deletes reported no such item")

    yield from _rounds(pool, shape, "delete_items", prepare, check)


@SUITE.benchmark(kind=Kind.CONCURRENT, params=["200x10"], items_per_op=_ops)
def mixed_crud(ctx: Context, param: str) -> Iterator[Pedantic]:
    """Each thread cycles create, read, update, delete-every-other on its own items."""
    shape = Shape.parse(param)
    pool = _pool(ctx, shape.threads)
    service = pool.service

    def prepare(rnd: Round) -> Callable[[int, int], Any]:
        current: dict[int, int] = {}

        def op(t: int, m: int) -> Any:
            step, cycle = m % 4, m // 4
            if step == 0:
                row = _item_fields(m, title=f"t{t}-c{cycle}")
                current[t] = with_retry(
                    lambda: service.create_item(rnd.project_id, **row), rnd.retries
                )
                return current[t]
            item_id = current[t]
            if step == 1:
                found = with_retry(lambda: service.get_item(item_id), rnd.retries)
                return (found or {}).get("title")
            if step == 2:
                return with_retry(
                    lambda: service.update_item(item_id, status="review", title=f"t{t}-c{cycle}u"),
                    rnd.retries,
                )
            if cycle % 2:
                return with_retry(lambda: service.delete_item(item_id), rnd.retries)
            return with_retry(lambda: service.get_item(item_id) is not None, rnd.retries)

        return op

    def check(rnd: Round) -> None:
        assert rnd.gang is not None
        cycles = (shape.per_thread + 3) // 4
        expected = set()
        for t in range(shape.threads):
            for cycle in range(cycles):
                last_step = min(4, shape.per_thread - 4 * cycle) - 1
                deleted = last_step == 3 and cycle % 2 == 1
                if not deleted:
                    expected.add(f"t{t}-c{cycle}u" if last_step >= 2 else f"t{t}-c{cycle}")
        titles = project_titles(pool.engine, rnd.project_id)
        _expect_exact_titles(titles, expected, "mixed_crud")
        reads_wrong = [
            (t, m)
            for t, per_thread in enumerate(rnd.gang.results)
            for m, answer in enumerate(per_thread)
            if (m % 4 == 1 and answer != f"t{t}-c{m // 4}") or (m % 4 in (2, 3) and not answer)
        ]
        _expect(
            not reads_wrong,
            f"mixed_crud: {len(reads_wrong)} reads/updates saw the wrong "
            f"row (thread, op): {reads_wrong[:3]}",
        )

    yield from _rounds(pool, shape, "mixed_crud", prepare, check)
