"""PostgreSQL tests: skipped with the reason when no server answers on 127.0.0.1:5432.

``TRACETUI_PG_ADMIN_URL`` overrides the server (a role allowed to CREATE
DATABASE); every test works in its own scratch database, dropped afterwards.
"""

from __future__ import annotations

import os

import pytest
from tracetui.engine.core.pg import DEFAULT_ADMIN_URL, server_available

ADMIN_URL = os.environ.get("TRACETUI_PG_ADMIN_URL", DEFAULT_ADMIN_URL)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.path).startswith(here):
            item.add_marker(pytest.mark.postgres)


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    """The admin URL of a live server, or the test is skipped saying why."""
    reason = server_available(ADMIN_URL)
    if reason:
        pytest.skip(f"PostgreSQL not available: {reason}")
    return ADMIN_URL
