"""The trace HTTP API through FastAPI's TestClient on a real SQLite file, and
once through a real uvicorn server started by ``tracetui.suites.api_server.serve``.

Every endpoint's status codes and bodies as a client sees them: 201/200/204
on success, 404 for unknown ids, 409 for duplicates, 422 for bad payloads —
and never a 500 (the client re-raises server errors, so one would fail here).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from tracetui.engine.core.database import make_engine
from tracetui.suites.api import create_app

from tests.trace_tables import row_counts

ITEM_KEYS = {"id", "project_id", "type", "title", "status", "priority", "created_at", "updated_at"}


PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """A fresh database: a SQLite file, or a throw-away PostgreSQL database (dropped after)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'api.db'}"
        return
    psycopg = pytest.importorskip("psycopg")
    try:
        admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.skip(f"no PostgreSQL on 127.0.0.1:5432 ({str(exc).strip()[:80]})")
    name = f"tracetui_api_{uuid.uuid4().hex[:10]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(db_url)) as test_client:
        yield test_client


def new_project(client: TestClient, name: str = "alpha") -> int:
    response = client.post("/projects", json={"name": name})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def new_item(client: TestClient, project_id: int, **fields: Any) -> dict[str, Any]:
    body = {"project_id": project_id, "type": "requirement", "title": "an item", **fields}
    response = client.post("/items", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def test_health(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_the_app_creates_its_schema(db_url: str) -> None:
    with TestClient(create_app(db_url)):
        pass
    engine = make_engine(db_url)
    try:
        assert row_counts(engine) == {"projects": 0, "items": 0, "links": 0}
    finally:
        engine.dispose()


def test_projects_are_created_once_per_name(client: TestClient) -> None:
    response = client.post("/projects", json={"name": "alpha"})
    assert response.status_code == 201
    assert response.json() == {"id": response.json()["id"], "name": "alpha"}
    duplicate = client.post("/projects", json={"name": "alpha"})
    assert duplicate.status_code == 409
    assert "alpha" in duplicate.json()["detail"]


def test_item_lifecycle(client: TestClient, db_url: str) -> None:
    project_id = new_project(client)
    created = new_item(client, project_id, title="login works", status="review", priority=2)
    assert set(created) == ITEM_KEYS
    assert created["project_id"] == project_id
    assert (created["title"], created["status"], created["priority"]) == (
        "login works",
        "review",
        2,
    )
    assert created["created_at"] and created["updated_at"]
    item_url = f"/items/{created['id']}"

    assert client.get(item_url).json() == created

    defaults = new_item(client, project_id)
    assert (defaults["status"], defaults["priority"]) == ("open", 3)

    patched = client.patch(item_url, json={"status": "done", "priority": 5})
    assert patched.status_code == 200
    assert (patched.json()["status"], patched.json()["priority"]) == ("done", 5)
    assert patched.json()["title"] == "login works"
    assert patched.json()["updated_at"] >= created["updated_at"]
    assert client.get(item_url).json()["status"] == "done"

    unchanged = client.patch(item_url, json={})
    assert unchanged.status_code == 200 and unchanged.json()["status"] == "done"

    deleted = client.delete(item_url)
    assert deleted.status_code == 204 and deleted.content == b""
    assert client.get(item_url).status_code == 404
    assert client.delete(item_url).status_code == 404
    assert client.patch(item_url, json={"status": "open"}).status_code == 404

    engine = make_engine(db_url)
    try:
        assert row_counts(engine)["items"] == 1
    finally:
        engine.dispose()


def test_list_items_filters_pages_and_totals(client: TestClient) -> None:
    project_id = new_project(client)
    other = new_project(client, "other")
    statuses = ["open", "done", "review"]
    ids = [
        new_item(client, project_id, title=f"item {i}", status=statuses[i % 3], priority=i % 5 + 1)[
            "id"
        ]
        for i in range(12)
    ]
    new_item(client, other, title="elsewhere")

    page = client.get(f"/projects/{project_id}/items").json()
    assert page["total"] == 12 and (page["limit"], page["offset"]) == (50, 0)
    assert [item["id"] for item in page["items"]] == ids

    done = client.get(f"/projects/{project_id}/items", params={"status": "done"}).json()
    assert done["total"] == 4
    assert {item["status"] for item in done["items"]} == {"done"}

    second = client.get(f"/projects/{project_id}/items", params={"limit": 5, "offset": 5}).json()
    assert [item["id"] for item in second["items"]] == ids[5:10]
    assert (second["total"], second["limit"], second["offset"]) == (12, 5, 5)

    by_priority = client.get(
        f"/projects/{project_id}/items", params={"priority": 2, "status": "done"}
    ).json()
    expected = [ids[i] for i in range(12) if i % 5 + 1 == 2 and statuses[i % 3] == "done"]
    assert [item["id"] for item in by_priority["items"]] == expected
    assert by_priority["total"] == len(expected)

    requirement = client.get(f"/projects/{project_id}/items", params={"type": "design"}).json()
    assert requirement == {"items": [], "total": 0, "limit": 50, "offset": 0}

    assert client.get("/projects/999999/items").status_code == 404


def test_counts_by_status_and_type(client: TestClient) -> None:
    project_id = new_project(client)
    new_item(client, project_id, type="test", status="done")
    new_item(client, project_id, type="test", status="open")
    new_item(client, project_id, type="defect", status="open")
    counts = client.get(f"/projects/{project_id}/counts")
    assert counts.status_code == 200
    body = counts.json()
    assert body["by_status"]["open"] == 2 and body["by_status"]["done"] == 1
    assert sum(body["by_status"].values()) == 3
    assert body["by_type"]["test"]["done"] == 1
    assert body["by_type"]["test"]["open"] == 1
    assert body["by_type"]["defect"]["open"] == 1
    assert client.get("/projects/424242/counts").status_code == 404


def test_links_and_downstream_trace(client: TestClient) -> None:
    project_id = new_project(client)
    a, b, c = (new_item(client, project_id, title=t)["id"] for t in "abc")

    first = client.post("/links", json={"source_id": a, "target_id": b, "link_type": "implements"})
    assert first.status_code == 201
    assert first.json() == {
        "id": first.json()["id"],
        "source_id": a,
        "target_id": b,
        "link_type": "implements",
    }
    second = client.post("/links", json={"source_id": b, "target_id": c, "link_type": "verifies"})
    assert second.status_code == 201

    again = client.post("/links", json={"source_id": a, "target_id": b, "link_type": "implements"})
    assert again.status_code == 409
    unknown = client.post(
        "/links", json={"source_id": a, "target_id": 987654, "link_type": "implements"}
    )
    assert unknown.status_code == 404

    links = client.get(f"/items/{b}/links").json()
    assert links["incoming"] == [first.json()]
    assert links["outgoing"] == [second.json()]
    assert client.get("/items/987654/links").status_code == 404

    trace = client.get(f"/items/{a}/trace").json()
    assert trace == {"item_id": a, "downstream": [b, c], "truncated": False}
    assert client.get(f"/items/{a}/trace", params={"max_depth": 1}).json()["downstream"] == [b]
    assert client.get("/items/987654/trace").status_code == 404

    assert client.delete(f"/items/{b}").status_code == 204
    assert client.get(f"/items/{a}/links").json() == {"outgoing": [], "incoming": []}


BAD_REQUESTS = [
    ("post", "/projects", {}),
    ("post", "/projects", {"name": ""}),
    ("post", "/projects", {"name": 12}),
    ("post", "/projects", {"name": "   "}),
    ("post", "/items", {"type": "test", "title": "no project"}),
    ("post", "/items", {"project_id": "one", "type": "test", "title": "x"}),
    ("post", "/items", {"project_id": 1, "type": "epic", "title": "x"}),
    ("post", "/items", {"project_id": 1, "type": "test", "title": "x", "status": "wontfix"}),
    ("post", "/items", {"project_id": 1, "type": "test", "title": "x", "priority": 0}),
    ("post", "/items", {"project_id": 1, "type": "test", "title": "x", "priority": 6}),
    ("post", "/items", {"project_id": 1, "type": "test", "title": "x", "priority": "high"}),
    ("post", "/items", {"project_id": 1, "type": "test", "title": 5}),
    ("post", "/items", {"project_id": 1, "type": "test", "title": "x" * 1000}),
    ("post", "/items", {"project_id": 1, "type": "test", "title": "x", "colour": "red"}),
    ("post", "/items", {"project_id": 2**70, "type": "test", "title": "x"}),
    ("post", "/items", {"project_id": 2**31, "type": "test", "title": "x"}),
    ("post", "/links", {"source_id": 2**40, "target_id": 1, "link_type": "implements"}),
    ("post", "/items", ["not", "an", "object"]),
    ("patch", "/items/{item}", {"status": "wontfix"}),
    ("patch", "/items/{item}", {"status": None}),
    ("patch", "/items/{item}", {"priority": 9}),
    ("patch", "/items/{item}", {"title": ""}),
    ("patch", "/items/{item}", {"owner": "me"}),
    ("post", "/links", {"source_id": 1, "target_id": 2, "link_type": "blocks"}),
    ("post", "/links", {"source_id": 1, "link_type": "implements"}),
    ("post", "/links", {"source_id": "x", "target_id": 2, "link_type": "implements"}),
    ("get", "/projects/{project}/items?limit=-1", None),
    ("get", "/projects/{project}/items?limit=0", None),
    ("get", "/projects/{project}/items?offset=-5", None),
    ("get", "/projects/{project}/items?status=wontfix", None),
    ("get", "/projects/{project}/items?priority=7", None),
    ("get", "/projects/{project}/items?limit=ten", None),
    ("get", "/items/abc", None),
    ("get", "/items/99999999999999999999999", None),
    ("get", "/items/4294967296/links", None),
    ("get", "/projects/-4294967296/counts", None),
    ("get", "/items/{item}/trace?max_depth=0", None),
    ("get", "/items/{item}/trace?max_depth=-3", None),
    ("delete", "/items/1.5", None),
]


@pytest.mark.parametrize(("method", "path", "payload"), BAD_REQUESTS)
def test_bad_input_is_a_422_with_a_message(
    client: TestClient, method: str, path: str, payload: Any
) -> None:
    project_id = new_project(client)
    item_id = new_item(client, project_id)["id"]
    path = path.format(item=item_id, project=project_id)
    if isinstance(payload, dict):
        payload = {key: item_id if value == "{item}" else value for key, value in payload.items()}
        if "project_id" in payload and payload["project_id"] == 1:
            payload["project_id"] = project_id
    kwargs = {} if payload is None else {"json": payload}
    response = client.request(method.upper(), path, **kwargs)
    assert response.status_code == 422, response.text
    assert response.json()["detail"]


def test_a_body_that_is_not_json_is_a_422(client: TestClient) -> None:
    response = client.post(
        "/projects", content=b"{name: nope", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422


def test_an_item_in_an_unknown_project_is_a_404(client: TestClient) -> None:
    response = client.post("/items", json={"project_id": 31337, "type": "task", "title": "x"})
    assert response.status_code == 404


def test_openapi_lists_every_path(client: TestClient) -> None:
    schema = client.get("/openapi.json")
    assert schema.status_code == 200
    assert set(schema.json()["paths"]) == {
        "/health",
        "/projects",
        "/projects/{project_id}",
        "/projects/{project_id}/items",
        "/projects/{project_id}/counts",
        "/items",
        "/items/{item_id}",
        "/items/{item_id}/links",
        "/items/{item_id}/trace",
        "/links",
    }
    item_paths = schema.json()["paths"]["/items/{item_id}"]
    assert set(item_paths) == {"get", "patch", "delete"}
    for method in ("get", "patch", "delete"):
        assert {"404", "413", "422", "503"} <= set(item_paths[method]["responses"])
    error_ref = item_paths["get"]["responses"]["422"]["content"]["application/json"]["schema"]
    assert error_ref == {"$ref": "#/components/schemas/ErrorOut"}
    assert "409" in schema.json()["paths"]["/links"]["post"]["responses"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
@pytest.mark.timeout(60)
def test_serve_answers_on_a_real_port_and_stops(db_url: str) -> None:
    port = _free_port()
    code = f"from tracetui.suites.api_server import serve; serve({db_url!r}, port={port})"
    server = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(f"{base}/health", timeout=2)
                break
            except httpx.TransportError:
                if server.poll() is not None or time.monotonic() > deadline:
                    _, err = server.communicate(timeout=5)
                    pytest.fail(f"server did not start: {err.decode()[-2000:]}")
                time.sleep(0.1)
        assert response.status_code == 200 and response.json() == {"status": "ok"}
        created = httpx.post(f"{base}/projects", json={"name": "served"}, timeout=5)
        assert created.status_code == 201
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
    assert server.returncode is not None
    engine = make_engine(db_url)
    try:
        assert row_counts(engine)["projects"] == 1
    finally:
        engine.dispose()


def test_text_that_cannot_be_stored_is_a_422(client: TestClient) -> None:
    response = client.post(
        "/projects", content=b'{"name": "\\ud800"}', headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
