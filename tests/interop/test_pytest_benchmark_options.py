"""pytest-benchmark's own options on tracetui's suites and on a user's tiny project.

``pytest suites/ --benchmark-only`` must honour ``--benchmark-json``,
``--benchmark-autosave``, ``--benchmark-compare`` and
``--benchmark-compare-fail`` exactly as pytest-benchmark documents them:
each is checked here through its visible effect (files, exit codes).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from tracetui.engine.interop.pytest_plugin import explicitly_selected

from .interop_helpers import FAST, REPO, SUBPROCESS_TIMEOUT_S, run_pytest_process

SUITES = str(REPO / "suites")
#: pytest-benchmark's own command (``pytest-benchmark compare FILE``), next to this Python.
PYTEST_BENCHMARK = str(Path(sys.executable).parent / "pytest-benchmark")
#: One calibrated (Timed) and one pedantic (bulk) benchmark: a few seconds in all.
CHEAP = (
    "database.item_read or bulk.create_items[100] or database.count_by_status"
    " or bulk.create_items_memory"
)


def test_suites_write_a_json_that_pytest_benchmark_compare_reads(tmp_path: Path) -> None:
    out = tmp_path / "suites.json"
    done = run_pytest_process(
        [SUITES, "--benchmark-only", "-k", CHEAP, *FAST, f"--benchmark-json={out}"], tmp_path
    )
    assert done.returncode == 0, done.stdout[-3000:]
    assert "test_benchmark[database.item_read]" in done.stdout
    data = json.loads(out.read_text())
    by_name = {b["name"]: b for b in data["benchmarks"]}
    assert set(by_name) == {
        "test_benchmark[database.item_read]",
        "test_benchmark[database.count_by_status]",
        "test_benchmark[bulk.create_items[100]]",
        "test_benchmark[bulk.create_items_memory[5000]]",
    }
    memory = by_name["test_benchmark[bulk.create_items_memory[5000]]"]["extra_info"]["tracetui"]
    assert memory["counters"]["peak_memory_bytes"] > 0
    bulk = by_name["test_benchmark[bulk.create_items[100]]"]
    assert bulk["group"] == "bulk.create_items"
    assert bulk["stats"]["iterations"] == 1  # pedantic: one call per round
    assert bulk["stats"]["rounds"] >= 2  # --benchmark-min-rounds, then what fits in max-time
    read = by_name["test_benchmark[database.item_read]"]
    assert read["extra_info"]["sql_statements"] >= 1
    assert read["extra_info"]["tracetui"]["id"] == "database.item_read"
    assert read["extra_info"]["tracetui"]["backend"] == "sqlite"
    compare = subprocess.run(
        [PYTEST_BENCHMARK, "compare", str(out)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT_S,
        check=False,
    )
    assert compare.returncode == 0, compare.stderr[-2000:]
    assert "database.item_read" in compare.stdout


def test_suites_autosave_then_compare_against_the_saved_run(tmp_path: Path) -> None:
    storage = f"--benchmark-storage=file://{tmp_path / 'store'}"
    args = [SUITES, "--benchmark-only", "-k", "database.item_read", *FAST, storage]
    first = run_pytest_process([*args, "--benchmark-autosave"], tmp_path)
    assert first.returncode == 0, first.stdout[-3000:]
    saved = list((tmp_path / "store").rglob("0001_*.json"))
    assert len(saved) == 1
    assert json.loads(saved[0].read_text())["benchmarks"][0]["group"] == "database.item_read"
    second = run_pytest_process(
        [*args, "--benchmark-compare=0001", "--benchmark-compare-fail=mean:100000%"], tmp_path
    )
    assert second.returncode == 0, second.stdout[-3000:]
    assert "0001" in second.stdout  # the saved run appears as the comparison column


def test_load_benchmarks_are_skipped_unless_named_with_k(tmp_path: Path) -> None:
    done = run_pytest_process(
        [
            SUITES,
            "--benchmark-only",
            "-k",
            "not database and not bulk and not concurrent",
            "-rs",
            *FAST,
        ],
        tmp_path,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    assert "8 skipped" in done.stdout  # six load benchmarks and two ramps
    assert "select them explicitly with -k" in done.stdout


def _tiny_sleep_run(project: Path, delay: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_pytest_process(
        [
            "test_tiny.py",
            "--benchmark-only",
            "-k",
            "test_sleep",
            *FAST,
            f"--benchmark-storage=file://{project / 'store'}",
            *extra,
        ],
        project,
        env={"TINY_SLEEP": delay},
    )


def test_compare_fail_fails_the_session_on_an_injected_slowdown(tiny_project: Path) -> None:
    first = _tiny_sleep_run(tiny_project, "0.002", "--benchmark-autosave")
    assert first.returncode == 0, first.stdout[-3000:]
    same = _tiny_sleep_run(
        tiny_project, "0.002", "--benchmark-compare", "--benchmark-compare-fail=mean:400%"
    )
    assert same.returncode == 0, same.stdout[-3000:]
    slower = _tiny_sleep_run(
        tiny_project, "0.03", "--benchmark-compare", "--benchmark-compare-fail=mean:10%"
    )
    assert slower.returncode != 0
    assert "Performance has regressed" in slower.stdout + slower.stderr
    assert "mean" in slower.stdout + slower.stderr


def test_tiny_project_runs_without_tracetui_suites(tiny_project: Path) -> None:
    """The plugin is loaded in every session of the environment; a user's project is unaffected."""
    done = run_pytest_process(
        ["test_tiny.py", "--benchmark-only", *FAST],
        tiny_project,
        env={"PYTHONWARNINGS": os.environ.get("PYTHONWARNINGS", "")},
    )
    assert done.returncode == 0, done.stdout[-3000:]
    assert "3 passed, 1 skipped" in done.stdout


@pytest.mark.parametrize(
    ("expression", "selected"),
    [
        ("", False),
        ("load", True),
        ("crud", True),
        ("load.queries[low]", False),
        ("database or load.crud[low]", True),
        ("not database", False),
        ("not load", False),
        ("LOAD and low", True),
        ("database", False),
    ],
)
def test_load_benchmarks_need_a_positive_k_word(expression: str, selected: bool) -> None:
    assert explicitly_selected(expression, "load.crud[low]") is selected
