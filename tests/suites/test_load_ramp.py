"""The load ramp: the saturation point from literal steps, and one short real ramp."""

from __future__ import annotations

from pathlib import Path

from tracetui.engine.core.database import make_engine
from tracetui.engine.core.events import Progress
from tracetui.engine.core.model import Context
from tracetui.engine.core.profiles import PROFILES
from tracetui.engine.core.registry import load_suite
from tracetui.engine.measuring.timing import run_benchmark
from tracetui.suites.load import saturation_point


def test_saturation_is_where_latency_outgrows_throughput() -> None:
    steps = [
        (10, 100.0, 0.010),  # → 25 users: rps +140 %, p95 +10 %
        (25, 240.0, 0.011),  # → 50 users: rps +50 %, p95 +36 %
        (50, 360.0, 0.015),  # → 100 users: rps +5 %, p95 +100 %  ← saturated past 50
        (100, 380.0, 0.030),
        (200, 385.0, 0.070),
    ]
    assert saturation_point(steps) == 50


def test_a_ramp_that_never_saturates_reports_its_last_step() -> None:
    assert saturation_point([(10, 100.0, 0.01), (20, 200.0, 0.01), (40, 390.0, 0.011)]) == 40


def test_a_short_real_ramp_reports_saturation_and_leaves_the_database_as_found(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'ramp.db'}"
    engine = make_engine(url)
    suite = load_suite("load")
    bench = next(b for b in suite.benchmarks if b.id == "load.ramp[crud]")
    ctx = Context(url, engine, PROFILES["smoke"])  # 5 → 10 → 20 users, 2 s each
    if suite.setup:
        suite.setup(ctx)
    events: list[Progress] = []
    result = run_benchmark(bench, ctx, events.append)
    assert result.metrics["saturation_users"] in (5.0, 10.0, 20.0)
    assert result.metrics["peak_rps"] > 0
    assert result.counters["failures"] == 0
    assert {5, 10, 20} <= {e.load.ramp_users for e in events if e.load is not None}
    with engine.connect() as conn:
        import sqlalchemy as sa

        assert conn.execute(sa.text("SELECT count(*) FROM items")).scalar_one() == 0
    engine.dispose()
