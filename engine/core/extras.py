"""Optional parts of the install: which extra brings what, and one check for it.

The core install runs the console, headless runs and ``run --pytest``. The
load stack (Locust, the HTTP API) and the PostgreSQL driver are extras;
asking for one that is not installed raises :class:`MissingExtra` with one
line that names the ``pip install`` to run (the command line exits 2 on it).
The check looks modules up without importing them: importing Locust would
patch the standard library with gevent.
"""

from __future__ import annotations

from importlib.util import find_spec

#: extra -> the top-level modules it installs (the ones tracetui imports).
EXTRAS: dict[str, tuple[str, ...]] = {
    "load": ("locust", "gevent", "hdrh", "fastapi", "pydantic", "uvicorn"),
    "postgres": ("psycopg",),
}


class MissingExtra(RuntimeError):
    """A feature whose extra is not installed; the message is one line for the user."""

    def __init__(self, extra: str, what: str) -> None:
        super().__init__(f"{what} needs the {extra!r} extra: pip install 'tracetui[{extra}]'")
        self.extra = extra


def missing_modules(extra: str) -> list[str]:
    """The modules of ``extra`` that cannot be imported here (empty: all there)."""
    return [name for name in EXTRAS[extra] if find_spec(name) is None]


def has_extra(extra: str) -> bool:
    return not missing_modules(extra)


def require_extra(extra: str, what: str) -> None:
    """Raise :class:`MissingExtra` unless every module of ``extra`` is installed."""
    if not has_extra(extra):
        raise MissingExtra(extra, what)


def extra_for_module(module: str | None) -> str | None:
    """The extra that installs top-level ``module`` (e.g. a missing database driver)."""
    top = (module or "").split(".")[0]
    return next((extra for extra, names in EXTRAS.items() if top in names), None)
