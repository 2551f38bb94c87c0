"""SQLite query plans of the service's queries: indexes used, no full scans.

Every SQL statement a service call sends is captured (SQLAlchemy's
``before_cursor_execute``) and explained with ``EXPLAIN QUERY PLAN`` using
the same parameters. A plan is deterministic for a given schema and SQLite
version, so a dropped index or a rewritten query shows up here at once.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa
from tracetui.suites.trace.generator import DataGenerator
from tracetui.suites.trace.service import TraceService


@pytest.fixture
def seeded(trace_service: TraceService) -> tuple[int, list[int], list[dict[str, object]]]:
    for other in range(2):  # other projects' rows must not be scanned
        pid = trace_service.create_project(f"other {other}")
        trace_service.bulk_create_items(pid, DataGenerator(other).items(200))
    project = trace_service.create_project("planned")
    rows = DataGenerator(1).items(300)
    ids = trace_service.bulk_create_items(project, rows)
    trace_service.bulk_create_links(DataGenerator(1).tree_links(ids))
    return project, ids, rows


def _plans(service: TraceService, call: Callable[[], object]) -> list[str]:
    """The plan lines of every statement ``call`` sends, in order, joined per statement."""
    captured: list[tuple[str, object]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _executemany) -> None:
        captured.append((statement, parameters))

    sa.event.listen(service.engine, "before_cursor_execute", capture)
    try:
        call()
    finally:
        sa.event.remove(service.engine, "before_cursor_execute", capture)
    plans = []
    with service.engine.connect() as conn:
        for statement, parameters in captured:
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
            plans.append(" | ".join(str(row[-1]) for row in rows))
    return plans


CASES: dict[str, tuple[Callable[..., object], list[str]]] = {
    "get_item": (
        lambda s, p, ids, rows: s.get_item(ids[5]),
        ["USING INTEGER PRIMARY KEY"],
    ),
    "find_items_by_title": (
        lambda s, p, ids, rows: s.find_items_by_title(p, rows[5]["title"]),
        ["USING INDEX ix_items_project_title (project_id=? AND title=?)"],
    ),
    "list_items": (
        lambda s, p, ids, rows: s.list_items(p, limit=20, offset=100),
        ["USING INDEX ix_items_project_id (project_id=?)"],
    ),
    "list_items by status": (
        lambda s, p, ids, rows: s.list_items(p, status="open", limit=300),
        ["USING INDEX ix_items_project_status (project_id=? AND status=?)"],
    ),
    "count_by_status": (
        lambda s, p, ids, rows: s.count_by_status(p),
        ["USING COVERING INDEX ix_items_project_status (project_id=?)"],
    ),
    "count_by_type_and_status": (
        lambda s, p, ids, rows: s.count_by_type_and_status(p),
        ["USING COVERING INDEX ix_items_project_type_status (project_id=?)"],
    ),
    "item_with_links": (
        lambda s, p, ids, rows: s.item_with_links(ids[1]),
        ["USING INTEGER PRIMARY KEY", "(source_id=?)", "ix_links_target_id (target_id=?)"],
    ),
    "downstream_trace": (
        lambda s, p, ids, rows: s.downstream_trace(ids[0]),
        ["(source_id=?)"],
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_service_queries_use_their_indexes(name: str, trace_service, seeded) -> None:
    call, expected = CASES[name]
    project, ids, rows = seeded
    plans = _plans(trace_service, lambda: call(trace_service, project, ids, rows))
    text = " || ".join(plans)
    assert plans, "the call sent no SQL"
    for fragment in expected:
        assert fragment in text, text
    assert "SCAN items" not in text and "SCAN links" not in text, text


def test_every_read_is_one_or_two_statements(trace_service, seeded) -> None:
    project, ids, _rows = seeded
    assert len(_plans(trace_service, lambda: trace_service.item_with_links(ids[1]))) == 2
    assert len(_plans(trace_service, lambda: trace_service.list_items(project, limit=300))) == 1
    counts = _plans(trace_service, lambda: trace_service.items_with_link_counts(project))
    assert len(counts) == 1  # correlated subqueries, not one query per item


def _statements(service: TraceService, call: Callable[[], object]) -> list[tuple[str, bool]]:
    sent: list[tuple[str, bool]] = []

    def capture(_conn, _cursor, statement, _parameters, _context, executemany) -> None:
        sent.append((statement.split(None, 1)[0].upper(), bool(executemany)))

    sa.event.listen(service.engine, "before_cursor_execute", capture)
    try:
        call()
    finally:
        sa.event.remove(service.engine, "before_cursor_execute", capture)
    return sent


def test_bulk_operations_send_a_constant_number_of_statements(trace_service, seeded) -> None:
    """Bulk paths are batched (insertmanyvalues, executemany, chunked IN), never per row."""
    project = seeded[0]
    rows = DataGenerator(2).items(1000)
    new_ids: list[int] = []

    def create() -> None:
        new_ids.extend(trace_service.bulk_create_items(project, rows))

    # one batched INSERT ... VALUES (...), (...) RETURNING id (insertmanyvalues)
    assert _statements(trace_service, create) == [("INSERT", True)]
    assert len(new_ids) == 1000
    links = DataGenerator(2).links(new_ids, 1000)
    sent = _statements(trace_service, lambda: trace_service.bulk_create_links(links))
    assert sent == [("INSERT", True)]  # one executemany
    sent = _statements(
        trace_service, lambda: trace_service.bulk_update_items(new_ids, status="done")
    )
    assert sent == [("UPDATE", False)] * 2  # two IN chunks of at most 900 ids
    sent = _statements(trace_service, lambda: trace_service.bulk_delete_items(new_ids))
    assert sent == [("DELETE", False)] * 2
