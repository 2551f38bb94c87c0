"""What a load run leaves behind, removed: its own projects after it, a killed run's before.

Every project a load run creates is named ``load-<run id>-<n>-<hex>``
(:func:`run_prefix`), so the data of one run, or of every run, is found by
name. After a run its projects go (with their items and links); before a run
every ``load-`` project goes, because only a run that was killed leaves any
(two load runs against one database at once are not supported: they would
also measure each other). Against the reference server tracetui started, this
is done in the database; against ``--host`` through the API
(``GET /projects?name_prefix=``, then per project ``DELETE /items?project_id=``
and ``DELETE /projects/{id}``, with the token of ``$TRACETUI_API_TOKEN`` if set).
"""

from __future__ import annotations

import json
import os
import urllib.parse
import urllib.request
from typing import Any

import sqlalchemy as sa

PREFIX = "load-"
TOKEN_ENV = "TRACETUI_API_TOKEN"
HTTP_TIMEOUT_S = 10.0
#: Rounds of "list a page, delete it" against a host before giving up.
MAX_PAGES = 1000

_projects = sa.table("projects", sa.column("id"), sa.column("name"))
_items = sa.table("items", sa.column("id"), sa.column("project_id"))
_links = sa.table("links", sa.column("source_id"), sa.column("target_id"))


class CleanupError(RuntimeError):
    """The host refused or failed a cleanup request; the message is one line."""


def run_prefix(run_id: str) -> str:
    return f"{PREFIX}{run_id}-"


def _named(prefix: str) -> Any:
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return _projects.c.name.like(escaped + "%", escape="\\")


def projects_named(prefix: str) -> sa.Select[Any]:
    """Ids of the projects whose name starts with ``prefix``."""
    return sa.select(_projects.c.id).where(_named(prefix))


def delete_in_database(engine: sa.Engine, prefix: str) -> None:
    """Delete the projects named ``prefix...`` with their items and links (one transaction).

    A database without the trace tables yet (the server creates them) has nothing to delete.
    """
    if not all(sa.inspect(engine).has_table(name) for name in ("projects", "items", "links")):
        return
    run_items = sa.select(_items.c.id).where(_items.c.project_id.in_(projects_named(prefix)))
    with engine.begin() as conn:
        conn.execute(
            sa.delete(_links).where(
                sa.or_(_links.c.source_id.in_(run_items), _links.c.target_id.in_(run_items))
            )
        )
        conn.execute(sa.delete(_items).where(_items.c.project_id.in_(projects_named(prefix))))
        conn.execute(sa.delete(_projects).where(_named(prefix)))


def _request(method: str, url: str, *, tolerate: tuple[int, ...] = ()) -> Any:
    request = urllib.request.Request(url, method=method)
    token = os.environ.get(TOKEN_ENV)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_S) as response:
            body = response.read()
    except urllib.error.HTTPError as exc:
        if method == "DELETE" and exc.code == 404:
            return None  # gone already (another cleanup, or the run's own delete)
        if exc.code in tolerate:
            return None
        raise CleanupError(f"{method} {url} answered {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise CleanupError(f"{method} {url} failed: {exc}") from None
    return json.loads(body) if body else None


def delete_over_http(host: str, prefix: str) -> int:
    """Delete the projects named ``prefix...`` through the API at ``host``; how many."""
    base = host.rstrip("/")
    query = urllib.parse.urlencode({"name_prefix": prefix, "limit": 1000})
    deleted = 0
    for _page in range(MAX_PAGES):
        listed = _request("GET", f"{base}/projects?{query}")
        projects = listed.get("projects", []) if isinstance(listed, dict) else []
        if not projects:
            return deleted
        for project in projects:
            project_id = int(project["id"])
            # a project goes once empty; 405: a server older than DELETE /items, whose
            # project delete still takes the items with it
            _request("DELETE", f"{base}/items?project_id={project_id}", tolerate=(405,))
            _request("DELETE", f"{base}/projects/{project_id}")
            deleted += 1
    raise CleanupError(f"{host} still lists {prefix}* projects after {deleted} deletions")


def remove(engine: sa.Engine, host: str | None, prefix: str) -> None:
    """Delete ``prefix...`` projects: in ``engine``'s database, or via ``host``'s API."""
    if host is None:
        delete_in_database(engine, prefix)
    else:
        delete_over_http(host, prefix)
