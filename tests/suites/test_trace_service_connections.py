"""TraceService's per-thread connections: reused, returned, recovered, still counted."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from tracetui.engine.measuring.evidence import capture
from tracetui.suites.trace.service import DuplicateProject, TraceService, UnknownProject


def _checked_out(engine: Engine) -> int:
    return engine.pool.checkedout()  # type: ignore[attr-defined]


def test_a_thread_keeps_one_connection_for_reads_and_writes(trace_engine: Engine) -> None:
    service = TraceService(trace_engine)
    project = service.create_project("p")
    before = _checked_out(trace_engine)
    item = service.create_item(project, type="task", title="t")
    service.get_item(item)
    service.bulk_create_items(project, [{"type": "task", "title": "b"}] * 3)
    assert service.update_item(item, status="done")
    assert _checked_out(trace_engine) == before == 1


def test_a_finished_thread_returns_its_connection(trace_engine: Engine) -> None:
    service = TraceService(trace_engine)
    project = service.create_project("p")
    start = _checked_out(trace_engine)
    seen: list[int] = []

    def work() -> None:
        service.create_item(project, type="task", title="in a thread")
        seen.append(_checked_out(trace_engine))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 4 and max(seen) > start
    assert _checked_out(trace_engine) == start
    assert service.count_items(project) == 4


def test_close_returns_every_connection_and_the_service_still_works(trace_engine) -> None:
    service = TraceService(trace_engine)
    project = service.create_project("p")
    service.close()
    assert _checked_out(trace_engine) == 0
    assert service.get_project(project)["name"] == "p"


def test_a_failed_write_leaves_the_connection_usable(trace_service: TraceService) -> None:
    trace_service.create_project("taken")
    with pytest.raises(DuplicateProject):
        trace_service.create_project("taken")
    with pytest.raises(UnknownProject):
        trace_service.create_item(999_999, type="task", title="orphan")
    with pytest.raises(UnknownProject):
        trace_service.bulk_create_items(999_999, [{"type": "task", "title": "orphan"}])
    project = trace_service.create_project("next")
    assert trace_service.bulk_create_items(project, [{"type": "task", "title": "ok"}])


def test_a_failed_bulk_insert_is_rolled_back_as_one_transaction(trace_service) -> None:
    project = trace_service.create_project("p")
    rows = [{"type": "task", "title": "ok"}] * 5
    with pytest.raises(sa.exc.IntegrityError), trace_service._transaction() as conn:
        trace_service._insert_items(conn, [{**r, "project_id": project} for r in rows])
        trace_service._insert_items(conn, [{**rows[0], "project_id": 999_999}])
    assert trace_service.count_items(project) == 0


def test_statements_are_counted_on_a_connection_opened_before_the_listener(
    trace_service: TraceService,
) -> None:
    project = trace_service.create_project("p")
    item = trace_service.create_item(project, type="task", title="t")  # connection is cached
    for call, expected in (
        (lambda: trace_service.get_item(item), 1),
        (lambda: trace_service.update_item(item, status="done"), 1),
        (lambda: trace_service.item_with_links(item), 2),
        (lambda: trace_service.bulk_create_items(project, [{"type": "task", "title": "x"}]), 1),
        (lambda: trace_service.delete_item(item), 1),
    ):
        _value, captured = capture(call)
        assert captured.count == expected
