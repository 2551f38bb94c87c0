"""How many rounds tracetui's pedantic benchmarks get under pytest-benchmark (literal numbers).

As pytest-benchmark plans a calibrated benchmark: rounds fill
``--benchmark-max-time`` (setup included), never fewer than
``--benchmark-min-rounds``, at most :data:`MAX_PEDANTIC_ROUNDS`; a tenth as many
warm-up rounds with ``--benchmark-warmup``.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from tracetui.engine.core.model import Benchmark, Kind
from tracetui.engine.interop.pytest_plugin import MAX_PEDANTIC_ROUNDS, pedantic_plan


def fixture(min_rounds: int = 15, max_time: float = 1.0, warmup: int | bool = 2000):
    """The attributes pytest-benchmark's ``BenchmarkFixture`` holds its options in."""
    return SimpleNamespace(_min_rounds=min_rounds, _max_time=max_time, _warmup=warmup)


def bench(kind: Kind = Kind.WORKLOAD) -> Benchmark:
    return Benchmark(suite="bulk", name="create_items", kind=kind, factory=lambda _ctx: None)


@pytest.mark.parametrize(
    ("round_seconds", "expected"),
    [
        (0.004, (250, 25)),  # a 4 ms round: a second's worth
        (0.5, (15, 1)),  # slow rounds: the floor, one warm-up round
        (2.0, (15, 1)),
        (1e-6, (MAX_PEDANTIC_ROUNDS, MAX_PEDANTIC_ROUNDS // 10)),  # the cap
        (0.0, (15, 1)),  # not measured: the floor
    ],
)
def test_rounds_fill_max_time_between_min_rounds_and_the_cap(
    round_seconds: float, expected: tuple[int, int]
) -> None:
    assert pedantic_plan(fixture(), bench(), round_seconds) == expected


def test_the_command_lines_options_decide() -> None:
    assert pedantic_plan(fixture(min_rounds=2, max_time=0.02), bench(), 0.004) == (5, 1)
    assert pedantic_plan(fixture(min_rounds=40), bench(), 0.5) == (40, 4)
    assert pedantic_plan(fixture(warmup=False), bench(), 0.004) == (250, 0)


def test_a_load_benchmark_runs_once_without_warm_up() -> None:
    assert pedantic_plan(fixture(), bench(Kind.LOAD), 0.004) == (1, 0)
