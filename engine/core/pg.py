"""Scratch PostgreSQL databases for tests and one-off runs.

This module owns creating and dropping throw-away databases on a
PostgreSQL server: :func:`scratch_database` yields the URL of a fresh
``tracetui_<random>`` database and always drops it afterwards (after
terminating any connection still open to it), :func:`create_database` and
:func:`drop_database` do the same for a database of a given name (each side
of an ``--against`` run has one), and :func:`server_available` says in one
line why a server cannot be used.
Nothing here prints a URL with its password: messages go through
:func:`tracetui.engine.core.database.describe_target`.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from tracetui.engine.core.database import describe_target, make_engine, parse_url

DEFAULT_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1/postgres"
CONNECT_TIMEOUT_S = 3
SCRATCH_PREFIX = "tracetui_"
#: The databases tracetui creates and drops: its prefix, lower case, within PostgreSQL's 63.
NAME_RE = re.compile(r"tracetui_[a-z0-9_]{1,54}")


class ScratchDatabaseError(RuntimeError):
    """The scratch database could not be created; the message is one line."""


def _admin_engine(base_url: str) -> Engine:
    """An AUTOCOMMIT engine (CREATE/DROP DATABASE cannot run in a transaction)."""
    parsed = parse_url(base_url)
    if parsed.get_backend_name() != "postgresql":
        raise ScratchDatabaseError(f"not a PostgreSQL URL: {describe_target(parsed)}")
    engine = make_engine(parsed.render_as_string(hide_password=False))
    return engine.execution_options(isolation_level="AUTOCOMMIT")


def _connect_args(base_url: str) -> dict[str, object]:
    parsed = parse_url(base_url)
    return {"connect_timeout": CONNECT_TIMEOUT_S} if parsed.get_driver_name() == "psycopg" else {}


def server_available(url: str = DEFAULT_ADMIN_URL) -> str | None:
    """``None`` when a PostgreSQL server answers at ``url``, else the reason in one line."""
    try:
        parsed = parse_url(url)
    except ValueError as exc:
        return str(exc)
    if parsed.get_backend_name() != "postgresql":
        return f"not a PostgreSQL URL: {describe_target(parsed)}"
    try:
        engine = sa.create_engine(parsed, connect_args=_connect_args(url), poolclass=sa.NullPool)
    except Exception as exc:  # driver missing, bad arguments
        return f"cannot use {describe_target(parsed)}: {type(exc).__name__}: {exc}"
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.DBAPIError as exc:
        return f"no PostgreSQL server at {describe_target(parsed)}: {_reason(exc)}"
    finally:
        engine.dispose()
    return None


def _drop(admin: Engine, name: str) -> None:
    with admin.connect() as conn:
        conn.execute(
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": name},
        )
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))


def _check_name(name: str) -> str:
    if not NAME_RE.fullmatch(name):
        raise ScratchDatabaseError(f"not a database name tracetui creates: {name!r}")
    return name


def _reason(exc: sa.exc.DBAPIError) -> str:
    lines = str(exc.orig).strip().splitlines() if exc.orig else []
    return lines[0] if lines else type(exc).__name__


def create_database(server_url: str, name: str) -> str:
    """Create ``name`` (dropped first if it exists) on ``server_url``'s server; its URL.

    ``server_url`` is any database on that server the role can connect to; the
    new URL keeps its credentials (mask it before printing). Raises
    :class:`ScratchDatabaseError` in one line (no server, no CREATEDB right).
    """
    _check_name(name)
    reason = server_available(server_url)
    if reason:
        raise ScratchDatabaseError(reason)
    admin = _admin_engine(server_url)
    try:
        _drop(admin, name)
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.DBAPIError as exc:
        raise ScratchDatabaseError(
            f"cannot create database {name} on {describe_target(server_url)}: {_reason(exc)}"
        ) from None
    finally:
        admin.dispose()
    return parse_url(server_url).set(database=name).render_as_string(hide_password=False)


def drop_database(server_url: str, name: str) -> None:
    """Drop ``name`` on ``server_url``'s server, ending connections still open to it."""
    admin = _admin_engine(server_url)
    try:
        _drop(admin, _check_name(name))
    except sa.exc.DBAPIError as exc:
        raise ScratchDatabaseError(
            f"cannot drop database {name} on {describe_target(server_url)}: {_reason(exc)}"
        ) from None
    finally:
        admin.dispose()


@contextmanager
def scratch_database(base_url: str = DEFAULT_ADMIN_URL) -> Iterator[str]:
    """Create ``tracetui_<random>`` next to ``base_url``'s database; yield its URL; drop it.

    The yielded URL keeps the credentials of ``base_url`` (it is for
    connecting, not for printing: mask it with
    :func:`tracetui.engine.core.database.mask_url`). The database is dropped even when
    the body raises, after terminating connections still open to it.
    """
    reason = server_available(base_url)
    if reason:
        raise ScratchDatabaseError(reason)
    name = SCRATCH_PREFIX + secrets.token_hex(6)
    admin = _admin_engine(base_url)
    try:
        try:
            with admin.connect() as conn:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        except sa.exc.DBAPIError as exc:
            raise ScratchDatabaseError(
                f"cannot create a scratch database on {describe_target(base_url)}: {_reason(exc)}"
            ) from None
        url = parse_url(base_url).set(database=name)
        try:
            yield url.render_as_string(hide_password=False)
        finally:
            _drop(admin, name)
    finally:
        admin.dispose()
