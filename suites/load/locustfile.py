"""Locust users for the reference trace API: CRUD and query workloads.

This file is a plain locustfile; it is loaded only by Locust (never import it
from tracetui's own processes: ``import locust`` monkey-patches the standard
library with gevent). Use it as Locust users expect::

    locust -f suites/load/locustfile.py --host http://127.0.0.1:8000
    locust -f suites/load/locustfile.py --headless -u 20 -r 10 -t 30s \\
        --host http://127.0.0.1:8000 CrudHighUser

User classes: ``Crud{Low,Medium,High}User`` (create / read / update / delete
items and list them) and ``Query{Low,Medium,High}User`` (filtered lists,
counts, links and trace queries over a small seeded graph). The intensity is
the think time: low 0.5-1.5 s, medium 50-150 ms, high none. Name classes on
the command line to pick some; with none Locust runs them all.

Environment:

- ``TRACETUI_LOAD_CLIENT`` — ``fast`` (default, geventhttpclient's
  FastHttpUser) or ``http`` (requests' HttpUser).
- ``TRACETUI_LOAD_RUN_ID`` — tag for project names ``load-<run id>-<n>``, so
  that the run's data can be counted and removed afterwards (workers take
  their master's).
- ``TRACETUI_API_TOKEN`` — sent as ``Authorization: Bearer <token>`` on every
  request (a server bound beyond loopback requires one).

Every user creates its own project on start. Successful ``POST /items`` and
``DELETE /items/{id}`` requests are counted by :mod:`tracetui.suites.load.locust_bridge`,
which also prints one JSON stats line per second (see there).
"""

from __future__ import annotations

import itertools
import os
import random
import uuid
from typing import Any

from locust import FastHttpUser, HttpUser, between, constant, task

try:
    from tracetui.suites.load import locust_bridge  # registers the exact-latency listeners
except ModuleNotFoundError as exc:  # plain `locust -f` from a checkout that is not installed
    raise SystemExit(
        "tracetui is not installed in this environment: pip install -e '.[load]'"
    ) from exc

CLIENT_ENV = "TRACETUI_LOAD_CLIENT"
TOKEN_ENV = "TRACETUI_API_TOKEN"
_token = os.environ.get(TOKEN_ENV)
AUTH_HEADERS: dict[str, str] | None = {"Authorization": f"Bearer {_token}"} if _token else None
CLIENTS: dict[str, type] = {"fast": FastHttpUser, "http": HttpUser}

ITEM_TYPES = ("requirement", "design", "test", "defect", "task")
STATUSES = ("open", "in_progress", "review", "done", "closed")
LINK_TYPES = ("implements", "verifies", "depends_on", "relates_to")
SEED_ITEMS = 20

_client_name = os.environ.get(CLIENT_ENV, "fast").lower()
if _client_name not in CLIENTS:
    raise ValueError(f"{CLIENT_ENV}={_client_name!r}: choose one of {', '.join(CLIENTS)}")
BaseUser: Any = CLIENTS[_client_name]
_numbers = itertools.count(1)

LOW = between(0.5, 1.5)
MEDIUM = between(0.05, 0.15)
HIGH = constant(0)


class TraceUser(BaseUser):
    """Shared plumbing: own project, checked requests, item bookkeeping."""

    abstract = True

    def on_start(self) -> None:
        self.project_id: int | None = None
        self.item_ids: list[int] = []
        self.ensure_project()

    # -- helpers ----------------------------------------------------------
    def call(
        self, method: str, url: str, name: str, expected: int, payload: dict | None = None
    ) -> Any:
        """One request, a failure unless the status is ``expected``; JSON or None."""
        kwargs: dict[str, Any] = {"name": name, "catch_response": True}
        if AUTH_HEADERS is not None:
            kwargs["headers"] = AUTH_HEADERS
        if payload is not None:
            kwargs["json"] = payload
        with self.client.request(method, url, **kwargs) as response:
            if response.status_code != expected:
                body = (response.text or "")[:200]
                response.failure(f"{response.status_code} (expected {expected}): {body}")
                return None
            if expected == 204:
                return {}
            try:
                return response.json()
            except ValueError:
                response.failure("response is not JSON")
                return None

    def ensure_project(self) -> bool:
        if self.project_id is not None:
            return True
        name = f"load-{locust_bridge.run_id()}-{next(_numbers)}-{uuid.uuid4().hex[:6]}"
        body = self.call("POST", "/projects", "POST /projects", 201, {"name": name})
        if body:
            self.project_id = int(body["id"])
        return self.project_id is not None

    def create_item(self) -> int | None:
        payload = {
            "project_id": self.project_id,
            "type": random.choice(ITEM_TYPES),
            "title": f"load item {uuid.uuid4().hex[:10]}",
            "status": random.choice(STATUSES),
            "priority": random.randint(1, 5),
        }
        body = self.call("POST", "/items", "POST /items", 201, payload)
        if not body:
            return None
        item_id = int(body["id"])
        self.item_ids.append(item_id)
        return item_id

    def some_item(self) -> int | None:
        return random.choice(self.item_ids) if self.item_ids else None


