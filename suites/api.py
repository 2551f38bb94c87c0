"""The reference trace system's HTTP API (the system the load suite drives).

This module owns the FastAPI application over :class:`tracetui.suites.trace.service.TraceService`
(:func:`create_app`) and the ``tracetui serve`` entry point (:func:`serve`).
JSON in and out; the contract is::

    GET    /health                         -> 200 {"status": "ok"}
    POST   /projects {"name"}              -> 201 {"id", "name"} | 409 duplicate name
    GET    /projects/{id}/items?status=&type=&priority=&limit=50&offset=0
                                           -> 200 {"items", "total", "limit", "offset"}
    GET    /projects/{id}/counts           -> 200 {"by_status", "by_type"}
    POST   /items {"project_id", "type", "title", "status"?, "priority"?} -> 201 item
    GET    /items/{id}                     -> 200 item | 404
    PATCH  /items/{id} {type?, title?, status?, priority?} -> 200 item | 404
    DELETE /items/{id}                     -> 204 | 404
    GET    /items/{id}/links               -> 200 {"outgoing", "incoming"} | 404
    GET    /items/{id}/trace?max_depth=10  -> 200 {"item_id", "downstream"} | 404
    POST   /links {"source_id", "target_id", "link_type"} -> 201 link | 404 | 409 duplicate

Bad payloads are 422 (pydantic's message; ids must fit the schema's 32-bit
INTEGER), unknown ids 404, duplicates 409; a locked or unreachable database
is a 503 with a one-line reason. No input of the caller's can produce a 500.
``create_app()`` without a URL reads ``$TRACETUI_DB_URL`` (for
``uvicorn --factory tracetui.suites.api:create_app``).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from fastapi import Body, FastAPI, Path, Query, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StrictInt
from tracetui.engine.core.database import DEFAULT_DB_URL, make_engine
from tracetui.suites.trace.schema import TITLE_MAX, create_schema, items_table
from tracetui.suites.trace.service import (
    MAX_TRACE_DEPTH,
    DuplicateLink,
    DuplicateProject,
    InvalidField,
    TraceError,
    TraceService,
    UnknownItem,
    UnknownProject,
)

#: Environment variable read by ``create_app()`` without an argument
#: (``uvicorn --factory tracetui.suites.api:create_app``).
DB_URL_ENV = "TRACETUI_DB_URL"
#: Threads FastAPI runs sync endpoints on (anyio's default) — the pool matches it.
API_POOL_SIZE = 20

ItemType = Literal["requirement", "design", "test", "defect", "task"]
ItemStatus = Literal["open", "in_progress", "review", "done", "closed"]
LinkType = Literal["implements", "verifies", "depends_on", "relates_to"]
Priority = Annotated[StrictInt, Field(ge=1, le=5)]
Title = Annotated[str, Field(min_length=1, max_length=TITLE_MAX)]
#: Ids are the schema's INTEGER (32-bit on PostgreSQL); beyond is a bad request, not a 500.
ID_MIN, ID_MAX = -(2**31), 2**31 - 1
Id = Annotated[StrictInt, Field(ge=ID_MIN, le=ID_MAX)]
PathId = Annotated[int, Path(ge=ID_MIN, le=ID_MAX)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProjectIn(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=TITLE_MAX)]


class ProjectOut(BaseModel):
    id: int
    name: str


class ItemIn(_Strict):
    project_id: Id
    type: ItemType
    title: Title
    status: ItemStatus = "open"
    priority: Priority = 3


class ItemPatch(_Strict):
    """Any of the fields; an explicit ``null`` is rejected (the columns are required)."""

    type: ItemType | None = None
    title: Title | None = None
    status: ItemStatus | None = None
    priority: Priority | None = None


class ItemOut(BaseModel):
    id: int
    project_id: int
    type: str
    title: str
    status: str
    priority: int
    created_at: str | None
    updated_at: str | None


class ItemPage(BaseModel):
    items: list[ItemOut]
    total: int
    limit: int
    offset: int


class Counts(BaseModel):
    by_status: dict[str, int]
    by_type: dict[str, dict[str, int]]


class LinkIn(_Strict):
    source_id: Id
    target_id: Id
    link_type: LinkType


class LinkOut(BaseModel):
    id: int
    source_id: int
    target_id: int
    link_type: str


class ItemLinks(BaseModel):
    outgoing: list[LinkOut]
    incoming: list[LinkOut]


class Trace(BaseModel):
    item_id: int
    downstream: list[int]


class ApiError(Exception):
    """An error with an HTTP status and a one-line detail."""

    def __init__(self, status_code: int, detail: str) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail


def _not_found(what: str, ident: int) -> ApiError:
    return ApiError(status.HTTP_404_NOT_FOUND, f"{what} {ident} not found")


def _item_out(row: dict[str, Any]) -> dict[str, Any]:
    return {key: _iso(row.get(key)) for key in ItemOut.model_fields}


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _link_out(
    entry: dict[str, Any], *, source: int | None = None, target: int | None = None
) -> dict[str, Any]:
    """A link of ``item_with_links`` (``link_id``, the other end's ``item_id``) as a link."""
    return {
        "id": entry["link_id"],
        "source_id": source if source is not None else entry["item_id"],
        "target_id": target if target is not None else entry["item_id"],
        "link_type": entry["link_type"],
    }


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _register_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)

    @app.exception_handler(UnknownItem)
    @app.exception_handler(UnknownProject)
    async def unknown(_request: Request, exc: TraceError) -> JSONResponse:
        return JSONResponse({"detail": str(exc) or "not found"}, status_code=404)

    @app.exception_handler(DuplicateLink)
    @app.exception_handler(DuplicateProject)
    async def duplicate(_request: Request, exc: TraceError) -> JSONResponse:
        return JSONResponse({"detail": str(exc) or "duplicate link"}, status_code=409)

    @app.exception_handler(InvalidField)
    async def invalid(_request: Request, exc: TraceError) -> JSONResponse:
        return JSONResponse({"detail": str(exc) or "invalid field"}, status_code=422)

    @app.exception_handler(TraceError)
    async def trace_error(_request: Request, exc: TraceError) -> JSONResponse:
        return JSONResponse({"detail": str(exc) or type(exc).__name__}, status_code=400)

    @app.exception_handler(UnicodeError)
    async def unencodable(_request: Request, exc: UnicodeError) -> JSONResponse:
        return JSONResponse({"detail": f"text cannot be stored: {exc}"}, status_code=422)

    @app.exception_handler(sa.exc.DataError)
    async def bad_value(_request: Request, exc: sa.exc.DataError) -> JSONResponse:
        return JSONResponse({"detail": f"invalid value: {_first_line(exc)}"}, status_code=422)

    @app.exception_handler(sa.exc.IntegrityError)
    async def integrity(_request: Request, exc: sa.exc.IntegrityError) -> JSONResponse:
        return JSONResponse({"detail": f"conflict: {_first_line(exc)}"}, status_code=409)

    @app.exception_handler(sa.exc.OperationalError)
    async def unavailable(_request: Request, exc: sa.exc.OperationalError) -> JSONResponse:
        return JSONResponse(
            {"detail": f"database unavailable: {_first_line(exc)}"}, status_code=503
        )


