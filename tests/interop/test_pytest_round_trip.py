"""One identity for a pytest benchmark: pytest → import → baseline → `run --pytest` → compare.

The project is :mod:`.pytest_examples` (pytest-benchmark's example styles).
Every command is a subprocess in ``tmp_path`` with a timeout.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from tracetui.engine.recording.benchmark_json import pytest_benchmark_json
from tracetui.engine.recording.history import History
from tracetui.engine.recording.importing import import_pytest_benchmark_json
from tracetui.engine.recording.session import RunRecord

from .interop_helpers import FAST, SUBPROCESS_TIMEOUT_S, run_pytest_process
from .pytest_examples import IDS, write_examples

TRACETUI = [sys.executable, "-m", "tracetui.cli.main"]
PYTEST_BENCHMARK = str(Path(sys.executable).parent / "pytest-benchmark")


def tracetui(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*TRACETUI, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT_S,
        check=False,
    )


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example project after `pytest --benchmark-only --benchmark-json a.json`."""
    root = write_examples(tmp_path_factory.mktemp("examples"))
    (root / "bl").mkdir()
    done = run_pytest_process(["tests", "--benchmark-only", "--benchmark-json=a.json", *FAST], root)
    assert done.returncode == 0, done.stdout[-3000:]
    return root


def _entries(path: Path) -> dict[str, dict[str, Any]]:
    return {b["fullname"]: b for b in json.loads(path.read_text())["benchmarks"]}