class CrudUser(TraceUser):
    """Create, read, update and delete items of the user's own project."""

    abstract = True

    @task(3)
    def create(self) -> None:
        if self.ensure_project():
            self.create_item()

    @task(4)
    def read(self) -> None:
        item_id = self.some_item()
        if item_id is None:
            self.create()
            return
        self.call("GET", f"/items/{item_id}", "GET /items/{id}", 200)

    @task(2)
    def update(self) -> None:
        item_id = self.some_item()
        if item_id is None:
            self.create()
            return
        change = {"status": random.choice(STATUSES), "priority": random.randint(1, 5)}
        self.call("PATCH", f"/items/{item_id}", "PATCH /items/{id}", 200, change)

    @task(1)
    def delete(self) -> None:
        if len(self.item_ids) < 2:
            self.create()
            return
        item_id = self.item_ids.pop(random.randrange(len(self.item_ids)))
        if self.call("DELETE", f"/items/{item_id}", "DELETE /items/{id}", 204) is None:
            self.item_ids.append(item_id)  # still there as far as we know

    @task(1)
    def list_items(self) -> None:
        if self.ensure_project():
            url = f"/projects/{self.project_id}/items?limit=20"
            self.call("GET", url, "GET /projects/{id}/items", 200)


class QueryUser(TraceUser):
    """Read-mostly queries over a small seeded item graph of the user's project."""

    abstract = True

    def on_start(self) -> None:
        super().on_start()
        self.seed()

    def seed(self) -> None:
        if not self.ensure_project():
            return
        for _ in range(SEED_ITEMS):
            self.create_item()
        for source, target in itertools.pairwise(self.item_ids):
            link = {
                "source_id": source,
                "target_id": target,
                "link_type": random.choice(LINK_TYPES),
            }
            self.call("POST", "/links", "POST /links", 201, link)
        self.seeded = bool(self.item_ids)

    def ready(self) -> bool:
        if not getattr(self, "seeded", False):
            self.seed()
        return bool(getattr(self, "seeded", False))

    @task(4)
    def filtered_list(self) -> None:
        if not self.ready():
            return
        filters = random.choice(
            [
                f"status={random.choice(STATUSES)}",
                f"type={random.choice(ITEM_TYPES)}",
                f"priority={random.randint(1, 5)}",
                "",
            ]
        )
        url = f"/projects/{self.project_id}/items?limit=50&{filters}".rstrip("&")
        self.call("GET", url, "GET /projects/{id}/items?filter", 200)

    @task(2)
    def counts(self) -> None:
        if self.ready():
            self.call(
                "GET", f"/projects/{self.project_id}/counts", "GET /projects/{id}/counts", 200
            )

    @task(2)
    def links(self) -> None:
        if self.ready():
            self.call("GET", f"/items/{self.some_item()}/links", "GET /items/{id}/links", 200)

    @task(1)
    def trace(self) -> None:
        if self.ready():
            self.call(
                "GET", f"/items/{self.item_ids[0]}/trace?max_depth=10", "GET /items/{id}/trace", 200
            )

    @task(2)
    def read(self) -> None:
        if self.ready():
            self.call("GET", f"/items/{self.some_item()}", "GET /items/{id}", 200)


class CrudLowUser(CrudUser):
    wait_time = LOW


class CrudMediumUser(CrudUser):
    wait_time = MEDIUM


class CrudHighUser(CrudUser):
    wait_time = HIGH


class QueryLowUser(QueryUser):
    wait_time = LOW


class QueryMediumUser(QueryUser):
    wait_time = MEDIUM


class QueryHighUser(QueryUser):
    wait_time = HIGH


USER_CLASSES = {
    ("crud", "low"): CrudLowUser,
    ("crud", "medium"): CrudMediumUser,
    ("crud", "high"): CrudHighUser,
    ("queries", "low"): QueryLowUser,
    ("queries", "medium"): QueryMediumUser,
    ("queries", "high"): QueryHighUser,
}
