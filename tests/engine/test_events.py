from __future__ import annotations

import pytest
from tracetui.engine.core.events import (
    BenchmarkFailed,
    BenchmarkFinished,
    BenchmarkStarted,
    LoadFinished,
    LoadSecond,
    Progress,
    RunFinished,
    RunStarted,
    parse_event,
    read_events,
)
from tracetui.engine.core.results import BenchmarkResult

RESULT = BenchmarkResult(
    id="s.b[1]",
    suite="s",
    name="b",
    kind="workload",
    param=1,
    samples=(0.1, 0.2),
    latencies=(0.01,),
    counters={"sql_statements": 2.0},
    metrics={"rps": 10.0},
)


SECOND = LoadSecond(
    t=3.0,
    users=10,
    rps=412.0,
    failures_per_s=0.5,
    requests=1234,
    failures=1,
    p50=0.0021,
    p95=0.0049,
    p99=0.0071,
    creates_ok=310,
    deletes_ok=71,
    recent=(0.0019, 0.0022),
)
FINISHED = LoadFinished(
    duration_s=5.0,
    requests=2000,
    failures=2,
    rps=400.0,
    failure_ratio=0.001,
    p50=0.002,
    p95=0.005,
    p99=0.008,
    mean=0.0025,
    max=0.1,
    recorded=2000,
    creates_ok=500,
    deletes_ok=120,
    errors=("POST /items: HTTPError 500 (x2)",),
    user_classes=("CrudLowUser:fast",),
    latencies=(0.002, 0.003),
)


@pytest.mark.parametrize(
    "event",
    [
        RunStarted(
            run_id="r",
            benchmark_ids=("s.a", "s.b"),
            profile="smoke",
            backend="sqlite",
            db_url="sqlite://",
            environment={"python": "3.11"},
            started_at=1.0,
        ),
        BenchmarkStarted(benchmark_id="s.a", index=0, total=2, kind="micro", rounds_planned=5),
        Progress(
            benchmark_id="s.a",
            round=2,
            rounds_planned=5,
            ops_per_s=10.0,
            latencies=(0.1, 0.2),
            elapsed=0.5,
            extra={"precision": 0.02},
        ),
        Progress(
            benchmark_id="load.crud[low]",
            round=1,
            rounds_planned=1,
            ops_per_s=412.0,
            latencies=(0.002, 0.003),
            elapsed=3.0,
            load=LoadSecond(t=3.0, users=10, rps=412.0, p95=0.0049, ramp_users=25),
        ),
        SECOND,
        LoadSecond(t=0.4, users=1, rps=0.0),  # nothing answered yet: no percentiles
        FINISHED,
        BenchmarkFinished(result=RESULT),
        BenchmarkFailed(benchmark_id="s.a", error="ValueError: x", details="tb"),
        RunFinished(run_id="r", status="cancelled", duration=2.0),
    ],
)
def test_every_event_round_trips_through_one_json_line(event) -> None:
    line = event.dumps()
    assert "\n" not in line
    assert parse_event(line) == event


def test_unknown_line_is_rejected() -> None:
    with pytest.raises(ValueError):
        parse_event('{"type": "nope"}')


def test_a_progress_without_load_stays_as_small_as_before() -> None:
    plain = Progress(benchmark_id="s.a", round=1, rounds_planned=2, ops_per_s=1.0)
    assert "load" not in plain.to_json()
    assert parse_event(plain.dumps()).load is None


def test_the_locust_side_lines_are_read_with_the_engine_reader() -> None:
    """What the Locust bridge writes, as the load suite's parent reads it."""
    garbage: list[str] = []
    missing_fields = '{"type": "load_second"}'
    lines = [SECOND.dumps(), "Locust says hi", "[1, 2]", missing_fields, FINISHED.dumps()]
    events = list(read_events(lines, on_garbage=garbage.append))
    assert events == [SECOND, FINISHED]
    assert isinstance(events[0].recent, tuple) and isinstance(events[1].errors, tuple)
    assert garbage == lines[1:4]  # not JSON, not an object, fields missing: skipped, reported
