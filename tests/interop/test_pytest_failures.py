"""`tracetui run --pytest` when pytest fails: pytest's reason, the documented code, a closed run.

Each case is a tiny project of its own; every run is a subprocess with a
timeout. The history row of the run is read back: it is never "running".
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .interop_helpers import FAST, SUBPROCESS_TIMEOUT_S, write_tests

TRACETUI = [sys.executable, "-m", "tracetui.cli.main"]
GOOD = "def test_ok(benchmark):\n    benchmark(int)\n"
SLOW = """import time

def test_slow(benchmark):
    benchmark.pedantic(time.sleep, (0.3,), rounds=60)
"""


def _project(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "p"
    root.mkdir()
    (root / "bl").mkdir()
    for name, source in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(source, encoding="utf-8")
    return root


def _run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*TRACETUI, "run", "--pytest", "--history", "h.db", "--baselines", "bl", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT_S,
        check=False,
    )


def _statuses(root: Path) -> list[str]:
    with sqlite3.connect(root / "h.db") as conn:
        try:
            return [row[0] for row in conn.execute("select status from runs")]
        except sqlite3.OperationalError:  # the history is being created
            return []


CASES = {
    "usage error": (
        {"test_a.py": GOOD},
        ["test_a.py", "--no-such-option"],
        2,
        "pytest: error: unrecognized arguments: --no-such-option",
        "failed",
    ),
    "missing path": (
        {"test_a.py": GOOD},
        ["nothere.py"],
        2,
        "file or directory not found: nothere.py",
        "failed",
    ),
    "unknown node id": (
        {"test_a.py": GOOD},
        ["test_a.py::test_nope"],
        2,
        "not found:",
        "failed",
    ),
    "import error in collection": (
        {"test_a.py": GOOD, "test_broken.py": "import no_such_module_x\n" + GOOD},
        ["."],
        2,
        "ModuleNotFoundError: No module named 'no_such_module_x'",
        "failed",
    ),
    "nothing selected": (
        {"test_a.py": GOOD},
        ["test_a.py", "-k", "nomatch"],
        2,
        "pytest selected no test",
        "failed",
    ),
    "no benchmark among the tests": (
        {"test_a.py": "def test_plain():\n    pass\n"},
        ["test_a.py"],
        2,
        "pytest selected no benchmark test",
        "failed",
    ),
    "--benchmark-disable in the project's config": (
        {"test_a.py": GOOD, "pytest.ini": "[pytest]\naddopts = --benchmark-disable\n"},
        ["test_a.py"],
        2,
        "Can't have both --benchmark-only and --benchmark-disable",
        "failed",
    ),
    "internal error": (
        {
            "test_a.py": GOOD,
            "conftest.py": "def pytest_collection_finish(session):\n"
            "    raise RuntimeError('plugin exploded')\n",
        },
        ["test_a.py"],
        3,
        "RuntimeError: plugin exploded",
        "crashed",
    ),
    "one file name in two packages": (
        {
            "sub_a/__init__.py": "",
            "sub_a/test_dup.py": "def test_same(benchmark):\n    benchmark(int)\n",
            "sub_b/__init__.py": "",
            "sub_b/test_dup.py": "def test_same(benchmark):\n    benchmark(int)\n",
        },
        ["."],
        0,
        "sub_b.test_dup.test_same",  # and sub_a's: two tests, two ids, no IntegrityError
        "completed",
    ),
    "an empty -c config": (
        {"test_a.py": GOOD, "empty.ini": ""},
        ["-c", "empty.ini", "test_a.py"],
        0,
        "test_a.test_ok",
        "completed",
    ),
    "an error in a benchmark": (
        {"test_a.py": "def test_bad(benchmark):\n    benchmark(int, 'x')\n"},
        ["test_a.py"],
        3,
        "invalid literal for int()",
        "completed",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_failure_names_pytests_reason_and_closes_the_run(tmp_path: Path, case: str) -> None:
    files, args, code, reason, status = CASES[case]
    root = _project(tmp_path, files)
    done = _run(root, *args, *FAST)
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr
    output = done.stdout + done.stderr
    assert reason in output, output
    assert _statuses(root) == [status]


def test_pytest_options_anywhere_after_the_paths(tmp_path: Path) -> None:
    """No `--` needed: `-k`, `-p` and `--benchmark-*` go to pytest, tracetui keeps its own."""
    root = _project(tmp_path, {})
    write_tests(root)
    done = _run(
        root, "test_tiny.py", "-k", "sum", *FAST, "--json", "b.json", "--fail-on", "warning"
    )
    assert done.returncode == 0, done.stderr
    assert "test_tiny.test_sum[10]" in done.stdout and "test_sleep" not in done.stdout
    assert (root / "b.json").exists()
    old_spelling = _run(root, "test_tiny.py", "--", "-k", "sleep", *FAST)
    assert old_spelling.returncode == 0, old_spelling.stderr
    assert "test_tiny.TestSleep.test_sleep" in old_spelling.stdout
    assert _statuses(root) == ["completed", "completed"]


def test_profile_maps_onto_pytest_benchmark_options(tmp_path: Path) -> None:
    import json

    root = _project(tmp_path, {"test_a.py": GOOD})
    done = _run(
        root, "--profile", "smoke", "test_a.py", "-p", "no:cacheprovider", "--json", "o.json"
    )
    assert done.returncode == 0, done.stderr
    options = json.loads((root / "o.json").read_text())["benchmarks"][0]["options"]
    assert (options["min_rounds"], options["max_time"], options["warmup"]) == (5, 0.5, 1)
    assert options["min_time"] == 0.002


def test_ctrl_c_cancels_the_run_and_exits_130(tmp_path: Path) -> None:
    root = _project(tmp_path, {"test_slow.py": SLOW})
    proc = subprocess.Popen(
        [*TRACETUI, "run", "--pytest", "--history", "h.db", "--baselines", "bl", "test_slow.py"],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if (root / "h.db").exists() and _statuses(root) == ["running"]:
                break
            time.sleep(0.2)
        time.sleep(1.0)  # pytest is timing its rounds now
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err
    assert _statuses(root) == ["cancelled"]
