"""Database URLs and engines: defaults, validation, masking, SQLite tuning.

The engine knows nothing of the trace schema; it only knows how to open a
database well: SQLite files in WAL mode with a busy timeout and foreign
keys on, any other SQLAlchemy URL as given. Every URL that leaves the
process (events, reports, history, baselines) goes through
:func:`mask_url` so that a password is never printed.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from tracetui.engine.core.extras import extra_for_module

DEFAULT_DB_URL = "sqlite:///.tracetui/trace.db"
SQLITE_BUSY_TIMEOUT_MS = 30_000


class DatabaseConfigError(ValueError):
    """A database URL that cannot be used; the message is one line for the user."""


def parse_url(url: str) -> URL:
    try:
        return make_url(url)
    except ArgumentError:
        raise DatabaseConfigError(f"not a database URL: {url!r}") from None


def mask_url(url: str | URL) -> str:
    """The URL as text with any password replaced by ``***``."""
    parsed = url if isinstance(url, URL) else parse_url(url)
    return parsed.render_as_string(hide_password=True)


def backend_name(url: str | URL) -> str:
    """``sqlite``, ``postgresql``... (the dialect, without the driver)."""
    parsed = url if isinstance(url, URL) else parse_url(url)
    return parsed.get_backend_name()


def describe_target(url: str | URL) -> str:
    """Host, port and database for an error line (never the password)."""
    parsed = url if isinstance(url, URL) else parse_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"sqlite file {parsed.database or ':memory:'}"
    port = parsed.port or {"postgresql": 5432, "mysql": 3306}.get(parsed.get_backend_name(), "")
    return f"{parsed.get_backend_name()} at {parsed.host or 'localhost'}:{port}/{parsed.database}"


def _tune_sqlite(dbapi_connection, _record) -> None:  # pragma: no cover - driver callback
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def ensure_sqlite_folder(url: str) -> None:
    """Create the folder of a SQLite file URL (for tracetui's own default paths)."""
    parsed = parse_url(url)
    database = parsed.database
    if (
        parsed.get_backend_name() == "sqlite"
        and database
        and database != ":memory:"
        and not database.startswith("file:")
    ):
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def make_engine(url: str, *, pool_size: int | None = None) -> Engine:
    """An engine for ``url``; SQLite files get WAL, a busy timeout and foreign keys.

    ``pool_size`` sizes the pool for threaded use (the concurrent suite).
    """
    parsed = parse_url(url)
    kwargs: dict[str, object] = {}
    if parsed.get_backend_name() == "sqlite":
        kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        if pool_size:
            kwargs["pool_size"] = pool_size
            kwargs["max_overflow"] = pool_size
    elif pool_size:
        kwargs["pool_size"] = pool_size
        kwargs["max_overflow"] = pool_size
    try:
        engine = sa.create_engine(parsed, **kwargs)
    except NoSuchModuleError:
        raise DatabaseConfigError(f"no database driver for {mask_url(parsed)}") from None
    except ModuleNotFoundError as exc:
        extra = extra_for_module(exc.name)
        hint = f": pip install 'tracetui[{extra}]'" if extra else ""
        raise DatabaseConfigError(
            f"driver {exc.name!r} is not installed for {mask_url(parsed)}{hint}"
        ) from None
    except (ArgumentError, TypeError) as exc:
        raise DatabaseConfigError(f"cannot use {mask_url(parsed)}: {exc}") from None
    if parsed.get_backend_name() == "sqlite":
        sa.event.listen(engine, "connect", _tune_sqlite)
    return engine


def check_connection(url: str) -> None:
    """Connect once; raise :class:`DatabaseConfigError` with one line if that fails."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        raise DatabaseConfigError(f"cannot connect to {describe_target(url)}: {reason}") from None
    finally:
        engine.dispose()
