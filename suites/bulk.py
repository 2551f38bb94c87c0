"""The ``bulk`` suite: many items or links per call, their throughput and memory.

Every call mutates the database, so every benchmark is a
:class:`~tracetui.engine.core.model.Pedantic` workload: one timed call per round, untimed
per-round setup and teardown that put the rows back as they were. Each
benchmark works in a project of its own (``bench:<id>:<hex>``) and deletes
it afterwards. ``items_per_op`` is the batch size, so the engine reports
items per second.

``raw_sqlite3_create_items[n]`` inserts the same rows with the plain
``sqlite3`` module (one ``executemany`` and one commit) into an identically
shaped table in a temporary WAL SQLite file: the reference point for the
service layer's "within 5x raw sqlite3" requirement, measured in the same
run. Its ratio to ``create_items[n]`` is what the report should show.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import suppress

from tracetui.engine.core.model import Case, Context, Kind, Pedantic, Suite
from tracetui.suites.trace.fixtures import (
    RawSqlite,
    create_items_case,
    expect,
    project_name,
    scratch_project,
    seed_project,
    service_of,
    suite_setup,
    suite_teardown,
)
from tracetui.suites.trace.generator import DataGenerator
from tracetui.suites.trace.service import UnknownProject

SUITE = Suite(
    "bulk",
    "Bulk inserts, updates, deletes and links on the reference trace system",
    setup=suite_setup,
    teardown=suite_teardown,
)

LINK_ITEMS = 500


def _items_per_op(n: int) -> int:
    return n


@SUITE.benchmark(kind=Kind.WORKLOAD, params=[100, 500, 1000], items_per_op=_items_per_op)
def create_items(ctx: Context, n: int) -> Iterator[Case]:
    """Create n items in one transaction (batched INSERT ... RETURNING id)."""
    yield from create_items_case(ctx, f"bulk.create_items[{n}]", n)


@SUITE.benchmark(kind=Kind.WORKLOAD, params=[5000], items_per_op=_items_per_op, track_memory=True)
def create_items_memory(ctx: Context, n: int) -> Iterator[Case]:
    """Create n items in one call, with peak Python memory tracked."""
    yield from create_items_case(ctx, f"bulk.create_items_memory[{n}]", n)


@SUITE.benchmark(kind=Kind.WORKLOAD, params=[100, 500, 1000], items_per_op=_items_per_op)
def raw_sqlite3_create_items(ctx: Context, n: int) -> Iterator[Case]:
    """Reference: the same n rows with plain sqlite3 executemany into a twin table."""
    raw = RawSqlite()
    try:
        tuples = raw.item_tuples(DataGenerator(ctx.seed).items(n))

        def remove() -> None:
            expect(len(raw.item_ids()) == n, f"raw insert did not store {n} rows")
            raw.clear_items()

        yield Pedantic(lambda: raw.insert_items(tuples), teardown=remove)
    finally:
        raw.close()


@SUITE.benchmark(kind=Kind.WORKLOAD, params=[100, 1000], items_per_op=_items_per_op)
def update_items(ctx: Context, n: int) -> Iterator[Case]:
    """Set status and priority of n items in one transaction."""
    service = service_of(ctx)
    with scratch_project(service, f"bulk.update_items[{n}]") as project_id:
        ids = seed_project(service, project_id, n, seed=ctx.seed).item_ids
        changes = itertools.cycle(
            ({"status": "review", "priority": 2}, {"status": "done", "priority": 4})
        )

        def update(fields: dict[str, object]) -> None:
            updated = service.bulk_update_items(ids, **fields)
            expect(updated == n, f"{updated} items updated, expected {n}")

        yield Pedantic(update, setup=lambda: (next(changes),))


@SUITE.benchmark(kind=Kind.WORKLOAD, params=[100, 1000], items_per_op=_items_per_op)
def delete_items(ctx: Context, n: int) -> Iterator[Case]:
    """Delete n items (and their links) in one transaction; fresh items every round."""
    service = service_of(ctx)
    with scratch_project(service, f"bulk.delete_items[{n}]") as project_id:
        rows = DataGenerator(ctx.seed).items(n)

        def make_items() -> tuple[list[int]]:
            return (service.bulk_create_items(project_id, rows),)

        def delete(ids: list[int]) -> None:
            deleted = service.bulk_delete_items(ids)
            expect(deleted == n, f"{deleted} items deleted, expected {n}")

        yield Pedantic(delete, setup=make_items)


@SUITE.benchmark(kind=Kind.WORKLOAD, params=[100, 1000], items_per_op=_items_per_op)
def create_links(ctx: Context, n: int) -> Iterator[Case]:
    """Create n links among 500 items in one transaction (FK and uniqueness checked)."""
    service = service_of(ctx)
    with scratch_project(service, f"bulk.create_links[{n}]") as project_id:
        ids = seed_project(service, project_id, LINK_ITEMS, seed=ctx.seed).item_ids
        links = DataGenerator(ctx.seed).links(ids, n)

        def create() -> None:
            created = service.bulk_create_links(links)
            expect(created == n, f"{created} links created, expected {n}")

        def remove() -> None:
            service.delete_project_links(project_id)

        yield Pedantic(create, teardown=remove)


@SUITE.benchmark(kind=Kind.WORKLOAD, params=[1000], items_per_op=_items_per_op)
def delete_project(ctx: Context, n: int) -> Iterator[Case]:
    """Delete a project of n items and n-1 links (ON DELETE CASCADE)."""
    service = service_of(ctx)
    pending: list[int] = []

    def make_project() -> tuple[int]:
        project_id = service.create_project(project_name(f"bulk.delete_project[{n}]"))
        pending.append(project_id)
        seed_project(service, project_id, n, seed=ctx.seed, tree=True)
        return (project_id,)

    def delete(project_id: int) -> None:
        service.delete_project(project_id)

    def forget(project_id: int) -> None:
        pending.remove(project_id)
        expect(service.count_items(project_id) == 0, "the cascade left items behind")

    try:
        yield Pedantic(delete, setup=make_project, teardown=forget)
    finally:
        for project_id in pending:  # a round whose timed call never ran
            with suppress(UnknownProject):
                service.delete_project(project_id)
