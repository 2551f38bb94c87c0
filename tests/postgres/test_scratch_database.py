"""tracetui.engine.core.pg: scratch databases appear, and disappear even when the body fails."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from tracetui.engine.core.pg import ScratchDatabaseError, scratch_database, server_available


def _databases(admin_url: str) -> set[str]:
    engine = sa.create_engine(admin_url, poolclass=sa.NullPool)
    try:
        with engine.connect() as conn:
            return set(conn.scalars(sa.text("SELECT datname FROM pg_database")))
    finally:
        engine.dispose()


def test_a_scratch_database_exists_inside_and_is_dropped_after(pg_admin_url: str) -> None:
    with scratch_database(pg_admin_url) as url:
        name = sa.make_url(url).database
        assert name.startswith("tracetui_")
        assert name in _databases(pg_admin_url)
        engine = sa.create_engine(url, poolclass=sa.NullPool)
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE t (x int)"))
            conn.execute(sa.text("INSERT INTO t VALUES (1)"))
        engine.dispose()
    assert name not in _databases(pg_admin_url)


def test_dropped_even_with_an_open_connection_and_an_error(pg_admin_url: str) -> None:
    with pytest.raises(RuntimeError, match="body failed"), scratch_database(pg_admin_url) as url:
        name = sa.make_url(url).database
        engine = sa.create_engine(url)
        conn = engine.connect()  # left open on purpose: the drop must terminate it
        conn.execute(sa.text("SELECT 1"))
        raise RuntimeError("body failed")
    assert name not in _databases(pg_admin_url)
    engine.dispose()


def test_two_scratch_databases_are_distinct(pg_admin_url: str) -> None:
    with scratch_database(pg_admin_url) as first, scratch_database(pg_admin_url) as second:
        assert first != second


def test_no_server_gives_a_reason_not_an_exception() -> None:
    reason = server_available("postgresql+psycopg://postgres@127.0.0.1:1/postgres")
    assert reason is not None
    assert "127.0.0.1:1" in reason
    with (
        pytest.raises(ScratchDatabaseError, match=r"127\.0\.0\.1:1\b"),
        scratch_database("postgresql+psycopg://postgres@127.0.0.1:1/postgres"),
    ):
        pass


def test_a_non_postgresql_url_is_refused() -> None:
    assert "not a PostgreSQL URL" in (server_available("sqlite:///x.db") or "")


def test_a_role_without_createdb_gets_one_line(pg_admin_url: str) -> None:
    role = "tracetui_nocreate_" + sa.make_url(pg_admin_url).username
    admin = sa.create_engine(pg_admin_url, poolclass=sa.NullPool, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP ROLE IF EXISTS "{role}"'))
            conn.execute(sa.text(f'CREATE ROLE "{role}" LOGIN NOCREATEDB'))
        url = sa.make_url(pg_admin_url).set(username=role)
        if server_available(url.render_as_string(hide_password=False)):
            pytest.skip("the server does not let the new role log in without a password")
        refused = pytest.raises(ScratchDatabaseError, match="cannot create a scratch database")
        with refused as info, scratch_database(url.render_as_string(hide_password=False)):
            pass
        assert "\n" not in str(info.value)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP ROLE IF EXISTS "{role}"'))
        admin.dispose()
