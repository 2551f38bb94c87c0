from __future__ import annotations

import pytest
from tracetui.engine.core.events import (
    BenchmarkFailed,
    BenchmarkFinished,
    BenchmarkStarted,
    Progress,
    RunFinished,
    RunStarted,
    parse_event,
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
            extra={"users": 3.0},
        ),
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
