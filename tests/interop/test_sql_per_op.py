"""``pytest suites/ --benchmark-only`` and ``tracetui run`` record the same SQL per operation.

Both go through the engine's one case runner's probe
(:func:`tracetui.engine.measuring.case_runner.probe`). Over the concurrent
suite, whose rounds are many operations each (the statements of a round are
divided by its operations: ``concurrent.create_items[10x10]`` is 1.1, not
11), the two JSON files must agree for every benchmark. Each of the suite's
benchmark functions runs once, at its smallest size (the larger sizes repeat
the same statements and took two thirds of the test's 40 s).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .interop_helpers import FAST, REPO, SUBPROCESS_TIMEOUT_S, run_pytest_process

TRACETUI = str(Path(sys.executable).parent / "tracetui")
#: One benchmark of each function of the concurrent suite, its smallest size.
SMALLEST = (
    "create_items[10x10]",
    "update_items_disjoint[100x10]",
    "increment_same_item[100x10]",
    "lock_contention[200x20]",
    "query_items[200x10]",
    "create_links[100x10]",
    "create_links_racing[100x10]",
    "delete_items[100x10]",
    "mixed_crud[200x10]",
)


def _sql_per_op(path: Path, name_of) -> dict[str, float]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return {name_of(b): float(b["extra_info"]["sql_statements"]) for b in data["benchmarks"]}


@pytest.mark.timeout(300)
def test_pytest_and_tracetui_run_record_the_same_sql_per_operation(tmp_path: Path) -> None:
    via_pytest = tmp_path / "pytest.json"
    done = run_pytest_process(
        [
            *(
                f"{REPO / 'suites' / 'test_benchmarks.py'}::test_benchmark[concurrent.{name}]"
                for name in SMALLEST
            ),
            "--benchmark-only",
            "--tracetui-profile",
            "smoke",
            *FAST,
            f"--benchmark-json={via_pytest}",
        ],
        tmp_path,
    )
    assert done.returncode == 0, done.stdout[-3000:]

    via_run = tmp_path / "run.json"
    (tmp_path / "no-baselines").mkdir()
    ran = subprocess.run(
        [
            TRACETUI,
            "run",
            *(f"concurrent.{name}" for name in SMALLEST),
            "--ci",
            "--profile",
            "smoke",
            "--no-noise-check",
            "--json",
            str(via_run),
            "--baselines",
            str(tmp_path / "no-baselines"),
            "--history",
            str(tmp_path / "history.db"),
            "--db",
            f"sqlite:///{tmp_path / 'trace.db'}",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT_S * 2,
    )
    assert ran.returncode == 0, ran.stderr[-3000:]

    pytest_sql = _sql_per_op(via_pytest, lambda b: b["extra_info"]["tracetui"]["id"])
    run_sql = _sql_per_op(via_run, lambda b: b["extra_info"]["tracetui"]["id"])
    assert set(run_sql) == {f"concurrent.{name}" for name in SMALLEST}
    assert pytest_sql == run_sql
    assert run_sql["concurrent.create_items[10x10]"] == pytest.approx(1.1)
    # The same number sits in the plugin's own record that `tracetui import` reads.
    data = json.loads(via_pytest.read_text(encoding="utf-8"))
    for bench in data["benchmarks"]:
        info = bench["extra_info"]
        assert info["tracetui"]["counters"]["sql_statements"] == info["sql_statements"]
