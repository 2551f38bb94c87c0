"""Database evidence that has no noise: statements per call and query plans.

During an untimed probe call every SQL statement any engine executes (in
any thread) is counted through SQLAlchemy's ``before_cursor_execute``
event, and the first statements are kept with their parameters. The
benchmark's *main statement* — the first query that reads or changes
existing rows (SELECT, UPDATE, DELETE; an INSERT when that is all there
is) — is then explained (``EXPLAIN QUERY PLAN`` on SQLite, ``EXPLAIN
(COSTS OFF)`` on PostgreSQL), so that an index lookup turning into a full
scan is seen even before the time moves, and the rows it touches are
counted (rows a SELECT returns, rows a change affects, rolled back).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

KEEP_STATEMENTS = 20
MAX_STATEMENT_CHARS = 300  # what a baseline keeps of the statement (the plan is whole)
_VERB = re.compile(r"^\s*(WITH\b.*?\)\s*)?(SELECT|UPDATE|DELETE|INSERT)\b", re.I | re.S)


@dataclass
class Statement:
    """One executed statement as the driver saw it, with the rows it changed."""

    engine: Engine
    text: str
    parameters: Any
    executemany: bool
    rows_changed: int | None = None  # from the cursor, for changes only


@dataclass
class Captured:
    """What one probe call executed."""

    count: int = 0
    statements: list[Statement] = field(default_factory=list)


_VALUES_GROUP = re.compile(r"\)\s*,\s*\(")


def _parameter_sets(parameters: Any) -> list[Any] | None:
    """The parameter sets of a true executemany, or None for one set.

    SQLAlchemy reports its insertmanyvalues batches as ``executemany`` too, but
    with one flat tuple of values for a multi-row ``VALUES (…), (…)``.
    """
    if (
        isinstance(parameters, list | tuple)
        and parameters
        and isinstance(parameters[0], list | tuple | dict)
    ):
        return list(parameters)
    return None


def _rows_changed(statement: Statement, cursor: Any) -> int | None:
    """Rows an INSERT/UPDATE/DELETE changed, read right after it ran."""
    verb = _verb(statement.text)
    if verb not in ("INSERT", "UPDATE", "DELETE"):
        return None
    sets = _parameter_sets(statement.parameters) if statement.executemany else None
    if verb == "INSERT" and sets is not None:
        return len(sets)
    if verb == "INSERT" and " RETURNING " in statement.text.upper():
        # A multi-row INSERT … VALUES (…), (…) RETURNING: rows are not counted until fetched.
        values = statement.text.upper().split(" VALUES ", 1)[-1]
        return len(_VALUES_GROUP.findall(values)) + 1
    rowcount = getattr(cursor, "rowcount", -1)
    return rowcount if rowcount >= 0 else None


def capture(fn: Callable[[], object]) -> tuple[object, Captured]:
    """Call ``fn`` once; count (and keep the first) SQL statements it executed."""
    captured = Captured()
    lock = threading.Lock()
    running: dict[int, Statement] = {}  # by cursor, between before and after execute

    def before(conn, cursor, statement, parameters, _context, executemany) -> None:
        with lock:
            captured.count += 1
            if len(captured.statements) < KEEP_STATEMENTS:
                kept = Statement(conn.engine, statement, parameters, executemany)
                captured.statements.append(kept)
                running[id(cursor)] = kept

    def after(_conn, cursor, _statement, _parameters, _context, _executemany) -> None:
        with lock:
            kept = running.pop(id(cursor), None)
        if kept is not None:
            kept.rows_changed = _rows_changed(kept, cursor)

    event.listen(Engine, "before_cursor_execute", before)
    event.listen(Engine, "after_cursor_execute", after)
    try:
        value = fn()
    finally:
        event.remove(Engine, "before_cursor_execute", before)
        event.remove(Engine, "after_cursor_execute", after)
    return value, captured


def _verb(statement: str) -> str | None:
    match = _VERB.match(statement)
    return match.group(2).upper() if match else None


def main_statement(captured: Captured) -> Statement | None:
    """The first statement that touches existing rows, else the first INSERT."""
    inserts = None
    for kept in captured.statements:
        verb = _verb(kept.text)
        if verb in ("SELECT", "UPDATE", "DELETE"):
            if kept.text.strip().upper() in ("SELECT 1", "SELECT 1;"):
                continue
            return kept
        if verb == "INSERT" and inserts is None:
            inserts = kept
    return inserts


def _on_fresh_connection(engine: Engine, work: Callable[[Any], Any]) -> Any:
    """Run ``work(cursor)`` on a new DBAPI connection and roll back; None on any error.

    A fresh connection, because a pooled SQLite one may answer EXPLAIN from a
    plan cached before a schema change; the rollback undoes a measured UPDATE.
    """
    fresh = sa.create_engine(engine.url, poolclass=NullPool)
    try:
        raw = fresh.raw_connection()
    except Exception:
        fresh.dispose()
        return None
    try:
        cursor = raw.cursor()
        try:
            return work(cursor)
        finally:
            cursor.close()
            raw.rollback()
    except Exception:  # evidence is never a reason to fail a benchmark
        return None
    finally:
        raw.close()
        fresh.dispose()


def explain(engine: Engine, statement: str, parameters: Any) -> str | None:
    """The plan of one statement as stable text, or None where it cannot be had."""
    dialect = engine.dialect.name
    if dialect not in ("sqlite", "postgresql"):
        return None
    prefix = "EXPLAIN QUERY PLAN " if dialect == "sqlite" else "EXPLAIN (COSTS OFF) "
    column = -1 if dialect == "sqlite" else 0

    def work(cursor: Any) -> str:
        cursor.execute(prefix + statement, parameters or ())
        return "\n".join(str(row[column]) for row in cursor.fetchall())

    return _on_fresh_connection(engine, work)


def rows_read(engine: Engine, statement: str, parameters: Any) -> int | None:
    """Rows a SELECT returns, counted as ``SELECT count(*) FROM (…)``."""

    def work(cursor: Any) -> int:
        cursor.execute(f"SELECT count(*) FROM ({statement}) AS touched", parameters or ())
        return int(cursor.fetchone()[0])

    if _verb(statement) != "SELECT" or engine.dialect.name not in ("sqlite", "postgresql"):
        return None
    return _on_fresh_connection(engine, work)


def plan_of(captured: Captured) -> dict[str, str]:
    """``{"statement", "plan", "rows"}`` of the main statement, or ``{}``.

    ``rows`` is what the statement touches: the rows a SELECT returns, or the
    rows a change affected when it ran.
    """
    main = main_statement(captured)
    if main is None:
        return {}
    sets = _parameter_sets(main.parameters) if main.executemany else None
    params = sets[0] if sets else main.parameters
    plan = explain(main.engine, main.text, params)
    if plan is None:
        return {}
    text = " ".join(main.text.split())
    if len(text) > MAX_STATEMENT_CHARS:
        text = text[: MAX_STATEMENT_CHARS - 1] + "…"
    evidence = {"statement": text, "plan": plan}
    rows = (
        main.rows_changed
        if main.rows_changed is not None
        else rows_read(main.engine, main.text, params)
    )
    if rows is not None:
        evidence["rows"] = str(rows)
    return evidence