def test_import_accept_run_judges_the_same_ids_and_compare_pairs_every_test(
    project: Path,
) -> None:
    imported = tracetui(["import", "a.json", "--history", "h.db"], project)
    assert imported.returncode == 0, imported.stderr
    assert re.fullmatch(r"imported 1 file\(s\) \(11 results\) as \S+\n", imported.stdout)
    accepted = tracetui(["baseline", "accept", "--history", "h.db", "--baselines", "bl"], project)
    assert accepted.returncode == 0, accepted.stderr
    assert (project / "bl" / "tests.pytest.toml").exists()  # suite `tests`, backend `pytest`

    args = ["--history", "h.db", "--baselines", "bl", "tests", *FAST, "--json", "b.json"]
    run = tracetui(["run", "--pytest", *args], project)
    assert run.returncode in (0, 1), run.stderr  # 1 only if this busy machine had a slow burst
    judged = {line.split()[0] for line in run.stdout.splitlines()[2:-1]}
    assert judged == IDS
    assert " NEW" not in run.stdout and "MISSING" not in run.stdout

    ours, theirs = _entries(project / "b.json"), _entries(project / "a.json")
    assert set(ours) == set(theirs)
    for fullname, entry in theirs.items():
        mine = ours[fullname]
        for key in ("name", "group", "params", "param", "options"):
            assert mine[key] == entry[key], (fullname, key)
        assert {k: v for k, v in mine["extra_info"].items() if k != "tracetui"} == entry[
            "extra_info"
        ]
        assert mine["extra_info"]["tracetui"]["id"] in IDS
    assert ours["tests/test_calls.py::test_group_in_body"]["group"] == "body"

    compare = subprocess.run(
        [PYTEST_BENCHMARK, "compare", "a.json", "b.json", "--group-by=name"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT_S,
        check=False,
    )
    assert compare.returncode == 0, compare.stderr
    groups = re.findall(r"benchmark '([^']+)': (\d+) tests", compare.stdout)
    names = {entry["name"] for entry in theirs.values()}
    # test_same exists twice (two packages): its group holds 4 rows, every other one 2.
    assert {name: int(n) for name, n in groups} == {
        name: 4 if name == "test_same" else 2 for name in names
    }


def test_pytest_compares_against_our_json_for_real(project: Path) -> None:
    node = "tests/test_calls.py::test_sleep_short"  # a node id, as pytest takes it
    args = ["--history", "c.db", "--baselines", "bl", node, *FAST, "--json", "c.json"]
    run = tracetui(["run", "--pytest", *args], project)
    assert run.returncode in (0, 1), run.stderr
    assert "tests.test_calls.test_sleep_short" in run.stdout
    assert "MISSING" not in run.stdout  # the other baselined tests were not asked for
    compare = ["--benchmark-compare=c.json", "--benchmark-compare-fail=median:1000%"]
    done = run_pytest_process([node, "--benchmark-only", *FAST, *compare], project)
    assert done.returncode == 0, done.stdout[-2000:]
    assert "Comparing against benchmarks from: c.json" in done.stderr
    # our entry was paired with the test by fullname: its row is in pytest-benchmark's table
    assert re.search(r"^test_sleep_short \(c\) ", done.stdout, flags=re.MULTILINE)
    assert re.search(r"^test_sleep_short \(NOW\) ", done.stdout, flags=re.MULTILINE)


def test_extra_info_params_and_true_rounds_survive_import_history_json(
    project: Path, tmp_path: Path
) -> None:
    history = History(tmp_path / "h.db")
    try:
        run_id = import_pytest_benchmark_json(project / "a.json", history)
        results = history.results(run_id)
    finally:
        history.close()
    record = RunRecord(run_id=run_id, backend="pytest", results={r.id: r for r in results})
    written = {b["fullname"]: b for b in pytest_benchmark_json(record, [])["benchmarks"]}
    for fullname, entry in _entries(project / "a.json").items():
        mine = written[fullname]
        assert mine["params"] == entry["params"] and mine["param"] == entry["param"]
        assert {k: v for k, v in mine["extra_info"].items() if k != "tracetui"} == entry[
            "extra_info"
        ]
        assert mine["stats"]["rounds"] == entry["stats"]["rounds"]
        assert mine["stats"]["median"] == entry["stats"]["median"]
    sized = written["tests/test_calls.py::test_sized[2]"]
    assert sized["params"] == {"size": 2}
    assert sized["extra_info"]["note"] == {"kind": "nested", "values": [2, 4]}


def test_a_reimported_json_keeps_every_id(project: Path, tmp_path: Path) -> None:
    """tracetui's own --json, imported again, files every result under the same id."""
    history = History(tmp_path / "h.db")
    try:
        first = import_pytest_benchmark_json(project / "a.json", history)
        results = history.results(first)
        record = RunRecord(run_id=first, backend="pytest", results={r.id: r for r in results})
        again = tmp_path / "ours.json"
        again.write_text(json.dumps(pytest_benchmark_json(record, [])))
        second = import_pytest_benchmark_json(again, history)
        assert {r.id for r in history.results(second)} == {r.id for r in results} == IDS
    finally:
        history.close()


def test_tracetui_benchmarks_are_written_as_pytest_suites_names_them_and_read_back(
    tmp_path: Path,
) -> None:
    from tracetui.engine.core.results import BenchmarkResult
    from tracetui.engine.recording.importer import read_results

    result = BenchmarkResult(
        id="database.item_read",
        suite="database",
        name="item_read",
        kind="micro",
        samples=(0.001, 0.002, 0.0015),
        group="lookups",
        counters={"sql_statements": 1.0},
    )
    record = RunRecord(run_id="r1", backend="sqlite", results={result.id: result})
    (entry,) = pytest_benchmark_json(record, [])["benchmarks"]
    assert entry["name"] == "test_benchmark[database.item_read]"
    assert entry["fullname"] == "suites/test_benchmarks.py::test_benchmark[database.item_read]"
    assert (entry["params"], entry["param"]) == (
        {"benchmark_id": "database.item_read"},
        "database.item_read",
    )
    assert entry["extra_info"]["sql_statements"] == 1
    path = tmp_path / "ours.json"
    path.write_text(json.dumps(pytest_benchmark_json(record, [])))
    _, (back,) = read_results(path)
    assert (back.id, back.suite, back.group, back.samples) == (
        "database.item_read",
        "database",
        "lookups",
        result.samples,
    )


def test_missing_means_a_baselined_test_is_gone_not_that_it_was_not_asked_for(
    tmp_path: Path,
) -> None:
    root = write_examples(tmp_path)
    (root / "bl").mkdir()
    done = run_pytest_process(["tests", "--benchmark-only", "--benchmark-json=a.json", *FAST], root)
    assert done.returncode == 0, done.stdout[-2000:]
    assert tracetui(["import", "a.json", "--history", "h.db"], root).returncode == 0
    assert (
        tracetui(["baseline", "accept", "--history", "h.db", "--baselines", "bl"], root).returncode
        == 0
    )
    judge = ["run", "--pytest", "--history", "h.db", "--baselines", "bl"]
    selected = tracetui([*judge, "tests", "-k", "sized", *FAST], root)
    assert selected.returncode in (0, 1), selected.stderr
    assert "tests.test_calls.test_sized[1]" in selected.stdout
    assert "MISSING" not in selected.stdout  # deselected by -k, not gone
    calls = root / "tests" / "test_calls.py"
    calls.write_text(calls.read_text().split("def test_group_in_body")[0])
    gone = tracetui([*judge, "tests/test_calls.py", *FAST], root)
    rows = gone.stdout.splitlines()[2:-1]  # the verdict table without its header and summary
    missing = [line.split()[0] for line in rows if "MISSING" in line]
    assert missing == ["tests.test_calls.test_group_in_body"]  # other modules were not run
