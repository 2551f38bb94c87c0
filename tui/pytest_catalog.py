"""The console on a user's own pytest-benchmark tests (``tracetui launch --pytest PATH``).

:func:`pytest_catalog` turns what pytest collected
(:func:`tracetui.engine.interop.pytest_collect.collect`) into the picker's
:class:`~tracetui.tui.catalog.Catalog`: one suite per test module
(``tests.test_io``), one entry per test and parameter
(``tests.test_io.test_read[big]``, the ids of ``tracetui run --pytest``), with
a params level: the picker shows module → test → params.
:func:`pytest_run_factory` runs a selection with pytest
(:class:`~tracetui.engine.interop.pytest_collect.PytestRun`), so the
dashboard, review and approval are the console's own; with a revision to
compare with (``b``), :func:`pytest_paired_factory` runs it beside that
revision (:class:`~tracetui.engine.interop.pytest_against.PairedPytestRun`,
``run --pytest --against``'s own run).
"""

from __future__ import annotations

import re
from pathlib import Path

from tracetui.engine.core.model import Benchmark, Kind, Suite
from tracetui.engine.core.plan import Plan
from tracetui.engine.core.profiles import get_profile
from tracetui.engine.interop.pytest_against import PairedPytestRun
from tracetui.engine.interop.pytest_bridge import profile_args
from tracetui.engine.interop.pytest_collect import Collected, PytestRun
from tracetui.engine.measuring.against import AgainstError, Checkout, checkout
from tracetui.engine.measuring.paired import pairs_for
from tracetui.engine.recording.importer import split_fullname
from tracetui.tui.against import PairedFactory
from tracetui.tui.bridge import RunFactory, RunSource
from tracetui.tui.catalog import Catalog


def _not_run_here(*_args: object) -> None:
    raise RuntimeError("pytest tests are run by pytest, not by tracetui's worker")


def pytest_catalog(collected: Collected) -> Catalog:
    """Suites = test modules, then tests, then their params (collection order).

    Each entry's id is the one pytest's stream gives the test (the key of
    ``collected.nodeids``), so a selection maps back to node ids exactly.
    """
    suites: dict[str, Suite] = {}
    for bid, nodeid in collected.nodeids.items():
        module = split_fullname(nodeid)[0]
        key = ".".join(module)
        if not module or not bid.startswith(key + "."):
            key = bid.split(".", 1)[0]  # tracetui's own benchmarks: by engine suite
        base, param = _split_param(bid)
        root, _, name = base.partition(".")
        suite = suites.setdefault(
            key, Suite(key, description=f"pytest tests in {nodeid.split('::')[0]}")
        )
        suite.benchmarks.append(
            Benchmark(
                suite=root,
                name=name,
                kind=Kind.MICRO,
                factory=_not_run_here,
                param=param,
                description=f"pytest {nodeid}",
            )
        )
    return Catalog(suites, params_level=True)


def _split_param(benchmark_id: str) -> tuple[str, str | None]:
    """``mod.test_sum[10]`` -> (``mod.test_sum``, ``10``); an id without one -> (id, None)."""
    match = re.match(r"^([^\[]*)\[(.*)\]$", benchmark_id, flags=re.DOTALL)
    return (match.group(1), match.group(2)) if match else (benchmark_id, None)


def pytest_run_factory(collected: Collected, log: Path | None = None) -> RunFactory:
    """Runs of a plan's tests with pytest (ids mapped back to node ids)."""

    def start(plan: Plan) -> RunSource:
        return PytestRun(plan, collected, log=log)

    return start


def pytest_paired_factory(collected: Collected, log: Path | None = None) -> PairedFactory:
    """Paired A/B runs of a plan's tests beside a revision: each side runs the same node
    ids from its own copy of the rootdir (pinned with ``--rootdir``, so both sides give
    the ids the picker shows). The base is checked out again when the run starts."""

    def start(base: Checkout, plan: Plan) -> RunSource:
        fresh = checkout(base.rev, base.top)
        rootdir = collected.rootdir.resolve()
        if not rootdir.is_relative_to(fresh.top.resolve()):
            raise AgainstError(f"the tests' rootdir {rootdir} is outside {fresh.top}")
        profile = get_profile(plan.profile)
        return PairedPytestRun(
            fresh,
            [collected.nodeids[b] for b in plan.benchmark_ids],
            [*profile_args(profile), *collected.args, "--rootdir=."],
            pairs=pairs_for(profile),
            run_id=plan.run_id,
            folder=rootdir.relative_to(fresh.top.resolve()),
            log=log,
        )

    return start
