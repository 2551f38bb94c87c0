"""The console on a user's own pytest-benchmark tests (``tracetui launch --pytest PATH``).

:func:`pytest_catalog` turns what pytest collected
(:func:`tracetui.engine.interop.pytest_collect.collect`) into the picker's
:class:`~tracetui.tui.catalog.Catalog`: one suite per test module
(``tests.test_io``), one entry per test and parameter
(``tests.test_io.test_read[big]``, the ids of ``tracetui run --pytest``).
:func:`pytest_run_factory` runs a selection with pytest
(:class:`~tracetui.engine.interop.pytest_collect.PytestRun`), so the
dashboard, review and approval are the console's own.
"""

from __future__ import annotations

from pathlib import Path

from tracetui.engine.core.model import Benchmark, Kind, Suite
from tracetui.engine.core.plan import Plan
from tracetui.engine.interop.pytest_collect import Collected, PytestRun
from tracetui.engine.recording.importer import split_fullname
from tracetui.tui.bridge import RunFactory, RunSource
from tracetui.tui.catalog import Catalog


def _not_run_here(*_args: object) -> None:
    raise RuntimeError("pytest tests are run by pytest, not by tracetui's worker")


def pytest_catalog(collected: Collected) -> Catalog:
    """Suites = test modules, benchmarks = tests (with params), in collection order."""
    suites: dict[str, Suite] = {}
    for bid, nodeid in collected.nodeids.items():
        module, name, param = split_fullname(nodeid)
        if not module or not bid.startswith(".".join(module) + "."):
            module = (bid.split(".", 1)[0],)  # tracetui's own benchmarks: by engine suite
            name = bid.split(".", 1)[1].split("[", 1)[0]
        root, *rest = module
        key = ".".join(module)
        suite = suites.setdefault(
            key, Suite(key, description=f"pytest tests in {nodeid.split('::')[0]}")
        )
        suite.benchmarks.append(
            Benchmark(
                suite=root,
                name=".".join([*rest, name]),
                kind=Kind.MICRO,
                factory=_not_run_here,
                param=param,
                description=f"pytest {nodeid}",
            )
        )
    return Catalog(suites)


def pytest_run_factory(collected: Collected, log: Path | None = None) -> RunFactory:
    """Runs of a plan's tests with pytest (ids mapped back to node ids)."""

    def start(plan: Plan) -> RunSource:
        return PytestRun(plan, collected, log=log)

    return start
