"""Which suites exist and how a user's selection maps to benchmarks.

Suites are found through the ``tracetui.suites`` entry-point group, so a
team can ship its own suites in its own distribution. A selection is a
list of suite names and benchmark ids (``database``,
``bulk.create_items[100]``); anything else is an :class:`UnknownSelection`.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from importlib.metadata import entry_points

from engine.model import Benchmark, Suite

ENTRY_POINT_GROUP = "tracetui.suites"


class UnknownSelection(ValueError):
    """A suite name or benchmark id that no suite defines."""


class SuiteLoadError(RuntimeError):
    """A suite module that failed to import; the message names it."""


@cache
def load_suites() -> dict[str, Suite]:
    """All registered suites by name, in entry-point order."""
    suites: dict[str, Suite] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            suite = ep.load()
        except Exception as exc:  # a broken suite must name itself, not crash the CLI
            raise SuiteLoadError(f"suite {ep.name!r} ({ep.value}) failed to load: {exc}") from exc
        if not isinstance(suite, Suite):
            raise SuiteLoadError(f"entry point {ep.name!r} ({ep.value}) is not a tracetui Suite")
        suites[suite.name] = suite
    return suites


def all_benchmarks() -> dict[str, Benchmark]:
    return {b.id: b for suite in load_suites().values() for b in suite.benchmarks}


def suite_of(benchmark_id: str) -> str:
    return benchmark_id.split(".", 1)[0]


def select(selection: Iterable[str], *, default_suites: Iterable[str] | None = None) -> list[str]:
    """Benchmark ids for suite names and ids, in registry order, without duplicates.

    An empty selection means ``default_suites`` (every suite when None).
    """
    suites = load_suites()
    benchmarks = all_benchmarks()
    wanted: set[str] = set()
    items = list(selection)
    if not items:
        items = list(default_suites) if default_suites is not None else list(suites)
    for item in items:
        if item in suites:
            wanted.update(suites[item].ids())
        elif item in benchmarks:
            wanted.add(item)
        else:
            prefix = [bid for bid in benchmarks if bid.startswith(item + "[")]
            if not prefix:
                raise UnknownSelection(
                    f"unknown suite or benchmark {item!r} (see `tracetui list`)"
                )
            wanted.update(prefix)
    return [bid for bid in benchmarks if bid in wanted]
