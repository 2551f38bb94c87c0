"""pytest configuration for ``pytest suites/ --benchmark-only``.

This file owns what is special about running tracetui's own suites under
pytest-benchmark: it checks that tracetui's pytest plugin (the
``--tracetui-db`` option and the fixtures, :mod:`tracetui.engine.interop.pytest_plugin`) is
installed, and it skips load benchmarks (:attr:`~tracetui.engine.core.model.Kind.LOAD`:
they start an HTTP server and Locust for tens of seconds) unless the ``-k``
expression names them, e.g. ``pytest suites/ --benchmark-only -k load`` or
``-k "queries and low"``.

The repository's ``testpaths`` is ``tests``: a plain ``pytest`` never
collects this folder; ``pytest suites/`` is always explicit.
"""

from __future__ import annotations

import pytest
from tracetui.engine.interop.pytest_plugin import explicitly_selected
from tracetui.engine.interop.pytest_stream import MARKER

LOAD_SKIP_REASON = (
    "load benchmarks start a server and Locust: select them explicitly with -k (e.g. -k load)"
)


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin("tracetui"):
        raise pytest.UsageError(
            "tracetui's pytest plugin is not registered: run `pip install -e .` in the "
            "repository (it provides --tracetui-db and the suite fixtures)"
        )
    config.addinivalue_line("markers", f"{MARKER}(id, suite, name, kind): tracetui engine ids")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    expression = config.getoption("keyword") or ""
    skip_load = pytest.mark.skip(reason=LOAD_SKIP_REASON)
    for item in items:
        marker = item.get_closest_marker(MARKER)
        if marker is None or marker.kwargs.get("kind") != "load":
            continue
        if not explicitly_selected(expression, marker.kwargs["id"]):
            item.add_marker(skip_load)
