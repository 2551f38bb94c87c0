"""pytest configuration for ``pytest suites/ --benchmark-only``.

This file owns what is special about running tracetui's own suites under
pytest-benchmark: it checks that tracetui's pytest plugin (the
``--tracetui-db`` option and the fixtures, :mod:`tracetui.engine.interop.pytest_plugin`) is
installed, and it skips load benchmarks (:attr:`~tracetui.engine.core.model.Kind.LOAD`:
they start an HTTP server and Locust for tens of seconds) unless the ``-k``
expression names them, e.g. ``pytest suites/ --benchmark-only -k load`` or
``-k "queries and low"``.

It also gives the suites steadier defaults than pytest-benchmark's own
(5 rounds, no warm-up: one slow round moved the mean 10 %+ between two runs
of unchanged code): :data:`SUITE_DEFAULTS` apply unless the command line sets
those options, and each benchmark starts from a collected, frozen heap
(``gc.collect()``, ``gc.freeze()``), so a collection pass does not also walk
what the session loaded before (``--benchmark-compare``'s files: a 0.9 ms
round took 22 ms) — the benchmark's own garbage is still collected and timed.
The pedantic benchmarks (bulk, concurrent, database writes) take as many
rounds as fit in ``--benchmark-max-time``, at least the minimum here, after a
tenth as many warm-up rounds (:func:`tracetui.engine.interop.pytest_plugin.pedantic_plan`).

The repository's ``testpaths`` is ``tests``: a plain ``pytest`` never
collects this folder; ``pytest suites/`` is always explicit.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from tracetui.engine.interop.pytest_plugin import explicitly_selected
from tracetui.engine.interop.pytest_stream import MARKER

LOAD_SKIP_REASON = (
    "load benchmarks start a server and Locust: select them explicitly with -k (e.g. -k load)"
)


#: pytest-benchmark options for the suites when the command line does not set them.
SUITE_DEFAULTS: dict[str, tuple[str, object]] = {
    "benchmark_min_rounds": ("--benchmark-min-rounds", 15),
    "benchmark_warmup": ("--benchmark-warmup", True),
    "benchmark_warmup_iterations": ("--benchmark-warmup-iterations", 2000),
}


@pytest.hookimpl(tryfirst=True)  # before pytest-benchmark reads its options
def pytest_configure(config: pytest.Config) -> None:
    given = [str(arg) for arg in config.invocation_params.args]
    for dest, (flag, value) in SUITE_DEFAULTS.items():
        if hasattr(config.option, dest) and not any(arg.startswith(flag) for arg in given):
            setattr(config.option, dest, value)
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


@pytest.fixture(autouse=True)
def _frozen_heap(request: pytest.FixtureRequest) -> Iterator[None]:
    """Collect, then freeze what exists, for each of tracetui's benchmarks; unfreeze after."""
    if request.node.get_closest_marker(MARKER) is None:
        yield
        return
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
