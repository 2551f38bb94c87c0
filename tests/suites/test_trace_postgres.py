"""The trace service and both suites on a real PostgreSQL server (127.0.0.1:5432).

Each test module run creates its own ``tracetui_test_<random>`` database with
psycopg in autocommit mode and drops it afterwards; without a server the
tests are skipped with the reason.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine
from tracetui.engine.core.database import make_engine
from tracetui.engine.core.model import Context
from tracetui.engine.core.profiles import PROFILES
from tracetui.suites import bulk, database
from tracetui.suites.trace.generator import DataGenerator
from tracetui.suites.trace.schema import create_schema, drop_schema
from tracetui.suites.trace.service import DuplicateLink, TraceService, UnknownItem, UnknownProject

from tests.trace_tables import row_counts

pytestmark = pytest.mark.postgres

ADMIN_CONNINFO = "host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=3"


def _admin():  # a psycopg connection in autocommit (CREATE/DROP DATABASE need it)
    psycopg = pytest.importorskip("psycopg")
    try:
        return psycopg.connect(ADMIN_CONNINFO, autocommit=True)
    except psycopg.OperationalError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        pytest.skip(f"no PostgreSQL server answers at 127.0.0.1:5432 ({reason})")


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    name = f"tracetui_test_{secrets.token_hex(4)}"
    admin = _admin()
    try:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
        finally:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    finally:
        admin.close()


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[Engine]:
    engine = make_engine(pg_url)
    create_schema(engine)
    try:
        yield engine
    finally:
        drop_schema(engine)
        engine.dispose()


def test_service_crud_on_postgresql(pg_engine: Engine) -> None:
    service = TraceService(pg_engine)
    project = service.create_project("pg")
    item_id = service.create_item(project, type="design", title="on postgres", priority=2)
    assert service.get_item(item_id)["title"] == "on postgres"
    assert service.update_item(item_id, status="review")
    assert service.get_item(item_id)["status"] == "review"

    rows = DataGenerator(5).items(1000)
    ids = service.bulk_create_items(project, rows)
    assert [service.get_item(ids[i])["title"] for i in (0, 999)] == [
        rows[0]["title"],
        rows[999]["title"],
    ]
    assert service.count_items(project, status="open") == 333
    assert service.bulk_update_items(ids, priority=1) == 1000
    assert service.bulk_create_links(DataGenerator(5).tree_links(ids)) == 999
    assert len(service.downstream_trace(ids[0])) == 999
    with pytest.raises(DuplicateLink):
        service.create_link(ids[0], ids[1], "depends_on")
    with pytest.raises(UnknownItem):
        service.create_link(ids[0], 10**9, "depends_on")
    with pytest.raises(UnknownProject):
        service.create_item(10**9, type="task", title="orphan")
    assert service.delete_item(item_id)
    assert service.bulk_delete_items(ids[:500]) == 500
    service.delete_project(project)
    assert row_counts(pg_engine) == {"projects": 0, "items": 0, "links": 0}


@pytest.mark.parametrize(
    "bench", database.SUITE.benchmarks + bulk.SUITE.benchmarks, ids=lambda b: b.id
)
def test_suites_run_on_postgresql_and_leave_it_as_found(
    bench, pg_url: str, pg_engine: Engine, drive_once
) -> None:
    ctx = Context(db_url=pg_url, engine=pg_engine, profile=PROFILES["smoke"], seed=1234)
    before = row_counts(pg_engine)
    drive_once(bench, ctx)
    assert row_counts(pg_engine) == before
