"""The trace API under hostile input: 422 not 500, bounded bodies and traces, token auth.

Runs on SQLite and (marked ``postgres``) on PostgreSQL through the ``db_url``
and ``client`` fixtures of ``test_api``; the CLI checks run ``tracetui serve``.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient
from tracetui.suites.api import create_app
from tracetui.suites.api_guard import MAX_BODY_BYTES
from tracetui.suites.api_server import default_workers
from tracetui.suites.trace.service import TraceService

from tests.suites import test_api
from tests.suites.test_api import new_item, new_project

# The API tests' fixtures: a fresh database per backend and a client on it.
db_url = test_api.db_url
client = test_api.client

NON_FINITE = ("NaN", "Infinity", "-Infinity", "1e400")


def _post(client: TestClient, url: str, raw: str, method: str = "POST"):
    return client.request(method, url, content=raw, headers={"content-type": "application/json"})


@pytest.mark.parametrize("number", NON_FINITE)
def test_non_finite_numbers_in_any_body_are_422_and_the_api_keeps_answering(
    client: TestClient, number: str
) -> None:
    project = new_project(client)
    item = new_item(client, project)["id"]
    cases = [
        ("/projects", f'{{"name": {number}}}', "POST"),
        ("/items", f'{{"project_id": {number}, "type": "task", "title": "t"}}', "POST"),
        (
            "/items",
            f'{{"project_id": {project}, "type": "task", "title": "t", "priority": {number}}}',
            "POST",
        ),
        (
            "/links",
            f'{{"source_id": {item}, "target_id": {number}, "link_type": "verifies"}}',
            "POST",
        ),
        (f"/items/{item}", f'{{"priority": {number}}}', "PATCH"),
    ]
    for url, raw, method in cases:
        response = _post(client, url, raw, method)
        assert response.status_code == 422, (url, raw, response.text)
        assert set(response.json()) == {"detail"} and isinstance(response.json()["detail"], str)
    assert client.get(f"/items/{item}").status_code == 200


def test_an_offset_beyond_64_bits_is_422(client: TestClient) -> None:
    project = new_project(client)
    response = client.get(f"/projects/{project}/items?offset=9223372036854775808")
    assert response.status_code == 422
    assert "offset" in response.json()["detail"]


def test_integral_floats_are_integers_and_strings_or_booleans_are_not(client: TestClient) -> None:
    project = new_project(client)
    body = {"project_id": float(project), "type": "task", "title": "t", "priority": 4.0}
    created = client.post("/items", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["priority"] == 4
    for priority in ("4", True, 4.5):
        response = client.post("/items", json={**body, "priority": priority})
        assert response.status_code == 422, priority


def test_a_huge_body_is_413_before_it_is_read(client: TestClient) -> None:
    project = new_project(client)
    title = "x" * (MAX_BODY_BYTES + 1)
    response = client.post("/items", json={"project_id": project, "type": "task", "title": title})
    assert response.status_code == 413
    assert len(response.text) < 200


def test_a_chunked_huge_body_is_413_too(client: TestClient) -> None:
    def chunks():
        yield b'{"name": "'
        for _ in range(MAX_BODY_BYTES // 1000 + 2):
            yield b"y" * 1000
        yield b'"}'

    response = client.post(
        "/projects", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


def test_a_422_never_echoes_the_input(client: TestClient) -> None:
    project = new_project(client)
    title = "z" * 20_000
    response = client.post("/items", json={"project_id": project, "type": "task", "title": title})
    assert response.status_code == 422
    assert "zzzz" not in response.text and len(response.text) < 400


@pytest.mark.parametrize("field", ["title", "name"])
def test_nul_in_text_is_refused_on_every_backend(client: TestClient, field: str) -> None:
    if field == "name":
        response = client.post("/projects", json={"name": "a\x00b"})
    else:
        project = new_project(client)
        response = client.post(
            "/items", json={"project_id": project, "type": "task", "title": "a\x00b"}
        )
    assert response.status_code == 422


def test_whitespace_only_text_is_422(client: TestClient) -> None:
    assert client.post("/projects", json={"name": " \t "}).status_code == 422


#: Characters whose whitespace-ness differs between regex readings of ``\s``: Python's
#: (``\x1c``-``\x1f``, ``\x85`` in), ECMA's (``\ufeff`` in), ASCII's (neither).
DISPUTED_SPACES = ("\x1c", "\x1d", "\x1e", "\x1f", "\x85", "\xa0", "\u2028", "\u3000", "\ufeff")


def _schema_name_pattern(client: TestClient) -> str:
    schema = client.get("/openapi.json").json()
    return schema["components"]["schemas"]["ProjectIn"]["properties"]["name"]["pattern"]


def test_the_schema_pattern_means_what_the_server_accepts_in_every_regex_reading(
    client: TestClient,
) -> None:
    """schemathesis read the old ``[^\\s]`` as ASCII and sent ``"\\x1c"``, which the server
    (Python's ``\\s``) refused: a schema-valid name rejected. Spelled out, the class reads
    the same in Python, ASCII Python and ECMA, and it is exactly the service's whitespace."""
    pattern = _schema_name_pattern(client)
    readings = [re.compile(pattern), re.compile(pattern, re.ASCII)]
    for char in map(chr, range(sys.maxunicode + 1)):
        refused = char.isspace() or char == "\x00"  # the service's rule (str.strip, NUL)
        for reading in readings:
            assert (reading.fullmatch(char) is None) == refused, (hex(ord(char)), reading.flags)
    for char in DISPUTED_SPACES:
        name = f"{char}{char}"
        status = client.post("/projects", json={"name": name}).status_code
        assert status == (422 if char.isspace() else 201), (hex(ord(char)), status)
        assert client.post("/projects", json={"name": f"x{name}"}).status_code == 201


def test_a_dense_graph_trace_is_bounded_and_says_so(client: TestClient) -> None:
    service: TraceService = client.app.state.service
    project = new_project(client)
    ids = service.bulk_create_items(
        project, [{"type": "task", "title": f"n{i}"} for i in range(40)]
    )
    service.bulk_create_links([(a, b, "depends_on") for a in ids for b in ids if a != b])
    full = client.get(f"/items/{ids[0]}/trace?max_depth=100").json()
    assert full == {"item_id": ids[0], "downstream": sorted(ids[1:]), "truncated": False}
    partial, truncated = service.bounded_downstream_trace(ids[0], 100, max_rows=10)
    assert truncated and partial == sorted(ids[1:])[: len(partial)]
    assert service.downstream_trace(ids[0], 100) == full["downstream"]


def test_projects_can_be_listed_by_prefix_and_deleted(client: TestClient) -> None:
    keep = new_project(client, "keep")
    doomed = new_project(client, "load-run1-1")
    new_item(client, doomed)
    new_project(client, "load_x")  # '_' is not a wildcard
    listed = client.get("/projects?name_prefix=load-").json()["projects"]
    assert listed == [{"id": doomed, "name": "load-run1-1"}]
    assert client.delete(f"/projects/{doomed}").status_code == 409  # it has an item
    assert client.delete(f"/items?project_id={doomed}").status_code == 204
    assert client.delete(f"/projects/{doomed}").status_code == 204
    assert client.delete(f"/projects/{doomed}").status_code == 404
    assert client.delete(f"/items?project_id={doomed}").status_code == 404
    assert client.get(f"/projects/{keep}/items").status_code == 200


def test_an_item_goes_only_by_a_delete_on_its_own_path(client: TestClient) -> None:
    """The chain schemathesis found (ST302 "created resource not found"): POST /items,
    DELETE /projects/{its project_id}, then GET /items/{id} answered 404, because the
    project delete cascaded to its items. A project with items is now refused, the item
    stays readable, and its items go by a DELETE on /items."""
    project = new_project(client)
    other = new_project(client, "other")
    item = new_item(client, project)["id"]
    kept = new_item(client, other)["id"]
    assert (
        client.post(
            "/links", json={"source_id": kept, "target_id": item, "link_type": "verifies"}
        ).status_code
        == 201
    )
    refused = client.delete(f"/projects/{project}")
    assert refused.status_code == 409
    assert refused.json() == {
        "detail": f"project {project} still has items: DELETE /items?project_id={project} first"
    }
    for url in (f"/items/{item}", f"/items/{item}/links", f"/items/{item}/trace"):
        assert client.get(url).status_code == 200, url  # created, and nothing deleted it
    assert client.delete(f"/items?project_id={project}").status_code == 204
    assert client.get(f"/items/{item}").status_code == 404  # gone by a DELETE on /items
    assert client.get(f"/items/{kept}/links").json() == {"outgoing": [], "incoming": []}
    assert client.get(f"/projects/{project}/items").json()["total"] == 0
    assert client.delete(f"/projects/{project}").status_code == 204
    assert client.get(f"/items/{kept}").status_code == 200  # another project's item stays
    schema = client.get("/openapi.json").json()["paths"]
    assert {"204", "404", "409"} <= set(schema["/projects/{project_id}"]["delete"]["responses"])
    assert {"204", "404", "422"} <= set(schema["/items"]["delete"]["responses"])


def test_with_a_token_only_health_is_open(db_url: str) -> None:
    with TestClient(create_app(db_url, token="s3cret")) as client:
        assert client.get("/health").status_code == 200
        denied = client.post("/projects", json={"name": "p"})
        assert denied.status_code == 401 and denied.headers["www-authenticate"] == "Bearer"
        assert client.get("/items/1", headers={"authorization": "Bearer wrong"}).status_code == 401
        ok = client.get("/items/1", headers={"authorization": "Bearer s3cret"})
        assert ok.status_code == 404
        schema = client.get("/openapi.json", headers={"authorization": "Bearer s3cret"}).json()
        assert "401" in schema["paths"]["/items/{item_id}"]["get"]["responses"]


def _serve(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tracetui.cli.main", "serve", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


def test_serving_beyond_loopback_without_a_token_is_refused(tmp_path) -> None:
    result = _serve("--host", "0.0.0.0", "--db", f"sqlite:///{tmp_path / 'x.db'}")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "--token" in lines[0] and "Traceback" not in result.stderr


def test_the_default_worker_count_is_the_measured_best_per_backend() -> None:
    assert default_workers("sqlite:///x.db") == 1
    assert default_workers("postgresql+psycopg://u@h/db") == 2


def test_serve_refuses_a_worker_count_out_of_range(tmp_path) -> None:
    result = _serve("--workers", "0", "--db", f"sqlite:///{tmp_path / 'x.db'}")
    assert result.returncode == 2 and "--workers" in result.stderr


def test_a_self_link_is_a_409_conflict_with_the_graph_rules(client: TestClient) -> None:
    item = new_item(client, new_project(client))["id"]
    response = client.post(
        "/links", json={"source_id": item, "target_id": item, "link_type": "verifies"}
    )
    assert response.status_code == 409 and "itself" in response.json()["detail"]


def test_a_405_names_every_method_of_the_path(client: TestClient) -> None:
    response = client.request("OPTIONS", "/items/1")
    assert response.status_code == 405
    assert response.headers["allow"] == "DELETE, GET, PATCH"


def test_an_explicit_null_in_a_patch_is_422(client: TestClient) -> None:
    item = new_item(client, new_project(client))["id"]
    response = client.patch(f"/items/{item}", json={"status": None})
    assert response.status_code == 422
    assert client.patch(f"/items/{item}", json={"status": "done"}).json()["status"] == "done"
