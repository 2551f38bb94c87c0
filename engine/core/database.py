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


#: Query parameters that carry a secret (``?password=…``, ``?sslpassword=…``): masked.
SECRET_QUERY_PARTS = ("pass", "pwd", "secret", "token")


def _scrubbed(url: str) -> str:
    """``url`` without its query and credentials, for an error message about it."""
    text = url.split("?", 1)[0]
    scheme, sep, rest = text.rpartition("://")
    if "@" in rest:
        rest = "***@" + rest.rsplit("@", 1)[1]
    return (scheme + sep + rest)[:200]


def parse_url(url: str) -> URL:
    """Parse and check a database URL; :class:`DatabaseConfigError` (never echoing a password)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseConfigError(f"not a database URL: {_scrubbed(url)!r}") from None
    except ValueError:  # make_url's int() of the port
        raise DatabaseConfigError(
            f"the port in database URL {_scrubbed(url)!r} is not a number"
        ) from None
    if parsed.host and "@" in parsed.host:
        raise DatabaseConfigError(
            "the database URL has an unescaped '@' in its user or password: "
            "write it as %40 (e.g. urllib.parse.quote_plus)"
        )
    if parsed.port is not None and not 1 <= parsed.port <= 65535:
        raise DatabaseConfigError(
            f"the port in database URL {mask_url(parsed)!r} is out of range (1–65535)"
        )
    return parsed


def mask_url(url: str | URL) -> str:
    """The URL as text with any password (``user:pw@`` or ``?password=``) replaced by ``***``."""
    parsed = url if isinstance(url, URL) else parse_url(url)
    secret = [k for k in parsed.query if any(p in k.lower() for p in SECRET_QUERY_PARTS)]
    if secret:
        parsed = parsed.update_query_dict({k: "MASKED" for k in secret})
    text = parsed.render_as_string(hide_password=True)
    return text.replace("=MASKED", "=***") if secret else text


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


def _sqlite_tuner(busy_timeout_ms: int):
    def tune(dbapi_connection, _record) -> None:  # pragma: no cover - driver callback
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return tune


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
        folder = Path(database).parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            in_the_way = next((p for p in (folder, *folder.parents) if p.is_file()), None)
            reason = f"{in_the_way} is a file" if in_the_way else (exc.strerror or str(exc))
            raise DatabaseConfigError(f"cannot create the folder {folder}/: {reason}") from None


def make_engine(
    url: str, *, pool_size: int | None = None, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS
) -> Engine:
    """An engine for ``url``; SQLite files get WAL, a busy timeout and foreign keys.

    ``pool_size`` sizes the pool for threaded use (the concurrent suite);
    ``busy_timeout_ms`` bounds how long SQLite waits for another writer's lock.
    """
    parsed = parse_url(url)
    kwargs: dict[str, object] = {}
    if parsed.get_backend_name() == "sqlite":
        kwargs["connect_args"] = {"timeout": busy_timeout_ms / 1000}
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
        sa.event.listen(engine, "connect", _sqlite_tuner(busy_timeout_ms))
    return engine


def _probe_sqlite_write(engine: Engine) -> None:
    """Write inside a transaction and roll it back: a read-only file fails here, not mid-run."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("SAVEPOINT tracetui_probe")
        try:
            cursor.execute("CREATE TABLE tracetui_write_probe (x INTEGER)")
        finally:
            cursor.execute("ROLLBACK TO tracetui_probe")
            cursor.execute("RELEASE tracetui_probe")
    finally:
        raw.close()


def check_connection(url: str) -> None:
    """Connect once (and for SQLite, prove the file is writable); one line if that fails."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        if backend_name(url) == "sqlite" and (parse_url(url).database or ":memory:") != ":memory:":
            try:
                _probe_sqlite_write(engine)
            except Exception as exc:
                reason = str(exc).strip().splitlines()[0] if str(exc) else type(exc).__name__
                raise DatabaseConfigError(
                    f"cannot write to {describe_target(url)}: {reason}"
                ) from None
    except sa.exc.DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        raise DatabaseConfigError(f"cannot connect to {describe_target(url)}: {reason}") from None
    finally:
        engine.dispose()
