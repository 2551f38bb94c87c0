"""The load suite as the engine runs it: one round, live progress, clean database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from tracetui.engine.core.database import make_engine
from tracetui.engine.core.events import Progress
from tracetui.engine.core.model import Context, Kind
from tracetui.engine.core.profiles import PROFILES
from tracetui.engine.measuring.timing import run_benchmark
from tracetui.suites.load import SUITE, load_options
from tracetui.suites.load.process import LoadOptions

pytestmark = pytest.mark.timeout(120)


def _bench(bench_id: str):
    return next(b for b in SUITE.benchmarks if b.id == bench_id)


def test_every_load_benchmark_is_a_load_kind_with_a_profile_parameter() -> None:
    assert SUITE.ids() == [
        "load.crud[low]",
        "load.crud[medium]",
        "load.crud[high]",
        "load.queries[low]",
        "load.queries[medium]",
        "load.queries[high]",
        "load.ramp[crud]",
        "load.ramp[queries]",  # ramps take the workload instead
    ]
    assert {b.kind for b in SUITE.benchmarks} == {Kind.LOAD}


def test_options_default_small_and_follow_the_profile() -> None:
    assert load_options({}, "smoke").users == 10
    assert load_options(None, "smoke").duration_s == 5.0
    assert load_options({}, "thorough").duration_s == 30.0
    custom = {"users": 50, "duration": 7, "host": "http://127.0.0.1:1", "user_class": "http"}
    assert load_options(custom, "smoke", workload="queries", profile="high") == LoadOptions(
        users=50,
        spawn_rate=50.0,
        duration_s=7.0,
        profile="high",
        workload="queries",
        user_class="http",
        host="http://127.0.0.1:1",
    )
    with pytest.raises(ValueError, match="expect_workers"):
        load_options({"master": True}, "smoke")


def test_crud_benchmark_runs_one_round_and_leaves_the_database_as_found(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'suite.db'}"
    engine = make_engine(url)
    ctx = Context(url, engine, PROFILES["smoke"], options={"users": 3, "duration": 3})
    events: list[Any] = []
    result = run_benchmark(_bench("load.crud[medium]"), ctx, events.append)
    assert len(result.samples) == 1
    assert result.counters["requests"] > 0
    assert result.counters["failures"] == 0
    assert result.counters["creates_ok"] > 0
    assert result.metrics["rps"] > 0 and result.metrics["p95"] >= result.metrics["p50"]
    assert result.latencies
    live = [e for e in events if isinstance(e, Progress) and e.load is not None]
    assert live and max(e.load.users for e in live) == 3
    assert all(e.load.recent == () and e.load.ramp_users is None for e in live)
    with engine.connect() as conn:  # the run's projects (and items) were removed
        assert conn.execute(sa.text("select count(*) from projects")).scalar_one() == 0
        assert conn.execute(sa.text("select count(*) from items")).scalar_one() == 0
