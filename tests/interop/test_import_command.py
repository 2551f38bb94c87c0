"""`tracetui import FILES… / .benchmarks/`: each file one run, all or nothing, one summary line."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from .interop_helpers import SUBPROCESS_TIMEOUT_S

TRACETUI = [sys.executable, "-m", "tracetui.cli.main"]


def _entry(fullname: str, median: float) -> dict[str, object]:
    return {
        "fullname": fullname,
        "name": fullname.split("::")[-1],
        "group": None,
        "stats": {"data": [median, median * 1.1, median * 0.9], "iterations": 1},
    }


def _storage(root: Path) -> Path:
    """A pytest-benchmark storage folder: one machine folder, two saved runs."""
    machine = root / ".benchmarks" / "Linux-CPython-3.11-64bit"
    machine.mkdir(parents=True)
    for n, median in ((1, 0.001), (2, 0.002)):
        data = {
            "datetime": f"2026-01-0{n}T10:00:00",
            "benchmarks": [_entry("tests/test_x.py::test_a", median)],
        }
        (machine / f"000{n}_run.json").write_text(json.dumps(data))
    return root / ".benchmarks"


def _import(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*TRACETUI, "import", "--history", "h.db", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT_S,
        check=False,
    )


def _runs(root: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(root / "h.db") as conn:
        return conn.execute("select backend, status from runs order by started_at").fetchall()


def test_a_storage_folder_and_files_import_each_as_a_run(tmp_path: Path) -> None:
    storage = _storage(tmp_path)
    single = tmp_path / "extra.json"
    single.write_text(json.dumps({"benchmarks": [_entry("tests/test_x.py::test_b", 0.003)]}))
    done = _import(tmp_path, str(storage), "extra.json", "--backend", "sqlite")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("imported 3 file(s) (3 results) as ")
    assert len(done.stdout.splitlines()) == 1
    assert _runs(tmp_path) == [("sqlite", "completed")] * 3
    again = _import(tmp_path, str(storage))  # the same files: nothing imported twice
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == "imported 0 file(s) (0 results) as no run; 2 already imported"
    assert len(_runs(tmp_path)) == 3


def test_a_bad_file_is_refused_alone_with_one_line_and_exit_2(tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"benchmarks": [_entry("t.py::test_ok", 0.001)]}))
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"benchmarks": [_entry("t.py::test_ok", 0.001), {"name": "x"}]}))
    done = _import(tmp_path, "good.json", "bad.json")
    assert done.returncode == 2
    assert done.stderr.strip() == "tracetui: error: bad.json: benchmarks[1] has no 'stats'"
    assert done.stdout.strip().endswith("; 1 refused")
    assert done.stdout.startswith("imported 1 file(s) (1 results)")
    assert _runs(tmp_path) == [("pytest", "completed")]  # nothing of bad.json, good.json whole
    with sqlite3.connect(tmp_path / "h.db") as conn:
        assert conn.execute("select count(*) from results").fetchone() == (1,)


def test_import_needs_an_existing_path(tmp_path: Path) -> None:
    done = _import(tmp_path, "nope.json")
    assert (done.returncode, done.stderr.strip()) == (
        2,
        "tracetui: error: no such file or folder: nope.json",
    )
