"""Benchmark data helpers: scratch projects, seeded items and links, raw sqlite3 twins.

Every benchmark works in a project of its own, named after the benchmark
with a random suffix, and deletes it afterwards; :func:`scratch_project`
packages that contract. :class:`RawSqlite` is the plain ``sqlite3``
reference point: a temporary SQLite file in WAL mode with tables shaped
exactly like the trace schema (DDL compiled from the same models).
"""

from __future__ import annotations

import secrets
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite as sqlite_dialect
from tracetui.engine.core.model import Case, Context, OutcomeError, Pedantic
from tracetui.suites.trace.generator import DataGenerator
from tracetui.suites.trace.schema import TABLES, create_schema
from tracetui.suites.trace.service import TraceService, UnknownProject


def suite_setup(ctx: Context) -> None:
    """The database and bulk suites' setup hook: schema ready, a shared service."""
    create_schema(ctx.engine)
    ctx.state["service"] = TraceService(ctx.engine)


def suite_teardown(ctx: Context) -> None:
    """The database and bulk suites' teardown: return the service's connections."""
    service = ctx.state.pop("service", None)
    if service is not None:
        service.close()


def service_of(ctx: Context) -> TraceService:
    """The suite's service (created on first use when a caller skipped the setup hook)."""
    service = ctx.state.get("service")
    if service is None:
        suite_setup(ctx)
        service = ctx.state["service"]
    return service


def expect(condition: bool, message: str) -> None:
    """A benchmark's outcome check: a wrong answer fails the benchmark, never passes fast."""
    if not condition:
        raise OutcomeError(message)


def project_name(label: str) -> str:
    """A unique project name for one benchmark run: ``bench:<label>:<hex>``."""
    return f"bench:{label}:{secrets.token_hex(4)}"


@contextmanager
def scratch_project(service: TraceService, label: str) -> Iterator[int]:
    """A fresh project for the duration of the block, deleted (with its rows) after."""
    project_id = service.create_project(project_name(label))
    try:
        yield project_id
    finally:
        with suppress(UnknownProject):  # the benchmark may have deleted it itself
            service.delete_project(project_id)


@dataclass
class SeededProject:
    """A project filled by :func:`seed_project`: its id, item ids and the rows used."""

    project_id: int
    item_ids: list[int]
    rows: list[dict[str, object]]
    links: list[tuple[int, int, str]] = field(default_factory=list)


def seed_project(
    service: TraceService,
    project_id: int,
    n_items: int,
    *,
    seed: int,
    n_links: int = 0,
    tree: bool = False,
) -> SeededProject:
    """Fill a project with ``n_items`` generated items (one bulk insert) and links.

    ``tree`` adds the generator's binary tree of ``depends_on`` links;
    ``n_links`` adds that many random links on top (deduplicated against the tree).
    """
    generator = DataGenerator(seed)
    rows = generator.items(n_items)
    ids = service.bulk_create_items(project_id, rows)
    links: list[tuple[int, int, str]] = generator.tree_links(ids) if tree else []
    if n_links:
        existing = set(links)
        links += [link for link in generator.links(ids, n_links) if link not in existing]
    if links:
        service.bulk_create_links(links)
    return SeededProject(project_id, ids, rows, links)


class RawSqlite:
    """A plain ``sqlite3`` connection to a temporary trace-shaped database.

    Same tables and indexes as the trace schema (compiled from the models),
    WAL with ``synchronous=NORMAL`` like :func:`tracetui.engine.core.database.make_engine`,
    foreign keys on. :meth:`close` removes the file.
    """

    ITEM_COLUMNS = ("project_id", "type", "title", "status", "priority")

    def __init__(self) -> None:
        self._dir = Path(tempfile.mkdtemp(prefix="tracetui-raw-"))
        self.path = self._dir / "raw.db"
        self.conn = sqlite3.connect(self.path)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute("PRAGMA foreign_keys=ON")
        dialect = sqlite_dialect.dialect()
        for table in TABLES:
            self.conn.execute(str(sa.schema.CreateTable(table).compile(dialect=dialect)))
            for index in table.indexes:
                self.conn.execute(str(sa.schema.CreateIndex(index).compile(dialect=dialect)))
        self.project_id = int(
            self.conn.execute("INSERT INTO projects (name) VALUES ('raw')").lastrowid or 0
        )
        self.conn.commit()
        self.insert_items_sql = (
            f"INSERT INTO items ({', '.join(self.ITEM_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(self.ITEM_COLUMNS))})"
        )

    def item_tuples(self, rows: Sequence[Mapping[str, object]]) -> list[tuple[object, ...]]:
        """The generator's item dicts as parameter tuples for :attr:`insert_items_sql`."""
        return [
            (self.project_id, row["type"], row["title"], row["status"], row["priority"])
            for row in rows
        ]

    def insert_items(self, tuples: Sequence[tuple[object, ...]]) -> None:
        """One executemany and one commit: the reference bulk insert."""
        self.conn.executemany(self.insert_items_sql, tuples)
        self.conn.commit()

    def item_ids(self) -> list[int]:
        return [row[0] for row in self.conn.execute("SELECT id FROM items ORDER BY id")]

    def clear_items(self) -> None:
        self.conn.execute("DELETE FROM items")
        self.conn.commit()

    def close(self) -> None:
        self.conn.close()
        shutil.rmtree(self._dir, ignore_errors=True)


def create_items_case(ctx: Context, label: str, n: int) -> Iterator[Case]:
    """Create n items in one call per round (fresh ids each round, removed after)."""
    service = service_of(ctx)
    with scratch_project(service, label) as project_id:
        rows = DataGenerator(ctx.seed).items(n)
        created: list[int] = []

        def create() -> None:
            ids = service.bulk_create_items(project_id, rows)
            expect(len(ids) == n, f"{len(ids)} items created, expected {n}")
            created.extend(ids)

        def remove() -> None:
            service.bulk_delete_items(created)
            created.clear()

        yield Pedantic(create, teardown=remove)
        service.bulk_delete_items(created)
