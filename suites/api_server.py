"""``tracetui serve``: the trace API under uvicorn, safe to expose.

uvicorn with uvloop and httptools when they are installed (its ``auto``
choice; both are dependencies), ``--workers N`` processes sharing the port,
and no access log (it costs more than a read by id). Binding beyond loopback
requires a token: :func:`check_exposure` says why not in one line.
"""

from __future__ import annotations

import ipaddress
import os

from tracetui.suites.api import DB_URL_ENV, TOKEN_ENV

#: Measured on this 2-core machine (see README "HTTP API"), wrk -c50: on SQLite a second
#: process adds ~5 % req/s and doubles POST p99 (writers wait on each other's locks); on
#: PostgreSQL two processes serve 1.2-1.6x more (the server, not Python, does the locking).
DEFAULT_WORKERS = {"sqlite": 1}
OTHER_BACKENDS_WORKERS = 2
MAX_WORKERS = 64


def default_workers(db_url: str) -> int:
    """The measured best for the backend of ``db_url``."""
    from tracetui.engine.core.database import backend_name

    return DEFAULT_WORKERS.get(backend_name(db_url), OTHER_BACKENDS_WORKERS)


class ServeConfigError(ValueError):
    """A ``serve`` setting that cannot be used; the message is one line for the user."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_exposure(host: str, token: str | None) -> None:
    """Refuse to serve beyond loopback without a token."""
    if not is_loopback(host) and not token:
        raise ServeConfigError(
            f"serving on {host} would expose an API that creates and deletes data: "
            f"give --token (or ${TOKEN_ENV}); clients send 'Authorization: Bearer <token>'"
        )


def check_workers(workers: int) -> None:
    if not 1 <= workers <= MAX_WORKERS:
        raise ServeConfigError(f"--workers {workers} is out of range (allowed 1–{MAX_WORKERS})")


def serve(
    db_url: str,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    workers: int | None = None,
    token: str | None = None,
) -> None:
    """Serve the API until interrupted (``tracetui serve``); ``workers`` None: the default."""
    import uvicorn

    workers = workers if workers is not None else default_workers(db_url)
    check_exposure(host, token)
    check_workers(workers)
    os.environ[DB_URL_ENV] = db_url  # the factory reads it in every worker process
    if token:
        os.environ[TOKEN_ENV] = token
    else:
        os.environ.pop(TOKEN_ENV, None)
    uvicorn.run(
        "tracetui.suites.api:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
    )