def create_app(db_url: str | None = None) -> FastAPI:
    """The API over the database at ``db_url`` (schema created if missing).

    Without an argument the URL comes from ``$TRACETUI_DB_URL`` or the
    default trace database, so ``uvicorn --factory tracetui.suites.api:create_app``
    works too.
    """
    url = db_url or os.environ.get(DB_URL_ENV) or DEFAULT_DB_URL
    engine = make_engine(url, pool_size=API_POOL_SIZE)
    create_schema(engine)
    service = TraceService(engine)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(
        title="tracetui reference trace API",
        version="1.0",
        description="Projects, items and typed links: the system under test of the load suite.",
        lifespan=lifespan,
    )
    app.state.engine = engine
    app.state.service = service
    _register_error_handlers(app)

    def require_item(item_id: int) -> dict[str, Any]:
        row = service.get_item(item_id)
        if row is None:
            raise _not_found("item", item_id)
        return row

    def require_project(project_id: int) -> None:
        if service.get_project(project_id) is None:
            raise _not_found("project", project_id)

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/projects", status_code=201, response_model=ProjectOut)
    def create_project(body: ProjectIn) -> dict[str, Any]:
        project_id = service.create_project(body.name)
        return {"id": project_id, "name": body.name}

    @app.get("/projects/{project_id}/items", response_model=ItemPage)
    def list_items(
        project_id: PathId,
        status: ItemStatus | None = None,
        type: ItemType | None = None,
        priority: Annotated[int | None, Query(ge=1, le=5)] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 50,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> dict[str, Any]:
        require_project(project_id)
        rows = service.list_items(
            project_id, status=status, type=type, priority=priority, limit=limit, offset=offset
        )
        if priority is None:
            total = service.count_items(project_id, status=status, type=type)
        else:
            total = _count_with_priority(engine, project_id, status, type, priority)
        return {
            "items": [_item_out(r) for r in rows],
            "total": total,
            "limit": limit,
            "offset": offset,
        }

    @app.get("/projects/{project_id}/counts", response_model=Counts)
    def counts(project_id: PathId) -> dict[str, Any]:
        require_project(project_id)
        return {
            "by_status": service.count_by_status(project_id),
            "by_type": service.count_by_type_and_status(project_id),
        }

    @app.post("/items", status_code=201, response_model=ItemOut)
    def create_item(body: ItemIn) -> dict[str, Any]:
        item_id = service.create_item(
            body.project_id,
            type=body.type,
            title=body.title,
            status=body.status,
            priority=body.priority,
        )
        return _item_out(require_item(item_id))

    @app.get("/items/{item_id}", response_model=ItemOut)
    def get_item(item_id: PathId) -> dict[str, Any]:
        return _item_out(require_item(item_id))

    @app.patch("/items/{item_id}", response_model=ItemOut)
    def patch_item(item_id: PathId, body: Annotated[ItemPatch, Body()]) -> dict[str, Any]:
        fields = body.model_dump(exclude_unset=True)
        nulls = sorted(k for k, v in fields.items() if v is None)
        if nulls:
            raise ApiError(422, f"fields cannot be null: {', '.join(nulls)}")
        if fields and not service.update_item(item_id, **fields):
            raise _not_found("item", item_id)
        return _item_out(require_item(item_id))

    @app.delete("/items/{item_id}", status_code=204, response_class=Response)
    def delete_item(item_id: PathId) -> Response:
        if not service.delete_item(item_id):
            raise _not_found("item", item_id)
        return Response(status_code=204)

    @app.get("/items/{item_id}/links", response_model=ItemLinks)
    def item_links(item_id: PathId) -> dict[str, Any]:
        row = service.item_with_links(item_id)
        if row is None:
            raise _not_found("item", item_id)
        return {
            "outgoing": [_link_out(link, source=item_id) for link in row["outgoing"]],
            "incoming": [_link_out(link, target=item_id) for link in row["incoming"]],
        }

    @app.get("/items/{item_id}/trace", response_model=Trace)
    def trace(
        item_id: PathId, max_depth: Annotated[int, Query(ge=1, le=MAX_TRACE_DEPTH)] = 10
    ) -> dict[str, Any]:
        return {"item_id": item_id, "downstream": service.downstream_trace(item_id, max_depth)}

    @app.post("/links", status_code=201, response_model=LinkOut)
    def create_link(body: LinkIn) -> dict[str, Any]:
        link_id = service.create_link(body.source_id, body.target_id, body.link_type)
        return {
            "id": link_id,
            "source_id": body.source_id,
            "target_id": body.target_id,
            "link_type": body.link_type,
        }

    return app


def _count_with_priority(
    engine: sa.Engine, project_id: int, status: str | None, type: str | None, priority: int
) -> int:
    """``count_items`` has no priority filter; the page total needs one."""
    items = items_table
    query = (
        sa.select(sa.func.count())
        .select_from(items)
        .where(items.c.project_id == project_id, items.c.priority == priority)
    )
    if status is not None:
        query = query.where(items.c.status == status)
    if type is not None:
        query = query.where(items.c.type == type)
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def serve(db_url: str, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the API with uvicorn until interrupted (``tracetui serve``)."""
    import uvicorn

    uvicorn.run(create_app(db_url), host=host, port=port, log_level="warning")
