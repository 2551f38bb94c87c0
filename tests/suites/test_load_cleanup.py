"""Load runs leave nothing behind: their projects go after them, a killed run's before
the next one, in the database or through ``--host``'s API, with the API token if set."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa
from tracetui.engine.core.database import make_engine
from tracetui.suites.load import cleanup
from tracetui.suites.load.process import LoadOptions, api_server, run_load
from tracetui.suites.trace.schema import create_schema
from tracetui.suites.trace.service import TraceService

pytestmark = pytest.mark.timeout(120)


def _names(db_url: str) -> list[str]:
    engine = make_engine(db_url)
    try:
        service = TraceService(engine)
        names = [p["name"] for p in service.projects_named("")]
        service.close()
        return names
    finally:
        engine.dispose()


def _seed(db_url: str, *names: str) -> None:
    engine = make_engine(db_url)
    create_schema(engine)
    service = TraceService(engine)
    for name in names:
        project = service.create_project(name)
        service.bulk_create_items(project, [{"type": "task", "title": "left"}] * 3)
    service.close()
    engine.dispose()


def test_database_cleanup_removes_only_the_named_runs(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.db'}"
    _seed(url, "keep", "load-dead1-1-aa", "load-dead2-1-bb", "loadless")
    cleanup.delete_in_database(make_engine(url), cleanup.run_prefix("dead1"))
    assert _names(url) == ["keep", "load-dead2-1-bb", "loadless"]
    cleanup.delete_in_database(make_engine(url), cleanup.PREFIX)
    assert _names(url) == ["keep", "loadless"]


def test_a_database_without_tables_has_nothing_to_clean(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    cleanup.delete_in_database(engine, cleanup.PREFIX)
    assert not sa.inspect(engine).get_table_names()


def test_a_run_against_a_token_host_sends_the_token_and_cleans_up_over_http(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'host.db'}"
    _seed(url, "keep", "load-killed-1-cc")
    monkeypatch.setenv(cleanup.TOKEN_ENV, "t0ken")  # the server and the users both read it
    with api_server(url) as host:
        denied = urllib.request.Request(f"{host}/projects")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(denied, timeout=5)
        assert refused.value.code == 401
        assert cleanup.delete_over_http(host, cleanup.PREFIX) == 1  # the killed run's
        options = LoadOptions(users=3, spawn_rate=3, duration_s=2, profile="high", host=host)
        summary = run_load(options, url, lambda _second: None)
        assert summary.failures == 0, summary.errors
        assert summary.creates_ok > 0
        assert any(n.startswith(cleanup.run_prefix(summary.run_id)) for n in _names(url))
        cleanup.delete_over_http(host, cleanup.run_prefix(summary.run_id))
        request = urllib.request.Request(
            f"{host}/projects", headers={"Authorization": "Bearer t0ken"}
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            listed = json.loads(response.read())["projects"]
    assert [p["name"] for p in listed] == ["keep"]
