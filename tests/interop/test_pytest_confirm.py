"""`tracetui run --pytest PATH --ci`: doubtful verdicts are confirmed as for suites.

A toy pytest-benchmark project whose benchmarks spin for a given CPU time,
timed with ``--benchmark-timer=time.process_time``: a round takes what it
takes however busy the machine is (measured: wall-clock spins of 2 ms read
2–9 ms at load 7 under ``nice``, and a re-run of unchanged code was
INCONCLUSIVE at +26 %). The re-run keeps that option. Flag files next to
the tests slow one of them down: ``slow_once`` for the next run only (the
slowed run removes it), ``slow_always`` for every run, ``one_round_slower``
a one-round pedantic benchmark by 60 %. Every command is a subprocess in
``tmp_path`` with a timeout; the tests read exit codes and reports.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

TRACETUI = [sys.executable, "-m", "tracetui.cli.main"]
TIMEOUT_S = 180

pytestmark = pytest.mark.timeout(600)

PROJECT = """
import time
from pathlib import Path

HERE = Path(__file__).parent
SLOW = 3.0


def spin(seconds):
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def test_steady(benchmark):
    benchmark.pedantic(spin, args=(0.002,), rounds=10, iterations=1)


def test_flagged(benchmark):
    once = HERE / "slow_once"
    slowed = once.exists() or (HERE / "slow_always").exists()
    benchmark.pedantic(spin, args=(0.002 * (SLOW if slowed else 1.0),), rounds=10, iterations=1)
    if once.exists():
        once.unlink()  # slowed in this run only


def test_one_round(benchmark):
    factor = 1.6 if (HERE / "one_round_slower").exists() else 1.0
    benchmark.pedantic(spin, args=(0.05 * factor,), rounds=1, iterations=1)
"""


def tracetui(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACETUI_")}
    return subprocess.run(
        [*TRACETUI, *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )


def run_ci(project: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return tracetui(
        project,
        "run",
        "--pytest",
        "test_bench.py",
        "-p",
        "no:cacheprovider",
        "--benchmark-timer=time.process_time",
        "--ci",
        "--history",
        "h.db",
        "--baselines",
        "bl",
        *extra,
    )


def line_of(stdout: str, name: str) -> str:
    return next(line for line in stdout.splitlines() if line.startswith(f"test_bench.{name}"))


FLAGS = ("slow_once", "slow_always", "one_round_slower")


@pytest.fixture(scope="module")
def accepted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The toy project with every benchmark's baseline accepted from one unslowed run."""
    root = tmp_path_factory.mktemp("confirm")
    (root / "test_bench.py").write_text(PROJECT)
    (root / "bl").mkdir()
    first = run_ci(root)
    assert first.returncode == 0, first.stdout + first.stderr
    done = tracetui(root, "baseline", "accept", "--history", "h.db", "--baselines", "bl")
    assert done.returncode == 0, done.stdout + done.stderr
    assert (root / "bl" / "test_bench.pytest.toml").exists()
    return root


@pytest.fixture
def project(accepted: Path) -> Iterator[Path]:
    """The accepted project, no flag set before or after (runs never accept baselines)."""
    yield accepted
    for flag in FLAGS:
        (accepted / flag).unlink(missing_ok=True)


def test_a_slowdown_of_the_first_run_only_is_not_confirmed(project: Path) -> None:
    (project / "slow_once").touch()
    proc = run_ci(project, "--markdown", "m.md")
    assert not (project / "slow_once").exists()  # the first run was slowed
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "re-running 1 doubtful benchmark(s) once to decide" in proc.stderr
    assert "test_bench.test_flagged: CRITICAL not confirmed by the re-run (INFO)" in proc.stderr
    assert "INFO" in line_of(proc.stdout, "test_flagged")
    assert "CRITICAL" not in proc.stdout
    summary = (project / "m.md").read_text()
    assert "CRITICAL" not in summary and "`test_bench.test_flagged`" in summary


def test_a_slowdown_of_both_runs_is_confirmed(project: Path) -> None:
    (project / "slow_always").touch()
    proc = run_ci(project, "--junit", "j.xml")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "re-running 1 doubtful benchmark(s) once to decide" in proc.stderr
    assert "not confirmed" not in proc.stderr
    assert "CRITICAL" in line_of(proc.stdout, "test_flagged")
    assert "CRITICAL" not in line_of(proc.stdout, "test_steady")
    assert (project / "j.xml").read_text().count("<failure") == 1


def test_without_ci_nothing_is_re_run(project: Path) -> None:
    (project / "slow_once").touch()
    proc = tracetui(
        project,
        *("run", "--pytest", "test_bench.py", "-p", "no:cacheprovider"),
        "--benchmark-timer=time.process_time",
        *("--history", "h.db", "--baselines", "bl"),
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "re-running" not in proc.stderr
    assert "CRITICAL" in line_of(proc.stdout, "test_flagged")


def test_a_one_round_pedantic_benchmark_60_percent_slower_fails_the_gate(project: Path) -> None:
    (project / "one_round_slower").touch()
    proc = run_ci(project)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "CRITICAL" in line_of(proc.stdout, "test_one_round")  # +60 % > 30 %
    assert "not confirmed" not in proc.stderr  # the re-run, judged alone, agrees
    assert "INFO" in line_of(proc.stdout, "test_flagged")


def test_a_re_run_keeps_the_users_options_but_none_that_writes_files(tmp_path: Path) -> None:
    from tracetui.cli.pytest_run import rerun_options

    (tmp_path / "tests").mkdir()
    args = [
        *(str(tmp_path / "tests"), "-k", "not slow", "-p", "no:cacheprovider"),
        *("--benchmark-json", "out.json", "--benchmark-compare", "--benchmark-timer=x"),
        *("--benchmark-compare-fail", "mean:5%", "min:1%", "--benchmark-autosave"),
        *("--benchmark-histogram=h", "--benchmark-save", "name", "tests/test_x.py::test_a"),
        "--benchmark-min-rounds=3",
    ]
    assert rerun_options(args) == [
        *("-k", "not slow", "-p", "no:cacheprovider", "--benchmark-timer=x"),
        "--benchmark-min-rounds=3",
    ]
