"""Database evidence that has no noise: statements per call and query plans.

During an untimed probe call every SQL statement any engine executes (in
any thread) is counted through SQLAlchemy's ``before_cursor_execute``
event, and the first statements are kept with their parameters. The
benchmark's *main statement* — the first query that reads or changes
existing rows (SELECT, UPDATE, DELETE; an INSERT when that is all there
is) — is then explained (``EXPLAIN QUERY PLAN`` on SQLite, ``EXPLAIN
(COSTS OFF)`` on PostgreSQL), so that an index lookup turning into a full
scan is seen even before the time moves.
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
class Captured:
    """What one probe call executed."""

    count: int = 0
    statements: list[tuple[Engine, str, Any]] = field(default_factory=list)


def capture(fn: Callable[[], object]) -> tuple[object, Captured]:
    """Call ``fn`` once; count (and keep the first) SQL statements it executed."""
    captured = Captured()
    lock = threading.Lock()

    def on_execute(conn, _cursor, statement, parameters, _context, executemany) -> None:
        with lock:
            captured.count += 1
            if len(captured.statements) < KEEP_STATEMENTS and not executemany:
                captured.statements.append((conn.engine, statement, parameters))

    event.listen(Engine, "before_cursor_execute", on_execute)
    try:
        value = fn()
    finally:
        event.remove(Engine, "before_cursor_execute", on_execute)
    return value, captured


def _verb(statement: str) -> str | None:
    match = _VERB.match(statement)
    return match.group(2).upper() if match else None


def main_statement(captured: Captured) -> tuple[Engine, str, Any] | None:
    """The first statement that touches existing rows, else the first INSERT."""
    inserts = None
    for engine, statement, params in captured.statements:
        verb = _verb(statement)
        if verb in ("SELECT", "UPDATE", "DELETE"):
            if statement.strip().upper() in ("SELECT 1", "SELECT 1;"):
                continue
            return engine, statement, params
        if verb == "INSERT" and inserts is None:
            inserts = (engine, statement, params)
    return inserts


def explain(engine: Engine, statement: str, parameters: Any) -> str | None:
    """The plan of one statement as stable text, or None where it cannot be had."""
    dialect = engine.dialect.name
    if dialect == "sqlite":
        prefix = "EXPLAIN QUERY PLAN "
    elif dialect == "postgresql":
        prefix = "EXPLAIN (COSTS OFF) "
    else:
        return None
    # A fresh connection: a pooled one may answer from a plan cached before a schema change.
    fresh = sa.create_engine(engine.url, poolclass=NullPool)
    try:
        raw = fresh.raw_connection()
    except Exception:
        fresh.dispose()
        return None
    try:
        cursor = raw.cursor()
        try:
            cursor.execute(prefix + statement, parameters or ())
            rows = cursor.fetchall()
        finally:
            cursor.close()
        raw.rollback()
    except Exception:  # a plan is evidence, never a reason to fail a benchmark
        return None
    finally:
        raw.close()
        fresh.dispose()
    if dialect == "sqlite":
        return "\n".join(str(row[-1]) for row in rows)
    return "\n".join(str(row[0]) for row in rows)


def plan_of(captured: Captured) -> dict[str, str]:
    """``{"statement": …, "plan": …}`` for the main statement, or ``{}``."""
    main = main_statement(captured)
    if main is None:
        return {}
    engine, statement, params = main
    plan = explain(engine, statement, params)
    if plan is None:
        return {}
    text = " ".join(statement.split())
    if len(text) > MAX_STATEMENT_CHARS:
        text = text[: MAX_STATEMENT_CHARS - 1] + "…"
    return {"statement": text, "plan": plan}
