"""Which suites exist and how a user's selection maps to benchmarks.

Suites are found through the ``tracetui.suites`` entry-point group, so a
team can ship its own suites in its own distribution, and through
``$TRACETUI_SUITES`` (``module:ATTR,module:ATTR``) for suites that are not
packaged (a team's local benchmarks, tracetui's own test fixtures).
A suite module is imported only when it is needed, so a run of one suite
never pays for (or breaks on) another. A selection is a list of suite
names and benchmark ids (``database``, ``bulk.create_items[100]``);
anything else is an :class:`UnknownSelection`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from functools import cache
from importlib.metadata import EntryPoint, entry_points

from tracetui.engine.core.model import Benchmark, Suite

ENTRY_POINT_GROUP = "tracetui.suites"
SUITES_ENV = "TRACETUI_SUITES"


class UnknownSelection(ValueError):
    """A suite name or benchmark id that no suite defines."""


class SuiteLoadError(RuntimeError):
    """A suite module that failed to import; the message names it."""


def _entry_points() -> dict[str, EntryPoint]:
    found = {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}
    for spec in os.environ.get(SUITES_ENV, "").split(","):
        spec = spec.strip()
        if spec:
            name = spec.split(":", 1)[-1].lower() if ":" in spec else spec
            module = spec.split(":", 1)[0]
            found[module.rsplit(".", 1)[-1].removesuffix("_suite") or name] = EntryPoint(
                name=spec, value=spec, group=ENTRY_POINT_GROUP
            )
    return found


def suite_names() -> list[str]:
    """Registered suite names, without importing any suite."""
    return list(_entry_points())


@cache
def load_suite(name: str) -> Suite:
    eps = _entry_points()
    if name not in eps:
        raise UnknownSelection(f"unknown suite {name!r} (see `tracetui list`)")
    ep = eps[name]
    try:
        suite = ep.load()
    except Exception as exc:  # a broken suite must name itself, not crash the CLI
        raise SuiteLoadError(f"suite {name!r} ({ep.value}) failed to load: {exc}") from exc
    if not isinstance(suite, Suite):
        raise SuiteLoadError(f"suite {name!r} ({ep.value}) is not a tracetui Suite")
    return suite


def load_suites(names: Iterable[str] | None = None) -> dict[str, Suite]:
    """Suites by name (all registered ones when ``names`` is None)."""
    return {name: load_suite(name) for name in (suite_names() if names is None else names)}


def suite_of(benchmark_id: str) -> str:
    return benchmark_id.split(".", 1)[0]


def benchmarks_of(suite_names_: Iterable[str]) -> dict[str, Benchmark]:
    return {b.id: b for name in suite_names_ for b in load_suite(name).benchmarks}


def all_benchmarks() -> dict[str, Benchmark]:
    return benchmarks_of(suite_names())


def select(selection: Iterable[str], *, default_suites: Iterable[str] | None = None) -> list[str]:
    """Benchmark ids for suite names and ids, in registry order, without duplicates.

    An empty selection means ``default_suites`` (every suite when None).
    Only the suites the selection names are imported.
    """
    names = suite_names()
    items = list(selection)
    if not items:
        items = list(default_suites) if default_suites is not None else names
    needed: list[str] = []
    for item in items:
        suite = suite_of(item)
        if suite not in names:
            raise UnknownSelection(f"unknown suite or benchmark {item!r} (see `tracetui list`)")
        if suite not in needed:
            needed.append(suite)
    benchmarks = benchmarks_of(needed)
    wanted: set[str] = set()
    for item in items:
        if item in names:
            wanted.update(load_suite(item).ids())
        elif item in benchmarks:
            wanted.add(item)
        else:
            prefix = [bid for bid in benchmarks if bid.startswith(item + "[")]
            if not prefix:
                raise UnknownSelection(f"unknown suite or benchmark {item!r} (see `tracetui list`)")
            wanted.update(prefix)
    return [bid for bid in benchmarks if bid in wanted]
