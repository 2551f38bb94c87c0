"""`tracetui run --pytest PATH`: a user's pytest-benchmark tests streamed as engine events."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tracetui.engine.core.events import (
    BenchmarkFailed,
    BenchmarkFinished,
    BenchmarkStarted,
    Event,
    Progress,
    RunFinished,
    RunStarted,
)
from tracetui.engine.interop.pytest_bridge import run_pytest
from tracetui.engine.recording.history import History
from tracetui.engine.recording.importer import read_results
from tracetui.engine.recording.session import RunRecorder

from .interop_helpers import FAST, REPO, write_tests

FAILING = """
def test_wrong_answer(benchmark):
    assert benchmark(lambda: 41) == 42

def test_broken_before_timing(benchmark):
    raise ValueError("fixture data missing")
"""

TINY_IDS = {
    "test_tiny.test_sum[10]",
    "test_tiny.test_sum[100]",
    "test_tiny.TestSleep.test_sleep",
}


def _run(project: Path, *paths: str, extra: tuple[str, ...] = ()) -> tuple[int, list[Event]]:
    events: list[Event] = []
    code = run_pytest(list(paths), events.append, "run-1", [*FAST, *extra], cwd=project)
    return code, events


def test_streams_a_finished_result_per_benchmark_test(
    tiny_project: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    out = tiny_project / "out.json"
    code, events = _run(tiny_project, "test_tiny.py", extra=(f"--benchmark-json={out}",))
    assert code == 0
    assert isinstance(events[0], RunStarted)
    assert isinstance(events[-1], RunFinished)
    assert events[-1].status == "completed"
    assert events[0].run_id == events[-1].run_id == "run-1"
    assert set(events[0].benchmark_ids) == TINY_IDS  # the plain test is not a benchmark
    started = [e.benchmark_id for e in events if isinstance(e, BenchmarkStarted)]
    finished = {e.result.id: e.result for e in events if isinstance(e, BenchmarkFinished)}
    assert started == list(events[0].benchmark_ids)
    assert set(finished) == TINY_IDS
    assert not [e for e in events if isinstance(e, BenchmarkFailed)]
    progressed = {e.benchmark_id for e in events if isinstance(e, Progress)}
    assert progressed == TINY_IDS  # every benchmark reports live, none that is not one
    # The streamed samples are pytest-benchmark's own: same ids and data as its JSON file.
    data = json.loads(out.read_text())
    sleep_json = next(b for b in data["benchmarks"] if b["name"] == "test_sleep")
    sleep = finished["test_tiny.TestSleep.test_sleep"]
    assert list(sleep.samples) == sleep_json["stats"]["data"]
    assert sleep.rounds == 3
    _, imported = read_results(out)
    assert {r.id for r in imported} == TINY_IDS
    # pytest ran in its own process: nothing reached this process's terminal.
    captured = capfd.readouterr()
    assert captured.out == "" and captured.err == ""


def test_failures_become_benchmark_failed_events(tiny_project: Path) -> None:
    write_tests(tiny_project, FAILING, name="test_failing.py")
    code, events = _run(tiny_project, "test_failing.py")
    assert code == 1
    failed = {e.benchmark_id: e.error for e in events if isinstance(e, BenchmarkFailed)}
    assert set(failed) == {
        "test_failing.test_wrong_answer",
        "test_failing.test_broken_before_timing",
    }
    assert failed["test_failing.test_broken_before_timing"] == ("ValueError: fixture data missing")
    assert failed["test_failing.test_wrong_answer"].startswith("assert 41 == 42")
    assert not [e for e in events if isinstance(e, BenchmarkFinished)]
    assert events[-1] == RunFinished(
        run_id="run-1", status="completed", duration=events[-1].duration
    )


def test_a_usage_error_ends_with_a_failed_run_naming_it(tiny_project: Path) -> None:
    code, events = _run(tiny_project, "no_such_tests.py")
    assert code == 4
    assert isinstance(events[0], RunStarted)
    assert isinstance(events[-1], RunFinished)
    assert events[-1].status == "failed"
    assert "no_such_tests.py" in events[-1].error


def test_events_feed_the_history_unchanged(tiny_project: Path, tmp_path: Path) -> None:
    history = History(tmp_path / "history.db")
    try:
        recorder = RunRecorder("run-2", history)
        code = run_pytest(["test_tiny.py"], recorder, "run-2", FAST, cwd=tiny_project)
        recorder.finish([])
        assert code == 0
        run = history.get_run("run-2")
        assert run is not None
        assert (run.status, run.result_count, run.backend) == ("completed", 3, "pytest")
        assert {r.id for r in history.results("run-2")} == TINY_IDS
    finally:
        history.close()


def test_tracetui_suites_stream_under_their_engine_ids(tmp_path: Path) -> None:
    events: list[Event] = []
    code = run_pytest(
        [str(REPO / "suites")],
        events.append,
        "run-3",
        ["-k", "database.item_read or bulk.create_items[100]", *FAST],
        cwd=tmp_path,
    )
    assert code == 0
    assert events[0].benchmark_ids == ("bulk.create_items[100]", "database.item_read")
    results = {e.result.id: e.result for e in events if isinstance(e, BenchmarkFinished)}
    assert set(results) == {"bulk.create_items[100]", "database.item_read"}
    bulk = results["bulk.create_items[100]"]
    assert (bulk.suite, bulk.kind, bulk.items_per_op) == ("bulk", "workload", 100)
    assert results["database.item_read"].counters["sql_statements"] >= 1
