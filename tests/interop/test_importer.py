"""`tracetui import FILE.json`: pytest-benchmark JSON into the history, all or nothing."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from tracetui.engine.recording.history import History
from tracetui.engine.recording.importer import (
    SYNTHETIC_NOTE,
    ImportFormatError,
    read_results,
)
from tracetui.engine.recording.importing import AlreadyImported, import_pytest_benchmark_json

from .interop_helpers import FAST, run_pytest_process, write_tests


@pytest.fixture(scope="module")
def real_json(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """What pytest-benchmark itself wrote for the tiny project (generated once)."""
    project = tmp_path_factory.mktemp("import-project")
    write_tests(project)
    out = project / "out.json"
    done = run_pytest_process(["test_tiny.py", *FAST, f"--benchmark-json={out}"], project)
    assert done.returncode == 0, done.stdout[-2000:]
    return json.loads(out.read_text())


@pytest.fixture
def history(tmp_path: Path) -> History:
    h = History(tmp_path / "history.db")
    yield h
    h.close()


def write_json(tmp_path: Path, data: Any, name: str = "out.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def test_round_trip_keeps_every_benchmark_and_its_raw_samples(
    tmp_path: Path, history: History, real_json: dict[str, Any]
) -> None:
    path = write_json(tmp_path, real_json)
    run_id = import_pytest_benchmark_json(path, history)
    run = history.get_run(run_id)
    assert run is not None
    assert (run.source, run.status, run.backend) == ("import", "completed", "pytest")
    assert run.result_count == 3
    assert run.environment["python"] == real_json["machine_info"]["python_version"]
    by_id = {r.id: r for r in history.results(run_id)}
    assert set(by_id) == {
        "test_tiny.test_sum[10]",
        "test_tiny.test_sum[100]",
        "test_tiny.TestSleep.test_sleep",
    }
    sleep = by_id["test_tiny.TestSleep.test_sleep"]
    source = next(b for b in real_json["benchmarks"] if b["name"] == "test_sleep")
    assert sleep.suite == "test_tiny"  # the group is kept, but is not part of the id
    assert sleep.group == "sleepy"
    assert list(sleep.samples) == source["stats"]["data"]
    assert sleep.median == pytest.approx(source["stats"]["median"])
    assert by_id["test_tiny.test_sum[10]"].suite == "test_tiny"
    assert by_id["test_tiny.test_sum[10]"].param == "10"


def test_ids_are_stable_across_imports(
    tmp_path: Path, history: History, real_json: dict[str, Any]
) -> None:
    path = write_json(tmp_path, real_json)
    first = import_pytest_benchmark_json(path, history)
    with pytest.raises(AlreadyImported) as again:  # the same bytes are not imported twice
        import_pytest_benchmark_json(path, history)
    assert again.value.run_id == first
    later = write_json(tmp_path, {**real_json, "datetime": "2030-01-01T00:00:00"}, "later.json")
    second = import_pytest_benchmark_json(later, history, backend="sqlite")
    assert first != second
    assert [r.id for r in history.results(first)] == [r.id for r in history.results(second)]
    assert history.get_run(second).backend == "sqlite"
    assert len(history.trend("test_tiny.test_sum[10]")) == 2


def test_without_raw_data_a_synthetic_reservoir_keeps_the_median(
    tmp_path: Path, history: History, real_json: dict[str, Any]
) -> None:
    data = copy.deepcopy(real_json)
    for bench in data["benchmarks"]:
        del bench["stats"]["data"]
    run_id = import_pytest_benchmark_json(write_json(tmp_path, data), history)
    results = {r.id: r for r in history.results(run_id)}
    for bench in data["benchmarks"]:
        result = next(r for r in results.values() if r.name.endswith(bench["name"].split("[")[0]))
        assert result.description == SYNTHETIC_NOTE
    sleep = results["test_tiny.TestSleep.test_sleep"]
    stats = next(b for b in data["benchmarks"] if b["name"] == "test_sleep")["stats"]
    assert sleep.median == pytest.approx(stats["median"])
    assert min(sleep.samples) == pytest.approx(stats["min"])
    assert max(sleep.samples) == pytest.approx(stats["max"])


def test_a_minimal_file_from_another_project(tmp_path: Path, history: History) -> None:
    data = {
        "benchmarks": [
            {
                "fullname": "pkg/tests/test_io.py::TestRead::test_read[big]",
                "group": None,
                "stats": {"min": 0.001, "median": 0.002, "max": 0.004, "rounds": 9},
            },
            {"name": "test_write", "stats": {"data": [0.5, 0.25, 0.75], "iterations": 1}},
        ]
    }
    run_id = import_pytest_benchmark_json(write_json(tmp_path, data), history)
    results = {r.id: r for r in history.results(run_id)}
    assert set(results) == {"pkg.tests.test_io.TestRead.test_read[big]", "pytest.test_write"}
    assert results["pkg.tests.test_io.TestRead.test_read[big]"].suite == "pkg"
    assert results["pkg.tests.test_io.TestRead.test_read[big]"].rounds == 9
    assert results["pytest.test_write"].median == 0.5


def test_tracetui_results_keep_their_engine_ids(tmp_path: Path, history: History) -> None:
    own = {
        "id": "database.item_read",
        "suite": "database",
        "name": "item_read",
        "kind": "micro",
        "backend": "postgresql",
        "db_url": "postgresql+psycopg://u:secret@127.0.0.1/x",
        "counters": {"sql_statements": 1.0},
    }
    data = {
        "benchmarks": [
            {
                "name": "test_benchmark[database.item_read]",
                "fullname": "suites/test_benchmarks.py::test_benchmark[database.item_read]",
                "group": "database.item_read",
                "extra_info": {"tracetui": own},
                "stats": {"data": [0.001, 0.002, 0.003], "iterations": 10},
            }
        ]
    }
    run_id = import_pytest_benchmark_json(write_json(tmp_path, data), history)
    run = history.get_run(run_id)
    (result,) = history.results(run_id)
    assert (result.id, result.suite, result.kind) == ("database.item_read", "database", "micro")
    assert result.counters == {"sql_statements": 1.0}
    assert result.iterations == 10
    assert run.backend == "postgresql"
    assert run.db_url == "postgresql+psycopg://u:***@127.0.0.1/x"


GOOD = {"fullname": "t.py::test_ok", "stats": {"data": [0.1, 0.2]}}

BAD_FILES = [
    ("{not json", "out.json: not JSON"),
    ([1, 2], "out.json: top level is not an object"),
    ({"machine_info": {}}, "out.json: no 'benchmarks' list"),
    ({"benchmarks": {"a": 1}}, "out.json: 'benchmarks' is not a list"),
    ({"benchmarks": []}, "out.json: 'benchmarks' is empty"),
    ({"benchmarks": [GOOD, 3]}, "out.json: benchmarks[1] is not an object"),
    (
        {"benchmarks": [GOOD, {"stats": {"data": [1.0]}}]},
        "out.json: benchmarks[1] has no 'fullname' or 'name'",
    ),
    (
        {
            "benchmarks": [
                *(dict(GOOD, fullname=f"t.py::test_{i}") for i in range(3)),
                {"fullname": "t.py::test_x"},
            ]
        },
        "out.json: benchmarks[3] has no 'stats'",
    ),
    (
        {"benchmarks": [{"fullname": "t.py::a", "stats": [1]}]},
        "out.json: benchmarks[0].stats is not an object",
    ),
    (
        {"benchmarks": [{"fullname": "t.py::a", "stats": {"data": []}}]},
        "out.json: benchmarks[0].stats.data is not a non-empty list",
    ),
    (
        {"benchmarks": [{"fullname": "t.py::a", "stats": {"data": [0.1, -1]}}]},
        "out.json: benchmarks[0].stats.data holds something other than seconds",
    ),
    (
        {"benchmarks": [{"fullname": "t.py::a", "stats": {"min": 0.1, "max": 0.2}}]},
        "out.json: benchmarks[0].stats has no 'data' and no 'median'",
    ),
    (
        {"benchmarks": [{"fullname": "t.py::a", "stats": {"min": 0.3, "median": 0.2, "max": 0.4}}]},
        "out.json: benchmarks[0].stats: min <= median <= max does not hold",
    ),
    (
        {"benchmarks": [{"fullname": "t.py::a", "stats": {"data": [0.1], "iterations": 0}}]},
        "out.json: benchmarks[0].stats.iterations is not a positive integer",
    ),
    (
        {"benchmarks": [GOOD, GOOD]},
        "out.json: benchmarks[1] has the same id 't.test_ok' as benchmarks[0]",
    ),
]


@pytest.mark.parametrize(
    ("content", "message"), BAD_FILES, ids=[m.split(": ", 1)[1][:40] for _, m in BAD_FILES]
)
def test_a_bad_file_names_what_is_missing_and_imports_nothing(
    tmp_path: Path, history: History, content: Any, message: str
) -> None:
    path = write_json(tmp_path, content)
    with pytest.raises(ImportFormatError) as info:
        import_pytest_benchmark_json(path, history)
    text = str(info.value)
    assert text.startswith(message)
    assert "\n" not in text
    assert history.runs() == []


def test_a_missing_file_is_one_line(tmp_path: Path, history: History) -> None:
    with pytest.raises(ImportFormatError, match=r"^nope\.json: cannot read"):
        import_pytest_benchmark_json(tmp_path / "nope.json", history)
    assert history.runs() == []


def test_a_huge_reservoir_is_thinned_in_order(tmp_path: Path) -> None:
    data = {
        "benchmarks": [{"fullname": "t.py::a", "stats": {"data": [i / 1e6 for i in range(10_000)]}}]
    }
    _, (result,) = read_results(write_json(tmp_path, data))
    assert result.rounds == 4096
    assert list(result.samples) == sorted(result.samples)
    assert "4096 of 10000 rounds kept" in result.description
