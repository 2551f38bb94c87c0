"""Reads by id on SQLite take the DBAPI fast path only while nothing listens, and
give exactly what the SQLAlchemy path gives."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from tracetui.engine.measuring.evidence import capture
from tracetui.suites.trace.fast_reads import FastRead
from tracetui.suites.trace.service import TraceService


@contextmanager
def _listening(target: Any, name: str) -> Iterator[list[str]]:
    seen: list[str] = []

    def listener(*args: Any) -> None:
        seen.append(name)

    event.listen(target, name, listener)
    try:
        yield seen
    finally:
        event.remove(target, name, listener)


@pytest.fixture
def fast_calls(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    calls: list[object] = []
    original = FastRead.one

    def counting(self: FastRead, dbapi: Any, value: object) -> dict[str, Any] | None:
        calls.append(value)
        return original(self, dbapi, value)

    monkeypatch.setattr(FastRead, "one", counting)
    return calls


def test_reads_by_id_take_the_fast_path_when_nothing_listens(
    trace_service: TraceService, fast_calls: list[object]
) -> None:
    project = trace_service.create_project("p")
    item = trace_service.create_item(project, type="task", title="t")
    assert trace_service.get_item(item)["title"] == "t"
    assert trace_service.get_project(project)["name"] == "p"
    assert trace_service.get_item(item + 1000) is None
    assert fast_calls == [item, project, item + 1000]


@pytest.mark.parametrize(
    "name", ["before_cursor_execute", "after_cursor_execute", "before_execute", "after_execute"]
)
@pytest.mark.parametrize("on_class", [True, False], ids=["Engine class", "this engine"])
def test_any_listener_sees_every_read(
    trace_engine: Engine, fast_calls: list[object], name: str, on_class: bool
) -> None:
    service = TraceService(trace_engine)
    project = service.create_project("p")
    item = service.create_item(project, type="task", title="t")
    with _listening(Engine if on_class else trace_engine, name) as seen:
        service.get_item(item)
        service.get_project(project)
    assert seen == [name, name]
    assert fast_calls == []
    service.get_item(item)  # nothing listens any more: fast again
    assert fast_calls == [item]


def test_both_paths_give_the_same_dicts(trace_service: TraceService) -> None:
    project = trace_service.create_project("p")
    ids = [
        trace_service.create_item(project, type="defect", title=f"t{n}", priority=1 + n % 5)
        for n in range(5)
    ]
    trace_service.update_item(ids[0], status="done")  # a second timestamp
    fast = [trace_service.get_item(i) for i in ids] + [trace_service.get_project(project)]
    with _listening(Engine, "before_cursor_execute"):
        slow = [trace_service.get_item(i) for i in ids] + [trace_service.get_project(project)]
    assert fast == slow
    assert isinstance(fast[0]["created_at"], str) and "T" in fast[0]["created_at"]


def test_sql_per_op_evidence_still_counts_the_read(trace_service: TraceService) -> None:
    project = trace_service.create_project("p")
    item = trace_service.create_item(project, type="task", title="t")
    _result, captured = capture(lambda: trace_service.get_item(item))
    assert captured.count == 1
    assert captured.statements[0].text.lstrip().upper().startswith("SELECT")


def test_a_database_error_on_the_fast_path_is_sqlalchemys_error(
    trace_service: TraceService, trace_engine: Engine
) -> None:
    project = trace_service.create_project("p")
    item = trace_service.create_item(project, type="task", title="t")
    trace_service.get_item(item)
    with trace_engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE links")
        conn.exec_driver_sql("DROP TABLE items")
    with pytest.raises(sa.exc.OperationalError):
        trace_service.get_item(item)
