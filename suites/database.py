"""The ``database`` suite: single-item operations and queries on the trace system.

Every benchmark works in a project of its own (``bench:<id>:<hex>``) that it
seeds before its ``yield`` and deletes after it, so a run leaves the database
exactly as it found it. Reads are :class:`Timed` (calibrated micro rounds);
writes are :class:`Pedantic` with untimed per-round setup/teardown, except
``item_update`` which rewrites the same row and so stays repeatable.

The seed's budgets (item_create 50 ms, item_read 20 ms, item_update 40 ms,
item_delete 30 ms, link_create 60 ms, queries...) live in
``baselines/policy.toml`` under these benchmark ids.

Indexes used (see :mod:`tracetui.suites.trace.schema`): lookups by id use the
primary key; ``item_lookup_by_title`` uses ``ix_items_project_title``;
status filters and counts ``ix_items_project_status``; type x status
counts ``ix_items_project_type_status`` (covering); pagination,
``query_all_items`` and, without ``ANALYZE`` statistics, the type +
priority filter ``ix_items_project_id``; links the unique
``(source_id, target_id, link_type)`` index and ``ix_links_target_id``.
``tests/suites/test_trace_query_plans.py`` pins these plans on SQLite.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TypeVar

from tracetui.engine.core.model import Case, Context, Kind, Pedantic, Suite, Timed
from tracetui.suites.trace.fixtures import (
    RawSqlite,
    create_items_case,
    expect,
    scratch_project,
    seed_project,
    service_of,
    suite_setup,
    suite_teardown,
)
from tracetui.suites.trace.generator import FILTER_STATUS, DataGenerator, expected_filter_count

SUITE = Suite(
    "database",
    "Single-item operations and queries on the reference trace system",
    setup=suite_setup,
    teardown=suite_teardown,
)


QUERY_ITEMS = 1000
PAGE_SIZE = 20
RANDOM_LINKS = 500


T = TypeVar("T")


def _shuffled(values: Sequence[T], seed: int) -> Iterator[T]:
    """An endless, seeded walk over ``values`` (lookups that do not hit one hot row)."""
    order = list(values)
    random.Random(seed).shuffle(order)
    return itertools.cycle(order)


# --- single-item operations (the seed's budgets) ------------------------------------------


@SUITE.benchmark(kind=Kind.WORKLOAD)
def item_create(ctx: Context) -> Iterator[Case]:
    """Create one item (one INSERT, one commit)."""
    service = service_of(ctx)
    with scratch_project(service, "database.item_create") as project_id:
        created: list[int] = []

        def create() -> None:
            created.append(service.create_item(project_id, type="requirement", title="new item"))

        def remove() -> None:
            service.bulk_delete_items(created)
            created.clear()

        yield Pedantic(create, teardown=remove)
        remove()


@SUITE.benchmark(kind=Kind.MICRO)
def item_read(ctx: Context) -> Iterator[Case]:
    """Read one item by id, as a dict (one SELECT by primary key)."""
    service = service_of(ctx)
    with scratch_project(service, "database.item_read") as project_id:
        item_id = service.create_item(project_id, type="design", title="read me")
        expect(service.get_item(item_id) is not None, "the seeded item cannot be read")
        yield Timed(lambda: service.get_item(item_id))


@SUITE.benchmark(kind=Kind.MICRO)
def item_update(ctx: Context) -> Iterator[Case]:
    """Update one item's status and updated_at (the same row every call)."""
    service = service_of(ctx)
    with scratch_project(service, "database.item_update") as project_id:
        item_id = service.create_item(project_id, type="task", title="update me")
        statuses = itertools.cycle(("in_progress", "review", "done"))

        def update() -> None:
            expect(service.update_item(item_id, status=next(statuses)), "item update missed")

        yield Timed(update)


@SUITE.benchmark(kind=Kind.WORKLOAD)
def item_delete(ctx: Context) -> Iterator[Case]:
    """Delete one item (a fresh item every round)."""
    service = service_of(ctx)
    with scratch_project(service, "database.item_delete") as project_id:

        def make_item() -> tuple[int]:
            return (service.create_item(project_id, type="defect", title="delete me"),)

        def delete(item_id: int) -> None:
            expect(service.delete_item(item_id), f"item {item_id} was not deleted")

        yield Pedantic(delete, setup=make_item)


@SUITE.benchmark(kind=Kind.WORKLOAD)
def link_create(ctx: Context) -> Iterator[Case]:
    """Create one link between two existing items (FK and uniqueness checked)."""
    service = service_of(ctx)
    with scratch_project(service, "database.link_create") as project_id:
        source = service.create_item(project_id, type="test", title="source")
        target = service.create_item(project_id, type="requirement", title="target")
        created: list[int] = []

        def create() -> None:
            created.append(service.create_link(source, target, "verifies"))

        def remove() -> None:
            for link_id in created:
                service.delete_link(link_id)
            created.clear()

        yield Pedantic(create, teardown=remove)
        remove()


