"""The reference trace system's HTTP API (the system the load suite drives).

This module owns the FastAPI application over :class:`tracetui.suites.trace.service.TraceService`
(:func:`create_app`); :mod:`tracetui.suites.api_server` serves it (``tracetui serve``),
:mod:`tracetui.suites.api_models` holds the schema, :mod:`tracetui.suites.api_guard`
the body limit and token. JSON in and out; the contract is::

    GET    /health                         -> 200 {"status": "ok"}
    POST   /projects {"name"}              -> 201 {"id", "name"} | 409 duplicate name
    GET    /projects?name_prefix=&limit=   -> 200 {"projects": [{"id", "name"}]}
    DELETE /projects/{id}                  -> 204 | 404 | 409 it still has items
    GET    /projects/{id}/items?status=&type=&priority=&limit=50&offset=0
                                           -> 200 {"items", "total", "limit", "offset"}
    GET    /projects/{id}/counts           -> 200 {"by_status", "by_type"}
    POST   /items {"project_id", "type", "title", "status"?, "priority"?} -> 201 item
    GET    /items/{id}                     -> 200 item | 404
    PATCH  /items/{id} {type?, title?, status?, priority?} -> 200 item | 404
    DELETE /items/{id}                     -> 204 | 404
    DELETE /items?project_id=              -> 204 (every item of the project, links with them) | 404
    GET    /items/{id}/links               -> 200 {"outgoing", "incoming"} | 404
    GET    /items/{id}/trace?max_depth=10  -> 200 {"item_id", "downstream", "truncated"} | 404
    POST   /links {"source_id", "target_id", "link_type"} -> 201 link | 404 | 409 duplicate

Every error body is ``{"detail": "<one line>"}``: bad payloads 422 (never an
echo of the input), unknown ids 404, duplicates 409, a body over 64 KiB 413,
a missing token 401 (when the server has one), a locked or unreachable
database 503. No input of the caller's can produce a 500. A trace stops at a
row and time budget and says ``truncated: true``.

A delete is a request on the path of what goes: items by ``DELETE
/items/{id}`` or ``DELETE /items?project_id=``, a project only once empty.
(A project delete that cascaded left ``/items/{id}`` answering 404 with no
request on that path having deleted it: to a client following the URLs,
schemathesis' "created resource not found", that is a lost write.)

Speed: the endpoints are ``async``. On SQLite they call the service directly
(a single-row operation costs tens of microseconds, less than a hop to a
thread and back, and SQLite runs one writer at a time anyway); on a server
database (PostgreSQL) each request makes one hop to :data:`DB_THREADS`
threads, because a commit waits milliseconds for the server's WAL flush and
concurrent commits must overlap (measured: inline, ``POST /items`` fell to
140 req/s). The list, count and trace queries, which can take milliseconds,
run on a small executor of their own so that they never hold up the event
loop or the short calls. ``create_app()`` without a URL reads
``$TRACETUI_DB_URL`` and ``$TRACETUI_API_TOKEN`` (for
``uvicorn --factory tracetui.suites.api:create_app``).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from functools import partial
from typing import Annotated, Any, TypeVar

from fastapi import Body, FastAPI, Query, Response
from tracetui.engine.core.database import DEFAULT_DB_URL, make_engine
from tracetui.suites.api_checkpoint import Checkpointer
from tracetui.suites.api_errors import ApiError, PathId, not_found, register_error_handlers
from tracetui.suites.api_guard import Guard
from tracetui.suites.api_models import (
    ID_MAX,
    ID_MIN,
    OFFSET_MAX,
    Counts,
    ItemIn,
    ItemLinks,
    ItemOut,
    ItemPage,
    ItemPatch,
    ItemStatus,
    ItemType,
    LinkIn,
    LinkOut,
    ProjectIn,
    ProjectList,
    ProjectOut,
    Trace,
    errors,
)
from tracetui.suites.trace.schema import create_schema
from tracetui.suites.trace.service import MAX_TRACE_DEPTH, TraceService

#: Environment variables read by ``create_app()`` without arguments.
DB_URL_ENV = "TRACETUI_DB_URL"
TOKEN_ENV = "TRACETUI_API_TOKEN"
#: Threads for the slower queries (lists, counts, traces); each keeps one connection.
QUERY_THREADS = 4
#: Threads for the short calls on a server database (PostgreSQL): a commit waits for the
#: server's WAL flush, and commits of concurrent requests must overlap (group commit).
DB_THREADS = 16
API_POOL_SIZE = QUERY_THREADS + DB_THREADS + 2

T = TypeVar("T")
ITEM_KEYS = tuple(ItemOut.model_fields)


def _item_out(row: dict[str, Any]) -> dict[str, Any]:
    return {key: row.get(key) for key in ITEM_KEYS}


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


def create_app(db_url: str | None = None, *, token: str | None = None) -> FastAPI:
    """The API over the database at ``db_url`` (schema created if missing).

    Without arguments the URL comes from ``$TRACETUI_DB_URL`` (or the default
    trace database) and the token from ``$TRACETUI_API_TOKEN``. With a token
    every request but ``GET /health`` needs ``Authorization: Bearer <token>``.
    """
    url = db_url or os.environ.get(DB_URL_ENV) or DEFAULT_DB_URL
    token = token if token is not None else (os.environ.get(TOKEN_ENV) or None)
    engine = make_engine(url, pool_size=API_POOL_SIZE)
    checkpointer = Checkpointer.attach(engine)
    create_schema(engine)
    service = TraceService(engine)
    queries = ThreadPoolExecutor(QUERY_THREADS, thread_name_prefix="trace-api-query")
    inline = engine.dialect.name == "sqlite"
    writes = None if inline else ThreadPoolExecutor(DB_THREADS, thread_name_prefix="trace-api-db")

    async def off_loop(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a slower query on the query threads (the event loop stays free)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(queries, partial(fn, *args, **kwargs))

    async def db(fn: Callable[[], T]) -> T:
        """A short database call: inline on SQLite, on the database threads elsewhere."""
        if writes is None:
            return fn()
        return await asyncio.get_running_loop().run_in_executor(writes, fn)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if checkpointer is not None:
            checkpointer.start()
        yield
        queries.shutdown(wait=True)
        if writes is not None:
            writes.shutdown(wait=True)
        if checkpointer is not None:
            checkpointer.stop()
        service.close()
        engine.dispose()

    app = FastAPI(
        title="tracetui reference trace API",
        version="1.1",
        description="Projects, items and typed links: the system under test of the load suite.",
        lifespan=lifespan,
        responses=errors(400, 413, 422, 503, *((401,) if token else ())),
    )
    app.state.engine = engine
    app.state.service = service
    register_error_handlers(app)
    app.add_middleware(Guard, token=token)

    def require_item(item_id: int) -> dict[str, Any]:
        row = service.get_item(item_id)
        if row is None:
            raise not_found("item", item_id)
        return row

    def require_project(project_id: int) -> None:
        if service.get_project(project_id) is None:
            raise not_found("project", project_id)

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/projects", status_code=201, response_model=ProjectOut, responses=errors(409))
    async def create_project(body: ProjectIn) -> dict[str, Any]:
        project_id = await db(lambda: service.create_project(body.name))
        return {"id": project_id, "name": body.name}

    @app.get("/projects", response_model=ProjectList)
    async def list_projects(
        name_prefix: Annotated[str, Query(max_length=200, pattern=r"^[^\x00]*$")] = "",
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> dict[str, Any]:
        return {"projects": await off_loop(service.projects_named, name_prefix, limit)}

    @app.delete(
        "/projects/{project_id}",
        status_code=204,
        response_class=Response,
        responses=errors(404, 409),
    )
    async def delete_project(project_id: PathId) -> Response:
        # UnknownProject: 404; ProjectNotEmpty: 409 (its items go by DELETE /items?project_id=)
        await off_loop(service.delete_empty_project, project_id)
        return Response(status_code=204)

    @app.get("/projects/{project_id}/items", response_model=ItemPage, responses=errors(404))
    async def list_items(
        project_id: PathId,
        status: ItemStatus | None = None,
        type: ItemType | None = None,
        priority: Annotated[int | None, Query(ge=1, le=5)] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 50,
        offset: Annotated[int, Query(ge=0, le=OFFSET_MAX)] = 0,
    ) -> dict[str, Any]:
        def page() -> dict[str, Any]:
            require_project(project_id)
            rows = service.list_items(
                project_id, status=status, type=type, priority=priority, limit=limit, offset=offset
            )
            total = service.count_items(project_id, status=status, type=type, priority=priority)
            return {"items": [_item_out(r) for r in rows], "total": total}

        return {**await off_loop(page), "limit": limit, "offset": offset}

    @app.get("/projects/{project_id}/counts", response_model=Counts, responses=errors(404))
    async def counts(project_id: PathId) -> dict[str, Any]:
        def both() -> dict[str, Any]:
            require_project(project_id)
            return {
                "by_status": service.count_by_status(project_id),
                "by_type": service.count_by_type_and_status(project_id),
            }

        return await off_loop(both)

    @app.post("/items", status_code=201, response_model=ItemOut, responses=errors(404))
    async def create_item(body: ItemIn) -> dict[str, Any]:
        def create() -> dict[str, Any]:
            item_id = service.create_item(
                body.project_id,
                type=body.type,
                title=body.title,
                status=body.status,
                priority=body.priority,
            )
            return _item_out(require_item(item_id))

        return await db(create)

    @app.get("/items/{item_id}", response_model=ItemOut, responses=errors(404))
    async def get_item(item_id: PathId) -> dict[str, Any]:
        return _item_out(await db(lambda: require_item(item_id)))

    @app.patch("/items/{item_id}", response_model=ItemOut, responses=errors(404))
    async def patch_item(item_id: PathId, body: Annotated[ItemPatch, Body()]) -> dict[str, Any]:
        fields = body.model_dump(exclude_unset=True)

        def patch() -> dict[str, Any]:
            if fields and not service.update_item(item_id, **fields):
                raise not_found("item", item_id)
            return require_item(item_id)

        return _item_out(await db(patch))

    @app.delete("/items/{item_id}", status_code=204, response_class=Response, responses=errors(404))
    async def delete_item(item_id: PathId) -> Response:
        if not await db(lambda: service.delete_item(item_id)):
            raise not_found("item", item_id)
        return Response(status_code=204)

    @app.delete("/items", status_code=204, response_class=Response, responses=errors(404))
    async def delete_project_items(
        project_id: Annotated[int, Query(ge=ID_MIN, le=ID_MAX)],
    ) -> Response:
        await off_loop(service.delete_project_items, project_id)  # UnknownProject: 404
        return Response(status_code=204)

    @app.get("/items/{item_id}/links", response_model=ItemLinks, responses=errors(404))
    async def item_links(item_id: PathId) -> dict[str, Any]:
        row = await db(lambda: service.item_with_links(item_id))
        if row is None:
            raise not_found("item", item_id)
        return {
            "outgoing": [_link_out(link, source=item_id) for link in row["outgoing"]],
            "incoming": [_link_out(link, target=item_id) for link in row["incoming"]],
        }

    @app.get("/items/{item_id}/trace", response_model=Trace, responses=errors(404))
    async def trace(
        item_id: PathId, max_depth: Annotated[int, Query(ge=1, le=MAX_TRACE_DEPTH)] = 10
    ) -> dict[str, Any]:
        ids, truncated = await off_loop(service.bounded_downstream_trace, item_id, max_depth)
        return {"item_id": item_id, "downstream": ids, "truncated": truncated}

    @app.post("/links", status_code=201, response_model=LinkOut, responses=errors(404, 409))
    async def create_link(body: LinkIn) -> dict[str, Any]:
        if body.source_id == body.target_id:  # valid JSON, but against the graph's rules
            raise ApiError(409, f"an item cannot link to itself ({body.source_id})")
        link_id = await db(
            lambda: service.create_link(body.source_id, body.target_id, body.link_type)
        )
        return {
            "id": link_id,
            "source_id": body.source_id,
            "target_id": body.target_id,
            "link_type": body.link_type,
        }

    return app
