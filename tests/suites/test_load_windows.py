"""Which seconds of a Locust run a load verdict tests (its per-second windows)."""

from __future__ import annotations

from tracetui.engine.core.events import LoadSecond
from tracetui.suites.load import round_detail, steady_seconds
from tracetui.suites.load.process import LoadSummary


def summary(*seconds: tuple[float, int, float, float | None]) -> LoadSummary:
    return LoadSummary(
        host="http://127.0.0.1:1",
        run_id="r",
        started_server=True,
        users=4,
        duration_s=seconds[-1][0],
        requests=100,
        failures=0,
        rps=35.0,
        failure_ratio=0.0,
        p50=0.01,
        p95=0.03,
        p99=0.05,
        seconds=tuple(LoadSecond(t=t, users=u, rps=rps, p95=p95) for t, u, rps, p95 in seconds),
    )


def test_whole_seconds_with_every_user_running_and_the_last_whole_one() -> None:
    run = summary(
        (1.0, 2, 20.0, 0.020),  # still spawning
        (2.0, 4, 36.0, 0.025),
        (3.0, 4, 35.0, None),  # nothing answered: no p95
        (4.0, 4, 34.0, 0.021),
        (4.96, 0, 30.0, 0.026),  # Locust stopped its users at the end of a whole window
    )
    assert [s.t for s in steady_seconds(run)] == [2.0, 4.0, 4.96]
    assert round_detail(run).windows == {"p95": [0.025, 0.021, 0.026], "rps": [36.0, 34.0, 30.0]}


def test_a_short_last_window_is_not_a_replicate() -> None:
    run = summary((1.006, 4, 37.9, 0.0267), (2.005, 4, 34.0, 0.0233), (2.49, 0, 26.6, 0.0172))
    assert [s.t for s in steady_seconds(run)] == [1.006, 2.005]
    assert round_detail(summary((0.5, 0, 1.0, 0.01))).windows == {}