# --- lookups --------------------------------------------------------------------------------


@SUITE.benchmark(kind=Kind.MICRO)
def item_lookup_by_id_indexed(ctx: Context) -> Iterator[Case]:
    """Look up items by primary key, walking 1000 ids in a seeded order."""
    service = service_of(ctx)
    with scratch_project(service, "database.item_lookup_by_id_indexed") as project_id:
        ids = seed_project(service, project_id, QUERY_ITEMS, seed=ctx.seed).item_ids
        walk = _shuffled(ids, ctx.seed)

        def lookup() -> None:
            expect(service.get_item(next(walk)) is not None, "an item id was not found")

        yield Timed(lookup)


@SUITE.benchmark(kind=Kind.MICRO)
def raw_sqlite3_lookup_by_id(ctx: Context) -> Iterator[Case]:
    """Reference: the same lookup with the plain sqlite3 module on a twin SQLite file."""
    raw = RawSqlite()
    try:
        raw.insert_items(raw.item_tuples(DataGenerator(ctx.seed).items(QUERY_ITEMS)))
        walk = _shuffled(raw.item_ids(), ctx.seed)
        conn = raw.conn
        sql = "SELECT * FROM items WHERE id = ?"

        def lookup() -> None:
            expect(conn.execute(sql, (next(walk),)).fetchone() is not None, "raw lookup missed")

        yield Timed(lookup)
    finally:
        raw.close()


@SUITE.benchmark(kind=Kind.MICRO)
def item_lookup_by_title(ctx: Context) -> Iterator[Case]:
    """Find items by exact title in a project of 1000 (index on (project_id, title))."""
    service = service_of(ctx)
    with scratch_project(service, "database.item_lookup_by_title") as project_id:
        seeded = seed_project(service, project_id, QUERY_ITEMS, seed=ctx.seed)
        walk = _shuffled([str(row["title"]) for row in seeded.rows], ctx.seed)

        def lookup() -> None:
            found = service.find_items_by_title(project_id, next(walk))
            expect(len(found) == 1, "title lookup did not find exactly one item")

        yield Timed(lookup)


# --- queries --------------------------------------------------------------------------------


def _list_benchmark(ctx: Context, label: str, expected: int, **query: object) -> Iterator[Case]:
    """Seed 1000 items, check the query's row count once, then time it."""
    service = service_of(ctx)
    with scratch_project(service, label) as project_id:
        seed_project(service, project_id, QUERY_ITEMS, seed=ctx.seed)
        rows = service.list_items(project_id, **query)
        if expected >= 0:
            expect(len(rows) == expected, f"{label}: {len(rows)} rows, expected {expected}")
        expect(bool(rows), f"{label}: the query selected nothing")
        yield Timed(lambda: service.list_items(project_id, **query))


@SUITE.benchmark(kind=Kind.MICRO, params=[QUERY_ITEMS], items_per_op=lambda n: n)
def query_all_items(ctx: Context, n: int) -> Iterator[Case]:
    """All 1000 items of a project, in id order."""
    yield from _list_benchmark(ctx, f"database.query_all_items[{n}]", n, limit=n)


@SUITE.benchmark(kind=Kind.MICRO, items_per_op=expected_filter_count(QUERY_ITEMS))
def filter_by_status(ctx: Context) -> Iterator[Case]:
    """Items with one status: 333 of 1000 (index (project_id, status))."""
    yield from _list_benchmark(
        ctx,
        "database.filter_by_status",
        expected_filter_count(QUERY_ITEMS),
        status=FILTER_STATUS,
        limit=QUERY_ITEMS,
    )


@SUITE.benchmark(kind=Kind.MICRO)
def filter_by_type_and_priority(ctx: Context) -> Iterator[Case]:
    """Requirements of priority 1 or 2 among 1000 items."""
    yield from _list_benchmark(
        ctx,
        "database.filter_by_type_and_priority",
        -1,
        type="requirement",
        priority=[1, 2],
        limit=QUERY_ITEMS,
    )


@SUITE.benchmark(kind=Kind.MICRO)
def filter_multi_condition(ctx: Context) -> Iterator[Case]:
    """Open tests of priority 1-3 among 1000 items (status, type and priority)."""
    yield from _list_benchmark(
        ctx,
        "database.filter_multi_condition",
        -1,
        status=FILTER_STATUS,
        type="test",
        priority=[1, 2, 3],
        limit=QUERY_ITEMS,
    )


