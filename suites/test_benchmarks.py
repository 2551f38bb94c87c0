"""Every registered tracetui benchmark as one pytest-benchmark test.

``pytest suites/ --benchmark-only`` runs the same benchmark definitions as
``tracetui run``, through pytest-benchmark's ``benchmark`` fixture, so
``--benchmark-json``, ``--benchmark-autosave``, ``--benchmark-compare`` and
``--benchmark-compare-fail=mean:10%`` work exactly as pytest-benchmark
documents them. One test per benchmark id, e.g.
``test_benchmark[database.item_lookup_by_id_indexed]``; ``--tracetui-db URL``
picks the database. Load benchmarks are skipped unless ``-k`` names them
(see ``suites/conftest.py``).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from tracetui.engine.core.registry import all_benchmarks
from tracetui.engine.interop.pytest_stream import MARKER


def _params() -> list[object]:
    return [
        pytest.param(
            bench.id,
            id=bench.id,
            marks=getattr(pytest.mark, MARKER)(
                id=bench.id, suite=bench.suite, name=bench.name, kind=str(bench.kind)
            ),
        )
        for bench in all_benchmarks().values()
    ]


@pytest.mark.parametrize("benchmark_id", _params())
def test_benchmark(benchmark_id: str, tracetui_run: Callable[[str], None]) -> None:
    tracetui_run(benchmark_id)
