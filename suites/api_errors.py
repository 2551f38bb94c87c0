"""How the trace API turns every failure into a status and a one-line ``{"detail"}``.

One handler per kind of failure, all with the body :class:`~.api_models.ErrorOut`
documents: the service's errors (404 unknown id, 409 duplicate or a project
that still has items, 422 invalid field), FastAPI's request validation (422
with the field path and pydantic's message, never the input, which may be
huge or not JSON-encodable such as
``NaN``), HTTP errors (413 from the body limit, 400 unreadable body), database
errors (422 a value the database refuses, 409 a constraint, 503 locked or
unreachable), and a last resort that still answers in the same shape.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import FastAPI, Path, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.routing import Match
from tracetui.suites.api_models import ID_MAX, ID_MIN
from tracetui.suites.trace.service import (
    DuplicateLink,
    DuplicateProject,
    InvalidField,
    ProjectNotEmpty,
    TraceError,
    UnknownItem,
    UnknownProject,
)

PathId = Annotated[int, Path(ge=ID_MIN, le=ID_MAX)]
#: Longest detail line (a message never carries an unbounded input).
DETAIL_MAX = 300
_log = logging.getLogger(__name__)


class ApiError(Exception):
    """An error with an HTTP status and a one-line detail."""

    def __init__(self, status_code: int, detail: str) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail


class ApiValueError(ApiError):
    """A request the schema allows but the API refuses (422)."""

    def __init__(self, detail: str) -> None:
        super().__init__(422, detail)


def not_found(what: str, ident: int) -> ApiError:
    return ApiError(404, f"{what} {ident} not found")


def _line(text: str) -> str:
    first = text.strip().splitlines()[0] if text.strip() else ""
    return first if len(first) <= DETAIL_MAX else first[: DETAIL_MAX - 1] + "…"


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    return _line(str(orig if orig is not None else exc)) or type(exc).__name__


def validation_detail(problems: Sequence[Any]) -> str:
    """``body.title: String should have at most 200 characters; ...`` (at most three)."""
    parts = []
    for problem in list(problems)[:3]:
        loc = ".".join(str(part) for part in problem.get("loc", ()))
        parts.append(f"{loc}: {problem.get('msg', 'invalid')}")
    more = len(problems) - len(parts)
    return _line("; ".join(parts) + (f" (+{more} more)" if more > 0 else "")) or "invalid request"


def allowed_methods(request: Request) -> list[str]:
    """Every method of every route matching the path (Starlette names only the first's)."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _child = route.matches(request.scope)
        if match is not Match.NONE:
            methods.update(getattr(route, "methods", None) or ())
    return sorted(methods)


def _reply(status_code: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status_code, headers=headers)


def register_error_handlers(app: FastAPI) -> None:
    """Install every handler on ``app`` (see the module docstring)."""

    @app.exception_handler(ApiError)
    async def api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return _reply(exc.status_code, exc.detail)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return _reply(422, validation_detail(exc.errors()))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(allowed_methods(request))
        return _reply(exc.status_code, _line(str(exc.detail)), headers or None)

    @app.exception_handler(UnknownItem)
    @app.exception_handler(UnknownProject)
    async def unknown(_request: Request, exc: TraceError) -> JSONResponse:
        return _reply(404, _line(str(exc)) or "not found")

    @app.exception_handler(DuplicateLink)
    @app.exception_handler(DuplicateProject)
    @app.exception_handler(ProjectNotEmpty)
    async def duplicate(_request: Request, exc: TraceError) -> JSONResponse:
        return _reply(409, _line(str(exc)) or "duplicate")

    @app.exception_handler(InvalidField)
    async def invalid(_request: Request, exc: TraceError) -> JSONResponse:
        return _reply(422, _line(str(exc)) or "invalid field")

    @app.exception_handler(TraceError)
    async def trace_error(_request: Request, exc: TraceError) -> JSONResponse:
        return _reply(400, _line(str(exc)) or type(exc).__name__)

    @app.exception_handler(UnicodeError)
    async def unencodable(_request: Request, exc: UnicodeError) -> JSONResponse:
        return _reply(422, _line(f"text cannot be stored: {exc}"))

    @app.exception_handler(sa.exc.DataError)
    async def bad_value(_request: Request, exc: sa.exc.DataError) -> JSONResponse:
        return _reply(422, f"invalid value: {_first_line(exc)}")

    @app.exception_handler(sa.exc.IntegrityError)
    async def integrity(_request: Request, exc: sa.exc.IntegrityError) -> JSONResponse:
        return _reply(409, f"conflict: {_first_line(exc)}")

    @app.exception_handler(sa.exc.OperationalError)
    async def unavailable(_request: Request, exc: sa.exc.OperationalError) -> JSONResponse:
        return _reply(503, f"database unavailable: {_first_line(exc)}")

    @app.exception_handler(sa.exc.DBAPIError)
    async def database_error(_request: Request, exc: sa.exc.DBAPIError) -> JSONResponse:
        _log.error("database error: %s", _first_line(exc))
        return _reply(503, f"database error: {_first_line(exc)}")