@SUITE.benchmark(kind=Kind.MICRO, params=[0, 500, 980], items_per_op=PAGE_SIZE)
def paginate(ctx: Context, offset: int) -> Iterator[Case]:
    """One page of 20 items at an offset in a project of 1000 (LIMIT/OFFSET)."""
    yield from _list_benchmark(
        ctx, f"database.paginate[{offset}]", PAGE_SIZE, limit=PAGE_SIZE, offset=offset
    )


@contextmanager
def _linked_project(ctx: Context, label: str) -> Iterator[tuple[int, list[int]]]:
    """A project of 1000 items in a binary tree of links plus 500 random links."""
    service = service_of(ctx)
    with scratch_project(service, label) as project_id:
        seeded = seed_project(
            service, project_id, QUERY_ITEMS, seed=ctx.seed, tree=True, n_links=RANDOM_LINKS
        )
        yield project_id, seeded.item_ids


@SUITE.benchmark(kind=Kind.MICRO)
def item_with_links(ctx: Context) -> Iterator[Case]:
    """One item with its outgoing and incoming links and the linked items (a join)."""
    service = service_of(ctx)
    with _linked_project(ctx, "database.item_with_links") as (_project_id, ids):
        item = service.item_with_links(ids[1])
        expect(
            item is not None and bool(item["outgoing"]) and bool(item["incoming"]),
            "the seeded item has no links",
        )
        yield Timed(lambda: service.item_with_links(ids[1]))


@SUITE.benchmark(kind=Kind.MICRO, items_per_op=50)
def items_with_link_counts(ctx: Context) -> Iterator[Case]:
    """A page of 50 items, each with its outgoing and incoming link counts."""
    service = service_of(ctx)
    with _linked_project(ctx, "database.items_with_link_counts") as (project_id, _ids):
        page = service.items_with_link_counts(project_id, limit=50)
        expect(len(page) == 50 and page[0]["outgoing"] > 0, "link counts are missing")
        yield Timed(lambda: service.items_with_link_counts(project_id, limit=50))


@SUITE.benchmark(kind=Kind.MICRO)
def count_by_status(ctx: Context) -> Iterator[Case]:
    """Items per status in a project of 1000 (COUNT ... GROUP BY status)."""
    service = service_of(ctx)
    with scratch_project(service, "database.count_by_status") as project_id:
        seed_project(service, project_id, QUERY_ITEMS, seed=ctx.seed)
        counts = service.count_by_status(project_id)
        expect(sum(counts.values()) == QUERY_ITEMS, f"status counts add up to {counts}")
        yield Timed(lambda: service.count_by_status(project_id))


@SUITE.benchmark(kind=Kind.MICRO)
def count_by_type_and_status(ctx: Context) -> Iterator[Case]:
    """Items per type and status in a project of 1000 (GROUP BY type, status)."""
    service = service_of(ctx)
    with scratch_project(service, "database.count_by_type_and_status") as project_id:
        seed_project(service, project_id, QUERY_ITEMS, seed=ctx.seed)
        counts = service.count_by_type_and_status(project_id)
        total = sum(sum(by_status.values()) for by_status in counts.values())
        expect(total == QUERY_ITEMS, f"type x status counts add up to {total}")
        yield Timed(lambda: service.count_by_type_and_status(project_id))


@SUITE.benchmark(kind=Kind.MICRO)
def downstream_trace(ctx: Context) -> Iterator[Case]:
    """Everything reachable from a root item within 10 hops (recursive CTE)."""
    service = service_of(ctx)
    with _linked_project(ctx, "database.downstream_trace") as (_project_id, ids):
        reached = service.downstream_trace(ids[0], max_depth=10)
        expect(len(reached) == QUERY_ITEMS - 1, f"the trace reached {len(reached)} items")
        yield Timed(lambda: service.downstream_trace(ids[0], max_depth=10))


# --- small bulk operations (the bulk suite goes further) -------------------------------------


@SUITE.benchmark(kind=Kind.WORKLOAD, params=[100, 1000], items_per_op=lambda n: n)
def bulk_insert(ctx: Context, n: int) -> Iterator[Case]:
    """Insert n items in one transaction through the service layer."""
    yield from create_items_case(ctx, f"database.bulk_insert[{n}]", n)


@SUITE.benchmark(kind=Kind.WORKLOAD, params=[100, 1000], items_per_op=lambda n: n)
def bulk_update(ctx: Context, n: int) -> Iterator[Case]:
    """Set the status of n items (one UPDATE ... WHERE id IN per chunk)."""
    service = service_of(ctx)
    with scratch_project(service, f"database.bulk_update[{n}]") as project_id:
        ids = seed_project(service, project_id, n, seed=ctx.seed).item_ids
        statuses = itertools.cycle(("review", "done"))

        def update(status: str) -> None:
            updated = service.bulk_update_items(ids, status=status)
            expect(updated == n, f"{updated} items updated, expected {n}")

        yield Pedantic(update, setup=lambda: (next(statuses),))
