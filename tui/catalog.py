"""What the suite picker shows: suites, their benchmarks and what is known of each.

:func:`load_catalog` asks the engine's registry for the suites; when one
suite module is broken it loads the others one by one, so the console
still opens and names the broken suite. :func:`baseline_problems` tries
every baseline file of the selected backend (a broken file is reported by
name, not raised). :func:`last_known` reads the history: each benchmark's
latest result and verdict on the
backend in use.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tracetui.engine.core import registry
from tracetui.engine.core.model import Suite
from tracetui.engine.judging.baselines import BaselineError, BaselineStore
from tracetui.engine.judging.verdicts import Level
from tracetui.engine.recording.history import History, latest_per_benchmark


@dataclass(frozen=True)
class Catalog:
    """Registered suites by name, and the suites that failed to load (name -> error).

    With ``params_level`` the picker shows a parametrized benchmark as a node
    of its own with one child per parameter (pytest's module → test → params);
    without it every parameter is a row of the suite.
    """

    suites: dict[str, Suite]
    errors: dict[str, str] = field(default_factory=dict)
    params_level: bool = False

    def benchmark_ids(self, suite: str) -> list[str]:
        return self.suites[suite].ids() if suite in self.suites else []

    def all_ids(self) -> list[str]:
        return [bid for suite in self.suites.values() for bid in suite.ids()]


def load_catalog() -> Catalog:
    """Every registered suite; a suite that fails to import is listed in ``errors``."""
    suites: dict[str, Suite] = {}
    errors: dict[str, str] = {}
    for name in registry.suite_names():
        try:
            suite = registry.load_suite(name)
        except (registry.SuiteLoadError, registry.UnknownSelection) as exc:
            errors[name] = str(exc)
            continue
        suites[suite.name] = suite
    return Catalog(suites, errors)


def baseline_problems(store: BaselineStore, suites: list[str], backend: str) -> dict[str, str]:
    """Suite name -> error text for each baseline file that cannot be used."""
    problems: dict[str, str] = {}
    for suite in suites:
        try:
            store.load(suite, backend)
        except BaselineError as exc:
            problems[suite] = str(exc)
    return problems


@dataclass(frozen=True)
class LastKnown:
    """A benchmark's latest recorded median and verdict level (None if never judged)."""

    median: float | None
    level: Level | None
    run_id: str


def last_known(history: History, backend: str, *, runs_to_scan: int = 20) -> dict[str, LastKnown]:
    """Per benchmark id, its newest median and verdict on ``backend`` (indexed columns only)."""
    return {
        row.benchmark_id: LastKnown(row.median, Level(row.level) if row.level else None, row.run_id)
        for row in latest_per_benchmark(history, backend=backend, runs_to_scan=runs_to_scan)
    }
