"""Helpers for the interop tests: tiny pytest-benchmark projects outside the repository.

Every pytest session these tests start is a subprocess with a timeout, in a
``tmp_path`` (never in the repository), so nothing outlives a test and no
``.benchmarks`` folder lands in the checkout.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SUBPROCESS_TIMEOUT_S = 120

#: A user's own pytest-benchmark tests: calibrated, parametrized, pedantic in a class.
TINY_BENCHMARKS = """
import os
import time

import pytest


@pytest.mark.parametrize("n", [10, 100])
def test_sum(benchmark, n):
    assert benchmark(sum, range(n)) == n * (n - 1) // 2


class TestSleep:
    @pytest.mark.benchmark(group="sleepy")
    def test_sleep(self, benchmark):
        delay = float(os.environ.get("TINY_SLEEP", "0.001"))
        benchmark.pedantic(time.sleep, args=(delay,), rounds=3, iterations=1)


def test_not_a_benchmark():
    assert True
"""

#: Options that keep calibrated benchmarks short.
FAST = ["--benchmark-max-time=0.02", "--benchmark-min-rounds=2", "-p", "no:cacheprovider"]


def write_tests(directory: Path, source: str = TINY_BENCHMARKS, name: str = "test_tiny.py") -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return path


def run_pytest_process(
    args: list[str], cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m pytest ARGS`` in ``cwd`` with a timeout; output captured."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT_S,
        check=False,
    )
