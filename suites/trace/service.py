"""The trace system's service layer: every operation the suites, the API and
the concurrent suite call, on SQLAlchemy Core for speed.

The ORM models in :mod:`tracetui.suites.trace.schema` define the tables; the hot
paths here are Core statements built once and reused (insertmanyvalues with
``RETURNING`` for bulk inserts, one ``UPDATE``/``DELETE ... WHERE id IN``
per chunk for bulk changes), because measured on SQLite the ORM costs 7.8x
raw sqlite3 for bulk inserts and 45x for reads by primary key.

Connections: each thread that uses a :class:`TraceService` keeps one pooled
connection of its own (checked out on first use, returned to the pool when the
thread ends or :meth:`TraceService.close` runs), in DBAPI autocommit. A
single-statement operation (every read, ``create_item``, ``update_item``,
``delete_item``, ``create_link``...) is one statement and no transaction
round trip: on SQLite no pool checkout and no begin/rollback per call, on
PostgreSQL one round trip instead of three (``BEGIN``, the statement,
``COMMIT``). An operation of several statements (bulk work) switches that
connection to a real transaction for its duration. The statements sent are
exactly those of a transaction per call (``BEGIN``/``COMMIT`` never pass
through ``before_cursor_execute`` on either driver), and statements are Core
constructs built once, so SQLAlchemy's compiled cache serves every call.
On SQLite, reads of one item or project by id run that compiled SQL on the
same connection through sqlite3 while no execute listener is registered
(:mod:`tracetui.suites.trace.fast_reads`); with one, they go through SQLAlchemy.

Thread safety: a :class:`TraceService` holds its engine, immutable statements
and a ``threading.local`` of connections, so one instance may be shared by
many threads. Every method that writes is one statement or one transaction
that never reads first (no SQLite read-to-write lock upgrade, so the busy
timeout always applies).
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from tracetui.suites.trace.fast_reads import FastRead
from tracetui.suites.trace.rules import (
    MAX_TRACE_DEPTH,
    TRACE_ROW_BUDGET,
    TRACE_TIME_BUDGET_S,
    DuplicateLink,
    DuplicateProject,
    InvalidField,
    ProjectNotEmpty,
    TraceError,
    UnknownItem,
    UnknownProject,
    _check_field,
    _check_fields,
    _check_link_type,
    _check_page,
    _check_title,
    _chunks,
    _item_row,
)
from tracetui.suites.trace.schema import ITEM_TYPES, STATUSES
from tracetui.suites.trace.statements import (
    _COUNT_BY_STATUS,
    _COUNT_BY_TYPE_AND_STATUS,
    _DELETE_EMPTY_PROJECT,
    _DELETE_ITEM,
    _DELETE_ITEMS,
    _DELETE_LINK,
    _DELETE_PROJECT,
    _DELETE_PROJECT_ITEMS,
    _DELETE_PROJECT_LINKS,
    _DOWNSTREAM,
    _INSERT_ITEM,
    _INSERT_ITEMS_RETURNING,
    _INSERT_ITEMS_RETURNING_ORDERED,
    _INSERT_LINK,
    _INSERT_PROJECT,
    _ITEM_EXISTS,
    _ITEM_LINKS,
    _ITEM_SHAPE,
    _ITEMS_EXIST,
    _ITEMS_WITH_LINK_COUNTS,
    _PROJECT_EXISTS,
    _PROJECT_SHAPE,
    _SELECT_BY_TITLE,
    _SELECT_ITEM,
    _SELECT_PROJECT,
    _SELECT_PROJECTS_LIKE,
    _TARGETS_OF,
    _count_statement,
    _dicts,
    _first_dict,
    _list_statement,
    _update_statement,
)


class _ThreadConnection:
    """One thread's connection; returned to the pool when the thread's locals die."""

    __slots__ = ("__weakref__", "conn", "dbapi")

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.dbapi: Any = None  # the sqlite3 connection under it, for FastRead (SQLite only)

    def close(self) -> None:
        with suppress(Exception):  # a dead server or a disposed pool: nothing to return
            self.conn.close()

    def __del__(self) -> None:
        self.close()


class TraceService:
    """Operations on projects, items and links of one database (thread-safe)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._local = threading.local()
        self._held: weakref.WeakSet[_ThreadConnection] = weakref.WeakSet()
        self._held_lock = threading.Lock()
        self._ordered_returning = bool(
            engine.dialect.insert_executemany_returning_sort_by_parameter_order
        )
        self._batched_returning = bool(engine.dialect.insert_executemany_returning)
        self._sqlite = engine.dialect.name == "sqlite"
        self._fast_item: FastRead | None = None
        self._fast_project: FastRead | None = None
        if self._sqlite:
            self._require_sqlite_foreign_keys()
            self._fast_item = FastRead(engine, _SELECT_ITEM, _ITEM_SHAPE)
            self._fast_project = FastRead(engine, _SELECT_PROJECT, _PROJECT_SHAPE)

    # --- connections ----------------------------------------------------------------------

    def _connection(self) -> Connection:
        """This thread's connection (autocommit), opened on first use."""
        try:
            return self._local.held.conn
        except AttributeError:
            pass
        conn = self.engine.connect()
        conn.execution_options(isolation_level="AUTOCOMMIT")
        held = _ThreadConnection(conn)
        if self._sqlite:
            held.dbapi = conn.connection.dbapi_connection
        self._local.held = held
        with self._held_lock:
            self._held.add(held)
        return conn

    def _discard(self) -> None:
        """Drop this thread's connection (after an error that may have broken it)."""
        held = self._local.__dict__.pop("held", None)
        if held is not None:
            held.close()

    def _execute(self, statement: Any, params: Any) -> sa.CursorResult[Any]:
        """One statement on this thread's connection, committed by the driver."""
        conn = self._connection()
        try:
            return conn.execute(statement, params)
        except BaseException:
            try:
                conn.rollback()  # ends SQLAlchemy's (empty) autobegun transaction
            except Exception:
                self._discard()
            raise

    def _read_one(
        self, fast: FastRead | None, statement: Any, shape: Any, key: str, value: int
    ) -> dict[str, Any] | None:
        """One row by id: :class:`FastRead` on SQLite when nothing listens, else SQLAlchemy."""
        if fast is not None and FastRead.usable(self.engine):
            self._connection()
            try:
                return fast.one(self._local.held.dbapi, value)
            except Exception:  # SQLAlchemy, below, raises its own wrapped error
                pass
        return _first_dict(self._execute(statement, {key: value}), *shape)

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        """A pooled connection in one real transaction (several statements).

        Not this thread's autocommit connection: switching its isolation level
        there and back costs more than a pool checkout (paired A/B against the
        switching version: bulk.create_items[100] ran +22 % slower with it).
        """
        with self.engine.begin() as conn:
            yield conn

    def close(self) -> None:
        """Return every thread's connection to the pool (call when no thread uses it)."""
        with self._held_lock:
            held = list(self._held)
            self._held.clear()
        for entry in held:
            entry.close()
        self._local = threading.local()

    def _require_sqlite_foreign_keys(self) -> None:
        with self.engine.connect() as conn:
            enabled = conn.exec_driver_sql("PRAGMA foreign_keys").scalar()
        if not enabled:
            raise TraceError(
                "SQLite foreign keys are off on this engine (cascades and link checks need"
                " them): open it with tracetui.engine.core.database.make_engine"
            )

    # --- projects -------------------------------------------------------------------------

    def create_project(self, name: str) -> int:
        """A new project; raises :class:`DuplicateProject` if the name is taken."""
        _check_title(name, "project name")
        try:
            result = self._execute(_INSERT_PROJECT, {"name": name})
        except sa.exc.IntegrityError:
            raise DuplicateProject(f"a project named {name!r} exists") from None
        return int(result.inserted_primary_key[0])

    def get_project(self, project_id: int) -> dict[str, Any] | None:
        return self._read_one(
            self._fast_project, _SELECT_PROJECT, _PROJECT_SHAPE, "project_id", project_id
        )

    def delete_project(self, project_id: int) -> None:
        """Delete a project with its items and their links (ON DELETE CASCADE)."""
        deleted = self._execute(_DELETE_PROJECT, {"project_id": project_id}).rowcount
        if deleted != 1:
            raise UnknownProject(f"no project {project_id}")

    def delete_empty_project(self, project_id: int) -> None:
        """Delete a project that has no items (one statement); raises
        :class:`ProjectNotEmpty` if it has some, :class:`UnknownProject` if it does not exist."""
        params = {"project_id": project_id}
        if self._execute(_DELETE_EMPTY_PROJECT, params).rowcount == 1:
            return
        if self._project_exists(project_id):
            raise ProjectNotEmpty(
                f"project {project_id} still has items: DELETE /items?project_id={project_id} first"
            )
        raise UnknownProject(f"no project {project_id}")

    def delete_project_items(self, project_id: int) -> int:
        """Delete every item of a project with their links (one statement); items deleted.

        Raises :class:`UnknownProject` if there is no such project.
        """
        deleted = self._execute(_DELETE_PROJECT_ITEMS, {"project_id": project_id}).rowcount
        if deleted == 0 and not self._project_exists(project_id):
            raise UnknownProject(f"no project {project_id}")
        return int(deleted)

    def _project_exists(self, project_id: int) -> bool:
        return self._execute(_PROJECT_EXISTS, {"project_id": project_id}).first() is not None

    # --- items ----------------------------------------------------------------------------

    def create_item(
        self,
        project_id: int,
        *,
        type: str,
        title: str,
        status: str = "open",
        priority: int = 3,
    ) -> int:
        values = _item_row(
            project_id, {"type": type, "title": title, "status": status, "priority": priority}
        )
        try:
            result = self._execute(_INSERT_ITEM, values)
        except sa.exc.IntegrityError:
            raise UnknownProject(f"no project {project_id}") from None
        return int(result.inserted_primary_key[0])

    def get_item(self, item_id: int) -> dict[str, Any] | None:
        """All columns of one item (datetimes as ISO strings), or None."""
        return self._read_one(self._fast_item, _SELECT_ITEM, _ITEM_SHAPE, "item_id", item_id)

    def find_items_by_title(self, project_id: int, title: str) -> list[dict[str, Any]]:
        """Items of a project with exactly this title (index ``(project_id, title)``)."""
        return _dicts(self._execute(_SELECT_BY_TITLE, {"project_id": project_id, "title": title}))

    def update_item(self, item_id: int, **fields: object) -> bool:
        """Change some fields and bump ``updated_at``; False if there is no such item."""
        params = {f"v_{name}": value for name, value in _check_fields(fields).items()}
        params["item_id"] = item_id
        statement = _update_statement(tuple(sorted(fields)), False)
        return self._execute(statement, params).rowcount == 1

    def delete_item(self, item_id: int) -> bool:
        """Delete one item and its links; False if there is no such item."""
        return self._execute(_DELETE_ITEM, {"item_id": item_id}).rowcount == 1

    def bulk_create_items(self, project_id: int, rows: Sequence[Mapping[str, Any]]) -> list[int]:
        """Insert many items in one transaction; their new ids, in the order of ``rows``."""
        params = [_item_row(project_id, row) for row in rows]
        if not params:
            return []
        try:
            with self._transaction() as conn:
                ids = self._insert_items(conn, params)
        except sa.exc.IntegrityError:
            if not self._project_exists(project_id):
                raise UnknownProject(f"no project {project_id}") from None
            raise
        if len(ids) != len(params):  # pragma: no cover - a driver that loses rows
            raise TraceError(f"inserted {len(params)} items but got {len(ids)} ids back")
        return ids

    def _insert_items(self, conn: Connection, params: list[dict[str, object]]) -> list[int]:
        if self._sqlite and self._batched_returning:
            # Batched multi-row INSERT ... RETURNING. SQLite does not promise the
            # order of RETURNING rows, but inside one write transaction it gives
            # each new row max(rowid) + 1, so ascending ids are parameter order.
            # (SQLAlchemy's sort_by_parameter_order would insert row by row: 2x.)
            return sorted(conn.execute(_INSERT_ITEMS_RETURNING, params).scalars())
        if self._ordered_returning:
            return list(conn.execute(_INSERT_ITEMS_RETURNING_ORDERED, params).scalars())
        return [  # no executemany RETURNING on this backend: one row at a time
            int(conn.execute(_INSERT_ITEM, row).inserted_primary_key[0]) for row in params
        ]

    def bulk_update_items(self, item_ids: Sequence[int], **fields: object) -> int:
        """Set the same fields on many items (one UPDATE per chunk); rows updated."""
        params = {f"v_{name}": value for name, value in _check_fields(fields).items()}
        statement = _update_statement(tuple(sorted(fields)), True)
        ids = list(item_ids)
        with self._transaction() as conn:
            return sum(
                conn.execute(statement, {**params, "ids": chunk}).rowcount for chunk in _chunks(ids)
            )

    def bulk_delete_items(self, item_ids: Sequence[int]) -> int:
        """Delete many items and their links; rows deleted."""
        ids = list(item_ids)
        with self._transaction() as conn:
            return sum(
                conn.execute(_DELETE_ITEMS, {"ids": chunk}).rowcount for chunk in _chunks(ids)
            )

    # --- links ----------------------------------------------------------------------------

    def create_link(self, source_id: int, target_id: int, link_type: str) -> int:
        """A new link; raises :class:`UnknownItem` or :class:`DuplicateLink`."""
        _check_link_type(link_type)
        if source_id == target_id:
            raise InvalidField(f"an item cannot link to itself ({source_id})")
        values = {"source_id": source_id, "target_id": target_id, "link_type": link_type}
        try:
            result = self._execute(_INSERT_LINK, values)
        except sa.exc.IntegrityError:
            self._raise_link_conflict([source_id, target_id])
        return int(result.inserted_primary_key[0])

    def bulk_create_links(self, links: Sequence[tuple[int, int, str]]) -> int:
        """Insert many links in one transaction (all or none); links created."""
        params = []
        for source_id, target_id, link_type in links:
            _check_link_type(link_type)
            if source_id == target_id:
                raise InvalidField(f"an item cannot link to itself ({source_id})")
            params.append({"source_id": source_id, "target_id": target_id, "link_type": link_type})
        if not params:
            return 0
        try:
            with self._transaction() as conn:
                conn.execute(_INSERT_LINK, params)
        except sa.exc.IntegrityError:
            ids = {p["source_id"] for p in params} | {p["target_id"] for p in params}
            self._raise_link_conflict(sorted(ids))  # type: ignore[arg-type]
        return len(params)

    def _raise_link_conflict(self, item_ids: list[int]) -> None:
        """After an IntegrityError on links: name the missing item, else the duplicate."""
        existing: set[int] = set()
        for chunk in _chunks(item_ids):
            existing.update(self._execute(_ITEMS_EXIST, {"ids": list(chunk)}).scalars())
        missing = [item_id for item_id in item_ids if item_id not in existing]
        if missing:
            raise UnknownItem(f"no item {missing[0]}") from None
        raise DuplicateLink("the link exists already") from None

    def delete_link(self, link_id: int) -> bool:
        return self._execute(_DELETE_LINK, {"link_id": link_id}).rowcount == 1

    def delete_project_links(self, project_id: int) -> int:
        """Delete every link that touches an item of the project; links deleted."""
        return self._execute(_DELETE_PROJECT_LINKS, {"project_id": project_id}).rowcount

    # --- queries --------------------------------------------------------------------------

    def list_items(
        self,
        project_id: int,
        *,
        status: str | None = None,
        type: str | None = None,
        priority: int | Iterable[int] | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        """A page of a project's items in id order, optionally filtered.

        ``priority`` is one value or several (``IN``).
        """
        _check_page(limit, offset)
        params: dict[str, Any] = {"project_id": project_id, "limit": limit, "offset": offset}
        if status is not None:
            params["status"] = _check_field("status", status)
        if type is not None:
            params["type"] = _check_field("type", type)
        priority_mode: str | None = None
        if isinstance(priority, int):
            params["priority"] = _check_field("priority", priority)
            priority_mode = "eq"
        elif priority is not None:
            params["priority"] = [_check_field("priority", p) for p in priority]
            priority_mode = "in"
        statement = _list_statement(status is not None, type is not None, priority_mode)
        return _dicts(self._execute(statement, params))

    def count_items(
        self,
        project_id: int,
        *,
        status: str | None = None,
        type: str | None = None,
        priority: int | None = None,
    ) -> int:
        params: dict[str, Any] = {"project_id": project_id}
        if status is not None:
            params["status"] = _check_field("status", status)
        if type is not None:
            params["type"] = _check_field("type", type)
        if priority is not None:
            params["priority"] = _check_field("priority", priority)
        statement = _count_statement(status is not None, type is not None, priority is not None)
        return int(self._execute(statement, params).scalar_one())

    def item_with_links(self, item_id: int) -> dict[str, Any] | None:
        """The item and its links, each with the linked item's type, title and status.

        Two statements whatever the number of links (no N+1).
        """
        item = self._read_one(self._fast_item, _SELECT_ITEM, _ITEM_SHAPE, "item_id", item_id)
        if item is None:
            return None
        links = self._execute(_ITEM_LINKS, {"item_id": item_id}).mappings().all()
        item["outgoing"] = []
        item["incoming"] = []
        for link in links:
            entry = dict(link)
            item[entry.pop("direction")].append(entry)
        return item

    def items_with_link_counts(
        self, project_id: int, *, limit: int = 50, offset: int = 0
    ) -> list[dict[str, Any]]:
        """A page of items, each with its ``outgoing`` and ``incoming`` link counts."""
        _check_page(limit, offset)
        params = {"project_id": project_id, "limit": limit, "offset": offset}
        return _dicts(self._execute(_ITEMS_WITH_LINK_COUNTS, params))

    def count_by_status(self, project_id: int) -> dict[str, int]:
        """Items per status (every known status, zero included)."""
        counts = dict.fromkeys(STATUSES, 0)
        for status, count in self._execute(_COUNT_BY_STATUS, {"project_id": project_id}):
            counts[status] = int(count)
        return counts

    def count_by_type_and_status(self, project_id: int) -> dict[str, dict[str, int]]:
        """Items per type and status (every known pair, zero included)."""
        counts = {item_type: dict.fromkeys(STATUSES, 0) for item_type in ITEM_TYPES}
        rows = self._execute(_COUNT_BY_TYPE_AND_STATUS, {"project_id": project_id})
        for item_type, status, count in rows:
            counts.setdefault(item_type, dict.fromkeys(STATUSES, 0))[status] = int(count)
        return counts

    def downstream_trace(self, item_id: int, max_depth: int = 10) -> list[int]:
        """Ids reachable from the item by outgoing links within ``max_depth`` hops.

        Nearest first, then by id; the item itself is never included (even in
        a cycle). Raises :class:`UnknownItem` for an item that does not exist.
        """
        if type(max_depth) is not int or not 0 < max_depth <= MAX_TRACE_DEPTH:
            raise InvalidField(f"max_depth must be an integer 1..{MAX_TRACE_DEPTH}")
        params = {"item_id": item_id, "max_depth": max_depth}
        ids = list(self._execute(_DOWNSTREAM, params).scalars())
        if not ids and self._execute(_SELECT_ITEM, {"item_id": item_id}).first() is None:
            raise UnknownItem(f"no item {item_id}")
        return ids

    def bounded_downstream_trace(
        self,
        item_id: int,
        max_depth: int = 10,
        *,
        max_rows: int = TRACE_ROW_BUDGET,
        max_seconds: float = TRACE_TIME_BUDGET_S,
    ) -> tuple[list[int], bool]:
        """:meth:`downstream_trace` with bounded work: ``(ids, truncated)``.

        A breadth-first walk, one ``SELECT`` per depth (and per 900 ids of its
        frontier), every item expanded once: the work is the links of the
        reachable items, not items x depth x fan-out as in the recursive CTE
        on a dense graph. It stops, ``truncated`` True, once it has read
        ``max_rows`` link rows or spent ``max_seconds``; the ids found so far
        are nearest first, then by id, like the full trace.
        """
        if type(max_depth) is not int or not 0 < max_depth <= MAX_TRACE_DEPTH:
            raise InvalidField(f"max_depth must be an integer 1..{MAX_TRACE_DEPTH}")
        if self._execute(_ITEM_EXISTS, {"item_id": item_id}).first() is None:
            raise UnknownItem(f"no item {item_id}")
        deadline = time.monotonic() + max_seconds
        seen = {item_id}
        found: list[int] = []
        frontier = [item_id]
        rows = 0
        for _depth in range(max_depth):
            reached: set[int] = set()
            for chunk in _chunks(frontier):
                targets = self._execute(_TARGETS_OF, {"ids": list(chunk)}).scalars().all()
                rows += len(targets)
                reached.update(targets)
                if rows > max_rows or time.monotonic() > deadline:
                    found.extend(sorted(reached - seen))
                    return found, True
            frontier = sorted(reached - seen)
            if not frontier:
                break
            seen.update(frontier)
            found.extend(frontier)
        return found, False

    def projects_named(self, prefix: str, limit: int = 1000) -> list[dict[str, Any]]:
        """Projects whose name starts with ``prefix`` (``id``, ``name``), in id order."""
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params = {"pattern": escaped + "%", "limit": limit}
        return [dict(row) for row in self._execute(_SELECT_PROJECTS_LIKE, params).mappings()]
