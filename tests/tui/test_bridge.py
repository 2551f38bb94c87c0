"""The event pump: what reaches the UI, how often, and what the history keeps."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from tracetui.engine.core.events import Progress, RunFinished
from tracetui.engine.core.plan import Plan
from tracetui.engine.judging.baselines import BaselineStore
from tracetui.engine.judging.verdicts import Level
from tracetui.engine.recording.history import History
from tracetui.tui.bridge import EngineEvent, EventPump, ProgressBatch, RunJudged

from tests.tui.canned import CannedRun, Step, events_for
from tests.tui.conftest import STEPS


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def pump_events(events, *, clock, history=None, store=None, step=0.0):
    posted = []

    class TickingRun(CannedRun):
        def __iter__(self):
            for event in super().__iter__():
                clock.now += step
                yield event

    pump = EventPump(
        TickingRun(events),
        run_id=events[0].run_id,
        post=posted.append,
        history=history,
        store=store or BaselineStore(Path("baselines")),
        clock=clock,
    )
    return pump, posted


def test_a_held_back_batch_is_posted_while_the_run_is_silent(workdir: Path) -> None:
    """A burst of progress (a paired pytest run's tests, all after one pair) then seconds
    of silence: the burst's last benchmark reaches the UI without waiting for the run."""
    plan = Plan(benchmark_ids=("demo.a", "demo.b"), run_id="r1")
    events = events_for(plan, [Step("demo.a", progress=1), Step("demo.b", progress=1)])
    progress = [e for e in events if isinstance(e, Progress)]
    seen = threading.Event()
    in_silence: list[bool] = []

    def post(message) -> None:
        if isinstance(message, ProgressBatch) and "demo.b" in message.series:
            seen.set()

    class BurstThenSilence(CannedRun):
        def __iter__(self):
            yield events[0]
            yield from progress  # one fake instant: the second is held back by the rate
            in_silence.append(seen.wait(timeout=10))  # silent until the UI saw demo.b
            yield from (e for e in events[1:] if not isinstance(e, Progress))

    pump = EventPump(
        BurstThenSilence(events),
        run_id="r1",
        post=post,
        history=None,
        store=BaselineStore(Path("baselines")),
        clock=FakeClock(),
    )
    pump.run()
    assert in_silence == [True], "the held-back batch waited for the run's next event"


def test_progress_is_throttled_and_a_newer_batch_loses_nothing(workdir: Path) -> None:
    plan = Plan(benchmark_ids=("demo.lookup[10]",), run_id="r1")
    events = events_for(plan, [Step("demo.lookup[10]", progress=100)])
    clock = FakeClock()
    pump, posted = pump_events(events, clock=clock, step=0.01)  # 100 progress events/s
    pump.run()
    batches = [m for m in posted if isinstance(m, ProgressBatch)]
    # 100 progress events over ~1 s at 2 batches/s at most: about 2-3, never 100.
    assert 2 <= len(batches) <= 4
    last = batches[-1].series["demo.lookup[10]"]
    assert last.round == 100
    assert len(last.ops_per_s) == 100  # the whole bounded series, not a delta
    assert batches[-1].can_replace(batches[0])
    assert not batches[-1].can_replace(EngineEvent(events[0]))


def test_events_keep_their_order_and_the_run_is_judged(workdir: Path, baselines: Path) -> None:
    plan = Plan(benchmark_ids=("demo.lookup[10]", "demo.lookup[100]", "demo.broken"), run_id="r2")
    history = History(workdir / "history.db")
    pump, posted = pump_events(
        events_for(plan, STEPS), clock=FakeClock(), history=history, store=BaselineStore(baselines)
    )
    judged = pump.run()
    kinds = [type(m.event).__name__ for m in posted if isinstance(m, EngineEvent)]
    assert kinds[0] == "RunStarted" and kinds[-1] == "RunFinished"
    assert kinds.count("BenchmarkFinished") == 2 and kinds.count("BenchmarkFailed") == 1
    assert isinstance(posted[-1], RunJudged)
    levels = {v.benchmark_id: v.level for v in judged.verdicts}
    assert levels == {
        "demo.lookup[10]": Level.INFO,
        "demo.lookup[100]": Level.CRITICAL,
        "demo.broken": Level.FAILED,
    }
    (run,) = history.runs()
    assert (run.status, run.regressions, run.failures, run.result_count) == ("completed", 1, 1, 2)
    history.close()


def test_a_broken_baseline_file_judges_against_nothing_and_says_which(
    workdir: Path, baselines: Path
) -> None:
    broken = baselines / "demo.sqlite.toml"
    broken.write_text("schema = 1\nbenchmarks = [")
    plan = Plan(benchmark_ids=("demo.lookup[10]",), run_id="r3")
    pump, _ = pump_events(
        events_for(plan, STEPS), clock=FakeClock(), store=BaselineStore(baselines)
    )
    judged = pump.run()
    assert "demo.sqlite.toml" in judged.baseline_error
    assert [v.level for v in judged.verdicts] == [Level.NEW]


def test_a_source_that_raises_is_judged_then_reraised(workdir: Path) -> None:
    plan = Plan(benchmark_ids=("demo.lookup[10]", "demo.create"), run_id="r4")
    events = [e for e in events_for(plan, STEPS) if not isinstance(e, RunFinished)][:-4]

    class Exploding(CannedRun):
        def __iter__(self):
            yield from super().__iter__()
            raise OSError("pipe closed")

    posted: list = []
    pump = EventPump(
        Exploding(events),
        run_id="r4",
        post=posted.append,
        history=None,
        store=BaselineStore(Path("baselines")),
        clock=FakeClock(),
    )
    with pytest.raises(OSError, match="pipe closed"):
        pump.run()
    judged = posted[-1]
    assert isinstance(judged, RunJudged)
    assert judged.record.status == "crashed"
    assert list(judged.record.results) == ["demo.lookup[10]"]


def test_a_benchmark_is_shown_as_load_because_its_progress_carries_a_load_second() -> None:
    from tracetui.engine.core.events import LoadSecond, Progress
    from tracetui.tui.bridge import LiveSeries

    series = LiveSeries()
    series.add(Progress("demo.lookup[10]", 1, 5, ops_per_s=10.0, extra={"users": 3.0}))
    second = LoadSecond(t=1.0, users=4, rps=50.0, failures_per_s=0.0, p95=0.01)
    series.add(Progress("load.crud[low]", 1, 1, ops_per_s=50.0, load=second))
    series.add(Progress("load.crud[low]", 1, 1, ops_per_s=60.0, load=LoadSecond(2.0, 8, 60.0)))
    snap = series.snapshot()
    assert not snap["demo.lookup[10]"].is_load  # a stray "users" key no longer makes it load
    load = snap["load.crud[low]"]
    assert load.is_load
    assert load.extra["users"] == (4.0, 8.0) and load.extra["rps"] == (50.0, 60.0)
    assert load.extra["p95"] == (0.01,)  # a second without an answer adds no p95 point
